"""The action layer: what a name does, and what a question asks, from data/actions.tsv."""

from __future__ import annotations

import pytest

from bot.procedures.actions import ActionTable
from bot.procedures.matcher import CONFIDENCE_FEATURES, DATA_DIR, RANKING_FEATURES, RankingModel
from bot.procedures.textnorm import folded_tokens


@pytest.fixture(scope="module")
def table() -> ActionTable:
    return ActionTable.parse((DATA_DIR / "actions.tsv").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("name", "action"), [
    # Real catalogue names (data/catalogue.json.gz), as the matcher keeps them (without "Thủ tục").
    ("Chấm dứt hoạt động hộ kinh doanh", "stop"),
    ("thôi làm hòa giải viên (cấp xã)", "stop"),
    ("Đăng ký lại khai tử", "reissue"),
    ("Cấp lại thẻ căn cước", "reissue"),
    ("Cấp đổi thẻ căn cước", "change"),
    ("Gia hạn tạm trú", "extend"),
    ("Tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo của hộ kinh doanh", "pause"),
    ("Mở khóa tài khoản định danh điện tử", "resume"),
    ("Công nhận hòa giải viên", "begin"),
    ("Trình báo mất hộ chiếu phổ thông (thực hiện tại cấp xã)", "report"),
])
def test_a_name_states_its_action_in_its_first_words(table: ActionTable, name: str, action: str) -> None:
    assert action in table.of_name(folded_tokens(name))


def test_a_name_mentioning_an_action_late_is_not_that_action(table: ActionTable) -> None:
    # "thu hồi" is the object's qualifier here, far from the start.
    assert "stop" not in table.of_name(folded_tokens("Hỗ trợ khám chữa bệnh cho người bị thu hồi đất"))


@pytest.mark.parametrize(("question", "action"), [
    ("nghỉ hẳn không buôn bán nữa", "stop"),
    ("dong cua tiem vinh vien", "stop"),
    ("the can cuoc bi mat lam lai", "reissue"),
    ("giấy phép xây dựng hết hạn rồi", "extend"),
    ("tạm nghỉ bán 3 tháng", "pause"),
    ("căn cước ghi sai tên", "change"),
    ("em lỡ làm mất hộ chiếu ngoài chợ", "report"),
])
def test_everyday_words_name_the_action(table: ActionTable, question: str, action: str) -> None:
    assert action in table.of_query(folded_tokens(question))


def test_a_question_without_an_action_word_names_none(table: ActionTable) -> None:
    assert table.of_query(folded_tokens("giấy khai sinh cho bé")) == frozenset()
    # "mất" alone is as often a death as a loss: it names no action.
    assert table.of_query(folded_tokens("chồng em mất rồi, xin tiền tử tuất")) == frozenset()


def test_making_a_passport_is_not_reporting_one_lost() -> None:
    from bot.procedures.catalogue import load_catalogue
    from bot.procedures.matcher import Matcher

    matcher = Matcher.from_catalogue(load_catalogue())
    assert matcher.match("làm hộ chiếu lần đầu").candidates[0].name.startswith("Cấp hộ chiếu phổ thông")
    assert matcher.match("em làm mất hộ chiếu rồi").candidates[0].name.startswith("Trình báo mất hộ chiếu")


def test_the_shipped_weights_fit_the_features() -> None:
    model = RankingModel.parse((DATA_DIR / "ranking_weights.json").read_text(encoding="utf-8"))
    assert model is not None and len(model.weights) == len(RANKING_FEATURES)
    assert len(model.confidence_weights) == len(CONFIDENCE_FEATURES)
    assert 0.5 <= model.answer_confidence <= 1.0


def test_weights_for_another_feature_set_are_ignored() -> None:
    assert RankingModel.parse('{"features": ["x"], "weights": [1], "confidence_features": ["bias"], '
                              '"confidence_weights": [1], "answer_confidence": 0.9, "clarify_mass": 0.9}') is None
