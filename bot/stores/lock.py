"""The one Redis lock: an owner token, a TTL, atomic renewal and atomic compare-and-delete release.

A holder that dies leaves a lock that expires by itself; a holder whose lock expired (and was
taken by someone else) can neither renew nor release the new owner's lock, because both are
one Lua script comparing the token first.
"""

from __future__ import annotations

import time
import uuid

import redis

from bot.stores.scripts import script

# KEYS: lock · ARGV: token → 1 released, 0 not ours (expired, or someone else's now).
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""

# KEYS: lock · ARGV: token, ttl ms → 1 renewed, 0 not ours.
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""


class Lock:
    """`acquire()` once; `renew()` while working (at most every `renew_every` seconds); `release()`."""

    def __init__(self, client: redis.Redis, key: str, ttl_seconds: float, renew_every: float = 0.0) -> None:
        self.redis = client
        self.key = key
        self.ttl_ms = int(ttl_seconds * 1000)
        self.token = uuid.uuid4().hex
        self.renew_every = renew_every
        self._renewed_at = 0.0

    def acquire(self) -> bool:
        self._renewed_at = time.monotonic()
        return bool(self.redis.set(self.key, self.token, nx=True, px=self.ttl_ms))

    def assume_acquired(self) -> None:
        """The lock was taken with this token by a script (SET NX PX as in `acquire`)."""
        self._renewed_at = time.monotonic()

    def renew(self) -> bool:
        """Push the expiry out again if we still hold the lock; False once it is lost."""
        if self.renew_every and time.monotonic() - self._renewed_at < self.renew_every:
            return True
        self._renewed_at = time.monotonic()
        return bool(script(self.redis, _RENEW)(keys=[self.key], args=[self.token, self.ttl_ms]))

    def release(self) -> bool:
        return bool(script(self.redis, _RELEASE)(keys=[self.key], args=[self.token]))

    def remaining_ms(self) -> int:
        """How long the current holder's lock (ours or not) still lives."""
        return max(int(self.redis.pttl(self.key)), 0)
