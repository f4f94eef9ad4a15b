"""The Zalo client against the sandbox: idempotent sends, token refresh, retry versus no retry."""

from __future__ import annotations

import json
import threading
import time

import pytest
import redis

from bot.config import Settings
from bot.zalo.client import ZaloClient
from bot.zalo.errors import Outcome, TokenRefreshFailed, ZaloError, classify
from bot.zalo.tokens import TokenStore
from tests.conftest import RunningSandbox


def make_client(settings: Settings) -> ZaloClient:
    # A fresh connection per client, as in separate worker processes; no real sleeping in tests.
    return ZaloClient(redis.Redis.from_url(settings.redis_url), settings, sleep=lambda _: None)


def cs_calls(sandbox: RunningSandbox) -> int:
    return sum(n for path, n in sandbox.stats()["calls"].items() if "message/cs" in path)


def test_sends_text_with_buttons(zalo_settings: Settings, sandbox: RunningSandbox) -> None:
    user = sandbox.create_user()
    message = {"text": "Chào Anh/Chị", "attachment": {"type": "template", "payload": {"buttons": [
        {"title": "Hỏi thủ tục", "type": "oa.query.hide", "payload": "#procedures"}]}}}
    data = make_client(zalo_settings).send_message(user, message, "k1")
    assert data["message_id"]
    [sent] = sandbox.messages(user)
    assert sent["payload"]["message"] == message and sent["payload"]["recipient"] == {"user_id": user}


def test_same_idempotency_key_sends_once(zalo_settings: Settings, sandbox: RunningSandbox) -> None:
    user = sandbox.create_user()
    first = make_client(zalo_settings).send_message(user, {"text": "một"}, "event-1:0")
    again = make_client(zalo_settings).send_message(user, {"text": "một"}, "event-1:0")
    assert first == again
    make_client(zalo_settings).send_message(user, {"text": "hai"}, "event-1:1")
    assert [m["payload"]["message"]["text"] for m in sandbox.messages(user)] == ["một", "hai"]


@pytest.mark.parametrize("code", [-216, -220])
def test_invalid_or_expired_token_refreshes_once_and_retries(zalo_settings: Settings, sandbox: RunningSandbox,
                                                             code: int) -> None:
    user = sandbox.create_user()
    sandbox.fault(kind="error", code=code, endpoint="message/cs")
    make_client(zalo_settings).send_message(user, {"text": "x"}, "k")
    stats = sandbox.stats()
    assert stats["token_refreshes"] == 1 and len(sandbox.messages(user)) == 1
    stored = TokenStore(redis.Redis.from_url(zalo_settings.redis_url), zalo_settings).current()
    assert stored.access_token == stats["access_token"] and stored.refresh_token == stats["refresh_token"]
    assert stored.version == 1


def test_two_workers_racing_on_an_expired_token_refresh_exactly_once(zalo_settings: Settings,
                                                                     sandbox: RunningSandbox) -> None:
    users = [sandbox.create_user(f"Dân {i}") for i in range(6)]
    make_client(zalo_settings).tokens.current()  # seeded from settings
    sandbox.fault(kind="expire_token")
    barrier = threading.Barrier(len(users))
    errors: list[Exception] = []

    def send(user: str) -> None:
        client = make_client(zalo_settings)
        barrier.wait()
        try:
            client.send_message(user, {"text": "hello"}, f"race-{user}")
        except Exception as exc:  # collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sandbox.stats()["token_refreshes"] == 1
    assert all(len(sandbox.messages(u)) == 1 for u in users)


def test_refused_refresh_token_alerts_and_does_not_loop(zalo_settings: Settings, sandbox: RunningSandbox,
                                                        redis_client: redis.Redis) -> None:
    user = sandbox.create_user()
    sandbox.control("POST", "/_sandbox/faults", json={"kind": "expire_token"})
    sandbox.fault(kind="error", code=-14014, endpoint="access_token")
    with pytest.raises(TokenRefreshFailed):
        make_client(zalo_settings).send_message(user, {"text": "x"}, "k")
    assert sandbox.messages(user) == []
    assert redis_client.llen(f"{zalo_settings.key_prefix}alerts") == 1


