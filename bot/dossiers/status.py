"""What a citizen reads about a dossier: the ten national states in plain words. Pure.

Never mentions the applicant's name, phone, address or id: the record does not even hold them.
"""

from __future__ import annotations

from datetime import datetime

from bot.config import VIETNAM
from bot.conversation.replies import Button, Reply
from bot.dossiers.model import Dossier

# The national portal's synchronisation standard: official name, then what it means for the citizen.
STATES: dict[int, tuple[str, str]] = {
    1: ("Mới đăng ký", "Hồ sơ đã được đăng ký và đang chờ bộ phận một cửa tiếp nhận."),
    2: ("Được tiếp nhận", "Hồ sơ đã được tiếp nhận và sẽ được chuyển đến cán bộ xử lý."),
    3: (
        "Không được tiếp nhận",
        "Rất tiếc, hồ sơ chưa được tiếp nhận. Anh/Chị vui lòng xem lý do "
        "hoặc liên hệ bộ phận một cửa để được hướng dẫn.",
    ),
    4: ("Đang xử lý", "Hồ sơ đang được cán bộ giải quyết."),
    5: (
        "Yêu cầu bổ sung giấy tờ",
        "Hồ sơ cần bổ sung giấy tờ. Anh/Chị vui lòng bổ sung để hồ sơ được tiếp tục giải quyết.",
    ),
    6: (
        "Yêu cầu thực hiện nghĩa vụ tài chính",
        "Anh/Chị cần nộp phí, lệ phí hoặc nghĩa vụ tài chính để hồ sơ được tiếp tục giải quyết.",
    ),
    7: ("Công dân yêu cầu rút hồ sơ", "Hồ sơ đã được rút theo yêu cầu của Anh/Chị."),
    8: ("Dừng xử lý", "Hồ sơ đã dừng xử lý. Anh/Chị vui lòng xem lý do hoặc liên hệ bộ phận một cửa."),
    9: ("Đã xử lý xong (chờ trả kết quả)", "Hồ sơ đã giải quyết xong, kết quả đang chờ trả cho Anh/Chị."),
    10: ("Đã trả kết quả", "Kết quả đã được trả cho Anh/Chị. Cảm ơn Anh/Chị đã sử dụng dịch vụ."),
}
# States in which the office is still working towards the due date; 9 and 10 are done, and 3, 7, 8
# ended the dossier, so "overdue" only makes sense for these.
IN_PROGRESS = frozenset({1, 2, 4, 5, 6})

CHANNEL_NAMES = {"direct": "trực tiếp", "online": "trực tuyến", "post": "bưu chính công ích"}
RESULT_RETURN = {
    "desk": "Nhận kết quả trực tiếp tại bộ phận một cửa (Anh/Chị mang theo giấy biên nhận và CCCD).",
    "post": "Kết quả được gửi qua bưu chính công ích đến địa chỉ Anh/Chị đã đăng ký.",
    "online": "Kết quả được trả trực tuyến trên Cổng Dịch vụ công.",
}
OVERDUE_NOTE = (
    "Hồ sơ đã quá hạn hẹn trả. Thành thật xin lỗi Anh/Chị. Theo quy định, cơ quan sẽ gửi "
    "Phiếu xin lỗi và hẹn lại ngày trả kết quả."
)

SUBSCRIBE_TITLE = "Nhận thông báo"
UNSUBSCRIBE_TITLE = "Hủy thông báo"
ASK_STAFF_TITLE = "Hỏi cán bộ"


def subscribe_payload(receipt: str) -> str:
    return f"#dossier {receipt} subscribe"


def unsubscribe_payload(receipt: str) -> str:
    return f"#dossier {receipt} unsubscribe"


def show_payload(receipt: str) -> str:
    return f"#dossier {receipt}"


def staff_payload(receipt: str) -> str:
    return f"#staff dossier {receipt}"


def state_name(status: int) -> str:
    return STATES[status][0]


def format_date(moment: datetime) -> str:
    local = moment.astimezone(VIETNAM)
    day = local.strftime("%d/%m/%Y")
    return day if (local.hour, local.minute) == (0, 0) else f"{local:%H:%M} ngày {day}"


