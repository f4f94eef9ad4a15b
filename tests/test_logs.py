"""Log lines carry no Zalo user id, not even rq's own job lines (issue 13)."""

from __future__ import annotations

import io
import json
import logging

import redis
from rq import Queue, SimpleWorker

from bot.config import Settings
from bot.logs import JsonFormatter, hash_user

CITIZEN = "8958041078911298472"  # the shape of a real follower id


def job_for_a_citizen(user_id: str) -> str:
    raise RuntimeError(f"could not reach {user_id}")


def test_rq_job_lines_and_tracebacks_hash_the_citizen(redis_client: redis.Redis, settings: Settings) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(settings.log_salt))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        queue = Queue(f"{settings.key_prefix}logs", connection=redis_client)
        queue.enqueue(job_for_a_citizen, CITIZEN)
        queue.enqueue("bot.queue.jobs.drain_user", "u-" + CITIZEN[:8])  # ids need not be all digits
        SimpleWorker([queue], connection=redis_client).work(burst=True, logging_level="INFO",
                                                             max_jobs=1)
        logging.getLogger("rq.worker").info("%s: %s (%s)", "xa-events", f"bot.queue.jobs.drain_user('u-{CITIZEN[:8]}')",
                                            "job-1")
    finally:
        root.removeHandler(handler)
    output = stream.getvalue()
    assert "drain_user" in output and "RuntimeError" in output, output
    assert CITIZEN not in output and CITIZEN[:8] not in output
    assert hash_user(CITIZEN, settings) in output
    for line in output.splitlines():
        json.loads(line)
