"""rq jobs and the queue they run on. Small and plain: each job re-reads what it needs from Redis."""

from __future__ import annotations

import logging

import redis
from rq import Queue

from bot.config import Settings
from bot.queue.delayed import DelayedSet
from bot.queue.event_inbox import drain, pending_users

log = logging.getLogger(__name__)


def make_queue(client: redis.Redis, settings: Settings) -> Queue:
    return Queue(settings.queue_name, connection=client)


def delayed_drains(client: redis.Redis, settings: Settings) -> DelayedSet:
    return DelayedSet(client, f"{settings.key_prefix}drains:delayed")


def enqueue_drain(queue: Queue, user_id: str, delay_seconds: float = 0.0, settings: Settings | None = None) -> None:
    """Drain now, or after a delay (bot.queue.delayed: survives a SIGKILLed worker)."""
    if delay_seconds <= 0:
        queue.enqueue(drain_user, user_id, result_ttl=0)
        return
    assert settings is not None, "a delayed drain needs the settings for its key"
    delayed_drains(queue.connection, settings).defer(user_id, delay_seconds)


def drain_user(user_id: str) -> int:
    """The job behind every accepted event: handle this citizen's inbox in order."""
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
    """At worker start: re-drain every citizen with events left over (a crash, a lost job)."""
    queue = make_queue(client, settings)
    users = pending_users(client, settings)
    for user_id in users:
        enqueue_drain(queue, user_id)
    return len(users)
