"""The gauges of stored state (bot.ops.metrics.STATE_GAUGES), read from Redis when Prometheus scrapes.

A prometheus-client custom collector: nothing is kept between scrapes, so every web process answers
the same and a restarted one is right at once. Each reading is bounded (at most a few thousand small
Redis reads, pipelined), and a Redis failure leaves the gauges out of that scrape rather than failing it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import redis
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.config import Settings
from bot.ops.heartbeat import HeartbeatStore
from bot.ops.metrics import STATE_GAUGES
from bot.queue.jobs import make_queue

log = logging.getLogger(__name__)

# Pending citizens looked at for the oldest event: past this many, the age is a lower bound.
OLDEST_SCAN_LIMIT = 2000
TICKETS_SCAN_LIMIT = 1000


def _gauge(name: str) -> GaugeMetricFamily:
    help_text, labels = STATE_GAUGES[name]
    return GaugeMetricFamily(name, help_text, labels=list(labels))


class StateCollector(Collector):
    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.redis = client
        self.settings = settings

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = time.time()
        readings = (self._queue, self._inbox, self._dead_letters, self._token, self._broadcasts,
                    self._tickets, self._workers)
        for read in readings:
            try:
                yield from read(now)
            except (redis.RedisError, ValueError, KeyError) as exc:
                log.warning("metrics reading failed", extra={"reading": read.__name__, "error": type(exc).__name__})

    def _key(self, name: str) -> str:
        return f"{self.settings.key_prefix}{name}"

    def _queue(self, now: float) -> Iterator[GaugeMetricFamily]:
        jobs = _gauge("xabot_queue_jobs")
        jobs.add_metric([], make_queue(self.redis, self.settings).count)
        delayed = _gauge("xabot_delayed_jobs")
        delayed.add_metric(["drain"], self.redis.zcard(self._key("drains:delayed")))
        delayed.add_metric(["dossier_push"], self.redis.zcard(self._key("dossier:push-delayed")))
        yield from (jobs, delayed)

    def _inbox(self, now: float) -> Iterator[GaugeMetricFamily]:
        users = list(self.redis.sscan_iter(self._key("inbox:pending"), count=500))[:OLDEST_SCAN_LIMIT]
        pipe = self.redis.pipeline(transaction=False)
        for user in users:
            pipe.llen(self._key(f"inbox:{user.decode()}"))
            pipe.lindex(self._key(f"inbox:{user.decode()}"), 0)
        answers = pipe.execute() if users else []
        events = sum(int(n) for n in answers[0::2])
        stamps = [_timestamp_ms(head) for head in answers[1::2] if head is not None]
        oldest = min((s for s in stamps if s is not None), default=None)
        pending = _gauge("xabot_inbox_pending_citizens")
        pending.add_metric([], self.redis.scard(self._key("inbox:pending")))
        count = _gauge("xabot_inbox_events")
        count.add_metric([], events)
        age = _gauge("xabot_inbox_oldest_event_age_seconds")
        age.add_metric([], 0.0 if oldest is None else max(0.0, now - oldest / 1000))
        yield from (pending, count, age)

    def _dead_letters(self, now: float) -> Iterator[GaugeMetricFamily]:
        gauge = _gauge("xabot_dead_letters")
        gauge.add_metric(["events"], self.redis.llen(self._key("deadletter")))
        gauge.add_metric(["webhook"], self.redis.llen(self._key("webhook:deadletter")))
        yield gauge

    def _token(self, now: float) -> Iterator[GaugeMetricFamily]:
        expires_at = self.redis.hget(self._key("zalo:tokens"), "expires_at")
        if expires_at is not None:
            gauge = _gauge("xabot_zalo_token_expires_in_seconds")
            gauge.add_metric([], float(expires_at) - now)
            yield gauge

    def _broadcasts(self, now: float) -> Iterator[GaugeMetricFamily]:
        from bot.broadcasts.store import FINAL_KINDS, BroadcastStore

        store = BroadcastStore(self.redis, self.settings)
        members = self.redis.smembers(self._key("bc:running"))
        running = [raw.decode() if isinstance(raw, bytes) else raw for raw in members]
        totals = dict.fromkeys(("queued", *FINAL_KINDS), 0)
        for broadcast_id in running:
            for state, n in store.counts(broadcast_id).items():
                if state in totals:
                    totals[state] += n
        count = _gauge("xabot_broadcasts_running")
        count.add_metric([], len(running))
        recipients = _gauge("xabot_broadcast_recipients")
        for state, n in totals.items():
            recipients.add_metric([state], n)
        yield from (count, recipients)

    def _tickets(self, now: float) -> Iterator[GaugeMetricFamily]:
        from bot.office.closures import office_hours_now
        from bot.tickets.model import ACTIVE_STATUSES
        from bot.tickets.sla import RED, SlaTargets, ticket_sla
        from bot.tickets.store import TicketStore

        store = TicketStore(self.redis, self.settings)
        counts = store.counts()
        hours, targets = office_hours_now(self.redis, self.settings), SlaTargets.from_settings(self.settings)
        moment = datetime.fromtimestamp(now, UTC)
        breached = {"first_response": 0, "resolution": 0}
        for status in ACTIVE_STATUSES:
            for ticket in store.by_status(status, limit=TICKETS_SCAN_LIMIT):
                sla = ticket_sla(ticket, moment, hours, targets)
                breached["first_response"] += sla.first_response.state == RED
                breached["resolution"] += sla.resolution.state == RED
        tickets = _gauge("xabot_tickets")
        for status in ACTIVE_STATUSES:
            tickets.add_metric([status], counts[status])
        sla_gauge = _gauge("xabot_tickets_sla_breached")
        for clock, n in breached.items():
            sla_gauge.add_metric([clock], n)
        yield from (tickets, sla_gauge)

    def _workers(self, now: float) -> Iterator[GaugeMetricFamily]:
        beats = HeartbeatStore(self.redis, self.settings).read(now)
        alive = _gauge("xabot_workers_alive")
        alive.add_metric([], beats.alive)
        yield alive
        if beats.age_seconds is not None:
            age = _gauge("xabot_worker_heartbeat_age_seconds")
            age.add_metric([], beats.age_seconds)
            yield age


def _timestamp_ms(raw: bytes) -> int | None:
    try:
        return int(json.loads(raw)["timestamp"])
    except (ValueError, KeyError, TypeError):
        return None
