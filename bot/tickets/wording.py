"""What the citizen is told about a handoff: when to expect an answer, the end, the rating. Pure."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.conversation.replies import Button, Reply
from bot.office.hours import OfficeHours

WEEKDAY_NAMES = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")

END_BUTTON = Button("Kết thúc hỗ trợ", "kết thúc")
RATING_CHOICES = (
    (5, "5 ★ Rất hài lòng"),
    (4, "4 ★ Hài lòng"),
    (3, "3 ★ Bình thường"),
    (2, "2 ★ Chưa hài lòng"),
    (1, "1 ★ Không hài lòng"),
)
RATE_COMMAND = "#rate"

FORWARDED = "Dạ, em đã chuyển câu hỏi của Anh/Chị tới cán bộ bộ phận một cửa."
FORWARDED_AGAIN = "Dạ, em đã chuyển tin nhắn của Anh/Chị tới cán bộ bộ phận một cửa."
WHILE_WAITING = (
    "Trong lúc chờ, Anh/Chị cứ nhắn thêm thông tin hoặc gửi ảnh giấy tờ tại đây, cán bộ sẽ xem. "
    'Khi không cần hỗ trợ nữa, Anh/Chị gõ "kết thúc".'
)
ENDED = (
    "Dạ, cuộc trò chuyện với cán bộ đã kết thúc. Em là trợ lý tự động, Anh/Chị cần hỏi thủ tục "
    "hay tra cứu hồ sơ cứ nhắn em nhé."
)
RATING_QUESTION = (
    "Anh/Chị vui lòng đánh giá mức độ hài lòng với sự hỗ trợ của cán bộ (bấm một nút) "
    "để xã phục vụ tốt hơn ạ."
)
RATING_THANKS = "Dạ, em cảm ơn Anh/Chị đã đánh giá! Anh/Chị cần hỗ trợ thêm cứ nhắn em nhé."
RATING_UNKNOWN = "Dạ, phiếu đánh giá này không còn hiệu lực. Em cảm ơn Anh/Chị ạ."


def describe_moment(moment: datetime, now: datetime, hours: OfficeHours) -> str:
    """ "10:15 hôm nay", "7:30 sáng mai (thứ Ba, 05/05)", "7:30 thứ Hai, 04/05" in the office's timezone."""
    local, today = moment.astimezone(hours.timezone), now.astimezone(hours.timezone).date()
    clock = f"{local.hour}:{local.minute:02d}"
    day = f"{WEEKDAY_NAMES[local.weekday()]}, {local:%d/%m}"
    if local.date() == today:
        return f"{clock} hôm nay"
    if local.date() == today + timedelta(days=1):
        return f"{clock} ngày mai ({day})"
    return f"{clock} {day}"


def expectation(now: datetime, hours: OfficeHours, first_response_seconds: float) -> str:
    """When staff will answer: within office hours, so a question at night is answered next morning."""
    due = describe_moment(hours.add_office_seconds(now, first_response_seconds), now, hours)
    if hours.is_open(now):
        return f"Cán bộ sẽ trả lời Anh/Chị trong giờ làm việc, trước {due}."
    local_day = now.astimezone(hours.timezone).date()
    why = "Hôm nay là ngày nghỉ" if local_day in hours.holidays else "Hiện đang ngoài giờ làm việc"
    schedule = f" (giờ làm việc: {hours.summary})" if hours.summary else ""
    return f"{why}{schedule}, cán bộ sẽ trả lời Anh/Chị trước {due}."


def forwarded(now: datetime, hours: OfficeHours, first_response_seconds: float, again: bool = False) -> Reply:
    lead = FORWARDED_AGAIN if again else FORWARDED
    return Reply(f"{lead} {expectation(now, hours, first_response_seconds)}\n{WHILE_WAITING}", (END_BUTTON,))


def rating_request(ticket_id: str, lead: str = "") -> Reply:
    text = (
        f"{lead}\n{RATING_QUESTION}" if lead else f"Dạ, cán bộ đã hoàn tất hỗ trợ Anh/Chị. {RATING_QUESTION}"
    )
    return Reply(
        text, tuple(Button(title, f"{RATE_COMMAND} {ticket_id} {score}") for score, title in RATING_CHOICES)
    )
