"""Worker jobs for dossiers: push status changes, and poll the provincial system for changes.

The worker enqueues them on its own queue; they read everything else from Redis, so a retried
or restarted job just carries on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import redis

from bot.config import DossierConfig, Settings
from bot.dossiers.http_source import HttpDossierSource
from bot.dossiers.push import PushDeferred, defer_push, push_status_changes
from bot.dossiers.store import RedisDossierStore, SourceUnavailable
from bot.dossiers.subscriptions import Subscriptions
from bot.office.current import effective_settings

log = logging.getLogger(__name__)


def push_dossier_job(receipt: str) -> int:
    """rq job: push `receipt`'s pending status changes; deferred ones go to the delayed set."""
    from bot.runtime import current

    rt = current()
    settings, client = rt.settings, rt.redis
    try:
        report = push_status_changes(client, settings, receipt, rt.sender,
                                     effective_settings(client, settings).dossier.template_id)
    except PushDeferred as exc:
        defer_push(client, settings, receipt, exc.retry_after)
        log.info("dossier push deferred", extra={"reason": str(exc), "after": exc.retry_after})
        return 0
    return report.sent + report.by_template


def enqueue_push_with(queue: Any) -> Callable[[str], None]:
    """The `ENQUEUE_DOSSIER_PUSH` callable for the API, on an rq queue."""
    return lambda receipt: queue.enqueue(push_dossier_job, receipt, result_ttl=0)


def poll_http_source(
    client: redis.Redis,
    settings: Settings,
    config: DossierConfig,
    enqueue: Callable[[str], None],
    now: datetime | None = None,
) -> int:
    """Mirror every subscribed dossier from the provincial system; enqueue pushes for status changes."""
    if config.source != "http" or not config.http_url:
        return 0
    source = HttpDossierSource(client, settings, config)
    store = RedisDossierStore(client, settings)
    changed = 0
    for receipt in Subscriptions(client, settings).subscribed_receipts():
        try:
            dossier = source.get(receipt)
        except SourceUnavailable:
            break  # the breaker is open or the system is down: the next poll carries on
        if dossier is not None and store.upsert(dossier, now or datetime.now(UTC))[1]:
            enqueue(receipt)
            changed += 1
    return changed


def poll_dossiers_job() -> int:
    """rq job (schedule every few minutes when DOSSIER_SOURCE=http)."""
    from bot.runtime import current

    rt = current()
    return poll_http_source(rt.redis, rt.settings, rt.settings.dossier, enqueue_push_with(rt.queue))
