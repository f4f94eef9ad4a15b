"""Lua scripts registered once per Redis client and then called by SHA (EVALSHA)."""

from __future__ import annotations

import redis
from redis.commands.core import Script


def script(client: redis.Redis, source: str) -> Script:
    cache: dict[str, Script] = client.__dict__.setdefault("_xa_scripts", {})
    if source not in cache:
        cache[source] = client.register_script(source)
    return cache[source]
