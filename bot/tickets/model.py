"""Tickets and transcript entries as plain data, and their Redis hash/JSON forms. Pure."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from bot.conversation.links import safe_link

# open: waiting for staff; pending: staff answered, waiting for the citizen; resolved: done.
OPEN, PENDING, RESOLVED = "open", "pending", "resolved"
STATUSES = (OPEN, PENDING, RESOLVED)
ACTIVE_STATUSES = (OPEN, PENDING)

# Why a ticket was opened.
REASONS = ("button", "words", "fallback", "dossier", "sos")
SOS = "sos"  # a ticket's kind when a citizen pressed "Cần giúp" under an alert (bot.tickets.sos)
# How staff read a reason (the inbox, and the transcript's "Chuyển cho cán bộ (…)" line).
REASON_LABELS = {
    "sos": "Khẩn cấp (SOS)",
    "button": "Bấm nút gặp cán bộ",
    "words": "Xin gặp cán bộ",
    "fallback": "Bot không hiểu",
    "dossier": "Hỏi về hồ sơ",
}

Who = Literal["citizen", "bot", "staff", "note", "system"]


def to_datetime(value: str | float | None) -> datetime | None:
    if value in (None, ""):
        return None
    return datetime.fromtimestamp(float(value), UTC)


def to_epoch(moment: datetime | None) -> str:
    return "" if moment is None else f"{moment.timestamp():.3f}"


@dataclass(frozen=True)
class Ticket:
    id: str
    user_id: str
    status: str
    created_at: datetime
    reason: str = ""
    # The citizen's oldest message not yet answered by staff (None once staff replied).
    waiting_since: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    resolved_by: str = ""
    assignee: str = ""
    claimed_at: datetime | None = None
    last_citizen_at: datetime | None = None
    procedure_code: str = ""
    procedure_name: str = ""
    receipt: str = ""
    rating: int | None = None
    rated_at: datetime | None = None
    reopened: int = 0
    # An SOS ticket (kind "sos"): the alert's severity, where the citizen is, how to reach them.
    kind: str = ""
    severity: str = ""
    broadcast_id: str = ""
    area: str = ""
    place: str = ""  # what the citizen typed for where they are
    map_link: str = ""
    phone: str = ""  # only when the citizen gave it for a call back
    situation: str = ""
    reached_at: datetime | None = None
    reached_by: str = ""

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_sos(self) -> bool:
        return self.kind == SOS

    @property
    def help_state(self) -> str:
        """An SOS request's state on the check-in board: new, assigned, reached, resolved."""
        if self.status == RESOLVED:
            return "resolved"
        if self.reached_at is not None:
            return "reached"
        return "assigned" if self.assignee else "new"

    @classmethod
    def from_hash(cls, data: Mapping[str, str]) -> Ticket:
        return cls(
            id=data["id"],
            user_id=data["user_id"],
            status=data.get("status", OPEN),
            created_at=to_datetime(data.get("created_at")) or datetime.fromtimestamp(0, UTC),
            reason=data.get("reason", ""),
            waiting_since=to_datetime(data.get("waiting_since")),
            first_response_at=to_datetime(data.get("first_response_at")),
            resolved_at=to_datetime(data.get("resolved_at")),
            resolved_by=data.get("resolved_by", ""),
            assignee=data.get("assignee", ""),
            claimed_at=to_datetime(data.get("claimed_at")),
            last_citizen_at=to_datetime(data.get("last_citizen_at")),
            procedure_code=data.get("procedure_code", ""),
            procedure_name=data.get("procedure_name", ""),
            receipt=data.get("receipt", ""),
            rating=int(data["rating"]) if data.get("rating") else None,
            rated_at=to_datetime(data.get("rated_at")),
            reopened=int(data.get("reopened") or 0),
            kind=data.get("kind", ""),
            severity=data.get("severity", ""),
            broadcast_id=data.get("broadcast_id", ""),
            area=data.get("area", ""),
            place=data.get("place", ""),
            map_link=data.get("map_link", ""),
            phone=data.get("phone", ""),
            situation=data.get("situation", ""),
            reached_at=to_datetime(data.get("reached_at")),
            reached_by=data.get("reached_by", ""),
        )

    def to_json(self) -> dict[str, Any]:
        """The API's shape: ISO-8601 times in UTC, empty strings for what is unknown."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            out[key] = value.isoformat() if isinstance(value, datetime) else value
        return out


@dataclass(frozen=True)
class TranscriptEntry:
    at: datetime
    who: Who
    text: str
    # Staff member's login (or "Zalo OA" for replies typed in Zalo's own manager).
    author: str = ""
    # Media the citizen sent: [{"type", "url"}]; URLs are Zalo's temporary ones (about 7 days).
    attachments: list[dict[str, str]] = field(default_factory=list)
    # For staff replies: "sent", "outside_window" (not sent: Zalo's 7-day rule), "failed".
    delivery: str = ""
    detail: str = ""
    # A staff reply's reference in bot.tickets.outgoing, where its delivery state is kept.
    ref: str = ""

    def dumps(self) -> str:
        data: dict[str, Any] = {"at": self.at.timestamp(), "who": self.who, "text": self.text}
        for key in ("author", "delivery", "detail", "ref"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        if self.attachments:
            data["attachments"] = self.attachments
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def loads(cls, raw: bytes | str) -> TranscriptEntry:
        data = json.loads(raw)
        return cls(
            at=datetime.fromtimestamp(float(data["at"]), UTC),
            who=data["who"],
            text=data.get("text", ""),
            author=data.get("author", ""),
            attachments=list(data.get("attachments") or []),
            delivery=data.get("delivery", ""),
            detail=data.get("detail", ""),
            ref=data.get("ref", ""),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "who": self.who,
            "text": self.text,
            "author": self.author,
            "attachments": [{**item, "url": safe_link(item.get("url"))} for item in self.attachments],
            "delivery": self.delivery,
            "detail": self.detail,
        }
