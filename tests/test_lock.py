"""The one lock primitive: owner-checked renewal and release, expiry of a dead holder's lock."""

from __future__ import annotations

import time

import redis

from bot.stores.lock import Lock


def test_only_one_holder_at_a_time_and_release_frees_it(redis_client: redis.Redis) -> None:
    first, second = Lock(redis_client, "t:lock:a", 5), Lock(redis_client, "t:lock:a", 5)
    assert first.acquire() and not second.acquire()
    assert first.release()
    assert second.acquire()


def test_a_lock_that_expired_and_was_taken_is_neither_renewed_nor_released_by_its_old_holder(
    redis_client: redis.Redis,
) -> None:
    stale = Lock(redis_client, "t:lock:b", 0.05)
    assert stale.acquire()
    time.sleep(0.1)  # the holder stalled past its TTL
    fresh = Lock(redis_client, "t:lock:b", 5)
    assert fresh.acquire()
    assert not stale.renew() and not stale.release()
    assert redis_client.get("t:lock:b") == fresh.token.encode()
    assert fresh.remaining_ms() > 4000


def test_renewal_pushes_the_expiry_out_and_can_be_throttled(redis_client: redis.Redis) -> None:
    lock = Lock(redis_client, "t:lock:c", 1)
    assert lock.acquire()
    redis_client.pexpire("t:lock:c", 100)
    assert lock.renew() and lock.remaining_ms() > 900
    throttled = Lock(redis_client, "t:lock:d", 1, renew_every=60)
    assert throttled.acquire()
    redis_client.pexpire("t:lock:d", 100)
    assert throttled.renew() and throttled.remaining_ms() <= 100  # not due yet: no round trip
