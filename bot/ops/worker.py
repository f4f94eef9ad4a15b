"""The rq worker class the worker process runs: rq's SimpleWorker, with each job's duration measured."""

from __future__ import annotations

import time

from rq import Queue, SimpleWorker
from rq.job import Job

from bot.ops.metrics import observe_job


class MeteredWorker(SimpleWorker):
    """SimpleWorker (jobs run in the worker's own process); SIGTERM still means: finish this job, then stop."""

    def perform_job(self, job: Job, queue: Queue) -> bool:
        started = time.perf_counter()
        ok = False
        try:
            ok = super().perform_job(job, queue)
            return ok
        finally:
            observe_job(job.func_name or "unknown", ok, time.perf_counter() - started)
