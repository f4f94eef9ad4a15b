"""/readyz's verdicts, the workers' heartbeats, the console's banner, and the counters moved in the worker."""

from __future__ import annotations

import time
from pathlib import Path

import redis
from prometheus_client import REGISTRY

from bot.app import create_app
from bot.config import Settings
from bot.console.users import UserStore
from bot.dossiers.model import Dossier
from bot.dossiers.push import push_status_changes
from bot.dossiers.store import RedisDossierStore
from bot.dossiers.subscriptions import Subscriptions
from bot.ops.health import catalogue_check, readiness
from bot.ops.heartbeat import SILENT_AFTER_SECONDS, HeartbeatStore
from bot.ops.metrics import zalo_code, zalo_endpoint
from bot.procedures.catalogue import CATALOGUE_FILE
from bot.zalo.errors import Outcome, ZaloError
from tests.helpers import csrf_of
from tests.test_dossier_push import NOW, RECEIPT, change_status, sender

BANNER = "Bộ xử lý tin nhắn (worker) không hoạt động"


def test_readiness_reports_each_dependency_and_a_silent_worker_keeps_200(redis_client: redis.Redis,
                                                                        settings: Settings) -> None:
    report = readiness(redis_client, settings)
    assert report["ok"] and report["redis"] and report["catalogue"]
    assert report["checks"]["worker"] == {"ok": False, "alive": 0, "last_heartbeat_age_seconds": None,
                                          "silent_after_seconds": SILENT_AFTER_SECONDS}
    assert report["checks"]["token"] == {"ok": True, "stored": False}
    HeartbeatStore(redis_client, settings).beat("vm1:42")
    assert readiness(redis_client, settings)["checks"]["worker"]["ok"] is True


def test_the_catalogue_is_checked_on_disk(tmp_path: Path) -> None:
    assert catalogue_check(tmp_path / "missing.json.gz") == {"ok": False, "error": "missing"}
    (tmp_path / "plain.json.gz").write_text("{}")
    assert catalogue_check(tmp_path / "plain.json.gz")["ok"] is False
    shipped = catalogue_check()
    assert shipped["ok"] is True
    truncated = tmp_path / "truncated.json.gz"
    truncated.write_bytes(CATALOGUE_FILE.read_bytes()[: CATALOGUE_FILE.stat().st_size // 2])
    assert catalogue_check(truncated)["ok"] is False, "a half-copied catalogue is not ready"


def test_heartbeats_count_live_workers_and_forget_old_ones(redis_client: redis.Redis, settings: Settings) -> None:
    beats = HeartbeatStore(redis_client, settings)
    now = time.time()
    beats.beat("old:1", now=now - 2 * 24 * 3600)
    beats.beat("quiet:2", now=now - 90)
    assert beats.read(now).silent
    beats.beat("busy:3", now=now - 3)
    seen = beats.read(now)
    assert (seen.alive, seen.silent, round(seen.age_seconds or 0)) == (1, False, 3)
    assert redis_client.zcard(beats.key) == 2  # a beat drops those older than a day
    assert 0 < redis_client.ttl(beats.key) <= 24 * 3600


def test_the_console_shows_a_red_banner_while_no_worker_beats(redis_client: redis.Redis, settings: Settings) -> None:
    app = create_app(settings)
    UserStore(app.config["REDIS"], settings).create("motcua", "staff", "staff-pass-1", "Cán bộ một cửa")
    client = app.test_client()
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    client.post("/console/login", data={"username": "motcua", "password": "staff-pass-1", "csrf_token": token})
    page = client.get("/console/", follow_redirects=True).get_data(as_text=True)
    assert BANNER in page and "chưa từng chạy" in page
    HeartbeatStore(redis_client, settings).beat("vm1:7", now=time.time() - 300)
    page = client.get("/console/", follow_redirects=True).get_data(as_text=True)
    assert BANNER in page and 'role="alert"' in page
    HeartbeatStore(redis_client, settings).beat("vm1:7")
    assert BANNER not in client.get("/console/", follow_redirects=True).get_data(as_text=True)
    assert BANNER not in client.get("/console/login").get_data(as_text=True)  # staff only, after login


def test_dossier_pushes_are_counted_by_status_and_channel(redis_client: redis.Redis, settings: Settings) -> None:
    store = RedisDossierStore(redis_client, settings)
    store.upsert(Dossier(RECEIPT, "Đăng ký khai sinh", 2, NOW, applicant_hashes={"full": "x"}), NOW)
    Subscriptions(redis_client, settings).subscribe(RECEIPT, "alice", store.latest_version(RECEIPT))
    change_status(store, 4, 1)

    def count() -> float:
        return REGISTRY.get_sample_value("xabot_dossier_pushes_total", {"status": "sent", "channel": "cs"}) or 0.0

    before = count()
    push_status_changes(redis_client, settings, RECEIPT, sender(settings, lambda u, m, k: None))
    assert count() == before + 1


def test_zalo_labels_are_bounded() -> None:
    assert zalo_endpoint("/v3.0/oa/message/cs") == "/v3.0/oa/message/cs"
    assert zalo_endpoint("/v3.0/oa/message/cs?user_id=123456789012") == "other"
    assert zalo_endpoint("/message/template") == "zns/message/template"
    assert zalo_code(None) == "0"
    assert zalo_code(ZaloError(-216, "expired", Outcome.REFRESH_TOKEN)) == "-216"
    assert zalo_code(ZaloError(-987654, "new", Outcome.PAYLOAD)) == "other"
    assert zalo_code(ZaloError(None, "ReadTimeout", Outcome.RETRY)) == "transport"


def test_the_metrics_token_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("METRICS_TOKEN", "abc")
    assert Settings.from_env().metrics_token == "abc"
