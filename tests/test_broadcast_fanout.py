"""Fan-out against the Zalo sandbox: targeting, channels, exactly-once, errors, cancel, rate limit."""

from __future__ import annotations

import csv
import multiprocessing
import time
from dataclasses import replace

import redis

from bot.broadcasts.areas import load_areas
from bot.broadcasts.cap import announcement_from_dict
from bot.broadcasts.fanout import BatchSender, prepare, request_send, stop
from bot.broadcasts.ratelimit import TokenBucket
from bot.broadcasts.report import HEADER, STATE_LABELS
from bot.broadcasts.retention import archive_finished, archived_report
from bot.broadcasts.store import BroadcastStore
from bot.broadcasts.targeting import plan
from bot.config import Settings
from bot.zalo.client import ZaloClient
from bot.zalo.sender import Sender
from tests.broadcast_helpers import InlineQueue, add_followers, announcement_json


def bulk(sandbox, count: int, prefix: str) -> list[str]:
    answer = sandbox.control("POST", "/_sandbox/followers/bulk", json={"count": count, "prefix": prefix})
    start, width = answer["users"] - count, len(str(count))
    return [f"{prefix}{start + i:0{width}d}" for i in range(count)]


def run_all(queue: InlineQueue, client: redis.Redis, settings: Settings) -> None:
    zalo = ZaloClient(client, settings, sleep=lambda s: None)
    while queue.jobs:
        func, args = queue.jobs.pop(0)
        if func.__name__ == "prepare_job":
            prepare(client, settings, *args, queue=queue)
        else:
            BatchSender(client, settings, Sender(zalo), sleep=lambda s: None).run(*args)


def start(client: redis.Redis, settings: Settings, **changes: object) -> tuple[str, InlineQueue]:
    store = BroadcastStore(client, settings)
    broadcast = store.create(announcement_from_dict(announcement_json(**changes), load_areas()), "chutich")
    queue = InlineQueue()
    request_send(client, settings, broadcast.id, "chutich", queue=queue)  # type: ignore[arg-type]
    return broadcast.id, queue


def send_to_new_followers(client, settings, sandbox, count: int, prefix: str):
    """`count` new followers, and one broadcast to all of them run to the end."""
    ids = bulk(sandbox, count, prefix)
    add_followers(client, settings, ids)
    broadcast_id, queue = start(client, settings)
    run_all(queue, client, settings)
    return ids, broadcast_id, BroadcastStore(client, settings)


def test_every_follower_gets_it_once_with_message_ids(redis_client, zalo_settings, sandbox) -> None:
    settings = replace(zalo_settings, broadcast_batch_size=7, broadcast_rate_per_second=0)
    ids, broadcast_id, store = send_to_new_followers(redis_client, settings, sandbox, 30, "55")
    assert store.counts(broadcast_id)["sent"] == 30 and store.counts(broadcast_id)["queued"] == 0
    assert store.get(broadcast_id).status == "done"
    states = dict(store.deliveries(broadcast_id))
    assert all(s.startswith("sent cs ") and len(s.split()) == 3 for s in states.values())
    sent = sandbox.messages()
    assert sorted(m["user_id"] for m in sent) == sorted(ids)
    assert sent[0]["payload"]["message"]["text"].startswith("⚠️ BÃO SỐ 3: Bão số 3 đổ bộ chiều nay\n👉 Ở trong nhà")


def test_rerunning_a_batch_after_a_crash_sends_nobody_twice(redis_client, zalo_settings, sandbox) -> None:
    settings = replace(zalo_settings, broadcast_batch_size=10, broadcast_rate_per_second=0)
    ids, broadcast_id, store = send_to_new_followers(redis_client, settings, sandbox, 10, "56")
    # A worker killed after Zalo answered but before the record was written: the record says queued.
    redis_client.hset(store.key(broadcast_id, "d"), ids[3], "queued")
    redis_client.hincrby(store.key(broadcast_id, "n"), "queued", 1)
    redis_client.hincrby(store.key(broadcast_id, "n"), "sent", -1)
    redis_client.delete(store.key(broadcast_id, "done"))
    store.update(broadcast_id, status="sending")
    BatchSender(redis_client, settings, Sender(ZaloClient(redis_client, settings))).run(broadcast_id, 0)
    assert len(sandbox.messages()) == 10
    assert store.counts(broadcast_id)["sent"] == 10


def test_targeting_by_area_channel_and_opt_out(redis_client, zalo_settings, sandbox) -> None:
    settings = replace(zalo_settings, broadcast_rate_per_second=0)
    ap1, ap2 = bulk(sandbox, 4, "57"), bulk(sandbox, 3, "58")
    add_followers(redis_client, settings, ap1, area="ap-1")
    add_followers(redis_client, settings, ap2, area="ap-2")
    add_followers(redis_client, settings, ["5999"], area="ap-1", last_interaction=time.time() - 10 * 86400)
    redis_client.hset(f"{settings.key_prefix}follower:{ap1[0]}", "alerts_opt_out", "1")
    areas = load_areas()
    minor = announcement_from_dict(announcement_json(target=["ap-1"], severity="Minor", urgency="Expected"), areas)
    assert plan(redis_client, settings, minor, time.time()) == {
        "total": 4, "cs": 3, "template": 0, "zns": 0, "unreachable": 1, "opted_out": 1}
    severe = announcement_from_dict(announcement_json(target=["ap-1"]), areas)  # emergencies ignore the opt-out
    assert plan(redis_client, settings, severe, time.time())["cs"] == 4
    with_template = replace(settings, broadcast_template_id="tpl-1")
    assert plan(redis_client, with_template, severe, time.time())["template"] == 1
    _broadcast_id, queue = start(redis_client, settings, target=["ap-2"])
    run_all(queue, redis_client, settings)
    assert sorted(m["user_id"] for m in sandbox.messages()) == sorted(ap2)


