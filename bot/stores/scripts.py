"""Lua scripts registered once per Redis client and then called by SHA (EVALSHA).

A redis-py Script is bound to the client that registered it (its default client for calls, its encoder
for the SHA), so the cache is per client: a weak mapping from the client to its scripts by source, which
goes away with the client (tests make many clients, each on its own server).
"""

from __future__ import annotations

import weakref

import redis
from redis.commands.core import Script

_SCRIPTS: weakref.WeakKeyDictionary[redis.Redis, dict[str, Script]] = weakref.WeakKeyDictionary()


def script(client: redis.Redis, source: str) -> Script:
    """The Script for `source` registered on `client`, made on first use."""
    registered = _SCRIPTS.setdefault(client, {})
    if source not in registered:
        registered[source] = client.register_script(source)
    return registered[source]
