"""Webhook event bodies shaped as Zalo posts them (shared/zalo-oa-api.md, section 1). Pure.

Ids and timestamps are strings; `timestamp` is epoch milliseconds.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

FOLLOW_SOURCES = ("oa_profile", "message_invite", "social_plugin")


def new_msg_id() -> str:
    return uuid.uuid4().hex


def encode(event: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON: the exact bytes that are signed and posted."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def citizen_event(
    app_id: str, oa_id: str, user_id: str, user_id_by_app: str, event_name: str,
    timestamp_ms: int, message: dict[str, Any] | None = None, **extra: Any,
) -> dict[str, Any]:
    """A citizen → OA event (user_send_*, user_submit_info, …), field order as in captured events."""
    event: dict[str, Any] = {
        "app_id": app_id,
        "sender": {"id": user_id},
        "user_id_by_app": user_id_by_app,
        "recipient": {"id": oa_id},
        "event_name": event_name,
    }
    if message is not None:
        event["message"] = message
    event.update(extra)
    event["timestamp"] = str(timestamp_ms)
    return event


def text_message(text: str, msg_id: str | None = None, quote_msg_id: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"text": text, "msg_id": msg_id or new_msg_id()}
    if quote_msg_id:
        message["quote_msg_id"] = quote_msg_id
    return message


def attachment_message(kind: str, payload: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"msg_id": new_msg_id(), "attachments": [{"type": kind, "payload": payload}]}
    if text:
        message["text"] = text
    return message


def follow_event(app_id: str, oa_id: str, user_id: str, follow: bool, timestamp_ms: int,
                 source: str = "oa_profile") -> dict[str, Any]:
    """follow / unfollow: flat oa_id, the citizen under follower.id (a real captured shape)."""
    event: dict[str, Any] = {"oa_id": oa_id, "follower": {"id": user_id},
                             "event_name": "follow" if follow else "unfollow"}
    if follow:
        event["source"] = source if source in FOLLOW_SOURCES else "oa_profile"
    event["app_id"] = app_id
    event["timestamp"] = str(timestamp_ms)
    return event


def echo_event(app_id: str, oa_id: str, user_id: str, user_id_by_app: str, event_name: str,
               message_id: str, message: dict[str, Any], timestamp_ms: int) -> dict[str, Any]:
    """The `oa_send_*` echo of a message the OA sent: sender and recipient swapped."""
    echoed: dict[str, Any] = {"msg_id": message_id}
    if message.get("text"):
        echoed["text"] = message["text"]
    attachment = message.get("attachment")
    if attachment:
        echoed["attachments"] = [{"type": attachment.get("type"), "payload": attachment.get("payload")}]
    return {
        "app_id": app_id,
        "sender": {"id": oa_id},
        "user_id_by_app": user_id_by_app,
        "recipient": {"id": user_id},
        "event_name": event_name,
        "message": echoed,
        "timestamp": str(timestamp_ms),
    }
