"""Hostile and odd webhook input (issue 13): a clear 4xx for the unsigned, a 200 and a dead letter for
the signed (so Zalo stops resending), never a 500 and never anything queued that should not be."""

from __future__ import annotations

import json
import time

import pytest
from flask.testing import FlaskClient

from bot.app import create_app
from bot.config import Settings
from bot.ingress.events import parse_event
from bot.ingress.signature import expected_mac
from bot.ingress.webhook import dead_letters
from bot.queue.event_inbox import Keys
from tests.helpers import signed, text_event


@pytest.fixture
def client(settings: Settings) -> FlaskClient:
    return create_app(settings).test_client()


def queued(redis_client, settings: Settings) -> int:
    return sum(redis_client.llen(k) for k in redis_client.scan_iter(f"{settings.key_prefix}inbox:*")
               if redis_client.type(k) == b"list")


def sign_raw(body: bytes, timestamp: str) -> dict[str, str]:
    return {"X-ZEvent-Signature": "mac=" + expected_mac("123", body, timestamp, "oa_secret_key"),
            "Content-Type": "application/json"}


def now_ms() -> str:
    return str(int(time.time() * 1000))


@pytest.mark.parametrize("header", ["mac=é" + "a" * 63, "mac=\u00ff", "mac=" + "а" * 64])  # noqa: RUF001 - Latin-1, Cyrillic on purpose
def test_non_ascii_signature_is_401_not_500(client: FlaskClient, header: str) -> None:
    body, headers = signed(text_event("1", "x"))
    headers["X-ZEvent-Signature"] = header.encode("utf-8").decode("latin-1")
    assert client.post("/webhook/zalo", data=body, headers=headers).status_code == 401


def test_mac_with_spaces_as_zalos_docs_typeset_it_is_accepted(client: FlaskClient) -> None:
    body, headers = signed(text_event("1", "xin chào"))
    headers["X-ZEvent-Signature"] = headers["X-ZEvent-Signature"].replace("mac=", "mac = ")
    assert client.post("/webhook/zalo", data=body, headers=headers).status_code == 200


@pytest.mark.parametrize("depth", [33, 1000, 30_000])
def test_deeply_nested_json_is_400_without_a_traceback(client: FlaskClient, depth: int,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    body = b"[" * depth + b"]" * depth
    response = client.post("/webhook/zalo", data=body, headers={"X-ZEvent-Signature": "mac=00"})
    assert response.status_code == 400
    assert "Traceback" not in caplog.text


def test_nested_event_deep_inside_a_signed_event_is_400(client: FlaskClient) -> None:
    event = text_event("1", "x")
    event["message"]["extra"] = json.loads("[" * 50 + "]" * 50)
    body, headers = signed(event)
    assert client.post("/webhook/zalo", data=body, headers=headers).status_code == 400


@pytest.mark.parametrize("timestamp", ["9" * 400, "1²", "١٢٣", " 12", "-5", "1.5"])
def test_signed_event_with_a_bad_timestamp_is_dead_lettered_with_200(
        client: FlaskClient, settings: Settings, redis_client, timestamp: str) -> None:
    event = text_event("7", "xin chào")
    event["timestamp"] = timestamp
    body = json.dumps(event, ensure_ascii=False).encode()
    response = client.post("/webhook/zalo", data=body, headers=sign_raw(body, timestamp))
    assert response.status_code == 200 and response.json["ignored"] == "malformed"
    assert queued(redis_client, settings) == 0
    [letter] = dead_letters(redis_client, settings)
    assert "timestamp" in letter["reason"]


def test_unsigned_event_with_a_bad_timestamp_is_400(client: FlaskClient) -> None:
    event = text_event("7", "x")
    event["timestamp"] = "1²"
    response = client.post("/webhook/zalo", data=json.dumps(event), headers={"X-ZEvent-Signature": "mac=00"})
    assert response.status_code == 400


@pytest.mark.parametrize("field,value", [
    ("sender", "8958041078911298472"), ("sender", ["1"]), ("follower", 5), ("recipient", "oa"),
    ("message", "hello"), ("event_name", None), ("event_name", 7), ("app_id", {"id": "123"}),
])
def test_signed_event_with_mistyped_fields_is_dead_lettered(client: FlaskClient, settings: Settings,
                                                            redis_client, field: str, value: object) -> None:
    event = text_event("8", "x")
    event[field] = value
    body = json.dumps(event).encode()
    response = client.post("/webhook/zalo", data=body, headers=sign_raw(body, event["timestamp"]))
    assert response.status_code in (200, 400)  # an app_id that is not ours means unsigned: 400
    assert queued(redis_client, settings) == 0
    if response.status_code == 200:
        assert response.json["ignored"] == "malformed" and len(dead_letters(redis_client, settings)) == 1


def test_event_name_null_is_not_the_string_none() -> None:
    from bot.ingress.events import MalformedEvent

    with pytest.raises(MalformedEvent):
        parse_event({"app_id": "123", "event_name": None, "timestamp": "1"})


def test_lone_surrogate_in_a_signed_text_is_answered_not_500(client: FlaskClient, settings: Settings,
                                                              redis_client) -> None:
    event = text_event("9", "PLACEHOLDER")
    body = json.dumps(event).encode().replace(b"PLACEHOLDER", b"xin ch\\ud800o")
    response = client.post("/webhook/zalo", data=body, headers=sign_raw(body, event["timestamp"]))
    assert response.status_code == 200 and response.json["duplicate"] is False
    [stored] = redis_client.lrange(Keys(settings).inbox("9"), 0, -1)
    assert json.loads(stored)["message"]["text"] == "xin ch\ufffdo"


def test_dedupe_keys_on_event_name_sender_and_msg_id(client: FlaskClient, settings: Settings,
                                                     redis_client) -> None:
    # Zalo's console test tool repeats one msg_id for different citizens and events.
    for user in ("21", "22"):
        body, headers = signed(text_event(user, "xin chào", msg_id="same-id"))
        assert client.post("/webhook/zalo", data=body, headers=headers).json["duplicate"] is False
    seen = {"app_id": "123", "event_name": "user_seen_message", "timestamp": now_ms(),
            "sender": {"id": "21"}, "recipient": {"id": "oa"}, "message": {"msg_id": "same-id"}}
    body, headers = signed(seen)
    assert client.post("/webhook/zalo", data=body, headers=headers).json["duplicate"] is False
    body, headers = signed(text_event("21", "xin chào", msg_id="same-id"))
    assert client.post("/webhook/zalo", data=body, headers=headers).json["duplicate"] is True
