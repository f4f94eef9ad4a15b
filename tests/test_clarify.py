"""The clarifying question names what sets the candidates apart (real catalogue names)."""

from __future__ import annotations

from bot.procedures.catalogue import load_catalogue
from bot.procedures.clarify import BUTTON_CHARS, compose_clarify, display_name, labels_for

CATALOGUE = load_catalogue()


def names(*codes: str) -> list[str]:
    return [CATALOGUE.procedures[code].name for code in codes]


def test_variants_are_named_by_their_difference():
    # khai sinh, khai sinh lưu động, khai sinh có yếu tố nước ngoài
    assert labels_for(names("1.001193", "1.003583", "2.000528")) == ["Thông thường", "Lưu động",
                                                                     "Có yếu tố nước ngoài"]
    assert labels_for(names("1.000656", "1.005461")) == ["Thông thường", "Đăng ký lại"]
    assert labels_for(names("1.014061", "1.014062")) == ["Từ đủ 14 tuổi", "Dưới 14 tuổi"]


def test_the_question_names_the_difference():
    question = compose_clarify(names("1.014061", "1.014062"))
    assert "từ đủ 14 tuổi hay dưới 14 tuổi" in question.text
    assert "Số 1" not in question.text


def test_siblings_without_a_variant_word_are_told_apart_by_what_follows_their_shared_words():
    labels = labels_for(names("1.004884", "1.004746", "1.005461"))  # đăng ký lại khai sinh / kết hôn / khai tử
    assert labels == ["Khai sinh", "Kết hôn", "Khai tử"]


def test_long_names_get_short_distinct_labels():
    long_names = names("1.014027", "1.001776", "1.013743", "1.013744")
    labels = labels_for(long_names)
    assert len(set(labels)) == len(labels)
    assert all(0 < len(label) <= BUTTON_CHARS for label in labels)
    question = compose_clarify(long_names)
    assert len(question.text) <= 2000


def test_display_name_drops_noise_and_shouting():
    assert display_name("Thủ tục đăng ký khai tử") == "Đăng ký khai tử"
    assert display_name("Trình báo mất hộ chiếu phổ thông (thực hiện tại cấp xã)") == \
        "Trình báo mất hộ chiếu phổ thông"
    assert compose_clarify(["HƯỞNG TRỢ CẤP MAI TÁNG", "Giải quyết hưởng chế độ tử tuất"]).text.split("\n")[1] \
        == "1. Hưởng trợ cấp mai táng"