def test_stale_follower_goes_by_template(redis_client, zalo_settings, sandbox) -> None:
    settings = replace(zalo_settings, broadcast_rate_per_second=0, broadcast_template_id="tpl-storm")
    stale = bulk(sandbox, 2, "60")
    add_followers(redis_client, settings, stale, last_interaction=time.time() - 9 * 86400)
    broadcast_id, queue = start(redis_client, settings)
    run_all(queue, redis_client, settings)
    counts = BroadcastStore(redis_client, settings).counts(broadcast_id)
    assert counts["sent"] == 2 and counts["sent_template"] == 2
    assert {m["kind"] for m in sandbox.messages()} == {"template"}


def test_permanent_and_transient_errors(redis_client, zalo_settings, sandbox) -> None:
    settings = replace(zalo_settings, broadcast_batch_size=100, broadcast_rate_per_second=0)
    ids = bulk(sandbox, 3, "61")
    add_followers(redis_client, settings, ids)
    broadcast_id, queue = start(redis_client, settings)
    prepare(redis_client, settings, broadcast_id, queue=queue)
    # First recipient: blocked (-213, permanent). Second: -200 four times (transient, outlasts the
    # client's own three attempts), then fine on the batch's retry pass.
    sandbox.fault(kind="error", code=-213, count=1, endpoint="message/cs")
    sandbox.fault(kind="error", code=-200, count=3, endpoint="message/cs")
    # One sender, so that the injected faults meet the recipients in list order.
    BatchSender(redis_client, settings, Sender(ZaloClient(redis_client, settings, sleep=lambda s: None)),
                sleep=lambda s: None, concurrency=1).run(broadcast_id, 0)
    store = BroadcastStore(redis_client, settings)
    states = dict(store.deliveries(broadcast_id))
    assert states[ids[0]] == "failed cs -213"
    assert states[ids[1]].startswith("sent cs") and states[ids[2]].startswith("sent cs")
    counts = store.counts(broadcast_id)
    assert (counts["sent"], counts["failed"]) == (2, 1)


def test_stop_mid_way_cancels_what_has_not_gone(redis_client, zalo_settings, sandbox) -> None:
    settings = replace(zalo_settings, broadcast_batch_size=5, broadcast_rate_per_second=0)
    add_followers(redis_client, settings, bulk(sandbox, 20, "62"))
    broadcast_id, queue = start(redis_client, settings)
    _func, args = queue.jobs.pop(0)
    prepare(redis_client, settings, *args, queue=queue)
    zalo = ZaloClient(redis_client, settings)
    BatchSender(redis_client, settings, Sender(zalo)).run(*queue.jobs.pop(0)[1])  # one batch of five goes
    assert stop(redis_client, settings, broadcast_id)
    run_all(queue, redis_client, settings)
    counts = BroadcastStore(redis_client, settings).counts(broadcast_id)
    assert (counts["sent"], counts["cancelled"], counts["queued"]) == (5, 15, 0)
    assert len(sandbox.messages()) == 5


def _take_tokens(url: str, key: str, start_at: float, seconds: float, results) -> None:
    bucket = TokenBucket(redis.Redis.from_url(url), key, rate_per_second=20)
    time.sleep(max(0.0, start_at - time.time()))  # both processes take tokens over the same window
    taken, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        bucket.acquire()
        taken += 1
    results.put(taken)


def test_one_rate_limit_across_two_worker_processes(redis_server) -> None:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=_take_tokens, args=(redis_server.url, "rate-test", time.time() + 3, 2.0, results))
               for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)
    total = results.get() + results.get()
    # 20/s for 2 s plus one second's burst, shared: about 60 in all, not 2 × 60.
    assert 35 <= total <= 66, total


def test_a_finished_broadcast_is_archived_as_csv_then_its_records_expire(redis_client, zalo_settings, sandbox,
                                                                        tmp_path) -> None:
    settings = replace(zalo_settings, broadcast_batch_size=7, broadcast_rate_per_second=0,
                       broadcast_archive_dir=str(tmp_path), broadcast_record_retention_days=3)
    ids, broadcast_id, store = send_to_new_followers(redis_client, settings, sandbox, 12, "66")
    assert archive_finished(redis_client, settings) == 1
    rows = list(csv.reader((tmp_path / f"{broadcast_id}.csv").open(encoding="utf-8")))
    assert rows[0] == list(HEADER) and sorted(r[0] for r in rows[1:]) == sorted(ids)
    assert all(r[1] == STATE_LABELS["sent"] and r[3] for r in rows[1:])
    for part in ("rcpt", "d", "done"):
        assert 0 < redis_client.ttl(store.key(broadcast_id, part)) <= 3 * 24 * 3600
    assert redis_client.ttl(store.key(broadcast_id)) == -1 and store.counts(broadcast_id)["sent"] == 12
    assert archive_finished(redis_client, settings) == 0  # once
    redis_client.delete(store.key(broadcast_id, "d"), store.key(broadcast_id, "rcpt"))  # the retention ran out
    assert archived_report(settings, broadcast_id) == tmp_path / f"{broadcast_id}.csv"
