"""A circuit breaker kept in Redis, shared by every worker: after N failures in a row the remote
system is left alone for a while, and citizens are told to try later at once instead of waiting."""

from __future__ import annotations

import redis


class CircuitBreaker:
    def __init__(self, client: redis.Redis, key: str, failures: int, open_seconds: int) -> None:
        self.redis = client
        self.failures_key = f"{key}:failures"
        self.open_key = f"{key}:open"
        self.threshold = max(failures, 1)
        self.open_seconds = max(open_seconds, 1)

    def is_open(self) -> bool:
        return bool(self.redis.exists(self.open_key))

    def record_success(self) -> None:
        self.redis.delete(self.failures_key)

    def record_failure(self) -> None:
        count = int(self.redis.incr(self.failures_key))
        self.redis.expire(self.failures_key, self.open_seconds * 10)
        if count >= self.threshold:
            # Half-open afterwards: one more failure opens it again straight away.
            pipe = self.redis.pipeline()
            pipe.set(self.open_key, "1", ex=self.open_seconds)
            pipe.set(self.failures_key, self.threshold - 1, ex=self.open_seconds * 10)
            pipe.execute()
