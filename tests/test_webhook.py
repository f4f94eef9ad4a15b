"""The webhook: signature, replay window, dedupe, malformed and oversized input."""

from __future__ import annotations

import json
import time

import pytest
from flask.testing import FlaskClient

from bot.app import create_app
from bot.config import Settings
from bot.ingress.signature import expected_mac, signature_valid
from bot.queue.event_inbox import Keys
from tests.helpers import signed, text_event


@pytest.fixture
def client(settings: Settings) -> FlaskClient:
    return create_app(settings).test_client()


def test_signature_matches_the_documented_vector() -> None:
    body = b'{"app_id":"123","timestamp":"999","event_name":"oa_send_text"}'
    assert expected_mac("123", body, "999", "oa_secret_key") == (
        "2e96f1d72ea2cf9d2fa98582534f3b3dc06f2443d845d0216468c1df4e4f7c0d"
    )
    assert signature_valid(" MAC=2E96F1D72EA2CF9D2FA98582534F3B3DC06F2443D845D0216468C1DF4E4F7C0D ",
                           "123", body, "999", "oa_secret_key")
    assert not signature_valid("mac=" + "0" * 64, "123", body, "999", "oa_secret_key")
    assert not signature_valid(None, "123", body, "999", "oa_secret_key")


def test_valid_event_is_queued_once(client: FlaskClient, settings: Settings, redis_client) -> None:
    event = text_event("111", "xin chào")
    body, headers = signed(event)
    first = client.post("/webhook/zalo", data=body, headers=headers)
    assert first.status_code == 200 and first.json == {"ok": True, "duplicate": False}
    again = client.post("/webhook/zalo", data=body, headers=headers)
    assert again.status_code == 200 and again.json["duplicate"] is True
    assert redis_client.llen(Keys(settings).inbox("111")) == 1


def test_resend_with_new_timestamp_is_still_a_duplicate(client: FlaskClient, settings: Settings, redis_client) -> None:
    event = text_event("111", "hello", msg_id="m-1")
    client.post("/webhook/zalo", data=signed(event)[0], headers=signed(event)[1])
    event["timestamp"] = str(int(event["timestamp"]) + 30_000)
    response = client.post("/webhook/zalo", data=signed(event)[0], headers=signed(event)[1])
    assert response.json["duplicate"] is True
    assert redis_client.llen(Keys(settings).inbox("111")) == 1


def test_events_without_msg_id_dedupe_on_identity(client: FlaskClient, settings: Settings, redis_client) -> None:
    follow = {"oa_id": "1", "follower": {"id": "222"}, "event_name": "follow", "source": "oa_profile",
              "app_id": "123", "timestamp": str(int(time.time() * 1000))}
    body, headers = signed(follow)
    assert client.post("/webhook/zalo", data=body, headers=headers).json["duplicate"] is False
    assert client.post("/webhook/zalo", data=body, headers=headers).json["duplicate"] is True
    assert redis_client.llen(Keys(settings).inbox("222")) == 1


@pytest.mark.parametrize("header", ["mac=deadbeef", "", "mac=" + "a" * 64])
def test_bad_signature_is_401(client: FlaskClient, header: str) -> None:
    body, headers = signed(text_event("1", "x"))
    headers["X-ZEvent-Signature"] = header
    assert client.post("/webhook/zalo", data=body, headers=headers).status_code == 401


def test_signed_with_the_app_secret_instead_of_the_oa_key_is_401(client: FlaskClient) -> None:
    body, headers = signed(text_event("1", "x"), secret="app-secret")
    assert client.post("/webhook/zalo", data=body, headers=headers).status_code == 401


def test_foreign_app_id_is_401(client: FlaskClient) -> None:
    event = text_event("1", "x", app_id="999")
    body, headers = signed(event, app_id="999")
    assert client.post("/webhook/zalo", data=body, headers=headers).status_code == 401


def test_body_altered_after_signing_is_401(client: FlaskClient) -> None:
    body, headers = signed(text_event("1", "chuyển tiền"))
    tampered = body.replace(b"1", b"2", 1)
    assert client.post("/webhook/zalo", data=tampered, headers=headers).status_code == 401


def test_stale_and_future_timestamps_are_refused(client: FlaskClient, settings: Settings) -> None:
    window_ms = settings.webhook_replay_window_seconds * 1000
    now = int(time.time() * 1000)
    for ts in (now - window_ms - 60_000, now + window_ms + 60_000):
        body, headers = signed(text_event("1", "x", timestamp_ms=ts))
        response = client.post("/webhook/zalo", data=body, headers=headers)
        assert response.status_code == 401 and "stale" in response.json["error"]
    body, headers = signed(text_event("1", "x", timestamp_ms=now - window_ms + 60_000))
    assert client.post("/webhook/zalo", data=body, headers=headers).status_code == 200


def test_replay_window_is_configurable(settings: Settings) -> None:
    from dataclasses import replace

    client = create_app(replace(settings, webhook_replay_window_seconds=5)).test_client()
    body, headers = signed(text_event("1", "x", timestamp_ms=int(time.time() * 1000) - 10_000))
    assert client.post("/webhook/zalo", data=body, headers=headers).status_code == 401


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'"text"', b"", b"{\"app_id\": \"123\"}",
                                  b'{"app_id":"123","event_name":"x","timestamp":"abc"}'])
def test_malformed_is_400(client: FlaskClient, body: bytes) -> None:
    response = client.post("/webhook/zalo", data=body, headers={"X-ZEvent-Signature": "mac=00"})
    assert response.status_code == 400
    assert response.json["ok"] is False


def test_oversized_is_413(client: FlaskClient, settings: Settings) -> None:
    event = text_event("1", "x" * (settings.webhook_max_body_bytes + 10))
    body, headers = signed(event)
    assert client.post("/webhook/zalo", data=body, headers=headers).status_code == 413


def test_echo_of_our_own_message_is_acknowledged_not_queued(client: FlaskClient, settings: Settings,
                                                            redis_client) -> None:
    echo = {"app_id": "123", "event_name": "oa_send_text", "timestamp": str(int(time.time() * 1000)),
            "sender": {"id": "oa"}, "recipient": {"id": "333"}, "message": {"msg_id": "e1", "text": "hi"}}
    body, headers = signed(echo)
    assert client.post("/webhook/zalo", data=body, headers=headers).status_code == 200
    assert redis_client.llen(Keys(settings).inbox("333")) == 0


def test_health_and_readiness(client: FlaskClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").json["redis"] is True


def test_readyz_is_503_when_redis_is_down(settings: Settings) -> None:
    from dataclasses import replace

    down = create_app(replace(settings, redis_url="redis://127.0.0.1:1/0")).test_client()
    response = down.get("/readyz")
    assert response.status_code == 503 and response.json["redis"] is False
    body, headers = signed(text_event("1", "x"))
    assert down.post("/webhook/zalo", data=body, headers=headers).status_code == 503


def test_unknown_route_is_json_404(client: FlaskClient) -> None:
    response = client.get("/nope")
    assert response.status_code == 404 and json.loads(response.data)["ok"] is False


def test_domain_verification_file_and_meta_tag(settings: Settings) -> None:
    from dataclasses import replace

    client = create_app(replace(settings, zalo_site_verification="ABC123")).test_client()
    page = client.get("/zalo_verifierABC123.html")
    assert page.status_code == 200 and b'content="ABC123"' in page.data
    assert client.get("/zalo_verifierWRONG.html").status_code == 404
    assert b'name="zalo-platform-site-verification" content="ABC123"' in client.get("/").data
