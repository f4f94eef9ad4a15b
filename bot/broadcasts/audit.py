"""The audit log: who did what to which record, when. A capped Redis list, newest first."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass

import redis

from bot.config import Settings
from bot.stores.keys import KeyFamily

KEY_FAMILIES = (KeyFamily("audit", per_citizen=False, kept="staff actions on broadcasts, last 100,000"),)

MAX_ENTRIES = 100_000


@dataclass(frozen=True)
class AuditEntry:
    at: float
    actor: str
    action: str  # composed, approved, sent, scheduled, updated, cancelled, stopped, user.created, ...
    subject: str  # e.g. "broadcast:<id>", "user:<name>"
    detail: str = ""


class AuditLog:
    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.redis = client
        self.key = f"{settings.key_prefix}audit"

    def record(self, actor: str, action: str, subject: str, detail: str = "") -> AuditEntry:
        entry = AuditEntry(time.time(), actor, action, subject, detail)
        pipe = self.redis.pipeline()
        pipe.lpush(self.key, json.dumps(asdict(entry), ensure_ascii=False))
        pipe.ltrim(self.key, 0, MAX_ENTRIES - 1)
        pipe.execute()
        return entry

    def recent(self, limit: int = 200, subject: str | None = None) -> list[AuditEntry]:
        raw = self.redis.lrange(self.key, 0, (limit if subject is None else MAX_ENTRIES) - 1)
        entries = [AuditEntry(**json.loads(item)) for item in raw]
        if subject is not None:
            entries = [e for e in entries if e.subject == subject][:limit]
        return entries
