"""SOS tickets: a citizen pressed "Cần giúp" under an alert; staff see the request at the top of the inbox.

The ticket is an ordinary ticket (the bot stays silent while staff own the chat) of kind "sos",
carrying the alert's severity, the area, a map link, the phone number the citizen chose to give,
and one line about the situation. What the citizen is told is here too, and it always begins with
the national emergency numbers: the commune cannot promise to arrive in time; 112–115 can.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.conversation.replies import Button, Reply
from bot.tickets.model import SOS, Ticket, TranscriptEntry
from bot.tickets.store import TicketStore

EMERGENCY_NUMBERS = ("🆘 Nếu có nguy hiểm đến tính mạng, gọi ngay: 112 (tìm kiếm cứu nạn), 113 (công an), "
                     "114 (cứu hỏa, cứu hộ), 115 (cấp cứu).")
EMERGENCY_BUTTONS = (Button("Gọi 112", "112", "phone"), Button("Gọi 115", "115", "phone"))
HELP_STATES = ("new", "assigned", "reached", "resolved")
HELP_STATE_LABELS = {"new": "Mới", "assigned": "Đã có người nhận", "reached": "Đã tiếp cận", "resolved": "Đã xong"}


def map_link(latitude: float, longitude: float) -> str:
    return f"https://www.google.com/maps?q={latitude:.6f},{longitude:.6f}"


@dataclass(frozen=True)
class SosRequest:
    user_id: str
    broadcast_id: str
    severity: str
    area: str = ""  # an area id
    area_name: str = ""
    place: str = ""  # the citizen's own words for where they are
    map_link: str = ""

    def fields(self) -> dict[str, str]:
        return {"kind": SOS, "severity": self.severity, "broadcast_id": self.broadcast_id, "area": self.area,
                "place": self.place, "map_link": self.map_link}

    def summary(self) -> str:
        where = self.area_name or self.place or "chưa rõ khu vực"
        link = f" · {self.map_link}" if self.map_link else ""
        return f"🆘 Cần giúp sau cảnh báo ({self.severity}): {where}{link}"


def open_sos(store: TicketStore, request: SosRequest, now: datetime, history: list[TranscriptEntry]) -> Ticket:
    """Open the SOS ticket, or turn the citizen's open ticket into one (never two tickets at once)."""
    ticket, _created = store.open(request.user_id, now, SOS, {}, history)
    store.set_fields(ticket.id, request.fields())
    store.append(ticket.id, TranscriptEntry(now, "system", request.summary()))
    opened = store.get(ticket.id)
    assert opened is not None
    return opened


# -- what the citizen reads ---------------------------------------------------------------------------


def ask_where(area_buttons: tuple[Button, ...]) -> list[Reply]:
    return [
        Reply(EMERGENCY_NUMBERS, EMERGENCY_BUTTONS),
        Reply("Xã đã ghi nhận Anh/Chị cần giúp. Để cán bộ tìm đến đúng nơi, Anh/Chị gửi vị trí hiện tại "
              "(mục «Vị trí» trong khung chat Zalo), chọn ấp/khu phố bên dưới, hoặc nhắn địa chỉ.", area_buttons),
    ]


def opened_reply(ticket: Ticket, where: str) -> list[Reply]:
    return [Reply(
        f"{EMERGENCY_NUMBERS}\n\n"
        f"Yêu cầu cứu giúp số {ticket.id} ({where}) đã được chuyển tới cán bộ xã, xếp đầu danh sách cần xử lý. "
        "Cán bộ sẽ liên hệ Anh/Chị qua Zalo này; xã chưa thể hẹn giờ đến nơi.\n"
        "Anh/Chị nhắn thêm MỘT dòng về tình hình (số người, có người già, trẻ nhỏ, người bệnh; nước ngập "
        "đến đâu) và số điện thoại nếu muốn cán bộ gọi lại.", EMERGENCY_BUTTONS)]


def situation_reply(ticket: Ticket) -> list[Reply]:
    return [Reply(
        f"{EMERGENCY_NUMBERS}\n\n"
        f"Đã chuyển thông tin vào yêu cầu số {ticket.id}. Anh/Chị giữ điện thoại bên mình; "
        "khi cán bộ nhắn, tin sẽ đến ngay trong cuộc trò chuyện này.", EMERGENCY_BUTTONS)]


def safe_reply(at: datetime, help_button: Button) -> list[Reply]:
    return [Reply(f"Cảm ơn Anh/Chị đã báo an toàn (ghi nhận lúc {at:%H:%M %d/%m}). "
                  "Nếu tình hình thay đổi, Anh/Chị bấm «Cần giúp» bất cứ lúc nào.", (help_button,))]


UNKNOWN_ALERT = Reply("Thông báo này không còn nhận trả lời. Anh/Chị bấm «Các thông báo» để xem tin mới nhất.",
                      (Button("Các thông báo", "#alerts"),))
