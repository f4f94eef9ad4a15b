"""What a follower receives for an announcement: the action first, a short first screen. Pure.

Real alerts are written for teleprinters and web pages: lines hard-wrapped at 69 characters,
"None" where there is no instruction, paragraphs of boilerplate. On a phone the first two lines
are what people read, so they carry the headline and the action; the text is re-flowed into
paragraphs, placeholders are dropped, and the whole stays inside Zalo's 2,000 characters.
"""

from __future__ import annotations

import re

from bot.broadcasts.cap import SEVERITY_LABELS, Announcement, meaningful
from bot.config import VIETNAM
from bot.conversation.replies import MAX_TEXT_CHARS, Button, Reply

ALL_CLEAR_DEFAULT = "Tình hình đã an toàn. Anh/Chị có thể sinh hoạt bình thường."
ALERTS_BUTTON = Button("Các thông báo", "#alerts")
AREA_BUTTON = Button("Chọn khu vực", "#area")
CHECKIN_COMMAND = "#checkin"  # "#checkin <board> safe|help", handled by handlers/checkins.py
INVITE = ("Anh/Chị chưa chọn khu vực nơi ở nên nhận tin này, phòng khi ở trong vùng cảnh báo. "
          "Bấm «Chọn khu vực» để chỉ nhận tin của nơi mình ở.")
# A line ending in one of these ends a sentence or a list item; anything else was wrapped mid-sentence.
_LINE_END = re.compile(r"[.!?:;…)\]»\"']$")
_LIST_ITEM = re.compile(r"^\s*([-*•–]|\d+[.)])\s+")


def reflow(text: str) -> str:
    """Join hard-wrapped lines back into paragraphs; keep blank lines and list items as breaks."""
    paragraphs: list[str] = []
    current = ""
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = " ".join(raw.split())
        if not line:
            if current:
                paragraphs.append(current)
            current = ""
            if paragraphs and paragraphs[-1] != "":
                paragraphs.append("")
            continue
        ends_sentence = bool(_LINE_END.search(current)) and not current.endswith("...")  # NWS's "..." joins
        if current and (_LIST_ITEM.match(line) or (ends_sentence and line[:1].isupper())):
            paragraphs.append(current)
            current = line
        else:
            current = f"{current} {line}" if current else line
    if current:
        paragraphs.append(current)
    while paragraphs and paragraphs[-1] == "":
        paragraphs.pop()
    return "\n".join(paragraphs)


def _when(announcement: Announcement) -> str:
    return announcement.expires.astimezone(VIETNAM).strftime("%H:%M ngày %d/%m/%Y")


def _fit(head: list[str], body: list[str], tail: list[str]) -> str:
    """Head and tail whole; the body shortened so that everything stays within Zalo's limit."""
    text = "\n".join([*head, *body, *tail]).strip()
    if len(text) <= MAX_TEXT_CHARS:
        return text
    room = MAX_TEXT_CHARS - len("\n".join([*head, *tail])) - 3
    middle = "\n".join(body).strip()
    middle = middle[: max(room, 0)].rstrip() + "…" if room > 0 else ""
    text = "\n".join([*head, "", middle, *tail] if middle else [*head, *tail]).strip()
    return text[: MAX_TEXT_CHARS - 1] + "…" if len(text) > MAX_TEXT_CHARS else text


def announcement_text(announcement: Announcement, commune_name: str, invite: bool = False) -> str:
    """Headline and action on the first lines (what a phone shows before "xem thêm"), details after.

    `invite`: the follower has no area, so the area is named and they are asked to choose theirs.
    """
    a = announcement
    where = [f"📍 Khu vực: {a.area_desc}"] if a.area_desc and not a.targets_all else []
    signature = [f"— {commune_name}"]
    if a.msg_type == "Cancel":
        # An all-clear says what is over and what to do now, never the original's call to action.
        head = [f"✅ KẾT THÚC CẢNH BÁO: {a.headline}", meaningful(a.instruction) or ALL_CLEAR_DEFAULT]
        body = ["", reflow(a.description)] if meaningful(a.description) else []
        return _fit(head + where, body, signature)
    mark = "🔄 CẬP NHẬT" if a.msg_type == "Update" else "⚠️ " + (a.event or "Cảnh báo").upper()
    head = [f"{mark}: {a.headline}"]
    action = meaningful(a.instruction)
    if action:
        head.append(f"👉 {reflow(action)}")
    head += where
    if invite:
        head.append(INVITE)
    body = ["", reflow(a.description)] if meaningful(a.description) else []
    severity = SEVERITY_LABELS.get(a.severity, a.severity)
    tail = ["", f"Mức độ: {severity}. Hiệu lực đến {_when(a)}.", *signature]
    return _fit(head, body, tail)


def first_screen(text: str, lines: int = 2) -> str:
    return "\n".join(text.split("\n")[:lines])


def checkin_buttons(board: str) -> tuple[Button, Button]:
    """"Tôi an toàn" and "Cần giúp": the answers count on the alert's board `board`."""
    return (Button("Tôi an toàn", f"{CHECKIN_COMMAND} {board} safe"),
            Button("Cần giúp", f"{CHECKIN_COMMAND} {board} help"))


def consultation_reply(announcement: Announcement, commune_name: str, invite: bool = False,
                       checkin_board: str = "") -> Reply:
    """The one consultation message (text with buttons) sent to each follower in the window; with a
    check-in board, the "Tôi an toàn" / "Cần giúp" buttons come first."""
    buttons = (ALERTS_BUTTON, AREA_BUTTON) if invite else (ALERTS_BUTTON,)
    if checkin_board:
        buttons = (*checkin_buttons(checkin_board), *buttons)
    return Reply(announcement_text(announcement, commune_name, invite), buttons)


def template_data(announcement: Announcement, commune_name: str) -> dict[str, str]:
    """Parameters of the configured ZBS template for followers outside the 7-day window."""
    a = announcement
    kind = {"Alert": "Cảnh báo", "Update": "Cập nhật", "Cancel": "Kết thúc cảnh báo"}[a.msg_type]
    action = meaningful(a.instruction) or (ALL_CLEAR_DEFAULT if a.msg_type == "Cancel" else a.headline)
    return {"loai": kind, "tieu_de": a.headline[:100], "hanh_dong": reflow(action)[:200],
            "hieu_luc": _when(a), "don_vi": commune_name[:60]}
