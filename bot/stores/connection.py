"""How a process reaches Redis: one server (REDIS_URL), or the primary that Redis Sentinel names.

With REDIS_SENTINELS set, every client asks the sentinels for REDIS_SENTINEL_MASTER's primary and
asks again when its connection breaks or the server turns out to be a replica (after a failover), and
commands that failed on a broken connection are retried while the sentinels promote a replica. The
database number and password still come from REDIS_URL.
"""

from __future__ import annotations

from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel

from bot.config import Settings

# A failover takes the sentinels' down-after time plus an election: seconds. Commands retry that long
# (0.1 s doubling to 2 s, ten tries ≈ 12 s) before a caller sees the error.
FAILOVER_RETRY = Retry(ExponentialBackoff(cap=2.0, base=0.1), retries=10)


def sentinel_addresses(spec: tuple[str, ...]) -> list[tuple[str, int]]:
    """"host:port" entries → (host, port); Sentinel's port 26379 when none is given. Pure."""
    addresses = []
    for entry in spec:
        host, _, port = entry.strip().rpartition(":") if ":" in entry else (entry.strip(), "", "26379")
        addresses.append((host or entry.strip(), int(port or 26379)))
    return addresses


def connect(settings: Settings, **options: Any) -> redis.Redis:
    """A client for the bot's data: REDIS_URL's server, or Sentinel's current primary."""
    if not settings.redis_sentinels:
        return redis.Redis.from_url(settings.redis_url, **options)
    url = redis.connection.parse_url(settings.redis_url)
    sentinel = Sentinel(sentinel_addresses(settings.redis_sentinels),
                        sentinel_kwargs={"socket_timeout": options.get("socket_timeout", 5),
                                         "password": settings.redis_sentinel_password or None},
                        socket_timeout=options.get("socket_timeout"))
    return sentinel.master_for(
        settings.redis_sentinel_master, db=url.get("db", 0), password=url.get("password"),
        username=url.get("username"), retry=FAILOVER_RETRY,
        retry_on_error=[redis.ConnectionError, redis.TimeoutError],
        **{k: v for k, v in options.items() if k != "socket_timeout"})