@pytest.mark.parametrize("fault", [
    {"kind": "error", "code": -32, "count": 2},
    {"kind": "error", "code": -200, "count": 1},
    {"kind": "http_status", "status": 503, "count": 2},
    {"kind": "timeout", "seconds": 1.5, "count": 1},
])
def test_transient_failures_are_retried(zalo_settings: Settings, sandbox: RunningSandbox, fault: dict) -> None:
    user = sandbox.create_user()
    sandbox.fault(endpoint="message/cs", **fault)
    make_client(zalo_settings).send_message(user, {"text": "x"}, "k")
    assert len(sandbox.messages(user)) == 1


def test_transient_failure_that_persists_raises_transient(zalo_settings: Settings, sandbox: RunningSandbox) -> None:
    user = sandbox.create_user()
    sandbox.fault(kind="error", code=-32, count=5, endpoint="message/cs")
    with pytest.raises(ZaloError) as raised:
        make_client(zalo_settings).send_message(user, {"text": "x"}, "k")
    assert raised.value.transient and cs_calls(sandbox) == 3


@pytest.mark.parametrize("code", [-213, -217, -230, -201, -210, -248, -999])
def test_permanent_errors_are_not_retried_and_are_recorded(zalo_settings: Settings, sandbox: RunningSandbox,
                                                           redis_client: redis.Redis, code: int) -> None:
    user = sandbox.create_user()
    sandbox.fault(kind="error", code=code, count=3, endpoint="message/cs")
    with pytest.raises(ZaloError) as raised:
        make_client(zalo_settings).send_message(user, {"text": "x"}, "k")
    assert not raised.value.transient and raised.value.code == code
    assert cs_calls(sandbox) == 1
    assert redis_client.llen(f"{zalo_settings.key_prefix}zalo:failures") == 1
    # A later retry of the same message is a fresh attempt: nothing was marked as sent.
    assert redis_client.get(f"{zalo_settings.key_prefix}sent:k") is None


def test_real_outside_window_answer_from_the_sandbox(zalo_settings: Settings, sandbox: RunningSandbox) -> None:
    user = sandbox.create_user(last_interaction_days_ago=10)
    with pytest.raises(ZaloError) as raised:
        make_client(zalo_settings).send_message(user, {"text": "x"}, "k")
    assert raised.value.code == -230 and raised.value.outcome is Outcome.RECIPIENT


def test_classification_table() -> None:
    assert classify(0) is Outcome.OK
    assert classify(-32) is Outcome.RETRY
    assert classify(-220) is Outcome.REFRESH_TOKEN
    assert classify(-234) is Outcome.RESCHEDULE
    assert classify(-213) is Outcome.RECIPIENT
    assert classify(-224) is Outcome.CONFIG
    assert classify(-12345) is Outcome.PAYLOAD


def test_a_send_that_timed_out_but_reached_zalo_is_not_sent_again(zalo_settings: Settings,
                                                                    sandbox: RunningSandbox) -> None:
    user = sandbox.create_user()
    # Zalo takes 1.5 s (the client gives up after 1 s) but does deliver the message.
    sandbox.fault(kind="delay", seconds=1.5, count=1, endpoint="message/cs")
    client = ZaloClient(redis.Redis.from_url(zalo_settings.redis_url), zalo_settings)  # really waits
    data = client.send_message(user, {"text": "Thông báo: mất điện"}, "slow-1")
    assert data.get("settled") is True
    assert [m["payload"]["message"]["text"] for m in sandbox.messages(user)] == ["Thông báo: mất điện"]


