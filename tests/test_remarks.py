"""Remarks and adverts (bot/procedures/remarks.py): a degree word closing a clause with nothing asked, a
link or a number to call; procedure questions with the same words are requests."""

from datetime import UTC, datetime

import pytest
import redis

import handlers
from bot.config import Settings
from bot.conversation.context import Context
from bot.ingress.events import Event
from bot.procedures.remarks import asks_for_something, is_advert, is_remark
from bot.services import Services
from tests.helpers import text_event


@pytest.mark.parametrize("text", [
    "sân bóng thôn em mới làm xong, đẹp ghê", "lua nam nay trung mua vui qua", "con gà nhà em đẻ nhiều trứng lắm",
    "đường lên bản mùa này trơn quá trời", "mưa dữ", "hom nay nong qua di mat", "ad dễ thương ghê á",
    "chúc mừng ngày thương binh liệt sĩ 27/7", "chuc mung nam moi ca xa",
    "ngoài chợ đông quá chen chật cứng",
])
def test_a_clause_closing_on_a_degree_word_with_nothing_asked_is_a_remark(text: str) -> None:
    assert is_remark(text)


@pytest.mark.parametrize("text", [
    "bố em mất hôm qua", "bo em mat hom qua", "trồng cây ăn quả", "cccd của em quá hạn rồi", "đi qua",
    "làm giấy khai sinh lâu quá", "giấy phép hết hạn lâu quá, làm lại ở đâu", "sổ đỏ nhà em cũ quá, đổi được không",
    "chờ lâu quá?", "xin trợ cấp, nhà em nghèo quá", "quá!", "giấy phép quá hạn 2 tháng rồi",
    "chúc mừng, cho em hỏi làm giấy khai sinh ở đâu",
])
def test_requests_and_other_readings_of_qua_are_no_remark(text: str) -> None:
    assert not is_remark(text)


def test_a_catalogue_pair_before_qua_is_another_word() -> None:
    assert not is_remark("xem thong tin tuyen sinh dau qua", lambda a, b: (a, b) == ("dau", "qua"))


@pytest.mark.parametrize("text", [
    "Vay tiền nhanh lãi suất thấp, LH 0912.345.678", "vay tien online giai ngan trong ngay lh 0988xxxxxx",
    "tuyển cộng tác viên bán hàng online, xem tại bit.ly/abc123", "bán đất chính chủ giá rẻ",
    "VAY NHANH TRONG NGAY, LH ZALO 09xx", "nhận làm sổ đỏ nhanh gọn, liên hệ 0912 345 678",
])
def test_links_numbers_to_call_and_sales_words_are_adverts(text: str) -> None:
    assert is_advert(text)


@pytest.mark.parametrize("text", [
    "số điện thoại của xã là 0912345678 phải không", "liên hệ ai để làm sổ đỏ", "nhà em nghèo, xin hỗ trợ",
    "lh em 2 lần không ai nghe", "năm 2024 gọi 3 lần",
    "mua nhà ở xã hội giá rẻ thì đăng ký ở đâu",
])
def test_questions_are_no_advert(text: str) -> None:
    assert not is_advert(text)


@pytest.mark.parametrize(("text", "asks"), [
    ("làm ở đâu", True), ("lam o dau", True), ("bao nhiêu tiền", True), ("đăng ký tạm trú", True),
    ("bảo hiểm xe máy rẻ ghê", False), ("mấy giờ", True), ("xe may", True), ("đẹp quá", False), ("?", True),
])
def test_asking_is_a_question_word_a_request_verb_or_a_question_mark(text: str, asks: bool) -> None:
    assert asks_for_something(text) is asks


def test_a_remark_is_acknowledged_with_a_person_one_tap_away(redis_client: redis.Redis, settings: Settings) -> None:
    services = Services(redis_client, settings)
    event = Event(text_event("u-remark", "sân bóng thôn em mới làm xong, đẹp ghê"))
    replies = handlers.dispatch(Context(event, redis_client, settings, datetime.now(UTC), services))
    assert len(replies) == 1 and "cảm ơn Anh/Chị đã chia sẻ" in replies[0].text
    assert [button.payload for button in replies[0].buttons] == ["#staff"]
