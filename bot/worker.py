"""The worker process (Procfile `worker`): an rq worker on the events queue, with its scheduler.

A SimpleWorker runs jobs in its own process (no fork per job): cheaper, and a worker that
dies takes its job with it, which the inbox design recovers from.
"""

from __future__ import annotations

import logging
import sys
import threading
import time

import redis
from rq import SimpleWorker

from bot.config import Settings
from bot.jobs import make_queue, recover_pending, release_due_drains, runtime
from bot.logs import configure_logging
from bot.services import Services

log = logging.getLogger("bot.worker")


def main(argv: list[str] | None = None) -> int:
    settings, client, services = runtime()
    configure_logging(settings)
    burst = "--burst" in (argv if argv is not None else sys.argv[1:])
    recovered = recover_pending(client, settings)
    log.info("worker starting", extra={"queue": settings.queue_name, "recovered_users": recovered})
    _warm(services)
    queue = make_queue(client, settings)
    if not burst:
        threading.Thread(target=_release_delayed_drains, args=(settings,), name="delayed-drains",
                         daemon=True).start()
    worker = SimpleWorker([queue], connection=client)
    worker.work(burst=burst, with_scheduler=True, logging_level=settings.log_level)
    return 0


def _release_delayed_drains(settings: Settings, every_seconds: float = 0.25) -> None:
    """Move due delayed drains (retries, busy locks) onto the queue, for as long as the worker lives."""
    queue = make_queue(redis.Redis.from_url(settings.redis_url), settings)
    while True:
        try:
            release_due_drains(queue, settings)
        except redis.RedisError:
            log.warning("redis unavailable while releasing delayed drains")
            time.sleep(1)
        time.sleep(every_seconds)


def _warm(services: Services) -> None:
    """Load the catalogue and matcher before the first citizen waits for them."""
    try:
        _ = services.matcher
    except Exception:  # noqa: BLE001 - a missing catalogue must not stop replies to other events
        log.exception("catalogue not loaded")


if __name__ == "__main__":
    raise SystemExit(main())
