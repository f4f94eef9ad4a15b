"""Checks Zalo applies to an outbound consultation message body. Pure.

Each check answers Zalo's error code and a message, or None when the body is acceptable.
"""

from __future__ import annotations

import unicodedata
from typing import Any

MAX_TEXT_CHARS = 2000
MAX_BUTTONS = 5
MAX_BUTTON_TITLE = 100
MAX_LIST_ELEMENTS = 5

INVALID_PARAM = -201
OVER_LIMIT = -210

Problem = tuple[int, str]

BUTTON_TYPES = ("oa.open.url", "oa.query.show", "oa.query.hide", "oa.open.phone", "oa.open.sms")
TEMPLATE_TYPES = ("media", "list", "request_user_info")


def text_length(text: str) -> int:
    return len(unicodedata.normalize("NFC", text))


def check_button(button: Any) -> Problem | None:
    if not isinstance(button, dict):
        return INVALID_PARAM, "button must be an object"
    kind, title, payload = button.get("type"), button.get("title"), button.get("payload")
    if kind not in BUTTON_TYPES:
        return INVALID_PARAM, f"button type is invalid: {kind!r}"
    if not isinstance(title, str) or not title.strip():
        return INVALID_PARAM, "button title is required"
    if text_length(title) > MAX_BUTTON_TITLE:
        return OVER_LIMIT, "button title is too long"
    if kind in ("oa.query.show", "oa.query.hide"):
        ok = isinstance(payload, str) and payload != ""
    elif kind == "oa.open.url":
        ok = isinstance(payload, dict) and isinstance(payload.get("url"), str) and bool(payload["url"])
    else:  # phone and sms need a number
        ok = isinstance(payload, dict) and bool(payload.get("phone_code"))
    return None if ok else (INVALID_PARAM, f"button payload is invalid for {kind}")


def check_buttons(buttons: Any) -> Problem | None:
    if buttons is None:
        return None
    if not isinstance(buttons, list):
        return INVALID_PARAM, "buttons must be a list"
    if len(buttons) > MAX_BUTTONS:
        return OVER_LIMIT, f"at most {MAX_BUTTONS} buttons"
    for button in buttons:
        problem = check_button(button)
        if problem:
            return problem
    return None


def check_template(payload: dict[str, Any]) -> Problem | None:
    template_type = payload.get("template_type")
    if template_type is None:  # text with buttons
        if not payload.get("buttons"):
            return INVALID_PARAM, "template payload needs template_type or buttons"
        return check_buttons(payload["buttons"])
    if template_type not in TEMPLATE_TYPES:
        return INVALID_PARAM, f"template_type is invalid: {template_type!r}"
    elements = payload.get("elements")
    if not isinstance(elements, list) or not elements:
        return INVALID_PARAM, "elements are required"
    if template_type == "media":
        for element in elements:
            if not isinstance(element, dict) or not (element.get("url") or element.get("attachment_id")):
                return INVALID_PARAM, "a media element needs url or attachment_id"
    elif template_type == "list":
        if len(elements) > MAX_LIST_ELEMENTS:
            return OVER_LIMIT, f"at most {MAX_LIST_ELEMENTS} list elements"
        if any(not isinstance(e, dict) or not e.get("title") for e in elements):
            return INVALID_PARAM, "a list element needs a title"
    elif len(elements) != 1 or not isinstance(elements[0], dict) or not elements[0].get("title"):
        return INVALID_PARAM, "request_user_info needs exactly one element with a title"
    return check_buttons(payload.get("buttons"))


def check_message(message: Any) -> Problem | None:
    """The `message` object of POST /v3.0/oa/message/cs."""
    if not isinstance(message, dict):
        return INVALID_PARAM, "message is required"
    text = message.get("text")
    attachment = message.get("attachment")
    if text is not None:
        if not isinstance(text, str):
            return INVALID_PARAM, "text must be a string"
        if text_length(text) > MAX_TEXT_CHARS:
            return OVER_LIMIT, f"text exceeds {MAX_TEXT_CHARS} characters"
    if attachment is None:
        return None if text else (INVALID_PARAM, "message needs text or attachment")
    if not isinstance(attachment, dict):
        return INVALID_PARAM, "attachment must be an object"
    payload = attachment.get("payload")
    if not isinstance(payload, dict):
        return INVALID_PARAM, "attachment payload is required"
    if attachment.get("type") == "template":
        return check_template(payload)
    if attachment.get("type") == "file":
        return None if payload.get("token") else (INVALID_PARAM, "file attachment needs a token")
    return INVALID_PARAM, f"attachment type is invalid: {attachment.get('type')!r}"


def echo_event_name(message: dict[str, Any]) -> str:
    """The `oa_send_*` echo Zalo posts for this message."""
    attachment = message.get("attachment")
    if not attachment:
        return "oa_send_text"
    if attachment.get("type") == "file":
        return "oa_send_file"
    template_type = attachment.get("payload", {}).get("template_type")
    return {None: "oa_send_text", "media": "oa_send_image", "list": "oa_send_list"}.get(
        template_type, "oa_send_template"
    )
