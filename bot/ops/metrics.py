"""Every Prometheus metric of the bot, defined here once (the official prometheus-client library).

Two kinds:
- counters and histograms, moved by one-line calls where things happen (the webhook, the Zalo client,
  the token store, dossier pushes, the router's after hook, the worker's job loop);
- gauges of stored state (queue depth, oldest waiting event, tickets, broadcasts, dead letters, the
  token's expiry, the workers' heartbeats), read from Redis when Prometheus scrapes
  (bot/ops/state_metrics.py), so they are right whichever process changed the state.

Web and worker are separate processes (and gunicorn runs several web workers): with
PROMETHEUS_MULTIPROC_DIR set (one directory shared by web and worker, emptied before they start), each
process writes its counters to files there and /metrics adds them up — the library's multiprocess mode.
Files are named by host name and pid, so containers sharing the directory never write to the same file.

Labels are bounded: fixed words, Zalo's documented error codes, the API paths the code calls. Never a
citizen's id or text.
"""

from __future__ import annotations

import functools
import os
import re
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from prometheus_client import Counter, Histogram, disable_created_metrics, values

if TYPE_CHECKING:
    from bot.conversation.context import Context
    from bot.zalo.sender import Delivery

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
    # The default identifier is the pid alone, which repeats across containers sharing the directory.
    values.ValueClass = values.MultiProcessValue(lambda: f"{socket.gethostname()}_{os.getpid()}")

disable_created_metrics()  # `_created` series only double the output; Prometheus sees resets by itself

P = ParamSpec("P")
R = TypeVar("R")

# -- counters and histograms ------------------------------------------------------------------------

WEBHOOK_EVENTS = Counter(
    "xabot_webhook_events_total", "Webhook requests by outcome (accepted, duplicate, ignored, rejected) and reason.",
    ["outcome", "reason"])
WEBHOOK_REASONS = frozenset({"fresh", "resend", "echo", "malformed", "bad_signature", "stale", "bad_body",
                             "too_large", "not_object", "redis_unavailable", "tenant_disabled"})

JOB_DURATION = Histogram(
    "xabot_job_duration_seconds", "Worker jobs by job function and result (ok, failed).", ["job", "result"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300))

ZALO_CALLS = Counter(
    "xabot_zalo_calls_total",
    "Calls to Zalo's OA API (after the client's own retries) by endpoint and result code: 0, Zalo's error code, "
    "transport (timeout, connection, 5xx) or other.", ["endpoint", "code"])

TOKEN_REFRESHES = Counter(
    "xabot_zalo_token_refreshes_total", "Access token refreshes by result: ok, failed (retry), refused (re-authorise).",
    ["result"])

DOSSIER_PUSHES = Counter(
    "xabot_dossier_pushes_total", "Dossier status pushes by delivery status and channel.", ["status", "channel"])

MATCHER_DECISIONS = Counter(
    "xabot_matcher_decisions_total", "What the procedure matcher decided for a question.", ["decision"])
DECISIONS = frozenset({"answer", "clarify", "fallback", "chitchat"})

# -- gauges read from Redis at scrape time (bot/ops/state_metrics.py): name → (help, labels) ------------

STATE_GAUGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "xabot_queue_jobs": ("Jobs waiting in the rq events queue.", ()),
    "xabot_inbox_pending_citizens": ("Citizens with events not yet handled.", ()),
    "xabot_inbox_events": ("Events accepted and not yet handled.", ()),
    "xabot_inbox_oldest_event_age_seconds": ("Age of the oldest event not yet handled (0 when none).", ()),
    "xabot_delayed_jobs": ("Drains and dossier pushes waiting for their time (retries, quota).", ("kind",)),
    "xabot_dead_letters": ("Entries in the dead-letter lists (events that failed every retry; unreadable "
                           "signed webhooks).", ("list",)),
    "xabot_zalo_token_expires_in_seconds": ("Seconds until the stored access token expires.", ()),
    "xabot_broadcasts_running": ("Broadcasts being sent now.", ()),
    "xabot_broadcast_recipients": ("Recipients of the broadcasts being sent, by delivery state.", ("state",)),
    "xabot_tickets": ("Active tickets by status (open: waiting for staff).", ("status",)),
    "xabot_tickets_sla_breached": ("Active tickets past their SLA target, by clock (office time).", ("clock",)),
    "xabot_workers_alive": ("Workers whose heartbeat is younger than a minute.", ()),
    "xabot_worker_heartbeat_age_seconds": ("Seconds since the latest heartbeat of any worker.", ()),
}

