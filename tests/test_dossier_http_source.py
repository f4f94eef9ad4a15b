"""The provincial one-stop system over HTTP: mapping, caching, and down / slow / garbage answers."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import redis

from bot.config import DossierConfig, Settings
from bot.conversation.context import Context
from bot.dossiers.http_source import HttpDossierSource
from bot.dossiers.status_jobs import poll_http_source
from bot.dossiers.store import RedisDossierStore, SourceUnavailable
from bot.dossiers.subscriptions import Subscriptions
from bot.ingress.events import Event
from bot.services import Services
from tests.dossier_helpers import dossier_text

RECEIPT = "000.00.06.H56-231027-0361"
APPLICANT = "079203001234"
RECORD = {
    "maHoSo": RECEIPT,
    "thuTuc": {"ten": "Đăng ký kết hôn", "ma": "1.000894"},
    "trangThai": "DANG_XU_LY",
    "ngayTiepNhan": "2023-10-27T09:00:00+07:00",
    "ngayHenTra": "2023-11-03",
    "soDinhDanh": APPLICANT,
    "hoTen": "Nguyễn Văn An",
    "diaChi": "Thôn 1",
}
MAPPING = {
    "record": "data",
    "fields": {
        "procedure_name": "thuTuc.ten",
        "procedure_code": "thuTuc.ma",
        "status": "trangThai",
        "received_at": "ngayTiepNhan",
        "due_at": "ngayHenTra",
        "applicant_id": "soDinhDanh",
    },
    "status_values": {"DANG_XU_LY": 4, "DA_XU_LY_XONG": 9},
}


@dataclass
class Remote:
    """What the fake provincial system answers next, and what it saw."""

    mode: str = "ok"  # ok | missing | garbage | bad_record | error | slow
    record: dict = field(default_factory=lambda: dict(RECORD))
    hits: int = 0
    headers: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture
def remote() -> Iterator[tuple[Remote, str]]:
    state = Remote()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits += 1
            state.headers.append(dict(self.headers))
            if state.mode == "slow":
                time.sleep(0.6)
            status, body = 200, json.dumps({"data": state.record}).encode()
            if state.mode == "missing":
                status, body = 404, b'{"message": "not found"}'
            elif state.mode == "garbage":
                body = b"<html>Service Unavailable</html>"
            elif state.mode == "bad_record":
                body = json.dumps({"data": {**state.record, "trangThai": "???"}}).encode()
            elif state.mode == "error":
                status, body = 502, b"bad gateway"
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/api/hoso/{{receipt}}"
    server.shutdown()
    server.server_close()


def config_for(url: str, **changes: object) -> DossierConfig:
    base = DossierConfig(
        id_secret="s",
        source="http",
        http_url=url,
        http_auth_header="X-Api-Key: k123",
        http_mapping=MAPPING,
        http_timeout_seconds=0.3,
        http_cache_seconds=0,
        breaker_failures=2,
        breaker_open_seconds=30,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_maps_the_record_and_sends_the_auth_header(
    remote: tuple[Remote, str], redis_client: redis.Redis, settings: Settings
) -> None:
    state, url = remote
    dossier = HttpDossierSource(redis_client, settings, config_for(url)).get(RECEIPT)
    assert dossier is not None
    assert (dossier.procedure_name, dossier.procedure_code, dossier.status) == (
        "Đăng ký kết hôn",
        "1.000894",
        4,
    )
    assert dossier.due_at is not None and dossier.due_at.isoformat() == "2023-11-03T00:00:00+07:00"
    assert APPLICANT not in json.dumps(dossier.to_dict()) and "Nguyễn" not in json.dumps(dossier.to_dict())
    assert state.headers[0]["X-Api-Key"] == "k123"


def test_not_found_is_none(remote: tuple[Remote, str], redis_client: redis.Redis, settings: Settings) -> None:
    state, url = remote
    state.mode = "missing"
    assert HttpDossierSource(redis_client, settings, config_for(url)).get(RECEIPT) is None


def test_answers_are_cached_briefly(
    remote: tuple[Remote, str], redis_client: redis.Redis, settings: Settings
) -> None:
    state, url = remote
    source = HttpDossierSource(redis_client, settings, config_for(url, http_cache_seconds=60))
    assert source.get(RECEIPT) is not None
    state.mode = "error"
    assert source.get(RECEIPT) is not None
    assert state.hits == 1


@pytest.mark.parametrize("mode", ["garbage", "bad_record", "error", "slow"])
def test_failures_open_the_breaker(
    mode: str, remote: tuple[Remote, str], redis_client: redis.Redis, settings: Settings
) -> None:
    state, url = remote
    state.mode = mode
    source = HttpDossierSource(redis_client, settings, config_for(url))
    for _ in range(2):
        with pytest.raises(SourceUnavailable):
            source.get(RECEIPT)
    hits = state.hits
    started = time.monotonic()
    with pytest.raises(SourceUnavailable):
        source.get(RECEIPT)
    assert state.hits == hits, "an open breaker does not call the remote"
    assert time.monotonic() - started < 0.05
    # After the open period, one good answer closes it again.
    redis_client.delete(source.breaker.open_key)
    state.mode = "ok"
    assert source.get(RECEIPT) is not None
    assert not source.breaker.is_open()


def test_down_system_fails_fast(redis_client: redis.Redis, settings: Settings) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    source = HttpDossierSource(redis_client, settings, config_for(f"http://127.0.0.1:{port}/{{receipt}}"))
    with pytest.raises(SourceUnavailable):
        source.get(RECEIPT)


def _say(client: redis.Redis, settings: Settings, text: str, config: DossierConfig) -> str:
    event = Event({"event_name": "user_send_text", "sender": {"id": "u1"}, "message": {"text": text}})
    ctx = Context(
        event=event,
        redis=client,
        settings=settings,
        now=datetime(2023, 10, 30, tzinfo=UTC),
        services=Services(client, settings),
    )
    replies = dossier_text(ctx, text, config)
    assert replies is not None
    return "\n".join(r.text for r in replies)


def test_citizen_is_told_to_try_later_with_the_desk_phone(
    remote: tuple[Remote, str], redis_client: redis.Redis, settings: Settings
) -> None:
    state, url = remote
    settings = replace(settings, office_phone="0236 3821 000")
    config = config_for(url)
    _say(redis_client, settings, RECEIPT, config)
    state.mode = "slow"
    answer = _say(redis_client, settings, APPLICANT, config)
    assert "thử lại sau" in answer and "0236 3821 000" in answer
    state.mode = "ok"  # the question is still open: the id works once the system is back
    assert "Trạng thái: Đang xử lý" in _say(redis_client, settings, APPLICANT, config)


def test_polling_mirrors_changes_and_enqueues_pushes(
    remote: tuple[Remote, str], redis_client: redis.Redis, settings: Settings
) -> None:
    state, url = remote
    config = config_for(url)
    _say(redis_client, settings, RECEIPT, config)
    _say(redis_client, settings, APPLICANT, config)
    assert "em sẽ nhắn" in _say(redis_client, settings, f"#dossier {RECEIPT} subscribe", config)
    enqueued: list[str] = []
    assert poll_http_source(redis_client, settings, config, enqueued.append) == 0
    state.record = {**RECORD, "trangThai": "DA_XU_LY_XONG"}
    assert poll_http_source(redis_client, settings, config, enqueued.append) == 1
    assert enqueued == [RECEIPT]
    assert RedisDossierStore(redis_client, settings).latest_version(RECEIPT) == 2
    assert Subscriptions(redis_client, settings).last_pushed(RECEIPT) == {"u1": 1}
