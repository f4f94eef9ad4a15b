"""The worker process (Procfile `worker`): an rq worker on the events queue, with its scheduler.

A SimpleWorker runs jobs in its own process (no fork per job): cheaper, and a worker that
dies takes its job with it, which the inbox design recovers from.
"""

from __future__ import annotations

import logging
import sys

from rq import SimpleWorker

from bot.jobs import make_queue, recover_pending, runtime
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
    worker = SimpleWorker([make_queue(client, settings)], connection=client)
    worker.work(burst=burst, with_scheduler=True, logging_level=settings.log_level)
    return 0


def _warm(services: Services) -> None:
    """Load the catalogue and matcher before the first citizen waits for them."""
    try:
        _ = services.matcher
    except Exception:  # noqa: BLE001 - a missing catalogue must not stop replies to other events
        log.exception("catalogue not loaded")


if __name__ == "__main__":
    raise SystemExit(main())
