"""Small builders shared by tests: signed Zalo webhook requests."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from bot.signature import expected_mac


def text_event(user_id: str, text: str, app_id: str = "123", msg_id: str | None = None,
               timestamp_ms: int | None = None) -> dict[str, Any]:
    return {
        "app_id": app_id,
        "user_id_by_app": "9" + user_id,
        "event_name": "user_send_text",
        "timestamp": str(timestamp_ms or int(time.time() * 1000)),
        "sender": {"id": user_id},
        "recipient": {"id": "4024926008133882615"},
        "message": {"msg_id": msg_id or uuid.uuid4().hex, "text": text},
    }


def signed(event: dict[str, Any], secret: str = "oa_secret_key", app_id: str = "123") -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event, separators=(",", ":")).encode()
    mac = expected_mac(app_id, body, str(event["timestamp"]), secret)
    return body, {"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"}
