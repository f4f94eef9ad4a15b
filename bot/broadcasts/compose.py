"""What a follower receives for an announcement: the action first, a short first screen. Pure."""

from __future__ import annotations

from typing import Any

from bot.broadcasts.cap import SEVERITY_LABELS, VIETNAM, Announcement
from bot.replies import Button, Reply
from bot.zalo.messages import MAX_TEXT_CHARS, render_reply

ALL_CLEAR_DEFAULT = "Tình hình đã an toàn. Anh/Chị có thể sinh hoạt bình thường."
ALERTS_BUTTON = Button("Các thông báo", "#alerts")


def _when(announcement: Announcement) -> str:
    return announcement.expires.astimezone(VIETNAM).strftime("%H:%M ngày %d/%m/%Y")


def announcement_text(announcement: Announcement, commune_name: str) -> str:
    """Headline and action on the first lines (what a phone shows before "xem thêm"), details after."""
    a = announcement
    if a.msg_type == "Cancel":
        lines = [f"✅ KẾT THÚC CẢNH BÁO: {a.headline}", a.instruction or ALL_CLEAR_DEFAULT]
        if a.description:
            lines += ["", a.description]
    else:
        mark = "🔄 CẬP NHẬT" if a.msg_type == "Update" else "⚠️ " + a.event.upper()
        lines = [f"{mark}: {a.headline}", f"👉 {a.instruction}", "", a.description,
                 "", f"Mức độ: {SEVERITY_LABELS[a.severity]}. Hiệu lực đến {_when(a)}."]
    lines.append(f"— {commune_name}")
    text = "\n".join(lines).strip()
    if len(text) > MAX_TEXT_CHARS:  # the field limits keep us below this; never split an alert in two
        text = text[: MAX_TEXT_CHARS - 1].rstrip() + "…"
    return text


def first_screen(text: str, lines: int = 2) -> str:
    return "\n".join(text.split("\n")[:lines])


def consultation_message(announcement: Announcement, commune_name: str) -> dict[str, Any]:
    """The one Zalo consultation message (text with a button) sent to each follower in the window."""
    return render_reply(Reply(announcement_text(announcement, commune_name), (ALERTS_BUTTON,)))[0]


def template_data(announcement: Announcement, commune_name: str) -> dict[str, str]:
    """Parameters of the configured ZBS template for followers outside the 7-day window."""
    a = announcement
    kind = {"Alert": "Cảnh báo", "Update": "Cập nhật", "Cancel": "Kết thúc cảnh báo"}[a.msg_type]
    return {"loai": kind, "tieu_de": a.headline[:100], "hanh_dong": (a.instruction or ALL_CLEAR_DEFAULT)[:200],
            "hieu_luc": _when(a), "don_vi": commune_name[:60]}
