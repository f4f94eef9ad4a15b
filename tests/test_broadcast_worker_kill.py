"""A real worker (the Procfile's) SIGKILLed mid-broadcast, then restarted: nobody skipped and
nobody sent twice. The sends in flight at the kill are settled against the citizen's
conversation history before anything is sent again (bot.zalo.client)."""

from __future__ import annotations

import os
import signal
import uuid
from collections import Counter
from dataclasses import replace

from bot.broadcasts.areas import load_areas
from bot.broadcasts.cap import announcement_from_dict
from bot.broadcasts.fanout import request_send
from bot.broadcasts.store import BroadcastStore
from bot.queue.jobs import make_queue
from tests.broadcast_helpers import add_followers, announcement_json
from tests.helpers import eventually, start_worker, stop_worker
from tests.test_broadcast_fanout import bulk


def wait_until(condition, timeout: float) -> None:
    eventually(condition, timeout, every=0.05)


def start_paced_broadcast(redis_client, zalo_settings, sandbox, tmp_path, queue_prefix: str, id_prefix: str):
    """400 followers, an announcement approved for all of them, and a real worker (PACING) sending it on a
    queue of its own: (settings, follower ids, store, broadcast, worker process)."""
    settings = replace(zalo_settings, queue_name=f"{queue_prefix}-{uuid.uuid4().hex[:6]}")
    ids = bulk(sandbox, 400, id_prefix)
    add_followers(redis_client, settings, ids)
    store = BroadcastStore(redis_client, settings)
    broadcast = store.create(announcement_from_dict(announcement_json(), load_areas()), "chutich")
    request_send(redis_client, settings, broadcast.id, "chutich", queue=make_queue(redis_client, settings))
    return settings, ids, store, broadcast, start_worker(settings, sandbox.url, tmp_path / "worker.log", PACING)


# Fast pacing keeps the test short; batches of 40 of the 400 leave the kill landing mid-broadcast. The dead
# worker's batch is taken over once its lease lapses: 4 s here rather than 10 (renewed every second).
PACING = {"BROADCAST_RATE_PER_SECOND": "150", "BROADCAST_BATCH_SIZE": "40", "BROADCAST_LEASE_SECONDS": "4"}


def test_sigkill_mid_broadcast_then_restart_sends_everyone_once(redis_client, zalo_settings, sandbox,
                                                               tmp_path) -> None:
    settings, ids, store, broadcast, worker = start_paced_broadcast(redis_client, zalo_settings, sandbox, tmp_path,
                                                                    "bc", "66")
    try:
        wait_until(lambda: store.counts(broadcast.id)["sent"] >= 100, 30)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        sent_at_kill = store.counts(broadcast.id)["sent"]
        assert sent_at_kill < 400
        worker = start_worker(settings, sandbox.url, tmp_path / "worker.log", PACING)
        wait_until(lambda: (store.counts(broadcast.id)["queued"] == 0
                            and store.get(broadcast.id).status == "done"), 60)
    finally:
        stop_worker(worker)
    per_user = Counter(m["user_id"] for m in sandbox.messages())
    assert set(per_user) == set(ids)  # nobody skipped
    twice = [uid for uid, n in per_user.items() if n > 1]
    assert twice == []
    counts = store.counts(broadcast.id)
    assert (counts["sent"], counts["queued"], counts["failed"]) == (400, 0, 0)
