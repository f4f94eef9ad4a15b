"""Turn `Reply` objects into Zalo consultation-message bodies, within Zalo's limits. Pure."""

from __future__ import annotations

import unicodedata
from typing import Any

from bot.conversation.replies import MAX_TEXT_CHARS, Button, Reply

__all__ = ["MAX_TEXT_CHARS", "render_replies", "render_reply", "split_text"]
MAX_BUTTONS = 5
MAX_BUTTON_TITLE = 20


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def split_text(text: str, limit: int = MAX_TEXT_CHARS) -> list[str]:
    """Split on line boundaries (then on spaces) so that no part exceeds `limit` characters after NFC."""
    text = nfc(text).strip()
    if len(text) <= limit:
        return [text] if text else []
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # a single overlong line: cut at the last space before the limit
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:cut].rstrip())
            line = line[cut:].lstrip()
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _title(title: str) -> str:
    title = nfc(title).strip()
    return title if len(title) <= MAX_BUTTON_TITLE else title[: MAX_BUTTON_TITLE - 1].rstrip() + "…"


def render_button(button: Button) -> dict[str, Any]:
    if button.kind == "url":
        return {"title": _title(button.title), "type": "oa.open.url", "payload": {"url": button.payload}}
    if button.kind == "phone":
        return {"title": _title(button.title), "type": "oa.open.phone", "payload": {"phone_code": button.payload}}
    # A hidden query: tapping sends the payload back as the citizen's text without showing it.
    return {"title": _title(button.title), "type": "oa.query.hide", "payload": button.payload}


def render_reply(reply: Reply) -> list[dict[str, Any]]:
    """One Reply → one or more `message` objects for POST /v3.0/oa/message/cs.

    Long text is split into several messages; buttons go under the last one, five at most per
    message (extra buttons travel under a short follow-up message).
    """
    if reply.form is not None:
        element = {"title": nfc(reply.form.title), "subtitle": nfc(reply.form.subtitle)}
        if reply.form.image_url:
            element["image_url"] = reply.form.image_url
        return [{"attachment": {"type": "template", "payload": {"template_type": "request_user_info",
                                                                 "elements": [element]}}}]
    chunks = split_text(reply.text) or ["…"]
    messages: list[dict[str, Any]] = [{"text": chunk} for chunk in chunks]
    buttons = [render_button(b) for b in reply.buttons]
    if buttons:
        messages[-1]["attachment"] = {"type": "template", "payload": {"buttons": buttons[:MAX_BUTTONS]}}
        for start in range(MAX_BUTTONS, len(buttons), MAX_BUTTONS):
            messages.append(
                {
                    "text": "Lựa chọn khác:",
                    "attachment": {
                        "type": "template",
                        "payload": {"buttons": buttons[start : start + MAX_BUTTONS]},
                    },
                }
            )
    return messages


def render_replies(replies: list[Reply]) -> list[dict[str, Any]]:
    return [message for reply in replies for message in render_reply(reply)]
