"""The worker process (Procfile `worker`): an rq worker on the events queue, and the scheduler.

A SimpleWorker runs jobs in its own process (no fork per job): cheaper, and a worker that
dies takes its job with it, which the inbox design recovers from. A small thread beside it is the
deployment's scheduler: it releases delayed jobs (bot.queue.delayed) when they fall due, starts
periodic jobs and archives finished broadcasts. Only one worker per deployment schedules (the
holder of a short lease; another takes over within seconds when it dies), and it polls fast only
while there is work, so idle workers cost Redis next to nothing.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
import time
from collections.abc import Callable

import redis
from rq import Queue

from bot.broadcasts.fanout import JOB_TIMEOUT, prepare_job, recover_broadcasts, scheduled_broadcasts
from bot.broadcasts.retention import archive_finished
from bot.config import Settings
from bot.dossiers.closure_notices import closure_notices_job, recover_closures
from bot.logs import configure_logging
from bot.office.topics import load_tables as load_office_tables
from bot.ops.heartbeat import BEAT_SECONDS, HeartbeatStore, worker_name
from bot.queue.jobs import delayed_drains, recover_pending, release_delayed_drain, release_to_tenant
from bot.queue.stranded import requeue_stranded
from bot.runtime import Runtime, bound
from bot.services import Services
from bot.stores.connection import connect
from bot.stores.lock import Lock
from bot.tenants.province import recover_province_alerts
from bot.tenants.runtimes import TenantRuntimes, TenantWorker
from bot.tickets.desk import recover_staff_replies, send_staff_reply_job

log = logging.getLogger("bot.queue.worker")

BROADCAST_RECOVERY_SECONDS = 2.0
BROADCAST_ARCHIVE_SECONDS = 60.0
# The scheduler polls every BUSY_POLL_SECONDS while it finds work, doubling the pause up to
# IDLE_POLL_SECONDS when it finds none. A delayed job is late by at most IDLE_POLL_SECONDS.
BUSY_POLL_SECONDS = 0.25
IDLE_POLL_SECONDS = 1.0
# The scheduler's lease: renewed every SCHEDULER_RENEW_SECONDS; the other workers look every
# SCHEDULER_FOLLOWER_SECONDS whether it lapsed (its holder died) and take it over.
SCHEDULER_LEASE_SECONDS = 6.0
SCHEDULER_RENEW_SECONDS = 2.0
SCHEDULER_FOLLOWER_SECONDS = 2.0


def main(argv: list[str] | None = None) -> int:
    runtime = Runtime.build()
    settings, client, queue = runtime.settings, runtime.redis, runtime.queue
    configure_logging(settings)
    burst = "--burst" in (argv if argv is not None else sys.argv[1:])
    tenants = TenantRuntimes(runtime)
    recovered = sum(_recover(rt) for rt in tenants.active())  # every commune's leftovers, not only the first's
    recover_province_alerts(tenants)  # province alerts whose preparing worker died
    log.info("worker starting", extra={"queue": settings.queue_name, "recovered_users": recovered})
    _warm(runtime.services)
    # The catalogue and matcher live as long as the process: out of the collector's sight, a full
    # collection no longer walks them (about 50 ms, a citizen's reply held up every few hundred messages).
    gc.freeze()
    lease = scheduler_lease(client, settings)
    if burst:
        for rt in tenants.active():  # what the scheduler would have done in burst mode
            _release_scheduled(rt.redis, rt.settings, rt.queue)
    else:
        threading.Thread(target=_poll_forever, args=(settings, lease), name="scheduler", daemon=True).start()
    worker = TenantWorker([queue], connection=client)
    worker.runtimes = tenants  # each job runs inside its tenant's runtime
    try:
        with bound(runtime):  # SimpleWorker runs each job in this thread: the jobs find this runtime
            worker.work(burst=burst, with_scheduler=False, logging_level=settings.log_level)
    finally:
        lease.release()  # a worker that stops hands the scheduling over at once
    return 0


def _recover(rt: Runtime) -> int:
    """At start: what a dead worker left for this tenant (inboxes, broadcasts, staff replies, closures)."""
    recovered = recover_pending(rt.redis, rt.settings)
    recover_broadcasts(rt.redis, rt.settings, rt.queue, at_start=True)
    recover_staff_replies(
        rt.redis, rt.settings,
        lambda ticket_id, ref: rt.queue.enqueue(send_staff_reply_job, ticket_id, ref, result_ttl=0),
    )
    recover_closures(rt.redis, rt.settings,
                     lambda closure_id: rt.queue.enqueue(closure_notices_job, closure_id, result_ttl=0))
    return recovered


def scheduler_lease(client: redis.Redis, settings: Settings) -> Lock:
    return Lock(client, f"{settings.key_prefix}periodic:scheduler", SCHEDULER_LEASE_SECONDS,
                renew_every=SCHEDULER_RENEW_SECONDS)


def _release_scheduled(client: redis.Redis, settings: Settings, queue: Queue) -> int:
    """Start the broadcasts approved for a time now past."""
    return scheduled_broadcasts(client, settings).release_due(
        lambda broadcast_id: queue.enqueue(prepare_job, broadcast_id, job_timeout=JOB_TIMEOUT, result_ttl=0))


def _warm(services: Services) -> None:
    """Load the catalogue, the matcher and the office check's tables before the first citizen waits for them."""
    try:
        _ = services.matcher
        load_office_tables()
    except Exception:  # a missing catalogue must not stop replies to other events
        log.exception("catalogue not loaded")


