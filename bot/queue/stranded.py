"""Jobs a worker took off the queue but never started: put back on it.

rq moves a job from the queue to an intermediate list (BLMOVE) before it registers and runs it. A worker
stopped or killed in between (a warm stop's SIGTERM landing just after the move, a SIGKILL, a lost
connection) leaves the job there: outside the queue, outside the started registry, so neither a new
worker nor `recover_broadcasts` (which re-enqueues only work that was started) would run it. rq's own
maintenance, every ten minutes, marks such a job failed: a broadcast batch would never be sent.

`requeue_stranded` puts such a job back at the front of the queue once it has been seen stranded for
`STRANDED_SECONDS`. A live worker registers a job within milliseconds of the move, so an older one has no
worker; and should a stalled worker still run it, every job here is idempotent (leases, idempotency keys).
"""

from __future__ import annotations

import time

import redis
from rq import Queue
from rq.intermediate_queue import IntermediateQueue

from bot.stores.scripts import script

STRANDED_SECONDS = 5.0

# KEYS[1]: the intermediate list · KEYS[2]: the queue · KEYS[3]: the job's first-seen marker · ARGV[1]: the
# job id. Moves the job back only if it is still stranded, in one step: a worker dying between the removal
# and the push would otherwise lose it for good.
_PUT_BACK = """
if redis.call('lrem', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
redis.call('lpush', KEYS[2], ARGV[1])
redis.call('del', KEYS[3])
return 1
"""


def requeue_stranded(queue: Queue, min_age: float = STRANDED_SECONDS) -> int:
    """Put back the jobs stranded on `queue`'s intermediate list for at least `min_age` seconds (the first
    call that sees one only marks it); how many were put back."""
    client: redis.Redis = queue.connection
    intermediate = IntermediateQueue(queue.key, connection=client)
    put_back = 0
    for job_id in intermediate.get_job_ids():
        if job_id in queue.started_job_registry or intermediate.set_first_seen(job_id):
            continue  # running, or seen for the first time
        first_seen = intermediate.get_first_seen(job_id)
        if first_seen is None or time.time() - first_seen.timestamp() < min_age:
            continue
        keys = [intermediate.key, queue.key, intermediate.get_first_seen_key(job_id)]
        put_back += int(script(client, _PUT_BACK)(keys=keys, args=[job_id]))
    return put_back
