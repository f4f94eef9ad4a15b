"""Small talk, reactions and spam are held back from procedure answers (data/chitchat.tsv, the matcher's
small-talk check, textnorm.strip_reactions), while procedure questions made of similar words are not."""

from functools import lru_cache

import pytest

from bot.procedures.catalogue import load_catalogue
from bot.procedures.matcher import Matcher
from tests.eval.evalset import load_eval_set, score


@lru_cache(maxsize=1)
def matcher() -> Matcher:
    return Matcher.from_catalogue(load_catalogue())


@pytest.mark.parametrize("text", [
    ":D", "<3", "=))", "[Hình ảnh]", "[Sticker]", "hả???", "ủa", "ad ơi ad có đó không",
    "chúc mừng năm mới", "chúc ad ngủ ngon", "ad bao nhiêu tuổi", "bot này ngu thế", "sao trả lời lâu thế",
    "tối nay có mưa không", "vay tiền nhanh không cần thế chấp", "mua bán sim số đẹp", "em chưa hiểu", "thôi khỏi",
    "https://dichvucong.gov.vn/p/home", "[Cuộc gọi thoại]",
])
def test_chitchat_reactions_and_spam_are_held_back(text: str) -> None:
    assert matcher().match(text).decision == "chitchat"


@pytest.mark.parametrize(("text", "code"), [
    ("làm di chúc", "2.001019"), ("mua nhà ở xã hội", "1.014632"), ("hic :( làm giấy khai sinh cho con", "1.001193"),
    ("[Hình ảnh] giấy khai sinh của con", "1.001193"), ("xây dựng nhà ở xD", "1.013225"),
    ("xuất ngũ về địa phương đăng ký quân nhân dự bị", "1.013135"),
])
def test_chitchat_words_inside_a_procedure_question_do_not_hold_it_back(text: str, code: str) -> None:
    result = matcher().match(text)
    assert result.decision != "chitchat" and code in [c.code for c in result.candidates]


def _small_talk_held_back(split: str) -> float:
    """Share of a split's small talk and receipt numbers (not its office questions) the matcher holds back."""
    rows = [r for r in load_eval_set() if r.split == split and r.expected[0] in ("chitchat", "receipt")]
    assert len(rows) >= 40

    def ranker(query: str) -> tuple[str, list[str]]:
        result = matcher().match(query)
        return result.decision, [c.code for c in result.candidates]

    return score(rows, ranker).not_answered_rate


def test_chitchat_dev7_split_is_held_back() -> None:
    assert _small_talk_held_back("dev7") >= 0.98

@pytest.mark.parametrize(("text", "intent"), [
    ("sân bóng thôn em mới làm xong, đẹp ghê", "remark"), ("xay nha moi xong, ve nha moi vui qua", "remark"),
    ("con bé nhà em vào lớp 1 rồi, nhanh quá", "remark"),
    ("Vay tiền nhanh lãi suất thấp, LH 0912.345.678", "offtopic"), ("bán đất chính chủ giá rẻ", "offtopic"),
    ("cảm ơn các anh chị ở xã đã tận tình", "thanks"),
])
def test_remarks_and_adverts_sharing_words_with_procedures_are_held_back(text: str, intent: str) -> None:
    result = matcher().match(text)
    assert (result.decision, result.intent) == ("chitchat", intent)


@pytest.mark.parametrize(("text", "code"), [
    ("bố em mất hôm qua, làm giấy báo tử", "1.000656"), ("làm giấy khai sinh cho con lâu quá", "1.001193"),
    ("bo em mat hom qua", "1.000656"),
])
def test_degree_words_and_yesterday_in_a_procedure_question_do_not_hold_it_back(text: str, code: str) -> None:
    result = matcher().match(text)
    assert result.decision != "chitchat" and code in [c.code for c in result.candidates]


def test_chitchat_dev10_small_talk_is_held_back() -> None:
    # dev10's small talk was written after dev7's tuning: 84.7 % held back at first measure, 94.7 % after.
    assert _small_talk_held_back("dev10") >= 0.94
