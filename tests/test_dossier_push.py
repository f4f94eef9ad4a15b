"""Pushes: exactly one message per status change per subscriber, in order, across a worker restart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis

from bot.config import Settings
from bot.dossiers.model import Dossier
from bot.dossiers.push import PushDeferred, pending_pushes, push_status_changes
from bot.dossiers.store import RedisDossierStore
from bot.dossiers.subscriptions import Subscriptions
from bot.zalo.errors import Outcome, ZaloError
from bot.zalo.sender import Sender

RECEIPT = "H56.14-240823-0001"
NOW = datetime(2024, 9, 1, tzinfo=UTC)


class Crash(Exception):
    pass


Message = dict[str, Any]
SendFn = Callable[[str, Message, str], object]


class StandInZalo:
    """Zalo's side of the sender (the client's send methods), played by the test's functions."""

    def __init__(self, settings: Settings, send: SendFn,
                 send_template: Callable[[str, dict[str, str], str], object] | None = None) -> None:
        self.settings, self._send, self._send_template = settings, send, send_template

    def send_message(self, user_id: str, message: Message, idempotency_key: str,
                     claimed: bool = False) -> dict[str, Any]:
        self._send(user_id, message, idempotency_key)
        return {"message_id": "m"}

    def send_template(self, user_id: str, template_id: str, data: dict[str, str], key: str) -> dict[str, Any]:
        assert self._send_template is not None
        self._send_template(user_id, data, key)
        return {"msg_id": "t"}


def sender(settings: Settings, send: SendFn, send_template: Callable[..., object] | None = None) -> Sender:
    return Sender(StandInZalo(settings, send, send_template))  # type: ignore[arg-type]


def status_of(message: Message) -> str:
    return str(message["text"]).split("Trạng thái: ")[1].split("\n")[0]


@pytest.fixture
def store(redis_client: redis.Redis, settings: Settings) -> RedisDossierStore:
    store = RedisDossierStore(redis_client, settings)
    store.upsert(Dossier(RECEIPT, "Đăng ký khai sinh", 2, NOW, applicant_hashes={"full": "x"}), NOW)
    subscriptions = Subscriptions(redis_client, settings)
    for user in ("alice", "bob", "carol"):
        subscriptions.subscribe(RECEIPT, user, store.latest_version(RECEIPT))
    return store


def change_status(store: RedisDossierStore, status: int, minutes: int) -> None:
    current = store.get(RECEIPT)
    assert current is not None
    store.upsert(replace(current, status=status), NOW + timedelta(minutes=minutes))


def test_versions_only_move_on_status_changes(store: RedisDossierStore) -> None:
    current = store.get(RECEIPT)
    assert current is not None and current.version == 1
    _, changed = store.upsert(replace(current, note="Đã nhận đủ"), NOW)
    assert not changed and store.latest_version(RECEIPT) == 1
    _, changed = store.upsert(replace(current, note="Đã nhận đủ"), NOW)  # a resend changes nothing
    assert not changed
    change_status(store, 4, 1)
    assert store.latest_version(RECEIPT) == 2


def test_each_change_once_in_order_across_a_crash(
    redis_client: redis.Redis, settings: Settings, store: RedisDossierStore
) -> None:
    for minutes, status in enumerate((4, 5, 9), start=1):
        change_status(store, status, minutes)
    assert len(pending_pushes(redis_client, settings, RECEIPT)) == 9
    delivered: list[tuple[str, str]] = []

    def dying_send(user: str, message: Message, key: str) -> None:
        if len(delivered) == 4:
            raise Crash("worker killed")
        delivered.append((user, status_of(message)))

    with pytest.raises(Crash):
        push_status_changes(redis_client, settings, RECEIPT, sender(settings, dying_send))
    assert len(delivered) == 4

    def send(user: str, message: Message, key: str) -> None:
        delivered.append((user, status_of(message)))

    report = push_status_changes(redis_client, settings, RECEIPT, sender(settings, send))  # the retried job
    assert report.sent == 5
    assert push_status_changes(redis_client, settings, RECEIPT, sender(settings, send)).sent == 0  # and a duplicate job
    states = ["Đang xử lý", "Yêu cầu bổ sung giấy tờ", "Đã xử lý xong (chờ trả kết quả)"]
    for user in ("alice", "bob", "carol"):
        assert [s for u, s in delivered if u == user] == states
    assert len(delivered) == 9


