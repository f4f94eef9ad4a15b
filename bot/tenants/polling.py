"""Every commune's periodic polls, started by the deployment's one scheduler (bot.queue.worker): the
one-stop system's dossier statuses, when the commune's dossier source is "http", and the CAP feeds it
reads. Each poll is a job on that commune's queue, so it runs with the commune's settings (its source's
URL and credentials, its areas) and keeps its state under the commune's keys; a disabled commune is
not polled, and one commune's failing feed or system fails only that commune's job."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.broadcasts.feed_config import FeedConfig, feed_config
from bot.broadcasts.feed_poller import poll_feeds_job
from bot.dossiers.status_jobs import poll_dossiers_job
from bot.runtime import Runtime
from bot.tenants.model import feeds_of
from bot.tenants.runtimes import TenantRuntimes

log = logging.getLogger(__name__)

DOSSIER_POLL_SECONDS = 300


def start_periodic(rt: Runtime, name: str, seconds: int, job: Callable[..., object], *args: object) -> bool:
    """Enqueue `job` on the tenant's queue once per period across all workers (the first to set the
    tenant's key wins); whether it was enqueued now."""
    if not rt.redis.set(f"{rt.settings.key_prefix}periodic:{name}", "1", nx=True, ex=seconds):
        return False
    rt.queue.enqueue(job, *args, result_ttl=0)
    return True


def start_polls(rt: Runtime, feeds: tuple[str, ...], feed_seconds: int) -> int:
    """The polls due for one commune: how many were enqueued."""
    started = 0
    dossier = rt.settings.dossier
    if dossier.source == "http" and dossier.http_url:
        started += start_periodic(rt, "dossier-poll", DOSSIER_POLL_SECONDS, poll_dossiers_job)
    if feeds:
        started += start_periodic(rt, "cap-feeds", feed_seconds, poll_feeds_job, list(feeds))
    return started


def polling_work(tenants: TenantRuntimes, config: FeedConfig | None = None) -> Callable[[], int]:
    """The scheduler's step: every enabled commune's due polls (the deployment's feed settings read once)."""
    config = config or feed_config()

    def step() -> int:
        registered = tenants.registry.cached()
        started = 0
        for rt in tenants.active():
            try:
                started += start_polls(rt, feeds_of(registered.get(rt.settings.tenant), config.feeds),
                                       config.poll_seconds)
            except Exception:  # one commune's trouble must not stop the others' polls nor the scheduler
                log.exception("polls not started", extra={"tenant": rt.settings.tenant})
        return started

    return step
