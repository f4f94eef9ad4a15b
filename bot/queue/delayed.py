"""Jobs to run later, kept in a Redis sorted set that every worker's poll loop releases.

Used instead of rq's scheduler for short delays (retries, busy locks, quota waits): rq's
scheduler lock outlives a SIGKILLed worker by a minute, and nothing here should wait that long.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import redis


class DelayedSet:
    def __init__(self, client: redis.Redis, key: str) -> None:
        self.redis = client
        self.key = key

    def defer(self, member: str, delay_seconds: float) -> None:
        # LT adds a new member, and moves an existing one only to an earlier due time.
        self.redis.zadd(self.key, {member: time.time() + delay_seconds}, lt=True)

    def release_due(self, enqueue: Callable[[str], object], limit: int = 500) -> int:
        """Hand the due members to `enqueue`; ZREM decides which worker releases each one."""
        released = 0
        for member in self.redis.zrangebyscore(self.key, "-inf", time.time(), start=0, num=limit):
            if self.redis.zrem(self.key, member):
                enqueue(member.decode())
                released += 1
        return released