def test_idempotency_keys_are_stable_per_change(
    redis_client: redis.Redis, settings: Settings, store: RedisDossierStore
) -> None:
    change_status(store, 4, 1)
    keys: list[str] = []
    push_status_changes(redis_client, settings, RECEIPT, sender(settings, lambda u, r, k: keys.append(k)))
    assert sorted(keys) == [f"dossier-push:{RECEIPT}:2:{u}:0" for u in ("alice", "bob", "carol")]


def test_unsubscribed_citizens_get_nothing(
    redis_client: redis.Redis, settings: Settings, store: RedisDossierStore
) -> None:
    Subscriptions(redis_client, settings).unsubscribe(RECEIPT, "bob")
    change_status(store, 4, 1)
    users: list[str] = []
    push_status_changes(redis_client, settings, RECEIPT, sender(settings, lambda u, r, k: users.append(u)))
    assert users == ["alice", "carol"]


def test_outside_the_window_uses_the_template_and_records_permanent_failures(
    redis_client: redis.Redis, settings: Settings, store: RedisDossierStore
) -> None:
    change_status(store, 4, 1)
    change_status(store, 9, 2)
    templated: list[tuple[str, dict[str, str]]] = []
    attempts: list[str] = []

    def send(user: str, message: Message, key: str) -> None:
        attempts.append(user)
        if user == "bob":
            raise ZaloError(-230, "no interaction within 7 days", Outcome.RECIPIENT)
        if user == "carol":
            raise ZaloError(-213, "not a follower", Outcome.RECIPIENT)

    def send_template(user: str, data: dict[str, str], key: str) -> None:
        templated.append((user, data))

    report = push_status_changes(redis_client, settings, RECEIPT, sender(settings, send, send_template), "tpl")
    assert (report.sent, report.by_template) == (2, 2)
    assert [d["status"] for _, d in templated] == ["Đang xử lý", "Đã xử lý xong (chờ trả kết quả)"]
    assert report.failed == [("carol", 2, -213)]
    assert attempts.count("carol") == 1, "a permanent failure is not retried for the next change"
    assert Subscriptions(redis_client, settings).failures(RECEIPT) == {"carol": "2:-213"}
    assert pending_pushes(redis_client, settings, RECEIPT) == []


def test_quota_defers_and_transient_errors_propagate(
    redis_client: redis.Redis, settings: Settings, store: RedisDossierStore
) -> None:
    change_status(store, 4, 1)

    def out_of_quota(user: str, message: Message, key: str) -> None:
        raise ZaloError(-211, "quota", Outcome.RESCHEDULE)

    with pytest.raises(PushDeferred):
        push_status_changes(redis_client, settings, RECEIPT, sender(settings, out_of_quota))

    def flaky(user: str, message: Message, key: str) -> None:
        raise ZaloError(None, "timeout", Outcome.RETRY)

    with pytest.raises(ZaloError):
        push_status_changes(redis_client, settings, RECEIPT, sender(settings, flaky))
    assert len(pending_pushes(redis_client, settings, RECEIPT)) == 3


def test_a_second_worker_backs_off_while_one_pushes(
    redis_client: redis.Redis, settings: Settings, store: RedisDossierStore
) -> None:
    change_status(store, 4, 1)

    def reentrant(user: str, message: Message, key: str) -> None:
        with pytest.raises(PushDeferred):
            push_status_changes(redis_client, settings, RECEIPT, sender(settings, reentrant))

    push_status_changes(redis_client, settings, RECEIPT, sender(settings, reentrant))
    assert pending_pushes(redis_client, settings, RECEIPT) == []
