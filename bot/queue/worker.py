"""The worker process (Procfile `worker`): an rq worker on the events queue, with its scheduler.

A SimpleWorker runs jobs in its own process (no fork per job): cheaper, and a worker that
dies takes its job with it, which the inbox design recovers from. A small thread beside it
releases delayed jobs (bot.queue.delayed) when they fall due, and starts periodic jobs.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable

import redis
from rq import Queue

from bot.broadcasts.fanout import recover_broadcasts
from bot.config import Settings
from bot.logs import configure_logging
from bot.ops.heartbeat import BEAT_SECONDS, HeartbeatStore, worker_name
from bot.queue.jobs import delayed_drains, recover_pending, release_delayed_drain, release_to_tenant
from bot.runtime import Runtime, bound
from bot.services import Services
from bot.tenants.runtimes import TenantRuntimes, TenantWorker
from bot.tickets.desk import recover_staff_replies, send_staff_reply_job

log = logging.getLogger("bot.queue.worker")

# How often each periodic job runs, in seconds.
PERIODIC_SECONDS = {"dossier-poll": 300}
BROADCAST_RECOVERY_SECONDS = 2.0


def main(argv: list[str] | None = None) -> int:
    runtime = Runtime.build()
    settings, client, queue = runtime.settings, runtime.redis, runtime.queue
    configure_logging(settings)
    burst = "--burst" in (argv if argv is not None else sys.argv[1:])
    tenants = TenantRuntimes(runtime)
    recovered = sum(_recover(rt) for rt in tenants.active())  # every commune's leftovers, not only the first's
    log.info("worker starting", extra={"queue": settings.queue_name, "recovered_users": recovered})
    _warm(runtime.services)
    if not burst:
        threading.Thread(target=_poll_forever, args=(settings,), name="delayed-jobs", daemon=True).start()
    worker = TenantWorker([queue], connection=client)
    worker.runtimes = tenants  # each job runs inside its tenant's runtime
    with bound(runtime):  # SimpleWorker runs each job in this thread: the jobs find this runtime
        worker.work(burst=burst, with_scheduler=True, logging_level=settings.log_level)
    return 0


def _recover(rt: Runtime) -> int:
    """At start: what a dead worker left for this tenant (inboxes, broadcasts, staff replies)."""
    recovered = recover_pending(rt.redis, rt.settings)
    recover_broadcasts(rt.redis, rt.settings, rt.queue, at_start=True)
    recover_staff_replies(
        rt.redis, rt.settings,
        lambda ticket_id, ref: rt.queue.enqueue(send_staff_reply_job, ticket_id, ref, result_ttl=0),
    )
    return recovered


def _warm(services: Services) -> None:
    """Load the catalogue and matcher before the first citizen waits for them."""
    try:
        _ = services.matcher
    except Exception:  # a missing catalogue must not stop replies to other events
        log.exception("catalogue not loaded")


def _due_work(client: redis.Redis, settings: Settings, queue: Queue,
              tenants: TenantRuntimes) -> list[Callable[[], object]]:
    """Everything the poll loop does each round: release delayed drains and pushes, start periodic jobs."""
    from bot.dossiers.push import delayed_pushes
    from bot.dossiers.status_jobs import poll_dossiers_job, push_dossier_job

    work: list[Callable[[], object]] = [
        lambda: delayed_drains(client, settings).release_due(
            lambda member: release_delayed_drain(client, settings, member)),
        lambda: delayed_pushes(client, settings).release_due(
            lambda member: release_to_tenant(client, settings, push_dossier_job, member)),
        # A broadcast batch whose worker died is taken over once its lease lapses.
        _every(BROADCAST_RECOVERY_SECONDS, lambda: [
            recover_broadcasts(rt.redis, rt.settings, rt.queue, at_start=False) for rt in tenants.active()]),
        _every(BEAT_SECONDS, lambda: HeartbeatStore(client, settings).beat(worker_name())),  # /readyz, the console
    ]
    if settings.dossier.source == "http":
        work.append(lambda: _periodic(client, settings, queue, "dossier-poll", poll_dossiers_job))
    work += _cap_feed_work(client, settings, queue)
    return work


def _cap_feed_work(client: redis.Redis, settings: Settings, queue: Queue) -> list[Callable[[], object]]:
    """Poll the configured CAP alert feeds (bot.broadcasts.feed_poller), when there are any."""
    from bot.broadcasts.feed_config import feed_config
    from bot.broadcasts.feed_poller import poll_feeds_job

    config = feed_config()
    if not config.feeds:
        return []
    PERIODIC_SECONDS["cap-feeds"] = config.poll_seconds
    return [lambda: _periodic(client, settings, queue, "cap-feeds", poll_feeds_job)]


def _every(seconds: float, step: Callable[[], object]) -> Callable[[], object]:
    """`step`, run at most once every `seconds` by this process's poll loop."""
    last = [0.0]

    def run() -> object:
        if time.monotonic() - last[0] < seconds:
            return None
        last[0] = time.monotonic()
        return step()

    return run


def _periodic(client: redis.Redis, settings: Settings, queue: Queue, name: str, job: Callable[[], object]) -> None:
    """Enqueue `job` once per period across all workers (the first to set the key wins)."""
    if client.set(f"{settings.key_prefix}periodic:{name}", "1", nx=True, ex=PERIODIC_SECONDS[name]):
        queue.enqueue(job, result_ttl=0)


def _poll_forever(settings: Settings, every_seconds: float = 0.25) -> None:
    client = redis.Redis.from_url(settings.redis_url)
    runtime = Runtime.build(settings, client)
    work = _due_work(client, settings, runtime.queue, TenantRuntimes(runtime))
    while True:
        try:
            for step in work:
                step()
        except redis.RedisError:
            log.warning("redis unavailable while releasing delayed jobs")
            time.sleep(1)
        time.sleep(every_seconds)


if __name__ == "__main__":
    raise SystemExit(main())
