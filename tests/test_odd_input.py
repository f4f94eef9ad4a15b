"""Whatever a citizen types, the bot answers politely and never fails."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import redis

import handlers
from bot.config import Settings
from bot.conversation.context import Context
from bot.ingress.events import Event
from bot.services import Services
from bot.zalo.messages import render_replies

ODD = [
    "", " ", "???", "😀😀😀", "👍", "." * 3000, "a" * 5000, "<script>alert(1)</script>", "'; DROP TABLE x; --",
    "#", "#proc", "#proc 9.999999", "#proc 1.001193 nonsense", "#event 999", "#dossier", "#dossier xyz subscribe",
    "#staff dossier", "#rate", "#rate x 9", "#area zzz", "#alerts maybe", "1", "0", "-1", "12345678901234567890",
    "ĐĂNG KÝ KHAI SINH!!!", "d\u0103ng ky\u0301 ke\u0302\u0301t ho\u0302n", "tthc", "TTHC 0.000000", "\x00\x01",
    "đ" * 200, "khai sinh " * 300,
]


@pytest.fixture(scope="module")
def services(redis_server) -> Services:
    settings = Settings.from_env(redis_url=redis_server.url, key_prefix="odd:")
    return Services(redis.Redis.from_url(redis_server.url), settings)


@pytest.mark.parametrize("text", ODD)
def test_odd_text_gets_a_polite_reply_within_zalos_limits(services: Services, text: str) -> None:
    event = Event({"app_id": "1", "event_name": "user_send_text", "timestamp": "1", "sender": {"id": uuid.uuid4().hex},
                   "message": {"msg_id": uuid.uuid4().hex, "text": text}})
    ctx = Context(event, services.redis, services.settings, datetime.now(UTC), services)
    messages = render_replies(handlers.dispatch(ctx))
    assert messages, "the bot always answers a citizen's text"
    for message in messages:
        assert 0 < len(message["text"]) <= 2000
        assert "Traceback" not in message["text"]
        buttons = message.get("attachment", {}).get("payload", {}).get("buttons", [])
        assert len(buttons) <= 5 and all(len(b["title"]) <= 20 for b in buttons)


ODD_EVENTS = [
    {"event_name": "user_send_image"},
    {"event_name": "user_send_image", "message": {"attachments": "not a list"}},
    {"event_name": "user_send_location", "message": {"attachments": [{"type": "location", "payload": None}]}},
    {"event_name": "user_send_text", "message": ["not", "an", "object"]},
    {"event_name": "user_send_text", "message": {"text": None}},
    {"event_name": "user_seen_message", "message": {"msg_ids": ["1", "2"]}},
    {"event_name": "user_reacted_message", "message": {"msg_id": "1", "react_icon": "/-heart"}},
    {"event_name": "something_zalo_adds_next_year", "foo": {"bar": 1}},
    {"event_name": "user_submit_info", "info": {"name": "A", "phone": "0900000000"}},
]


@pytest.mark.parametrize("raw", ODD_EVENTS)
def test_odd_events_never_fail(services: Services, raw: dict) -> None:
    event = Event({"app_id": "1", "timestamp": "1", "sender": {"id": uuid.uuid4().hex}, **raw})
    ctx = Context(event, services.redis, services.settings, datetime.now(UTC), services)
    for message in render_replies(handlers.dispatch(ctx)):
        assert 0 < len(message["text"]) <= 2000