def is_overdue(dossier: Dossier, now: datetime) -> bool:
    return dossier.due_at is not None and dossier.status in IN_PROGRESS and now > dossier.due_at


def format_money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def _detail_lines(dossier: Dossier, now: datetime) -> list[str]:
    lines = [
        f"Thủ tục: {dossier.procedure_name}" if dossier.procedure_name else "",
        f"Ngày tiếp nhận: {format_date(dossier.received_at)}",
    ]
    if dossier.channel in CHANNEL_NAMES:
        lines.append(f"Hình thức nộp: {CHANNEL_NAMES[dossier.channel]}")
    if dossier.due_at is not None and dossier.status not in (3, 7, 8):
        timing = ""
        if dossier.status in IN_PROGRESS:
            timing = " (đã quá hạn)" if is_overdue(dossier, now) else " (đúng hạn)"
        lines.append(f"Ngày hẹn trả: {format_date(dossier.due_at)}{timing}")
        if dossier.due_moved_from is not None:
            lines.append(f"(Dời từ {format_date(dossier.due_moved_from)} vì bộ phận một cửa tạm nghỉ: "
                         f"{dossier.due_moved_reason}.)")
    return [line for line in lines if line]


def _state_lines(dossier: Dossier) -> list[str]:
    name, meaning = STATES[dossier.status]
    lines = [f"Trạng thái: {name}", meaning]
    if dossier.status == 5 and dossier.missing_documents:
        lines.append("Giấy tờ cần bổ sung:")
        lines.extend(f"• {document}" for document in dossier.missing_documents)
    if dossier.status == 6 and dossier.fee_amount:
        lines.append(f"Số tiền cần nộp: {format_money(dossier.fee_amount)}")
    if dossier.status in (9, 10) or (dossier.status in IN_PROGRESS and dossier.return_method):
        how = RESULT_RETURN.get(dossier.return_method)
        if how and dossier.status != 10:
            lines.append(how)
    if dossier.note:
        lines.append(f"Ghi chú của cơ quan: {dossier.note}")
    return lines


def status_buttons(receipt: str, subscribed: bool) -> tuple[Button, ...]:
    toggle = (
        Button(UNSUBSCRIBE_TITLE, unsubscribe_payload(receipt))
        if subscribed
        else Button(SUBSCRIBE_TITLE, subscribe_payload(receipt))
    )
    return (toggle, Button(ASK_STAFF_TITLE, staff_payload(receipt)))


def compose_status(dossier: Dossier, now: datetime, subscribed: bool = False) -> list[Reply]:
    """The status reply for a verified citizen."""
    lines = [f"Hồ sơ {dossier.receipt}", *_detail_lines(dossier, now), "", *_state_lines(dossier)]
    if is_overdue(dossier, now):
        lines += ["", OVERDUE_NOTE]
    if not subscribed and dossier.status not in (3, 7, 8, 10):
        lines += ["", 'Bấm "Nhận thông báo" để em nhắn Anh/Chị khi hồ sơ có thay đổi.']
    return [Reply("\n".join(lines), status_buttons(dossier.receipt, subscribed))]


def compose_change_notice(dossier: Dossier, now: datetime) -> list[Reply]:
    """The push sent to a subscriber when the status changes (the dossier as it was after the change)."""
    lines = [f"Hồ sơ {dossier.receipt} có cập nhật mới.", *_state_lines(dossier)]
    if dossier.due_at is not None and dossier.status in IN_PROGRESS:
        lines.append(f"Ngày hẹn trả: {format_date(dossier.due_at)}")
    if is_overdue(dossier, now):
        lines.append(OVERDUE_NOTE)
    buttons = (
        Button("Xem chi tiết", show_payload(dossier.receipt)),
        Button(UNSUBSCRIBE_TITLE, unsubscribe_payload(dossier.receipt)),
    )
    return [Reply("\n".join(lines), buttons)]


def template_data(dossier: Dossier) -> dict[str, str]:
    """Fields for a ZBS status template (outside Zalo's 7-day window): no personal data."""
    return {
        "receipt": dossier.receipt,
        "status": state_name(dossier.status),
        "procedure": dossier.procedure_name[:100],
        "due_date": format_date(dossier.due_at) if dossier.due_at else "",
    }
