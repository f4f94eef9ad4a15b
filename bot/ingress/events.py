"""Reading Zalo webhook events: who they concern and what identifies them. Pure."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

REQUIRED_FIELDS = ("app_id", "event_name", "timestamp")

# Events that concern no single citizen are queued under this pseudo-user.
OA_WIDE = "_oa"
# Epoch milliseconds have 13 digits until the year 2286; anything longer is not a time.
MAX_TIMESTAMP_DIGITS = 16
# Zalo's ids are 19-digit numbers written as strings; this leaves room without letting a key grow huge.
MAX_ID_LENGTH = 64
# Objects whose `id` names a party to the event; ids are strings (Zalo's) or integers (tolerated).
_PARTIES = ("sender", "recipient", "follower")
# Delivery and read receipts are Zalo's doing, not the citizen's: they are not interactions and must
# not reopen the 7-day consultation window (see shared/zalo-oa-api.md, section 2).
RECEIPT_EVENTS = frozenset({"user_received_message", "user_seen_message", "user_reacted_message"})
_NOT_INTERACTIONS = RECEIPT_EVENTS | {"unfollow", "user_withdraw"}


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
    def is_interaction(self) -> bool:
        """The citizen's own act (a message, a follow, a tap), which refreshes their last interaction."""
        return not self.is_echo and self.name not in _NOT_INTERACTIONS

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
        """What makes a resend recognisable: (event, subject, message id), else (event, subject, timestamp).

        Not the message id alone: Zalo's console test tool repeats one msg_id across events and
        citizens, and a read receipt carries the id of the message it acknowledges."""
        if self.msg_id:
            return "m:" + _digest(f"{self.name}|{self.user_id}|{self.msg_id}")
        return "e:" + _digest(f"{self.name}|{self.user_id}|{self.raw.get('timestamp')}")


def _digest(basis: str) -> str:
    return hashlib.sha256(basis.encode()).hexdigest()[:32]


def timestamp_text(payload: dict[str, Any]) -> str | None:
    """The `timestamp` as written in the body (what the signature covers), or None if it is no scalar."""
    value = payload.get("timestamp")
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value)


def _is_id(value: object) -> bool:
    if isinstance(value, str):
        return bool(value.strip()) and len(value) <= MAX_ID_LENGTH
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**MAX_ID_LENGTH


def parse_event(payload: object) -> Event:
    """The event, once its fields have the types the handlers rely on; MalformedEvent says which does not."""
    if not isinstance(payload, dict):
        raise MalformedEvent("the body must be a JSON object")
    missing = [name for name in REQUIRED_FIELDS if payload.get(name) in (None, "")]
    if missing:
        raise MalformedEvent(f"missing field(s): {', '.join(missing)}")
    if not isinstance(payload["event_name"], str) or not payload["event_name"].strip():
        raise MalformedEvent("event_name must be a string")
    if not _is_id(payload["app_id"]):
        raise MalformedEvent("app_id must be a string")
    stamp = timestamp_text(payload)
    if stamp is None or not (stamp.isascii() and stamp.isdigit() and len(stamp) <= MAX_TIMESTAMP_DIGITS):
        raise MalformedEvent("timestamp must be epoch milliseconds")
    for party in _PARTIES:
        value = payload.get(party)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise MalformedEvent(f"{party} must be an object")
        if value.get("id") not in (None, "") and not _is_id(value["id"]):
            raise MalformedEvent(f"{party}.id must be a string")
    if payload.get("user_id") not in (None, "") and not _is_id(payload["user_id"]):
        raise MalformedEvent("user_id must be a string")
    message = payload.get("message")
    if message is not None:
        if not isinstance(message, dict):
            raise MalformedEvent("message must be an object")
        if message.get("text") is not None and not isinstance(message["text"], str):
            raise MalformedEvent("message.text must be a string")
        if message.get("msg_id") not in (None, "") and not _is_id(message["msg_id"]):
            raise MalformedEvent("message.msg_id must be a string")
    return Event(payload)
