"""Per-citizen inboxes: order with several workers, retries, dead letters, dead lock holders, sweeps."""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import replace

import redis

from bot.config import Settings
from bot.ingress.events import Event, parse_event
from bot.queue.event_inbox import Keys, accept_event, drain, drain_pending, pending_users
from bot.stores.lock import Lock
from tests.helpers import eventually, text_event


def _accept(client: redis.Redis, settings: Settings, user: str, texts: list[str]) -> None:
    for text in texts:
        assert accept_event(client, settings, parse_event(text_event(user, text))).fresh



class OrderRecorder:
    """A handler that records, per citizen, the texts it handled in order, and any citizen handled by two
    workers at once (an overlap), taking a random short while per event."""

    def __init__(self, users: list[str], pause: float) -> None:
        self.handled: dict[str, list[str]] = {u: [] for u in users}
        self.overlaps: list[str] = []
        self._guard = threading.Lock()
        self._busy: set[str] = set()
        self._pause = pause

    def handle(self, event: Event, keep_alive) -> None:
        with self._guard:
            if event.user_id in self._busy:
                self.overlaps.append(event.user_id)
            self._busy.add(event.user_id)
        time.sleep(random.uniform(0, self._pause))
        with self._guard:
            self._busy.discard(event.user_id)
            self.handled[event.user_id].append(event.text)

def test_one_citizens_events_are_handled_in_order_across_workers(redis_client, settings: Settings) -> None:
    users = ["u1", "u2", "u3"]
    recorder = OrderRecorder(users, pause=0.004)
    handle, handled, overlaps = recorder.handle, recorder.handled, recorder.overlaps

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


def test_a_burst_of_citizens_costs_at_most_drainers_max_jobs(redis_client, settings: Settings) -> None:
    settings = replace(settings, drainers_max=3)
    tokens = [accept_event(redis_client, settings, parse_event(text_event(f"b{i}", "xin chào"))).drainer
              for i in range(20)]
    assert len([t for t in tokens if t]) == 3 and all(tokens[:3])
    handled: list[str] = []
    result = drain_pending(redis_client, settings, tokens[0], lambda e, k: handled.append(e.user_id))
    assert sorted(handled) == sorted(f"b{i}" for i in range(20)) and result.handled == 20
    assert pending_users(redis_client, settings) == []
    # The sweep left the drainers: the next event enqueues a job again.
    assert redis_client.zscore(Keys(settings).drainers, tokens[0]) is None
    assert redis_client.zcard(Keys(settings).drainers) == 2


def test_a_lost_drainer_frees_its_place_when_its_lease_ends(redis_client, settings: Settings) -> None:
    settings = replace(settings, drainers_max=1)
    assert accept_event(redis_client, settings, parse_event(text_event("u", "một"))).drainer
    assert not accept_event(redis_client, settings, parse_event(text_event("v", "hai"))).drainer
    # Its job never ran (the web died before enqueuing it): once the lease ends, another event starts one.
    [(token, _)] = redis_client.zrange(Keys(settings).drainers, 0, -1, withscores=True)
    redis_client.zadd(Keys(settings).drainers, {token: time.time() - 1})
    assert accept_event(redis_client, settings, parse_event(text_event("v", "ba"))).drainer


def test_sweeps_in_parallel_keep_each_citizens_order_and_lose_nothing(redis_client, settings: Settings) -> None:
    users = [f"p{i}" for i in range(6)]
    recorder = OrderRecorder(users, pause=0.003)
    handle, handled, overlaps = recorder.handle, recorder.handled, recorder.overlaps
    jobs: list[str] = []

    def sweep(token: str) -> None:
        drain_pending(redis.Redis.from_url(settings.redis_url), settings, token, handle)

    threads: list[threading.Thread] = []
    expected = {u: [f"{u}-{i}" for i in range(25)] for u in users}
    for i in range(25):
        for u in users:
            token = accept_event(redis_client, settings, parse_event(text_event(u, expected[u][i]))).drainer
            if token:  # what the webhook enqueues, run at once as a free worker would
                jobs.append(token)
                threads.append(threading.Thread(target=sweep, args=(token,)))
                threads[-1].start()
    for t in threads:
        t.join(timeout=20)
    assert handled == expected and overlaps == []
    assert pending_users(redis_client, settings) == []
    assert len(jobs) < len(users) * 25 / 2  # far fewer jobs than events
    assert redis_client.zcard(Keys(settings).drainers) == 0


