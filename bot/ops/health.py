"""What /readyz reports: each dependency with its own verdict, and whether the web can take traffic.

Only Redis and the catalogue decide readiness (a 503 takes the web out of the load balancer, and a web
that cannot reach Redis or has no catalogue should be). A stale token or a silent worker is reported
but keeps 200: the web still accepts Zalo's events, which wait safely in Redis, and pulling it out would
make Zalo resend them for hours instead.

The catalogue is checked on disk without being kept: its whole gzip stream is read once per file version
(the CRC proves it is complete) and must hold a JSON object. Loading it would cost every gunicorn worker
tens of MB for a page only a load balancer reads; a truncated or replaced file still answers 503.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import time
import zlib
from pathlib import Path
from typing import Any

import redis

from bot.config import Settings
from bot.ops.heartbeat import SILENT_AFTER_SECONDS, HeartbeatStore


def catalogue_check(path: Path | None = None) -> dict[str, Any]:
    from bot.procedures.catalogue import CATALOGUE_FILE, catalogue_loaded

    path = path or CATALOGUE_FILE
    try:
        stat = path.stat()
    except OSError:
        return {"ok": False, "error": "missing"}
    whole = _gzip_json_complete(path, stat.st_mtime_ns, stat.st_size, stat.st_ino)
    return {"ok": whole, "bytes": stat.st_size, "loaded_here": catalogue_loaded()}


@functools.lru_cache(maxsize=4)
def _gzip_json_complete(path: Path, mtime_ns: int, size: int, inode: int) -> bool:
    """The file is a complete gzip stream whose text starts a JSON object. Streamed in 1 MB chunks, so
    nothing large is held; cached per file version (the key carries mtime, size and inode)."""
    try:
        with gzip.open(path, "rb") as stream:
            first = stream.read(1 << 20)
            while stream.read(1 << 20):
                pass
    except (OSError, EOFError, zlib.error):
        return False
    return first.lstrip().startswith(b"{")


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
