"""Processing an event: handlers run once, the outbox is sent once, logs carry no personal data."""

from __future__ import annotations

import logging

import pytest
import redis

from bot.config import Settings
from bot.conversation.replies import Reply
from bot.ingress.events import parse_event
from bot.logs import JsonFormatter
from bot.queue.event_inbox import accept_event, drain
from bot.queue.processing import EventProcessor
from bot.services import Services
from bot.zalo.errors import ZaloError
from tests.conftest import RunningSandbox
from tests.helpers import text_event


def test_a_retried_event_runs_handlers_once_and_sends_each_message_once(
    zalo_settings: Settings, sandbox: RunningSandbox, redis_client: redis.Redis
) -> None:
    user = sandbox.create_user()
    calls: list[str] = []

    def dispatch(ctx) -> list[Reply]:
        calls.append(ctx.text)
        return [Reply("một"), Reply("hai"), Reply("ba")]

    services = Services(redis_client, zalo_settings)
    services.zalo.sleep = lambda _: None  # type: ignore[method-assign]
    processor = EventProcessor(redis_client, zalo_settings, services, dispatch)
    event = parse_event(text_event(user, "xin chào"))
    # The second message fails until the client gives up: the job fails after sending "một".
    sandbox.control("POST", "/_sandbox/faults", json=[
        {"kind": "delay", "seconds": 0, "count": 1, "endpoint": "message/cs"},
        {"kind": "http_status", "status": 502, "count": 3, "endpoint": "message/cs"},
    ])
    with pytest.raises(ZaloError):
        processor.handle(event, lambda: None)
    processor.handle(event, lambda: None)  # the retry
    assert calls == ["xin chào"]
    assert [m["payload"]["message"]["text"] for m in sandbox.messages(user)] == ["một", "hai", "ba"]


def test_an_events_outbox_goes_when_the_event_leaves_the_inbox(
    zalo_settings: Settings, sandbox: RunningSandbox, redis_client: redis.Redis
) -> None:
    user = sandbox.create_user()
    processor = EventProcessor(redis_client, zalo_settings, Services(redis_client, zalo_settings),
                               lambda ctx: [Reply("Dạ vâng")])
    event = parse_event(text_event(user, "xin chào"))
    accept_event(redis_client, zalo_settings, event)
    drain(redis_client, zalo_settings, event.user_id, processor.handle)
    assert [m["payload"]["message"]["text"] for m in sandbox.messages(user)] == ["Dạ vâng"]
    assert not redis_client.keys(f"{zalo_settings.key_prefix}outbox:*")
    # Redis restarted without its script cache: the scripts sent by SHA are loaded again.
    redis_client.script_flush()
    again = parse_event(text_event(user, "cảm ơn"))
    accept_event(redis_client, zalo_settings, again)
    drain(redis_client, zalo_settings, again.user_id, processor.handle)
    assert [m["payload"]["message"]["text"] for m in sandbox.messages(user)] == ["Dạ vâng", "Dạ vâng"]


def test_info_logs_carry_no_user_id_and_no_message_text(zalo_settings: Settings, sandbox: RunningSandbox,
                                                        redis_client: redis.Redis,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    user = sandbox.create_user()
    processor = EventProcessor(redis_client, zalo_settings, Services(redis_client, zalo_settings),
                               lambda ctx: [Reply("Dạ vâng")])
    with caplog.at_level(logging.INFO):
        processor.handle(parse_event(text_event(user, "số điện thoại của tôi là 0912345678")), lambda: None)
    lines = [JsonFormatter().format(record) for record in caplog.records]
    assert lines, "something was logged"
    assert not any(user in line or "0912345678" in line for line in lines)


def test_an_event_with_no_citizen_is_accepted_and_answered_by_nobody(zalo_settings: Settings, sandbox: RunningSandbox,
                                                                      redis_client: redis.Redis) -> None:
    calls: list[str] = []
    processor = EventProcessor(redis_client, zalo_settings, Services(redis_client, zalo_settings),
                               lambda ctx: calls.append(ctx.text) or [Reply("?")])
    orphan = parse_event({"app_id": "123", "event_name": "user_send_text", "timestamp": "1",
                          "message": {"msg_id": "m", "text": "xin chào"}})
    processor.handle(orphan, lambda: None)
    assert calls == [] and sandbox.stats()["messages"] == 0


@pytest.mark.parametrize("receipt", [
    {"event_name": "user_received_message", "message": {"msg_ids": ["a1"], "msg_id": "a1"}},
    {"event_name": "user_seen_message", "message": {"msg_ids": ["a1", "a2"]}},
    {"event_name": "user_reacted_message", "message": {"msg_id": "a1", "react_icon": "/-heart"}},
])
def test_delivery_and_read_receipts_do_not_refresh_the_last_interaction(
        zalo_settings: Settings, sandbox: RunningSandbox, redis_client: redis.Redis, receipt: dict) -> None:
    # Zalo sends these on its own; counting them would keep a silent follower "reachable" for ever.
    from bot.stores.followers import FollowerRegistry

    processor = EventProcessor(redis_client, zalo_settings, Services(redis_client, zalo_settings),
                               lambda ctx: [])
    followers = FollowerRegistry(redis_client, zalo_settings)
    followers.touch("u-receipt", at=1000.0)
    event = parse_event({"app_id": "123", "timestamp": "1900000000000", "sender": {"id": "u-receipt"},
                         "recipient": {"id": "oa"}, **receipt})
    processor.handle(event, lambda: None)
    assert float(followers.get("u-receipt")["last_interaction"]) == 1000.0
    processor.handle(parse_event(text_event("u-receipt", "cảm ơn", timestamp_ms=1_900_000_000_000)), lambda: None)
    assert float(followers.get("u-receipt")["last_interaction"]) == 1_900_000_000.0
