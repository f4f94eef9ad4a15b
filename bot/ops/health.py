"""What /readyz reports: each dependency with its own verdict, and whether the web can take traffic.

Only Redis and the catalogue decide readiness (a 503 takes the web out of the load balancer, and a web
that cannot reach Redis or has no catalogue should be). A stale token or a silent worker is reported
but keeps 200: the web still accepts Zalo's events, which wait safely in Redis, and pulling it out would
make Zalo resend them for hours instead.

The catalogue is checked on disk (present, gzip) without loading it: loading costs every gunicorn
worker about 0.5 s and tens of MB, for a page only a load balancer reads.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

import redis

from bot.config import Settings
from bot.ops.heartbeat import SILENT_AFTER_SECONDS, HeartbeatStore

GZIP_MAGIC = b"\x1f\x8b"


def catalogue_check(path: Path | None = None) -> dict[str, Any]:
    from bot.procedures.catalogue import CATALOGUE_FILE, catalogue_loaded

    path = path or CATALOGUE_FILE
    try:
        with path.open("rb") as fh:
            present = fh.read(2) == GZIP_MAGIC
        size = path.stat().st_size
    except OSError:
        return {"ok": False, "error": "missing"}
    return {"ok": present and size > 0, "bytes": size, "loaded_here": catalogue_loaded()}


def token_check(client: redis.Redis, settings: Settings, now: float) -> dict[str, Any]:
    stored = client.hgetall(f"{settings.key_prefix}zalo:tokens")
    if not stored:
        # Seeded from ZALO_ACCESS_TOKEN on the first call to Zalo.
        return {"ok": bool(settings.zalo_access_token), "stored": False}
    expires_in = float(stored.get(b"expires_at", b"0")) - now
    return {"ok": expires_in > 0, "stored": True, "expires_in_seconds": round(expires_in),
            "version": int(stored.get(b"version", b"0"))}


def worker_check(client: redis.Redis, settings: Settings, now: float) -> dict[str, Any]:
    beats = HeartbeatStore(client, settings).read(now)
    age = beats.age_seconds
    return {"ok": not beats.silent, "alive": beats.alive,
            "last_heartbeat_age_seconds": None if age is None else round(age, 1),
            "silent_after_seconds": SILENT_AFTER_SECONDS}


def readiness(client: redis.Redis, settings: Settings, now: float | None = None) -> dict[str, Any]:
    now = time.time() if now is None else now
    checks: dict[str, dict[str, Any]] = {"redis": {"ok": False}, "catalogue": catalogue_check()}
    with contextlib.suppress(redis.RedisError):
        checks["redis"] = {"ok": bool(client.ping())}
    if checks["redis"]["ok"]:
        try:
            checks["token"] = token_check(client, settings, now)
            checks["worker"] = worker_check(client, settings, now)
        except redis.RedisError:
            checks["redis"] = {"ok": False}
    ready = checks["redis"]["ok"] and checks["catalogue"]["ok"]
    # `redis` and `catalogue` stay top-level booleans, as before the detailed checks.
    return {"ok": ready, "redis": checks["redis"]["ok"], "catalogue": checks["catalogue"]["ok"], "checks": checks}
