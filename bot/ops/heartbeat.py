"""The workers' heartbeats: each worker's poll loop records the time, the web and the console read it.

One sorted set (worker name → last beat), not a key per worker: reading it needs no SCAN. Beats older
than a day are dropped on each beat, and the whole key expires a day after the last beat of any worker.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass

import redis

from bot.config import Settings
from bot.stores.keys import KeyFamily

KEY_FAMILIES = (
    KeyFamily("worker:heartbeats", per_citizen=False, kept="a day after the last beat (worker names only)"),
)

BEAT_SECONDS = 5.0
# The console's banner and /readyz call a worker silent past this.
SILENT_AFTER_SECONDS = 60.0
KEPT_SECONDS = 24 * 3600


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Heartbeats:
    latest_at: float | None  # the newest beat of any worker (epoch seconds), None when no worker ever beat
    alive: int  # workers that beat within SILENT_AFTER_SECONDS
    now: float

    @property
    def age_seconds(self) -> float | None:
        return None if self.latest_at is None else max(0.0, self.now - self.latest_at)

    @property
    def silent(self) -> bool:
        return self.latest_at is None or self.now - self.latest_at > SILENT_AFTER_SECONDS


class HeartbeatStore:
    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.redis = client
        self.key = f"{settings.shared_prefix}worker:heartbeats"  # the deployment's workers serve every tenant

    def beat(self, name: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        pipe = self.redis.pipeline()
        pipe.zadd(self.key, {name: now})
        pipe.zremrangebyscore(self.key, "-inf", now - KEPT_SECONDS)
        pipe.expire(self.key, KEPT_SECONDS)
        pipe.execute()

    def read(self, now: float | None = None) -> Heartbeats:
        now = time.time() if now is None else now
        pipe = self.redis.pipeline(transaction=False)
        pipe.zrevrange(self.key, 0, 0, withscores=True)
        pipe.zcount(self.key, now - SILENT_AFTER_SECONDS, "+inf")
        newest, alive = pipe.execute()
        return Heartbeats(latest_at=float(newest[0][1]) if newest else None, alive=int(alive), now=now)


def worker_silence(client: redis.Redis, settings: Settings) -> Heartbeats | None:
    """For the console's banner: the heartbeats when no worker has beaten for a minute, else None.
    Redis being down is another problem, with its own error page: no banner then."""
    try:
        beats = HeartbeatStore(client, settings).read()
    except redis.RedisError:
        return None
    return beats if beats.silent else None
