"""The commune's own configuration, set in the console (/console/settings), kept in Redis.

Four sections, each one JSON document in the shape of its shipped file, which stays the default and
the export format: "commune" (data/commune.json), "hours" (data/office.json), "areas"
(data/areas.json), "canned" (data/canned_replies.json), and "deployment" (the public address and Zalo
template ids, over PUBLIC_BASE_URL, DOSSIER_TEMPLATE_ID, BROADCAST_TEMPLATE_ID). Every change bumps a version counter;
readers (bot/office/current.py) rebuild when it moves, so web and worker apply a change without a
restart. Validation is the caller's (bot/office/current.py `validate_section`); this module only stores.
"""

from __future__ import annotations

import json
from typing import Any

import redis

from bot.config import Settings
from bot.stores.keys import KeyFamily
from bot.stores.versioned import Versioned

KEY_FAMILIES = (
    KeyFamily("office:config", per_citizen=False, kept="the commune's settings from the console"),
    KeyFamily("office:config:version", per_citizen=False, kept="a counter"),
    KeyFamily("office:webhook-check", per_citizen=False, kept="the last webhook test from the console"),
)

SECTIONS = ("commune", "hours", "areas", "canned", "deployment")


class OfficeConfigStore(Versioned):
    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.redis = client
        self._key = f"{settings.key_prefix}office:config"
        self._version_key = f"{settings.key_prefix}office:config:version"
        self._check_key = f"{settings.key_prefix}office:webhook-check"

    def snapshot(self) -> tuple[int, dict[str, Any]]:
        """(version, {section: document}) read together, so a reader never mixes two versions."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.get(self._version_key)
        pipe.hgetall(self._key)
        version, raw = pipe.execute()
        return int(version or 0), {k.decode(): json.loads(v) for k, v in raw.items()}

    def get(self, section: str) -> Any | None:
        raw = self.redis.hget(self._key, section)
        return None if raw is None else json.loads(raw)

    def put(self, section: str, document: Any) -> int:
        if section not in SECTIONS:
            raise ValueError(f"unknown settings section {section!r}")
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self._key, section, json.dumps(document, ensure_ascii=False))
        pipe.incr(self._version_key)
        return int(pipe.execute()[1])

    def reset(self, section: str) -> int:
        """Back to the shipped file's values."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.hdel(self._key, section)
        pipe.incr(self._version_key)
        return int(pipe.execute()[1])

    # -- the go-live checklist's webhook test ------------------------------------------------------

    def record_webhook_check(self, ok: bool, detail: str, at: float) -> None:
        self.redis.hset(self._check_key, mapping={"ok": int(ok), "detail": detail, "at": at})

    def webhook_check(self) -> dict[str, Any] | None:
        raw: dict[bytes, bytes] = self.redis.hgetall(self._check_key)  # type: ignore[assignment]
        if not raw:
            return None
        return {"ok": raw[b"ok"] == b"1", "detail": raw[b"detail"].decode(), "at": float(raw[b"at"])}
