"""Lua scripts registered once per Redis client and then called by SHA (EVALSHA).

A redis-py Script is bound to the client that registered it (its default client for calls, its encoder
for the SHA), so the cache is per client: a weak mapping from the client to its scripts by source, which
goes away with the client (tests make many clients, each on its own server).
"""

from __future__ import annotations

import hashlib
import weakref
from typing import Any

import redis
from redis.commands.core import Script

_SCRIPTS: weakref.WeakKeyDictionary[redis.Redis, dict[str, Script]] = weakref.WeakKeyDictionary()


def script(client: redis.Redis, source: str) -> Script:
    """The Script for `source` registered on `client`, made on first use."""
    registered = _SCRIPTS.setdefault(client, {})
    if source not in registered:
        registered[source] = client.register_script(source)
    return registered[source]


# KEYS[1]: a marker · ARGV: the marker's ttl, then each command as its argument count, name and
# arguments. Runs every command only if the marker was not set yet (then sets it): work recorded once
# per event however often a worker retries it, in one round trip.
_ONCE = """
if not redis.call('set', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
local i = 2
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  redis.call(unpack(ARGV, i + 1, i + n))
  i = i + n + 1
end
return 1
"""

Command = tuple[str | bytes | int | float, ...]
# The sources of the scripts queued by SHA on a pipeline, to load them again if Redis lost them.
_PIPELINE_SOURCES: weakref.WeakKeyDictionary[redis.client.Pipeline, dict[str, str]] = weakref.WeakKeyDictionary()


def once(client: redis.Redis, marker: str, ttl_seconds: int, commands: list[Command],
         pipe: redis.client.Pipeline | None = None) -> bool:
    """Run `commands` unless `marker` is set, and set it; True when they ran. With `pipe`: queued (True),
    for `execute_idempotent` (running it twice is harmless: the marker holds)."""
    args: list[str | bytes | int | float] = [ttl_seconds]
    for command in commands:
        args += [len(command), *command]
    if pipe is not None:
        queue_script(pipe, _ONCE, [marker], args)
        return True
    return bool(script(client, _ONCE)(keys=[marker], args=args))


def queue_script(pipe: redis.client.Pipeline, source: str, keys: list[str], args: list[Any]) -> None:
    """Queue a script call by SHA on `pipe`, without redis-py's SCRIPT EXISTS round trip before each
    pipeline: run the pipeline with `execute_idempotent`, which loads the scripts if Redis lost them."""
    loaded = _PIPELINE_SOURCES.setdefault(pipe, {})
    sha = hashlib.sha1(source.encode()).hexdigest()
    loaded[sha] = source
    pipe.evalsha(sha, len(keys), *keys, *args)


def execute_idempotent(pipe: redis.client.Pipeline) -> list[Any]:
    """Execute a pipeline of idempotent commands (reads, and writes that may run twice) in one round
    trip; after a restart of Redis (NOSCRIPT) its scripts are loaded and the whole pipeline runs again."""
    stack = list(pipe.command_stack)
    try:
        return pipe.execute()
    except redis.exceptions.NoScriptError:
        for source in _PIPELINE_SOURCES.get(pipe, {}).values():
            pipe.script_load(source)
        pipe.execute()
        pipe.command_stack = stack
        return pipe.execute()