def _due_work(client: redis.Redis, settings: Settings, queue: Queue,
              tenants: TenantRuntimes) -> list[Callable[[], object]]:
    """Everything the scheduler does each round: release delayed drains and pushes (one set per deployment,
    each member naming its tenant), start scheduled broadcasts and periodic jobs, for every tenant."""
    from bot.dossiers.push import delayed_pushes
    from bot.dossiers.status_jobs import push_dossier_job
    from bot.tenants.polling import polling_work

    def each_tenant(step: Callable[[Runtime], object]) -> Callable[[], object]:
        """`step` for every tenant; whether any of them found work (the scheduler then polls fast)."""
        return lambda: any([step(rt) for rt in tenants.active()])

    work: list[Callable[[], object]] = [
        lambda: delayed_drains(client, settings).release_due(
            lambda member: release_delayed_drain(client, settings, member)),
        lambda: delayed_pushes(client, settings).release_due(
            lambda member: release_to_tenant(client, settings, push_dossier_job, member)),
        each_tenant(lambda rt: _release_scheduled(rt.redis, rt.settings, rt.queue)),
        # A broadcast batch whose worker died is taken over once its lease lapses.
        _every(BROADCAST_RECOVERY_SECONDS, each_tenant(
            lambda rt: recover_broadcasts(rt.redis, rt.settings, rt.queue, at_start=False))),
        _every(BROADCAST_RECOVERY_SECONDS, lambda: recover_province_alerts(tenants)),
        # A job a stopped or dead worker took off the queue but never started goes back on it.
        _every(BROADCAST_RECOVERY_SECONDS, lambda: requeue_stranded(queue)),
        _every(BEAT_SECONDS, lambda: HeartbeatStore(client, settings).beat(worker_name())),  # /readyz, the console
        # A finished broadcast's report goes to CSV, then its delivery records get their expiry.
        _every(BROADCAST_ARCHIVE_SECONDS, each_tenant(lambda rt: archive_finished(rt.redis, rt.settings))),
    ]
    work.append(polling_work(tenants))  # every enabled commune's dossier and CAP feed polls
    return work


def _every(seconds: float, step: Callable[[], object]) -> Callable[[], object]:
    """`step`, run at most once every `seconds` by this process's poll loop."""
    last = [0.0]

    def run() -> object:
        if time.monotonic() - last[0] < seconds:
            return None
        last[0] = time.monotonic()
        return step()

    return run


def _poll_forever(settings: Settings, lease: Lock) -> None:
    client = connect(settings)
    runtime = Runtime.build(settings, client)
    work = _due_work(client, settings, runtime.queue, TenantRuntimes(runtime))
    leading = False
    pause = BUSY_POLL_SECONDS
    while True:
        try:
            leading = lease.renew() if leading else lease.acquire()
            if not leading:
                pause = SCHEDULER_FOLLOWER_SECONDS
            else:
                found = [step() for step in work]  # every step, every round
                pause = BUSY_POLL_SECONDS if any(found) else min(pause * 2, IDLE_POLL_SECONDS)
        except redis.RedisError:
            log.warning("redis unavailable while scheduling")
            leading, pause = False, 1.0
        time.sleep(pause)


if __name__ == "__main__":
    raise SystemExit(main())
