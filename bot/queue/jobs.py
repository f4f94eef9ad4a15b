"""rq jobs and the queue they run on. Small and plain: each job re-reads what it needs from Redis."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import redis
from rq import Queue
from rq.job import Job

from bot.config import Settings
from bot.queue.delayed import DelayedSet
from bot.queue.event_inbox import drain, drain_pending, new_drainer_token, pending_users

log = logging.getLogger(__name__)


# The job meta naming the tenant (bot/tenants) a job works for; absent for the environment's OA.
TENANT_META = "tenant"
# A delayed job of another tenant is kept in the deployment's set as `<tenant>\x1f<member>`.
_TENANT_SEP = "\x1f"
# The delayed drain that looks at every pending citizen (not a citizen id: those are digits).
ANY_CITIZEN = "*"
# How long a sweep with nothing left waits for the next event before it ends, unless other jobs are
# queued: an event meanwhile is handled at once, without an rq job's lifecycle (about 4 ms under load)
# before it. Other jobs queued during the wait run after it, at most this much later.
SWEEP_LINGER_SECONDS = 1.0


class TenantQueue(Queue):
    """The one events queue, with every job it creates tagged with its tenant: the worker binds that
    tenant's runtime while the job runs (bot.tenants.runtimes), so job functions stay as they are."""

    def __init__(self, name: str, connection: redis.Redis, tenant: str) -> None:
        super().__init__(name, connection=connection)
        self.tenant = tenant

    def create_job(self, *args: Any, **kwargs: Any) -> Job:
        kwargs["meta"] = {**(kwargs.get("meta") or {}), TENANT_META: self.tenant}
        return super().create_job(*args, **kwargs)


def make_queue(client: redis.Redis, settings: Settings) -> Queue:
    if settings.tenant:
        return TenantQueue(settings.queue_name, client, settings.tenant)
    return Queue(settings.queue_name, connection=client)


def job_tenant(job: Job) -> str:
    return str((job.meta or {}).get(TENANT_META) or "")


def delayed_drains(client: redis.Redis, settings: Settings) -> DelayedSet:
    """One set for the whole deployment: the poll loop reads one key however many tenants there are."""
    return DelayedSet(client, f"{settings.shared_prefix}drains:delayed")


def enqueue_drain(queue: Queue, user_id: str, delay_seconds: float = 0.0, settings: Settings | None = None) -> None:
    """Drain now, or after a delay (bot.queue.delayed: survives a SIGKILLed worker)."""
    if delay_seconds <= 0:
        queue.enqueue(drain_user, user_id, result_ttl=0)
        return
    assert settings is not None, "a delayed drain needs the settings for its key"
    delayed_drains(queue.connection, settings).defer(tenant_member(settings, user_id), delay_seconds)


def tenant_member(settings: Settings, member: str) -> str:
    """A delayed set's member, naming its tenant when it is not the environment's OA: the deployment
    keeps one set per kind of job, so the poll loop reads one key however many communes there are."""
    return f"{settings.tenant}{_TENANT_SEP}{member}" if settings.tenant else member


def release_to_tenant(client: redis.Redis, settings: Settings, job: Callable[[str], object], member: str) -> None:
    """Enqueue `job(member)` on the member's tenant's queue (`settings` are the deployment's)."""
    tenant, _, bare = member.rpartition(_TENANT_SEP)
    queue = make_queue(client, settings) if not tenant else TenantQueue(settings.queue_name, client, tenant)
    queue.enqueue(job, bare, result_ttl=0)


def enqueue_sweep(queue: Queue, token: str) -> None:
    """A drain job for every pending citizen (`token`: its place among the drainers, from accept_event)."""
    queue.enqueue(sweep_pending, token, result_ttl=0)


def release_delayed_drain(client: redis.Redis, settings: Settings, member: str) -> None:
    release_to_tenant(client, settings, drain_user, member)


def sweep_pending(token: str = "") -> int:
    """The job behind accepted events: serve every pending citizen whose lock is free, each in order.
    Citizens whose event failed get their own retry job (drain_user) after their back-off."""
    from bot.queue.processing import EventProcessor
    from bot.runtime import current
    from handlers import dispatch

    rt = current()
    settings, client = rt.settings, rt.redis
    processor = EventProcessor(client, settings, rt.services, dispatch)
    queue = make_queue(client, settings)
    result = drain_pending(client, settings, token or new_drainer_token(), processor.handle,
                           on_dead=processor.apologise, linger=SWEEP_LINGER_SECONDS, other_work=queue.key)
    for user_id, delay in result.retries.items():
        enqueue_drain(queue, user_id, delay, settings)
    if result.busy_for is not None:
        enqueue_drain(queue, ANY_CITIZEN, result.busy_for, settings)
    if result.handed_over:
        enqueue_sweep(queue, "")
    return result.handled


def drain_user(user_id: str) -> int:
    """A citizen's retry after its back-off (or a busy lock): handle this citizen's inbox in order.
    ANY_CITIZEN: a sweep, delayed to look at citizens whose lock holder may have died."""
    if user_id == ANY_CITIZEN:
        return sweep_pending()
    from bot.queue.processing import EventProcessor
    from bot.runtime import current
    from handlers import dispatch

    rt = current()
    settings, client = rt.settings, rt.redis
    processor = EventProcessor(client, settings, rt.services, dispatch)
    result = drain(client, settings, user_id, processor.handle, on_dead=processor.apologise)
    if result.again_after is not None:
        enqueue_drain(make_queue(client, settings), user_id, result.again_after, settings)
    return result.handled


def recover_pending(client: redis.Redis, settings: Settings) -> int:
    """At worker start: one sweep for every citizen with events left over (a crash, a lost job)."""
    users = pending_users(client, settings)
    if users:
        make_queue(client, settings).enqueue(sweep_pending, "", result_ttl=0)
    return len(users)
