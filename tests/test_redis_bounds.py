"""Bounded Redis: after messages from citizens who do not follow the OA, every new key either expires
or belongs to a family the registry lists as permanent (bot/stores/registry.py PERMANENT).

The real Procfile processes (web, worker) and the sandbox run; the keys are scanned on the real Redis.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from bot.devtools.embedded_redis import EmbeddedRedis
from bot.devtools.stack import Stack
from bot.stores.registry import PERMANENT, family_of, permanent_family
from tests.helpers import SandboxControl, eventually

pytestmark = pytest.mark.e2e

PREFIX = f"bound{uuid.uuid4().hex[:6]}:"

# What citizens who never followed send: greetings, questions, a pick, a receipt, a command, nonsense.
MESSAGES = ("Xin chào", "làm giấy khai sinh cần giấy tờ gì", "mấy giờ làm việc", "2",
            "H56.14-240823-0001", "#alerts", "asdfgh qwerty")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, redis.Redis]]:
    server = EmbeddedRedis(Path(tmp_path_factory.mktemp("bounds-redis"))).start()
    running = Stack(var_dir=Path(tmp_path_factory.mktemp("bounds-var")), redis_url=server.url,
                    extra_env={"REDIS_KEY_PREFIX": PREFIX, "WEB_CONCURRENCY": "1"}).start()
    yield running, redis.Redis.from_url(server.url)
    running.stop()
    server.stop()


def _keys_without_ttl(client: redis.Redis) -> set[str]:
    names = [key.decode() for key in client.scan_iter(count=1000)]
    ttls = client.pipeline(transaction=False)
    for name in names:
        ttls.ttl(name)
    return {name for name, ttl in zip(names, ttls.execute(), strict=True) if ttl == -1}


def _settled(client: redis.Redis, accepted: int, timeout: float = 90.0) -> None:
    """Every accepted event was handled: nothing pending, nothing queued.

    (Zalo refuses consultation messages to non-followers with -213, so the sandbox receives no reply to
    wait for: the bot still runs every handler and records the refusal.)"""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = sum(1 for _ in client.scan_iter(f"{PREFIX}seen:*", count=1000))
        if seen >= accepted and not client.exists(f"{PREFIX}inbox:pending") and not client.llen("rq:queue:xa-events"):
            return
        time.sleep(0.2)
    raise AssertionError("the events were not all handled in time")


def test_non_followers_leave_no_key_without_ttl(stack: tuple[Stack, redis.Redis]) -> None:
    running, client = stack
    control = SandboxControl(running.sandbox_url)
    before = _keys_without_ttl(client)
    users = [control.create_user(f"Người dân {n}", follower=False) for n in range(3)]
    for text in MESSAGES:
        for user in users:
            control.control("POST", f"/_sandbox/citizen/{user}/text", json={"text": text})
    _settled(client, accepted=len(users) * len(MESSAGES))
    # A drain job stays warm for a second after the last event (SWEEP_LINGER_SECONDS); rq gives its job a
    # TTL, and empties its work-in-progress registry, when it ends.
    eventually(lambda: not any(client.zcard(key) for key in client.scan_iter(match="*rq:wip:*")), timeout=15)
    time.sleep(0.2)  # the job's own last bookkeeping after it leaves the registry
    new = sorted(_keys_without_ttl(client) - before)
    unbounded = [name for name in new if not permanent_family(name.removeprefix(PREFIX))]
    assert not unbounded, f"keys without a TTL outside the permanent families: {unbounded}"
    assert not any(user in name for name in new for user in users), "a non-follower's key has no TTL"
    for user in users:  # their follower record exists (the messaging window), and goes with the window
        assert 0 < client.ttl(f"{PREFIX}follower:{user}") <= 7 * 24 * 3600


def test_every_permanent_family_is_a_registered_one() -> None:
    assert all(family_of(pattern) is not None and family_of(pattern).pattern == pattern  # type: ignore[union-attr]
               for pattern in PERMANENT)