METRIC_NAMES = frozenset({
    "xabot_webhook_events_total", "xabot_job_duration_seconds", "xabot_zalo_calls_total",
    "xabot_zalo_token_refreshes_total", "xabot_dossier_pushes_total", "xabot_matcher_decisions_total",
    *STATE_GAUGES,
})

# -- one-line calls at the edges ----------------------------------------------------------------------


def webhook_event(outcome: str, reason: str) -> None:
    WEBHOOK_EVENTS.labels(outcome, reason if reason in WEBHOOK_REASONS else "other").inc()


def count_decision(ctx: Context, replies: list[Any]) -> None:
    """The router's after hook: the matcher's decision, when it made one for this event."""
    decision = ctx.notes.get("decision")
    if decision in DECISIONS:
        MATCHER_DECISIONS.labels(decision).inc()


def dossier_push(delivery: Delivery) -> None:
    DOSSIER_PUSHES.labels(delivery.status, delivery.channel).inc()


def observe_job(func_name: str, ok: bool, seconds: float) -> None:
    JOB_DURATION.labels(func_name.rsplit(".", 1)[-1], "ok" if ok else "failed").observe(seconds)


_ENDPOINT = re.compile(r"^/v\d+\.\d+/oa/[a-z_/]+$")
# ZNS lives on its own host (business.openapi.zalo.me) with an unversioned path.
_ZNS_PATHS = frozenset({"/message/template"})


def zalo_endpoint(path: str) -> str:
    if path in _ZNS_PATHS:
        return "zns" + path
    return path if _ENDPOINT.match(path) else "other"


def zalo_code(error: Exception | None) -> str:
    """The `code` label: 0, a documented Zalo code, transport, or other."""
    from bot.zalo.errors import KNOWN_CODES, ZaloError

    if error is None:
        return "0"
    if not isinstance(error, ZaloError) or error.code is None:
        return "transport"
    return str(error.code) if error.code in KNOWN_CODES else "other"


def observe_zalo_call(call: Callable[P, R]) -> Callable[P, R]:
    """Decorates the Zalo client's one call method, `_call(self, method, path, ...)`."""

    @functools.wraps(call)
    def counted(*args: P.args, **kwargs: P.kwargs) -> R:
        path = str(kwargs.get("path", args[2] if len(args) > 2 else ""))
        try:
            result = call(*args, **kwargs)
        except Exception as exc:
            ZALO_CALLS.labels(zalo_endpoint(path), zalo_code(exc)).inc()
            raise
        ZALO_CALLS.labels(zalo_endpoint(path), "0").inc()
        return result

    return counted


def observe_token_refresh(refresh: Callable[P, R]) -> Callable[P, R]:
    """Decorates the token store's call to Zalo's refresh endpoint."""

    @functools.wraps(refresh)
    def counted(*args: P.args, **kwargs: P.kwargs) -> R:
        from bot.zalo.errors import Outcome, ZaloError

        try:
            result = refresh(*args, **kwargs)
        except ZaloError as exc:
            TOKEN_REFRESHES.labels("refused" if exc.outcome is Outcome.CONFIG else "failed").inc()
            raise
        TOKEN_REFRESHES.labels("ok").inc()
        return result

    return counted
