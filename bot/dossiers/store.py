"""Where dossiers come from: the `DossierSource` protocol and the embedded store on Redis.

The embedded store is fed by the JSON API (or mirrors the provincial system's answers). Every
change of status appends an entry to the dossier's change log under the next version number,
so pushes can be tracked per subscriber by version and sent exactly once, in order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

import redis

from bot.config import Settings
from bot.dossiers.model import Dossier
from bot.stores.keys import KeyFamily

KEY_FAMILIES = (
    KeyFamily("dossier:*", per_citizen=False, kept="the dossier's record (applicant id only as a keyed hash)"),
    KeyFamily("dossier:*:log", per_citizen=False, kept="the dossier's status history"),
    KeyFamily("dossier:http-cache:*", per_citizen=False, kept="DOSSIER_HTTP_CACHE_SECONDS"),
    KeyFamily("dossier:http-breaker:*", per_citizen=False, kept="the source's circuit breaker"),
)


class SourceUnavailable(Exception):
    """The dossier system cannot answer now (down, slow, answering garbage, breaker open)."""


class DossierSource(Protocol):
    def get(self, receipt: str) -> Dossier | None:
        """The dossier, or None if there is none; raises SourceUnavailable when it cannot tell."""


@dataclass(frozen=True)
class Change:
    """One status change: the dossier as it was right after it."""

    version: int
    at: datetime
    dossier: Dossier

    def to_json(self) -> str:
        return json.dumps(
            {"version": self.version, "at": self.at.isoformat(), "dossier": self.dossier.to_dict()},
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, raw: bytes | str) -> Change:
        data: dict[str, Any] = json.loads(raw)
        return cls(data["version"], datetime.fromisoformat(data["at"]), Dossier.from_dict(data["dossier"]))


class RedisDossierStore:
    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.redis = client
        self.prefix = f"{settings.key_prefix}dossier:"

    def _key(self, receipt: str) -> str:
        return f"{self.prefix}{receipt}"

    def _log_key(self, receipt: str) -> str:
        return f"{self.prefix}{receipt}:log"

    def get(self, receipt: str) -> Dossier | None:
        raw = self.redis.get(self._key(receipt))
        return Dossier.from_dict(json.loads(raw)) if raw else None

    def upsert(self, dossier: Dossier, now: datetime) -> tuple[Dossier, bool]:
        """Create or update; returns (the stored dossier, whether its status changed or it is new).

        A write that changes nothing keeps the stored record as it is (so integrators may resend).
        Applicant hashes left empty keep the stored ones (an update need not resend the id).
        """
        key, log_key = self._key(dossier.receipt), self._log_key(dossier.receipt)
        result: dict[str, Any] = {}

        def write(pipe: redis.client.Pipeline) -> None:
            raw = pipe.get(key)
            previous = Dossier.from_dict(json.loads(raw)) if raw else None
            incoming = dossier
            if previous and not incoming.applicant_hashes:
                incoming = replace(incoming, applicant_hashes=previous.applicant_hashes)
            if previous and incoming.same_content(previous):
                result.update(stored=previous, changed=False)
                pipe.multi()
                return
            status_changed = previous is None or previous.status != incoming.status
            version = (previous.version if previous else 0) + (1 if status_changed else 0)
            stored = replace(incoming, updated_at=now, version=version)
            pipe.multi()
            pipe.set(key, json.dumps(stored.to_dict(), ensure_ascii=False))
            if status_changed:
                pipe.rpush(log_key, Change(version, now, stored).to_json())
            result.update(stored=stored, changed=status_changed)

        self.redis.transaction(write, key)
        return result["stored"], result["changed"]

    def changes_since(self, receipt: str, version: int) -> list[Change]:
        """Status changes after `version`, oldest first (versions start at 1, list index = version - 1)."""
        return [
            Change.from_json(raw) for raw in self.redis.lrange(self._log_key(receipt), max(version, 0), -1)
        ]

    def latest_version(self, receipt: str) -> int:
        return int(self.redis.llen(self._log_key(receipt)))
