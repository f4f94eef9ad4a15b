"""Office information: configuration, the bot's answers (typed with or without diacritics, with typos),
the poster keyword, and the Monday/Friday services under procedure answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import redis

from bot.config import Settings
from bot.conversation.context import Context
from bot.ingress.events import Event
from bot.office.hours import office_hours_for
from bot.office.info import CommuneInfoError, commune_info_for, commune_info_from_dict
from bot.procedures.procedure_reply import compose_answer
from bot.services import Services
from handlers.office import compose_office_answer, handle_office_text, office_topics

# Tuesday 10:00 in Hà Nội (03:00 UTC) and Saturday 10:00.
TUESDAY_MORNING = datetime(2026, 5, 12, 3, 0, tzinfo=UTC)
SATURDAY_MORNING = datetime(2026, 5, 16, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "topic"), [
    ("mấy giờ làm việc", "hours"), ("may gio lam viec", "hours"), ("mây giờ ủy ban lam viêc vậy", "hours"),
    ("thứ bảy có làm việc không", "hours"),
    ("thứ hai không viết là gì", "monday"), ("thu 2 khong viet la sao", "monday"),
    ("thứ sáu không hẹn là gì", "friday"),
    ("nhận kết quả qua bưu điện được không", "postal"), ("nhan ket qua qua buu dien dc ko", "postal"),
    ("nộp phí chuyển khoản được không", "bank"), ("nop phi chuyen khoang duoc k", "bank"),
    ("ủy ban ở đâu", "address"), ("ubnd xa o dau", "address"),
    ("số điện thoại", "phone"), ("cho xin sdt", "phone"), ("so dien thaoi uy ban", "phone"),
    # A typo far into a long message is still forgiven (each signature word is located once per message).
    ("em di lam an xa nha may nam nay, gio muon hoi giup me em cach nop phi bang chuyen khaon", "bank"),
    # Clock times, holidays, the way to the office, a desk's address.
    ("11h trưa ra ủy ban còn kịp không", "hours"), ("mấy h thì ủy ban làm việc", "hours"),
    ("lễ 2/9 xã có nghỉ không", "hours"), ("tết xã nghỉ đến ngày nào", "hours"),
    ("đường đi tới ủy ban xã", "address"), ("đi đến ủy ban xã như nào", "address"),
    ("cho xin địa chỉ bộ phận tiếp nhận hồ sơ", "address"),
    # Officers, the commune police and paperwork in general are the office, not a procedure.
    ("cho em xin số điện thoại cán bộ tư pháp", "phone"), ("so dien thoai cong an xa", "phone"),
    ("nộp lệ phí bằng chuyển khoản được không", "bank"), ("nghỉ lễ 30/4 xã nghỉ mấy ngày", "hours"),
    ("2h chiều ủy ban có làm chưa", "hours"), ("sáng mấy giờ bắt đầu làm", "hours"), ("số máy bàn của ủy ban", "phone"),
    ("mùng mấy xã làm lại", "hours"), ("giờ này còn làm không", "hours"), ("số zalo của một cửa", "phone"),
    ("có thanh toán qua momo được không", "bank"), ("bộ phận một cửa ở tầng mấy", "address"),
    ("5h chiều em đến còn kịp không", "hours"), ("mai có tiếp dân không ạ", "hours"),
    ("bây giờ còn ai làm không", "hours"),
    # Submitting online, which rooms and counters, who is on duty, the ways to reach the desk.
    ("nộp hồ sơ trực tuyến được không ad", "online"), ("co nop online duoc ko", "online"),
    ("nộp qua dịch vụ công hay phải lên xã", "online"), ("phòng nào nhận hồ sơ", "address"),
    ("quầy số mấy trả kết quả", "address"), ("ngày lễ có ai trực không", "hours"),
    ("gọi mãi không ai nghe máy", "phone"), ("xã có zalo OA không", "phone"),
    ("chào buổi sáng, xã mình làm việc mấy giờ", "hours"),
    # A function word next to another ("từ chợ" folds like "tử cho") names no procedure.
    ("từ chợ huyện đi tới ủy ban xã đường nào", "address"),
    ("có bắt buộc lên trực tiếp không hay nộp online được không", "online"),
    # Typed with diacritics, pairs spelled otherwise than in names: "có số" is no "cơ sở", "có cổng" no "có công".
    ("gọi số văn phòng mà không ai nghe máy, có số khác không", "phone"),
    ("có cổng dịch vụ công để nộp trực tuyến không", "online"),
    # Coming to the desk: questions a person answers (parking, photocopying, queue numbers, booking, pages).
    ("ủy ban có chỗ gửi xe không ạ", "visit"), ("co can lay so thu tu truoc khong", "visit"),
    ("đặt lịch hẹn trước được không ad", "visit"), ("xã có chỗ photo giấy tờ không", "visit"),
    ("fanpage của xã tên gì", "visit"),
    # A clock time with coming or submitting asks about the hours.
    ("sáng 7h đến được chưa", "hours"), ("nộp hồ sơ sau 5 giờ chiều được không", "hours"),
])
def test_topics(text: str, topic: str) -> None:
    assert office_topics(text) == [topic]


@pytest.mark.parametrize("text", [
    "làm giấy khai sinh mất mấy giờ", "đăng ký khai sinh", "thay đổi địa chỉ thường trú", "đăng ký tạm trú",
    "trích lục bản sao giấy khai sinh", "xác nhận tình trạng hôn nhân",
    # A day, the hours or the bank named in a procedure question: the procedure's answer says where and how.
    "thứ 7 có làm khai sinh không", "chủ nhật có làm căn cước không", "chứng thực bản sao có làm thứ bảy không",
    "quán ăn nghỉ tết 3 tháng có phải báo tạm ngừng", "chuyển nhận lương hưu từ tiền mặt sang tài khoản ngân hàng",
    "mai làm khai sinh được không", "làm hộ chiếu ở đâu", "bây giờ em phải làm sao", "giờ này còn làm căn cước không",
    "gọi số nào để hỏi về hộ kinh doanh", "nộp hồ sơ đăng ký kết hôn online được không",
    "đặt lịch hẹn làm căn cước", "photo công chứng giấy tờ",
    "chào buổi chiều, em muốn tách hộ ra riêng với bố mẹ thì làm thế nào",
    "con nghỉ học 1 năm giờ muốn đi học lại", "giờ nghỉ đẻ thì hưởng bảo hiểm thế nào",
    # Everyday words of the concept thesaurus name a procedure too.
    "làm giấy hôn thú thứ 7 có làm không",
])
def test_procedure_questions_are_not_office_questions(text: str) -> None:
    assert office_topics(text) == []


def test_configuration_and_answers(settings: Settings) -> None:
    info = commune_info_for(settings)
    hours = office_hours_for(settings)
    assert info.hours == hours.summary and info.monday and info.friday
    open_now = compose_office_answer(info, hours, ["hours"], TUESDAY_MORNING).text
    assert hours.summary in open_now and "đang trong giờ làm việc" in open_now
    closed = compose_office_answer(info, hours, ["hours"], SATURDAY_MORNING).text
    assert "ngoài giờ làm việc" in closed and "07:30 thứ Hai 18/05" in closed
    monday = compose_office_answer(info, hours, ["monday"], TUESDAY_MORNING).text
    assert "Thứ Hai – ngày không viết" in monday and "điền sẵn tờ khai" in monday
    assert "bưu chính công ích" in compose_office_answer(info, hours, ["postal"], TUESDAY_MORNING).text
    assert "chuyển khoản" in compose_office_answer(info, hours, ["bank"], TUESDAY_MORNING).text
    online = compose_office_answer(info, hours, ["online"], TUESDAY_MORNING, "https://dichvucong.gov.vn")
    assert "Cổng Dịch vụ công quốc gia" in online.text
    assert ("url", "https://dichvucong.gov.vn") in [(b.kind, b.payload) for b in online.buttons]


def test_services_switched_off_and_contacts() -> None:
    info = commune_info_from_dict({
        "address": "Thôn 1", "phone": "0236 3000 000", "email": "motcua@anphu.gov.vn",
        "monday_service": {"enabled": False}, "postal_return": {"enabled": False},
        "bank_payment": {"description": "Chuyển khoản.", "bank": "Agribank", "account_number": "123",
                         "account_name": "UBND xã An Phú"},
    }, default_name="UBND xã An Phú", hours="thứ Hai đến thứ Sáu")
    hours = office_hours_for(Settings())
    assert info.monday is None and info.friday is None and not info.postal_return
    assert "chưa tổ chức ngày không viết" in compose_office_answer(info, hours, ["monday"], TUESDAY_MORNING).text
    assert "chưa nhận trả kết quả qua bưu điện" in compose_office_answer(info, hours, ["postal"],
                                                                          TUESDAY_MORNING).text
    bank = compose_office_answer(info, hours, ["bank"], TUESDAY_MORNING).text
    assert "123 – Agribank – UBND xã An Phú" in bank
    reply = compose_office_answer(info, hours, ["address", "phone"], TUESDAY_MORNING)
    assert "Thôn 1" in reply.text and "motcua@anphu.gov.vn" in reply.text
    assert reply.buttons[0].kind == "phone" and reply.buttons[0].payload == "02363000000"
    # What the bot has no facts for (parking, queue numbers) is said plainly, with the desk's phone and a person.
    visit = compose_office_answer(info, hours, ["visit"], TUESDAY_MORNING)
    assert "chưa có thông tin" in visit.text and "0236 3000 000" in visit.text
    assert [b.title for b in visit.buttons] == ["Gọi một cửa", "Gặp cán bộ"]
    with pytest.raises(CommuneInfoError):
        commune_info_from_dict({"friday_service": {"enabled": True, "title": ""}})


def test_services_line_under_procedure_answers(settings: Settings) -> None:
    services = Services(redis.Redis(), settings)
    office = commune_info_for(settings)
    commune_level = compose_answer(services.catalogue.get("1.001193"), office)[0].text
    assert "🗓 Thứ Hai – ngày không viết" in commune_level and "🗓 Thứ Sáu – ngày không hẹn" in commune_level
    national = next(p for p in services.catalogue.procedures.values() if p.has_details and "xa" not in p.levels)
    assert "ngày không viết" not in compose_answer(national, office)[0].text
    assert "ngày không viết" not in compose_answer(services.catalogue.get("1.001193"))[0].text


def _ctx(client: redis.Redis, settings: Settings, text: str) -> Context:
    event = Event({"event_name": "user_send_text", "sender": {"id": "u1"}, "message": {"text": text}})
    return Context(event, client, settings, TUESDAY_MORNING, Services(client, settings))


def test_handler_keyword_and_questions(redis_client: redis.Redis, settings: Settings) -> None:
    ctx = _ctx(redis_client, settings, "TTHC 1.001193")
    [reply] = handle_office_text(ctx, ctx.text)
    assert reply.text.startswith("📄 Đăng ký khai sinh") and "ngày không viết" in reply.text  # the commune's card
    assert ctx.notes["procedure"] == "1.001193"
    ctx = _ctx(redis_client, settings, "tthc 9.999999")
    assert "chưa tìm thấy thủ tục có mã 9.999999" in handle_office_text(ctx, ctx.text)[0].text
    ctx = _ctx(redis_client, settings, "may gio lam viec vay ad")
    assert "Giờ làm việc" in handle_office_text(ctx, ctx.text)[0].text and ctx.notes["office"] == "hours"
    ctx = _ctx(redis_client, settings, "làm giấy khai sinh")
    assert handle_office_text(ctx, ctx.text) is None
