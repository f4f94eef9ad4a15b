"""Per-citizen inboxes: order with several workers, retries, dead letters, dead lock holders."""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import replace

import redis

from bot.config import Settings
from bot.ingress.events import Event, parse_event
from bot.queue.event_inbox import Keys, accept_event, drain, pending_users
from bot.stores.lock import Lock
from tests.helpers import text_event


def _accept(client: redis.Redis, settings: Settings, user: str, texts: list[str]) -> None:
    for text in texts:
        assert accept_event(client, settings, parse_event(text_event(user, text))).fresh


def test_one_citizens_events_are_handled_in_order_across_workers(redis_client, settings: Settings) -> None:
    users = ["u1", "u2", "u3"]
    handled: dict[str, list[str]] = {u: [] for u in users}
    guard = threading.Lock()
    busy: set[str] = set()
    overlaps: list[str] = []

    def handle(event: Event, keep_alive) -> None:
        with guard:
            if event.user_id in busy:
                overlaps.append(event.user_id)
            busy.add(event.user_id)
        time.sleep(random.uniform(0, 0.004))
        with guard:
            busy.discard(event.user_id)
            handled[event.user_id].append(event.text)

    stop = threading.Event()

    def worker() -> None:
        conn = redis.Redis.from_url(settings.redis_url)
        while not stop.is_set():
            for user in users:
                drain(conn, settings, user, handle)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    expected = {u: [f"{u}-{i}" for i in range(40)] for u in users}
    for i in range(40):
        for u in users:
            _accept(redis_client, settings, u, [expected[u][i]])
    deadline = time.time() + 20
    while time.time() < deadline and any(len(handled[u]) < 40 for u in users):
        time.sleep(0.02)
    stop.set()
    for t in threads:
        t.join()
    assert handled == expected
    assert overlaps == []
    assert pending_users(redis_client, settings) == []


def test_transient_failure_keeps_the_event_at_the_head(redis_client, settings: Settings) -> None:
    _accept(redis_client, settings, "u", ["first", "second"])
    calls: list[str] = []

    def flaky(event: Event, keep_alive) -> None:
        calls.append(event.text)
        if event.text == "first" and calls.count("first") == 1:
            raise ConnectionError("zalo down")

    result = drain(redis_client, settings, "u", flaky)
    assert result.handled == 0 and result.again_after == settings.job_retry_intervals[0]
    result = drain(redis_client, settings, "u", flaky)
    assert result.handled == 2 and calls == ["first", "first", "second"]


def test_poisoned_event_is_dead_lettered_and_the_rest_flow(redis_client, settings: Settings) -> None:
    settings = replace(settings, job_max_attempts=3)
    _accept(redis_client, settings, "u", ["poison", "fine"])
    dead: list[str] = []
    seen: list[str] = []

    def handle(event: Event, keep_alive) -> None:
        if event.text == "poison":
            raise ValueError("bug")
        seen.append(event.text)

    for _ in range(3):
        drain(redis_client, settings, "u", handle, on_dead=lambda e, why: dead.append(e.text))
    assert dead == ["poison"] and seen == ["fine"]
    assert redis_client.llen(Keys(settings).dead_letter) == 1
    assert 0 < redis_client.ttl(Keys(settings).dead_letter) <= 30 * 24 * 3600  # personal data: not for ever


def test_dead_letters_keep_no_id_or_phone_numbers(redis_client, settings: Settings) -> None:
    settings = replace(settings, job_max_attempts=1)
    _accept(redis_client, settings, "u", ["CCCD của tôi là 079123456789, sđt 0912 345 678"])
    drain(redis_client, settings, "u", lambda e, k: 1 / 0)
    [record] = redis_client.lrange(Keys(settings).dead_letter, 0, -1)
    assert b"079123456789" not in record and b"0912 345 678" not in record
    assert "CCCD của tôi là" in json.loads(record)["event"]["message"]["text"]


def test_a_dead_workers_lock_delays_but_does_not_lose(redis_client, settings: Settings) -> None:
    settings = replace(settings, user_lock_ttl_seconds=1)
    _accept(redis_client, settings, "u", ["hello"])
    assert Lock(redis_client, Keys(settings).lock("u"), 1).acquire()  # a worker that then died
    seen: list[str] = []
    result = drain(redis_client, settings, "u", lambda e, k: seen.append(e.text))
    assert seen == [] and 0 < result.again_after <= 1.2
    time.sleep(result.again_after)
    drain(redis_client, settings, "u", lambda e, k: seen.append(e.text))
    assert seen == ["hello"]
