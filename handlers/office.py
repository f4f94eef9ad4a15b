"""Questions about the office itself: hours, address, phone, the Monday and Friday services, results by
post, fees by bank transfer; and the poster keyword "TTHC <code>" that answers one procedure.

Wiring (handlers/__init__.py): `handle_office_text` when `is_office_text`, before the procedure matcher (so "mấy giờ
làm việc" is not read as a procedure question). Topic detection is pure (`bot.office.topics`), and so is
the answer (`compose_office_answer`); facts come from data/commune.json and data/office.json.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from bot.conversation.context import Context
from bot.conversation.replies import Button, Reply
from bot.office.closures import ClosureStore, closure_notice, office_hours_now
from bot.office.current import office_config
from bot.office.hours import OfficeHours
from bot.office.info import CommuneInfo, Service
from bot.office.topics import office_topics
from bot.procedures import procedure_reply
from bot.procedures.card_lookup import card_for
from bot.procedures.qr import parse_procedure_keyword

UPCOMING_HOLIDAY_DAYS = 14
WEEKDAY_NAMES = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


# -- answers --------------------------------------------------------------------------------------


def _day_label(day: date) -> str:
    return f"{WEEKDAY_NAMES[day.weekday()]} {day:%d/%m}"


def hours_text(info: CommuneInfo, hours: OfficeHours, now: datetime) -> str:
    desk = info.desk_name or info.name
    lines = [f"🕐 Giờ làm việc của {desk}: {info.hours or hours.summary}."]
    if hours.is_open(now):
        lines.append("Hiện đang trong giờ làm việc ạ.")
    else:
        opening = hours.next_opening(now)
        lines.append(f"Hiện đã ngoài giờ làm việc; bộ phận một cửa làm việc lại lúc {opening:%H:%M} "
                     f"{_day_label(opening.date())} ạ.")
    today = now.astimezone(hours.timezone).date()
    soon = sorted(d for d in hours.holidays if today <= d <= today + timedelta(days=UPCOMING_HOLIDAY_DAYS))
    if soon:
        lines.append("Ngày nghỉ lễ sắp tới: " + ", ".join(_day_label(d) for d in soon) + ".")
    return "\n".join(lines)


def _service_text(service: Service | None, icon: str, missing: str) -> str:
    if service is None:
        return missing
    return f"{icon} {service.title}\n{service.description}" if service.description else f"{icon} {service.title}"


def _postal_text(info: CommuneInfo) -> str:
    if not info.postal_return:
        return (f"📦 Dạ, hiện {info.name} chưa nhận trả kết quả qua bưu điện; "
                "Anh/Chị vui lòng nhận kết quả trực tiếp tại bộ phận một cửa ạ.")
    return f"📦 Nhận kết quả qua bưu điện: {info.postal_return}"


def _bank_text(info: CommuneInfo) -> str:
    if not info.bank_payment:
        return "💳 Dạ, hiện phí, lệ phí nộp trực tiếp tại bộ phận một cửa ạ."
    text = f"💳 Nộp phí, lệ phí: {info.bank_payment}"
    account = info.bank_account
    if account.known:
        holder = f" – {account.holder}" if account.holder else ""
        text += f"\nTài khoản: {account.number} – {account.bank}{holder}"
    return text


def _address_text(info: CommuneInfo) -> str:
    if not info.address:
        return f"📍 Dạ, Anh/Chị liên hệ trực tiếp {info.name} để được hướng dẫn đường đi ạ."
    desk = f" ({info.desk_name})" if info.desk_name else ""
    return f"📍 {info.name}{desk}: {info.address}"


def _phone_text(info: CommuneInfo) -> str:
    parts = []
    if info.phone:
        parts.append(f"☎️ Điện thoại {info.desk_name or info.name}: {info.phone}")
    if info.email:
        parts.append(f"✉️ Email: {info.email}")
    if not parts:
        return "☎️ Dạ, số điện thoại của bộ phận một cửa chưa được cập nhật; Anh/Chị bấm «Gặp cán bộ» để nhắn cán bộ ạ."
    return "\n".join(parts)


def _online_text(info: CommuneInfo) -> str:
    return (f"💻 Dạ, nhiều thủ tục của {info.name} nộp được trực tuyến trên Cổng Dịch vụ công quốc gia: Anh/Chị "
            "đăng nhập bằng tài khoản định danh điện tử (VNeID), chọn thủ tục, nộp hồ sơ và theo dõi kết quả ngay "
            "trên Cổng. Anh/Chị gõ tên thủ tục (ví dụ \"đăng ký khai sinh\") để em cho biết thủ tục đó nộp "
            "những cách nào ạ.")


def _visit_text(info: CommuneInfo) -> str:
    call = f"gọi {info.desk_name or info.name} số {info.phone} hoặc " if info.phone else ""
    return (f"🙋 Dạ, việc này em chưa có thông tin để trả lời chắc chắn. Anh/Chị {call}bấm «Gặp cán bộ» để "
            "cán bộ trả lời ạ.")


def compose_office_answer(info: CommuneInfo, hours: OfficeHours, topics: Sequence[str], now: datetime,
                          portal_url: str = "") -> Reply:
    """One message answering the topics asked, with buttons to call, see the map, open the national portal,
    or ask a person. Pure."""
    writers = {
        "hours": lambda: hours_text(info, hours, now),
        "address": lambda: _address_text(info),
        "phone": lambda: _phone_text(info),
        "online": lambda: _online_text(info),
        "monday": lambda: _service_text(info.monday, "✍️", f"Dạ, hiện {info.name} chưa tổ chức ngày không viết ạ."),
        "friday": lambda: _service_text(info.friday, "⚡", f"Dạ, hiện {info.name} chưa tổ chức ngày không hẹn ạ."),
        "postal": lambda: _postal_text(info),
        "bank": lambda: _bank_text(info),
        "visit": lambda: _visit_text(info),
    }
    text = "\n\n".join(writers[topic]() for topic in topics)
    buttons = []
    if info.phone and {"phone", "address", "visit"} & set(topics):
        buttons.append(Button("Gọi một cửa", info.phone.replace(" ", ""), "phone"))
    if info.map_url and "address" in topics:
        buttons.append(Button("Xem bản đồ", info.map_url, "url"))
    if portal_url and "online" in topics:
        buttons.append(Button("Mở Cổng DVC", portal_url, "url"))
    buttons.append(Button("Gặp cán bộ", "#staff"))
    return Reply(text, tuple(buttons))


def keyword_not_found(code: str) -> Reply:
    return Reply(f"Dạ, em chưa tìm thấy thủ tục có mã {code}. Anh/Chị kiểm tra lại mã trên tờ hướng dẫn, "
                 "hoặc gõ tên việc cần làm (ví dụ \"đăng ký khai sinh\") ạ.", (Button("Xem danh mục", "#procedures"),
                                                                             Button("Gặp cán bộ", "#staff")))


def is_office_text(text: str) -> bool:
    """The poster keyword "TTHC <code>", or a question about the office. Pure."""
    return parse_procedure_keyword(text) is not None or bool(office_topics(text))


def handle_office_text(ctx: Context, text: str) -> list[Reply] | None:
    """The poster keyword, or an office question; None lets the rest of the chain try."""
    config = office_config(ctx.redis, ctx.settings)
    info = config.info
    code = parse_procedure_keyword(text)
    if code is not None:
        proc = ctx.services.catalogue.get(code)
        if proc is None:
            ctx.notes["fallback"] = "1"
            return [keyword_not_found(code)]
        ctx.notes["procedure"] = proc.code
        ctx.notes["via"] = "keyword"
        return procedure_reply.compose_answer(proc, info, card_for(proc.code))
    topics = office_topics(text)
    if not topics:
        return None
    ctx.notes["office"] = ",".join(topics)
    answer = compose_office_answer(info, office_hours_now(ctx.redis, ctx.settings), topics, ctx.now,
                                   ctx.settings.portal_url)
    # A declared closure (a storm) is said first, whatever the question was.
    return [closure_notice(answer, ClosureStore(ctx.redis, ctx.settings).current_or_next(ctx.now), ctx.now)]
