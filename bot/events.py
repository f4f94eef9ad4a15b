"""Reading Zalo webhook events: who they concern and what identifies them. Pure."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

REQUIRED_FIELDS = ("app_id", "event_name", "timestamp")

# Events that concern no single citizen are queued under this pseudo-user.
OA_WIDE = "_oa"


class MalformedEvent(ValueError):
    pass


@dataclass(frozen=True)
class Event:
    raw: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.raw.get("event_name", ""))

    @property
    def timestamp_ms(self) -> int:
        return int(str(self.raw.get("timestamp", "0")))

    @property
    def is_echo(self) -> bool:
        """The OA's own messages come back as oa_send_* with sender and recipient swapped."""
        return self.name.startswith("oa_send_")

    @property
    def is_staff_echo(self) -> bool:
        """An echo sent by a person from Zalo's own OA manager (it belongs in a ticket's transcript)."""
        return self.is_echo and bool((self.raw.get("sender") or {}).get("admin_id"))

    @property
    def user_id(self) -> str:
        raw = self.raw
        if self.is_echo:
            return str((raw.get("recipient") or {}).get("id") or OA_WIDE)
        follower = raw.get("follower") or {}
        if follower.get("id"):
            return str(follower["id"])
        sender = raw.get("sender") or {}
        if sender.get("id"):
            return str(sender["id"])
        if raw.get("user_id"):
            return str(raw["user_id"])
        return OA_WIDE

    @property
    def message(self) -> dict[str, Any]:
        message = self.raw.get("message")
        return message if isinstance(message, dict) else {}

    @property
    def text(self) -> str:
        text = self.message.get("text")
        return text if isinstance(text, str) else ""

    @property
    def msg_id(self) -> str | None:
        msg_id = self.message.get("msg_id")
        return str(msg_id) if msg_id else None

    @property
    def identity(self) -> str:
        """What makes a resend recognisable: the message id, else (event, subject, timestamp)."""
        if self.msg_id:
            return f"m:{self.msg_id}"
        basis = f"{self.name}|{self.user_id}|{self.raw.get('timestamp')}"
        return "e:" + hashlib.sha256(basis.encode()).hexdigest()[:32]


def parse_event(payload: object) -> Event:
    if not isinstance(payload, dict):
        raise MalformedEvent("the body must be a JSON object")
    missing = [name for name in REQUIRED_FIELDS if not str(payload.get(name, "")).strip()]
    if missing:
        raise MalformedEvent(f"missing field(s): {', '.join(missing)}")
    if not str(payload["timestamp"]).isdigit():
        raise MalformedEvent("timestamp must be epoch milliseconds")
    return Event(payload)
