"""Every enabled commune is polled by the real worker process (`python -m bot.queue.worker`, its one
scheduler): each reads its own CAP feeds (or the deployment's) and its own dossier source with its own
credentials, keeping what it read under its own keys; a disabled commune is not polled, and one
commune's dead feed stops nobody else's."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import redis

from bot.broadcasts.store import BroadcastStore
from bot.config import DATA_DIR, Settings
from bot.dossiers.store import RedisDossierStore
from bot.dossiers.subscriptions import Subscriptions
from bot.stores.office_config import OfficeConfigStore
from bot.tenants.model import DossierSource, tenant_settings
from bot.tenants.registry import TenantRegistry
from tests.conftest import RunningSandbox
from tests.feed_server import FeedServer
from tests.helpers import eventually, start_worker, stop_worker
from tests.test_cap_semantics import cap_xml

pytestmark = pytest.mark.e2e

RECEIPT = "000.00.06.H56-231027-0361"
MAPPING = {"record": "data", "fields": {"procedure_name": "thuTuc.ten", "status": "trangThai",
                                        "received_at": "ngayTiepNhan", "applicant_id": "soDinhDanh"},
           "status_values": {"DANG_XU_LY": 4}}
RECORD = {"maHoSo": RECEIPT, "thuTuc": {"ten": "Đăng ký kết hôn"}, "trangThai": "DANG_XU_LY",
          "ngayTiepNhan": "2026-09-10T09:00:00+07:00", "soDinhDanh": "079203001234"}
DEAD_FEED = "http://127.0.0.1:9/feed.atom"  # the discard port: nothing listens, the connection is refused


@dataclass
class OneStop:
    """A province's one-stop system on 127.0.0.1: it answers every receipt and notes who asked."""

    keys: list[str] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def start(self) -> str:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # http.server's name
                owner.keys.append(self.headers.get("X-Api-Key", ""))
                body = json.dumps({"data": RECORD}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_port}/hoso/{{receipt}}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def feeds() -> Iterator[list[FeedServer]]:
    servers = [FeedServer().start() for _ in range(3)]
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
def one_stop() -> Iterator[tuple[OneStop, str]]:
    server = OneStop()
    url = server.start()
    yield server, url
    server.stop()


def _identifiers(client: redis.Redis, settings: Settings) -> set[str]:
    return {b.announcement.identifier for b in BroadcastStore(client, settings).recent() if b.via.startswith("feed:")}


def test_every_enabled_commune_is_polled_with_its_own_sources(
        feeds: list[FeedServer], one_stop: tuple[OneStop, str], settings: Settings, sandbox: RunningSandbox,
        redis_client: redis.Redis, tmp_path: Path) -> None:
    deployment_feed, tan_phu_feed, paused_feed = feeds
    deployment_feed.alerts["flood"] = cap_xml("FEED-TINH")
    tan_phu_feed.alerts["flood"] = cap_xml("FEED-TAN-PHU")
    paused_feed.alerts["flood"] = cap_xml("FEED-PAUSED")
    system, system_url = one_stop
    settings = replace(settings, queue_name=f"poll-{settings.key_prefix.strip(':')}")
    registry = TenantRegistry(redis_client, settings)
    # Tân Phú reads its own feeds, the first of them dead; Hòa Bình reads the province's (the
    # deployment's) and polls the one-stop system with its own key; Đông Hưng is paused.
    tan_phu = registry.add("UBND xã Tân Phú", "1190000000000000001", "123", "s1", "app-secret")
    tan_phu = registry.update(tan_phu.slug, cap_feeds=(DEAD_FEED, f"{tan_phu_feed.url}/feed.atom"))
    hoa_binh = registry.add("UBND xã Hòa Bình", "1190000000000000002", "123", "s2", "app-secret")
    hoa_binh = registry.update(hoa_binh.slug, dossier=DossierSource("http", system_url, "X-Api-Key: hoa-binh"))
    paused = registry.add("UBND xã Đông Hưng", "1190000000000000003", "123", "s3", "app-secret")
    paused = registry.update(paused.slug, cap_feeds=(f"{paused_feed.url}/feed.atom",), enabled=False,
                             dossier=DossierSource("http", system_url, "X-Api-Key: dong-hung"))
    communes = {t.slug: tenant_settings(settings, t) for t in (tan_phu, hoa_binh, paused)}
    areas = json.loads((DATA_DIR / "areas.json").read_text(encoding="utf-8"))
    for commune in communes.values():  # each commune's own areas, as its officials uploaded them
        OfficeConfigStore(redis_client, commune).put("areas", areas)
        Subscriptions(redis_client, commune).subscribe(RECEIPT, "1001", 0)

    worker = start_worker(settings, sandbox.url, tmp_path / "worker.log", env={
        "CAP_FEEDS": f"{deployment_feed.url}/feed.atom", "CAP_FEED_POLL_SECONDS": "600",
        "DOSSIER_SOURCE": "embedded", "DOSSIER_HTTP_MAPPING": json.dumps(MAPPING)})
    try:
        eventually(lambda: _identifiers(redis_client, communes[tan_phu.slug]) == {"FEED-TAN-PHU"}, 30)
        eventually(lambda: _identifiers(redis_client, communes[hoa_binh.slug]) == {"FEED-TINH"}, 30)
        eventually(lambda: _identifiers(redis_client, settings) == {"FEED-TINH"}, 30)
        eventually(lambda: RedisDossierStore(redis_client, communes[hoa_binh.slug]).latest_version(RECEIPT) == 1, 30)
    finally:
        stop_worker(worker)
    # Each draft waits in its own commune; the province's feed was read once per commune that reads it,
    # each keeping its own conditional-GET state.
    assert all(b.status == "draft" for b in BroadcastStore(redis_client, communes[hoa_binh.slug]).recent())
    assert [r["path"] for r in deployment_feed.requests].count("/feed.atom") == 2
    assert [r["path"] for r in tan_phu_feed.requests].count("/feed.atom") == 1
    # The one-stop system heard Hòa Bình's key only: the environment's commune keeps the embedded source.
    assert set(system.keys) == {"hoa-binh"}
    assert RedisDossierStore(redis_client, settings).latest_version(RECEIPT) == 0
    assert RedisDossierStore(redis_client, communes[tan_phu.slug]).latest_version(RECEIPT) == 0
    # The paused commune was not polled at all.
    assert paused_feed.requests == [] and _identifiers(redis_client, communes[paused.slug]) == set()