def test_a_sweep_leaves_busy_and_backing_off_citizens_to_their_own_drain(redis_client, settings: Settings) -> None:
    settings = replace(settings, user_lock_ttl_seconds=1)
    _accept(redis_client, settings, "held", ["a"])
    _accept(redis_client, settings, "flaky", ["b"])
    assert Lock(redis_client, Keys(settings).lock("held"), 1).acquire()  # a worker that then died
    calls: list[str] = []

    def handle(event: Event, keep_alive) -> None:
        calls.append(event.user_id)
        if event.user_id == "flaky":
            raise ConnectionError("zalo down")

    result = drain_pending(redis_client, settings, "t", handle)
    # One try for the flaky citizen (its retry job takes it after the back-off), none for the held one.
    assert calls == ["flaky"] and result.retries == {"flaky": settings.job_retry_intervals[0]}
    assert result.busy_for is not None and 0 < result.busy_for <= 1.2
    time.sleep(result.busy_for)
    drain_pending(redis_client, settings, "t", handle)
    assert calls == ["flaky", "held"]
    # A new event from the backing-off citizen ends the wait: a sweep retries at once, in order.
    calls.clear()
    _accept(redis_client, settings, "flaky", ["c"])
    seen: list[str] = []
    drain_pending(redis_client, settings, "t", lambda e, k: seen.append(e.text))
    assert seen == ["b", "c"] and pending_users(redis_client, settings) == []


def test_a_sweep_past_its_time_hands_over_to_a_new_job(redis_client, settings: Settings) -> None:
    for user in ("h1", "h2", "h3"):
        _accept(redis_client, settings, user, ["xin chào"])
    handled: list[str] = []
    result = drain_pending(redis_client, settings, "t", lambda e, k: handled.append(e.user_id), max_seconds=0)
    assert result.handed_over and len(handled) == 1
    assert redis_client.zscore(Keys(settings).drainers, "t") is None  # its place is free for the next job
    assert len(pending_users(redis_client, settings)) == 2


def test_a_waiting_sweep_handles_the_next_events_itself_without_new_jobs(redis_client, settings: Settings) -> None:
    token = accept_event(redis_client, settings, parse_event(text_event("w1", "một"))).drainer
    handled: list[tuple[str, float]] = []
    results = []
    sweep = threading.Thread(target=lambda: results.append(drain_pending(
        redis.Redis.from_url(settings.redis_url), settings, token,
        lambda e, k: handled.append((e.text, time.monotonic())), linger=1.0)))
    sweep.start()
    eventually(lambda: len(handled) == 1, timeout=5)
    time.sleep(0.2)  # waiting for work by now
    sent = time.monotonic()
    # No new drain job is enqueued for these: the waiting one is woken and serves them at once, in order.
    assert not accept_event(redis_client, settings, parse_event(text_event("w2", "hai"))).drainer
    assert not accept_event(redis_client, settings, parse_event(text_event("w1", "ba"))).drainer
    eventually(lambda: len(handled) == 3, timeout=5)
    assert sorted(text for text, _ in handled) == ["ba", "hai", "một"]
    assert max(at for _, at in handled) - sent < 0.5
    # With nothing more for a second it ends, and leaves the drainers: the next event enqueues a job again.
    sweep.join(timeout=5)
    assert results[0].handled == 3 and pending_users(redis_client, settings) == []
    assert redis_client.zcard(Keys(settings).drainers) == 0 and redis_client.zcard(Keys(settings).warm_drainers) == 0
    assert accept_event(redis_client, settings, parse_event(text_event("w3", "bốn"))).drainer


def test_a_sweep_does_not_wait_while_other_jobs_are_queued(redis_client, settings: Settings) -> None:
    token = accept_event(redis_client, settings, parse_event(text_event("q1", "một"))).drainer
    redis_client.rpush("rq:queue:test-other", "a-broadcast-job")
    started = time.monotonic()
    result = drain_pending(redis_client, settings, token, lambda e, k: None, linger=5.0,
                           other_work="rq:queue:test-other")
    assert result.handled == 1 and time.monotonic() - started < 1.0


def test_a_dead_waiting_sweep_holds_back_new_jobs_for_a_second_at_most(redis_client, settings: Settings) -> None:
    # A sweep killed while waiting for work: its warm place lapses, then events enqueue jobs again.
    redis_client.zadd(Keys(settings).warm_drainers, {"dead": time.time() + 0.3})
    assert not accept_event(redis_client, settings, parse_event(text_event("d1", "một"))).drainer
    time.sleep(0.4)
    assert accept_event(redis_client, settings, parse_event(text_event("d1", "hai"))).drainer
    assert pending_users(redis_client, settings) == ["d1"]  # both events kept, for that job
