"""GET /metrics: off without METRICS_TOKEN, refused without the bearer token, and the figures it shows
(the webhook's counters in this process; queue, inbox, tickets, broadcasts and workers read from Redis)."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import redis
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from bot.app import create_app
from bot.config import Settings
from bot.ops.heartbeat import HeartbeatStore
from bot.ops.metrics import METRIC_NAMES
from bot.queue.event_inbox import Keys
from bot.queue.jobs import enqueue_drain, make_queue
from bot.tickets.store import TicketStore
from tests.helpers import signed, text_event

TOKEN = "scrape-" + "x" * 24


@pytest.fixture
def app_settings(settings: Settings) -> Settings:
    return replace(settings, metrics_token=TOKEN)


@pytest.fixture
def client(app_settings: Settings) -> FlaskClient:
    return create_app(app_settings).test_client()


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client: FlaskClient) -> Samples:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.data
    return parse(response.get_data(as_text=True))


def parse(text: str) -> Samples:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_are_off_without_a_token(settings: Settings) -> None:
    assert create_app(settings).test_client().get("/metrics").status_code == 404


def test_an_unauthenticated_scrape_is_refused(client: FlaskClient) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
                    {"Authorization": TOKEN}):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 401 and b"xabot" not in response.data
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_webhook_outcomes_are_counted_by_reason(client: FlaskClient) -> None:
    before = scrape(client)
    body, headers = signed(text_event("5550001", "xin chào"))
    client.post("/webhook/zalo", data=body, headers=headers)
    client.post("/webhook/zalo", data=body, headers=headers)  # Zalo's resend
    client.post("/webhook/zalo", data=body, headers={**headers, "X-ZEvent-Signature": "mac=" + "0" * 64})
    after = scrape(client)

    def moved(outcome: str, reason: str) -> float:
        name = "xabot_webhook_events_total"
        return value(after, name, outcome=outcome, reason=reason) - value(before, name, outcome=outcome, reason=reason)

    assert moved("accepted", "fresh") == 1
    assert moved("duplicate", "resend") == 1
    assert moved("rejected", "bad_signature") == 1


def test_state_is_read_from_redis_at_scrape_time(client: FlaskClient, app_settings: Settings,
                                                 redis_client: redis.Redis) -> None:
    settings = app_settings
    keys = Keys(settings)
    old = text_event("5550002", "hỏi", timestamp_ms=int((time.time() - 90) * 1000))
    redis_client.rpush(keys.inbox("5550002"), json.dumps(old), json.dumps(text_event("5550002", "nữa")))
    redis_client.sadd(keys.pending, "5550002")
    redis_client.rpush(keys.dead_letter, json.dumps({"event_name": "user_send_text"}))
    tickets = TicketStore(redis_client, settings)
    long_ago = datetime.now(UTC) - timedelta(days=10)  # past any first-response target in office time
    tickets.open("5550003", long_ago, reason="staff_request", context={}, history=[])
    HeartbeatStore(redis_client, settings).beat("host:1", now=time.time() - 5)
    enqueue_drain(make_queue(redis_client, settings), "5550002")

    samples = scrape(client)
    assert value(samples, "xabot_inbox_pending_citizens") == 1
    assert value(samples, "xabot_inbox_events") == 2
    assert 89 <= value(samples, "xabot_inbox_oldest_event_age_seconds") < 200
    assert value(samples, "xabot_dead_letters", list="events") == 1
    assert value(samples, "xabot_tickets", status="open") == 1
    assert value(samples, "xabot_tickets_sla_breached", clock="first_response") == 1
    assert value(samples, "xabot_workers_alive") == 1
    assert 4 <= value(samples, "xabot_worker_heartbeat_age_seconds") < 60
    assert value(samples, "xabot_queue_jobs") == 1


def test_every_exposed_metric_is_declared_in_the_one_module(client: FlaskClient) -> None:
    body, headers = signed(text_event("5550004", "chào"))
    client.post("/webhook/zalo", data=body, headers=headers)
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    ours = {family.name for family in text_string_to_metric_families(response.get_data(as_text=True))
            if family.name.startswith("xabot_")}
    assert ours and ours <= {name.removesuffix("_total") for name in METRIC_NAMES}
