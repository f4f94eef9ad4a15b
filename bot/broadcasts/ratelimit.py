"""One send rate shared by every worker: a token bucket kept in Redis, on Redis's own clock."""

from __future__ import annotations

import time
from collections.abc import Callable

import redis

# Refill by elapsed time, take one token if there is one; else answer how many ms to wait.
_TAKE = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate / 1000)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], 60000)
return wait
"""


class TokenBucket:
    """`acquire()` blocks until a send is allowed. rate 0 means unlimited (no Redis call at all).

    The burst (capacity) is one second's worth of tokens at most, so that the rate holds over any
    second-long window, whichever worker sends.
    """

    def __init__(self, client: redis.Redis, key: str, rate_per_second: float,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = rate_per_second
        self.capacity = max(1.0, rate_per_second)
        self.key = key
        self.sleep = sleep
        self._take = client.register_script(_TAKE)

    def acquire(self) -> None:
        if self.rate <= 0:
            return
        while True:
            wait_ms = int(self._take(keys=[self.key], args=[self.rate, self.capacity]))
            if wait_ms <= 0:
                return
            self.sleep(wait_ms / 1000)