def test_a_worker_that_died_mid_send_settles_before_sending_again(zalo_settings: Settings, sandbox: RunningSandbox,
                                                                  redis_client: redis.Redis) -> None:
    user = sandbox.create_user()
    first = make_client(zalo_settings)
    first.send_message(user, {"text": "Lịch tiêm chủng"}, "k-died")
    # As if the worker died after Zalo accepted the message but before recording it.
    redis_client.set(f"{zalo_settings.key_prefix}sent:k-died", '{"state": "in_flight", "at_ms": 0}')
    make_client(zalo_settings).send_message(user, {"text": "Lịch tiêm chủng"}, "k-died")
    assert len(sandbox.messages(user)) == 1
    # ...and one that really never reached Zalo is sent.
    redis_client.set(f"{zalo_settings.key_prefix}sent:k-lost", '{"state": "in_flight", "at_ms": 0}')
    make_client(zalo_settings).send_message(user, {"text": "Lịch họp tổ dân phố"}, "k-lost")
    assert len(sandbox.messages(user)) == 2


def test_a_dead_workers_send_still_within_its_timeout_is_not_settled_yet(
        zalo_settings: Settings, sandbox: RunningSandbox, redis_client: redis.Redis) -> None:
    """Its request may still land at Zalo: looking at the history now could miss it and send twice."""
    user = sandbox.create_user()
    just_now = json.dumps({"state": "in_flight", "at_ms": int(time.time() * 1000)})
    redis_client.set(f"{zalo_settings.key_prefix}sent:k-landing", just_now)
    with pytest.raises(ZaloError) as caught:
        make_client(zalo_settings).send_message(user, {"text": "Lịch tiêm chủng"}, "k-landing")
    assert caught.value.transient and sandbox.messages(user) == []


def test_two_identical_replies_under_a_slow_send_and_a_timeout_both_arrive(zalo_settings: Settings,
                                                                           sandbox: RunningSandbox) -> None:
    # "xin chào" then "hello": the bot greets twice with the same words. The first send is slow but
    # answered (0.6 s, the client waits 1 s); the second hangs and is dropped. Settling the second
    # against the history must not take the first reply for it.
    user = sandbox.create_user()
    greeting = {"text": "Dạ, xin chào Anh/Chị. Anh/Chị cần hỏi thủ tục gì ạ?"}
    sandbox.control("POST", "/_sandbox/faults", json=[
        {"kind": "delay", "seconds": 0.6, "count": 1, "endpoint": "message/cs"},
        {"kind": "timeout", "seconds": 1.2, "count": 1, "endpoint": "message/cs"},
    ])
    client = ZaloClient(redis.Redis.from_url(zalo_settings.redis_url), zalo_settings)  # really waits
    first = client.send_message(user, greeting, "event-hello-1:0")
    second = client.send_message(user, greeting, "event-hello-2:0")
    delivered = sandbox.messages(user)
    assert len(delivered) == 2
    assert {first["message_id"], second["message_id"]} == {m["message_id"] for m in delivered}


def test_a_history_message_settles_at_most_one_in_doubt_send(zalo_settings: Settings, sandbox: RunningSandbox,
                                                            redis_client: redis.Redis) -> None:
    user = sandbox.create_user()
    make_client(zalo_settings).send_message(user, {"text": "Lịch tiêm chủng"}, "k-a")
    # Both workers died before recording anything: neither claim nor result is stored.
    for key in redis_client.scan_iter(f"{zalo_settings.key_prefix}zalo:claimed:*"):
        redis_client.delete(key)
    for name in ("k-a", "k-b"):
        redis_client.set(f"{zalo_settings.key_prefix}sent:{name}", '{"state": "in_flight", "at_ms": 0}')
    results: list[dict] = []
    barrier = threading.Barrier(2)

    def settle(name: str) -> None:
        client = make_client(zalo_settings)
        barrier.wait()
        results.append(client.send_message(user, {"text": "Lịch tiêm chủng"}, name))

    threads = [threading.Thread(target=settle, args=(n,)) for n in ("k-a", "k-b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(sandbox.messages(user)) == 2
    assert len({r["message_id"] for r in results}) == 2
