"""End to end, as it runs in production: gunicorn with two workers and the rq worker write their metrics to
one PROMETHEUS_MULTIPROC_DIR, and one scrape of /metrics shows all of them moving while citizens chat
through the sandbox. /readyz reports the worker's heartbeat."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot.devtools.embedded_redis import EmbeddedRedis
from bot.devtools.stack import Stack
from tests.helpers import eventually
from tests.test_e2e import Citizen
from tests.test_metrics import Samples, parse, value

pytestmark = pytest.mark.e2e

TOKEN = uuid.uuid4().hex


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    redis_server = EmbeddedRedis(Path(tmp_path_factory.mktemp("ops-redis"))).start()
    metrics_dir = tmp_path_factory.mktemp("metrics")
    running = Stack(
        var_dir=Path(tmp_path_factory.mktemp("ops-var")),
        redis_url=redis_server.url,
        extra_env={"REDIS_KEY_PREFIX": f"ops{uuid.uuid4().hex[:6]}:", "WEB_CONCURRENCY": "2",
                   "METRICS_TOKEN": TOKEN, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
    )
    try:
        yield running.start()
    finally:
        running.stop()
        redis_server.stop()


def scrape(stack: Stack) -> Samples:
    response = requests.get(f"{stack.web_url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert response.status_code == 200
    return parse(response.text)


def test_counters_move_during_a_conversation_and_no_label_names_a_citizen(stack: Stack) -> None:
    before = scrape(stack)
    citizen = Citizen(stack)
    citizen.control("POST", "/_sandbox/faults", json={"kind": "expire_token"})
    citizen.say("cho em hỏi làm giấy khai sinh cho con cần gì")
    citizen.wait_for(1)
    citizen.say("cap lai")
    citizen.wait_for(2)

    def moved(name: str, **labels: str) -> float:
        return value(scrape(stack), name, **labels) - value(before, name, **labels)

    # The worker's counters reach the web's scrape once its job is done (after the reply went out, and the
    # second message, served by the same warm drain job, and its wait for more: bot.queue.event_inbox).
    eventually(lambda: moved("xabot_job_duration_seconds_count", job="sweep_pending", result="ok") >= 1, timeout=10)
    assert moved("xabot_webhook_events_total", outcome="accepted", reason="fresh") >= 2
    assert moved("xabot_zalo_calls_total", endpoint="/v3.0/oa/message/cs", code="0") >= 2
    assert moved("xabot_zalo_token_refreshes_total", result="ok") == 1
    assert moved("xabot_matcher_decisions_total", decision="answer") >= 1
    assert moved("xabot_matcher_decisions_total", decision="clarify") >= 1

    after = scrape(stack)
    assert value(after, "xabot_workers_alive") >= 1
    assert value(after, "xabot_zalo_token_expires_in_seconds") > 3600
    labels = {v for (_, pairs) in after for _, v in pairs}
    assert citizen.user_id not in " ".join(labels)
    assert not [v for v in labels if re.search(r"\d{9,}", v)], "a label looks like an id"


def test_an_unauthenticated_scrape_is_refused(stack: Stack) -> None:
    assert requests.get(f"{stack.web_url}/metrics", timeout=10).status_code == 401
    wrong = requests.get(f"{stack.web_url}/metrics", headers={"Authorization": "Bearer nope"}, timeout=10)
    assert wrong.status_code == 401 and "xabot" not in wrong.text


def test_readyz_reports_each_dependency_and_the_workers_heartbeat(stack: Stack) -> None:
    def worker_seen() -> bool:
        return requests.get(f"{stack.web_url}/readyz", timeout=10).json()["checks"]["worker"]["ok"]

    eventually(worker_seen, timeout=15)
    report = requests.get(f"{stack.web_url}/readyz", timeout=10).json()
    assert report["ok"] is True
    assert set(report["checks"]) == {"redis", "catalogue", "token", "worker"}
    assert report["checks"]["catalogue"]["loaded_here"] is False  # checked on disk, not loaded by the web
    assert report["checks"]["worker"]["last_heartbeat_age_seconds"] < 60
