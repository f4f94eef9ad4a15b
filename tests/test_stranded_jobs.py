"""A job a worker took off the queue but never started (rq moves it to an intermediate list first; the
worker was stopped or died right after) goes back on the queue, and the broadcast it belongs to still
reaches everyone once. CI once caught the warm-stop case: a SIGTERM landing between two batches left the
next one stranded and the broadcast unfinished (tests/test_worker_sigterm.py)."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import replace

from rq import Queue
from rq.executions import Execution
from rq.intermediate_queue import IntermediateQueue

from bot.broadcasts.areas import load_areas
from bot.broadcasts.cap import announcement_from_dict
from bot.broadcasts.fanout import prepare, request_send
from bot.broadcasts.store import BroadcastStore
from bot.queue.jobs import make_queue
from bot.queue.stranded import requeue_stranded
from tests.broadcast_helpers import add_followers, announcement_json
from tests.helpers import eventually, start_worker, stop_worker
from tests.test_broadcast_fanout import bulk
from tests.test_broadcast_worker_kill import PACING


def strand_next_job(queue: Queue) -> str:
    """Take the next job off the queue the way an rq worker does, and never start it (the worker died)."""
    taken = Queue.dequeue_any([queue], timeout=None, connection=queue.connection)
    assert taken is not None
    return taken[0].id


def test_a_stranded_job_goes_back_to_the_front_of_the_queue_once_it_has_waited(redis_client) -> None:
    queue = Queue(f"stranded-{uuid.uuid4().hex[:6]}", connection=redis_client)
    first = queue.enqueue(print, "first", result_ttl=0)
    second = queue.enqueue(print, "second", result_ttl=0)
    assert strand_next_job(queue) == first.id
    assert queue.job_ids == [second.id]
    assert requeue_stranded(queue, min_age=0.0) == 0  # first sighting: a live worker may be starting it
    assert requeue_stranded(queue, min_age=3600.0) == 0  # not stranded long enough yet
    assert requeue_stranded(queue, min_age=0.0) == 1
    assert queue.job_ids == [first.id, second.id]
    assert IntermediateQueue(queue.key, connection=redis_client).get_job_ids() == []
    assert requeue_stranded(queue, min_age=0.0) == 0


def test_a_job_that_is_running_is_left_where_it_is(redis_client) -> None:
    queue = Queue(f"stranded-{uuid.uuid4().hex[:6]}", connection=redis_client)
    job = queue.enqueue(print, "running", result_ttl=0)
    strand_next_job(queue)
    with redis_client.pipeline() as pipe:  # what a worker records as it starts the job
        Execution.create(job, ttl=60, pipeline=pipe)
        pipe.execute()
    for _ in range(3):
        assert requeue_stranded(queue, min_age=0.0) == 0
    assert queue.job_ids == []


def test_a_broadcast_batch_stranded_by_a_stopped_worker_is_sent_by_the_next_one(
        redis_client, zalo_settings, sandbox, tmp_path) -> None:
    settings = replace(zalo_settings, queue_name=f"strand-{uuid.uuid4().hex[:6]}",
                       broadcast_batch_size=int(PACING["BROADCAST_BATCH_SIZE"]))
    ids = bulk(sandbox, 120, "78")
    add_followers(redis_client, settings, ids)
    store = BroadcastStore(redis_client, settings)
    broadcast = store.create(announcement_from_dict(announcement_json(), load_areas()), "chutich")
    queue = make_queue(redis_client, settings)
    request_send(redis_client, settings, broadcast.id, "chutich", queue=queue, enqueue=False)
    prepare(redis_client, settings, broadcast.id, queue)  # three batches of 40 on the queue
    strand_next_job(queue)
    worker = start_worker(settings, sandbox.url, tmp_path / "worker.log", PACING)
    try:
        eventually(lambda: store.counts(broadcast.id)["queued"] == 0 and store.get(broadcast.id).status == "done",
                   60, every=0.1)
    finally:
        stop_worker(worker)
    per_user = Counter(m["user_id"] for m in sandbox.messages())
    assert set(per_user) == set(ids)
    assert [uid for uid, n in per_user.items() if n > 1] == []
