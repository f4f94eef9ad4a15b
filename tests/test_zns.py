"""ZNS by phone, the sender's channel outside the 7-day window: the sandbox's endpoint with ZNS's codes
and night ban, the sender's choice and fall-backs, and the reach counted before a broadcast."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import redis
import requests
from cryptography.fernet import Fernet

from bot.broadcasts.areas import load_areas
from bot.broadcasts.cap import announcement_from_dict
from bot.broadcasts.store import BroadcastStore
from bot.broadcasts.targeting import plan
from bot.config import Settings
from bot.dossiers.model import Dossier
from bot.dossiers.push import PushDeferred, push_status_changes
from bot.dossiers.store import RedisDossierStore
from bot.dossiers.subscriptions import Subscriptions
from bot.stores.phones import PhoneStore
from bot.zalo.client import ZaloClient
from bot.zalo.errors import seconds_until_morning
from bot.zalo.sender import (
    CS,
    LATER,
    OUTSIDE,
    SENT,
    TEMPLATE,
    UNREACHABLE,
    ZNS,
    PhoneTemplate,
    Sender,
    Template,
    choose_channel,
)
from tests.broadcast_helpers import add_followers, announcement_json
from tests.conftest import RunningSandbox
from tests.test_broadcast_fanout import run_all, start

PHONE = "84912345678"
NOTICE = Template("zns-status-1", {"receipt": "H56.14-240823-0001", "status": "Đã có kết quả"})


@pytest.fixture
def zns_settings(zalo_settings: Settings, sandbox: RunningSandbox) -> Settings:
    reach = replace(zalo_settings.reach, zns_api_base=sandbox.url, phone_encryption_key=Fernet.generate_key().decode(),
                    broadcast_zns_template_id="zns-alert-1", dossier_zns_template_id="zns-status-1")
    return replace(zalo_settings, reach=reach)


def set_hour(sandbox: RunningSandbox, hour: int | None) -> None:
    sandbox.control("POST", "/_sandbox/config", json={"vietnam_hour": hour})


def zns_post(sandbox: RunningSandbox, body: dict, token: str = "initial-access") -> dict:
    return requests.post(f"{sandbox.url}/message/template", json=body, headers={"access_token": token},
                         timeout=5).json()


def test_the_sandbox_speaks_zns_codes_and_keeps_the_night_ban(sandbox: RunningSandbox) -> None:
    body = {"phone": PHONE, "template_id": "t1", "template_data": {}, "tracking_id": "x"}
    set_hour(sandbox, 10)
    sent = zns_post(sandbox, body)
    assert sent["error"] == 0 and sent["data"]["msg_id"]
    assert zns_post(sandbox, {**body, "phone": "0912345678"})["error"] == -108
    assert zns_post(sandbox, {**body, "template_id": ""})["error"] == -109
    assert zns_post(sandbox, body, token="wrong")["error"] == -124
    for night in (22, 23, 0, 5):
        set_hour(sandbox, night)
        assert zns_post(sandbox, body)["error"] == -133
    set_hour(sandbox, 6)
    assert zns_post(sandbox, body)["error"] == 0


def test_choose_channel_prefers_the_phone_outside_the_window() -> None:
    now = time.time()
    assert choose_channel(now - 3600, now, 7, True, True) == CS
    assert choose_channel(now - 8 * 86400, now, 7, True, True) == ZNS
    assert choose_channel(now - 8 * 86400, now, 7, True, False) == TEMPLATE
    assert choose_channel(None, now, 7, False, False) == UNREACHABLE


def test_outside_the_window_the_sender_goes_by_phone_and_waits_for_morning(
    zns_settings: Settings, redis_client: redis.Redis, sandbox: RunningSandbox
) -> None:
    user = sandbox.create_user(last_interaction_days_ago=10)
    sender = Sender(ZaloClient(redis_client, zns_settings, sleep=lambda _: None))
    by_phone = PhoneTemplate(PHONE, NOTICE)
    set_hour(sandbox, 23)
    night = sender.send_rendered(user, [{"text": "a"}], "k1", zns=by_phone)
    assert (night.status, night.channel, night.code) == (LATER, ZNS, -133)
    set_hour(sandbox, 9)
    day = sender.send_rendered(user, [{"text": "a"}], "k1", zns=by_phone)
    assert (day.status, day.channel) == (SENT, ZNS)
    [zns] = sandbox.messages(PHONE)
    assert zns["kind"] == "zns" and zns["payload"]["template_id"] == "zns-status-1"
    assert sender.send_rendered(user, [{"text": "a"}], "k1", zns=by_phone).ok  # the same key: not sent again
    assert len(sandbox.messages(PHONE)) == 1
    # A number ZNS cannot use: the ZBS template by user id, when there is one; else recorded.
    bad = PhoneTemplate("84000", NOTICE)
    assert sender.send_rendered(user, [{"text": "a"}], "k2", zns=bad).status == "failed"
    fallback = sender.send_rendered(user, [{"text": "a"}], "k3", zns=bad, template=Template("zbs-1", {}))
    assert (fallback.status, fallback.channel) == (SENT, TEMPLATE)
    assert sender.send_rendered(user, [{"text": "a"}], "k4").status == OUTSIDE
    set_hour(sandbox, None)


def test_the_reach_counts_consultation_zbs_zns_and_unreachable_apart(
    zns_settings: Settings, redis_client: redis.Redis
) -> None:
    settings = replace(zns_settings, broadcast_template_id="zbs-1")
    now = time.time()
    add_followers(redis_client, settings, ["61", "62"], area="ap-2")
    add_followers(redis_client, settings, ["63", "64", "65"], area="ap-2", last_interaction=now - 10 * 86400)
    PhoneStore(redis_client, settings).save("63", PHONE, "test", datetime.now(UTC))
    announcement = announcement_from_dict(announcement_json(target=["ap-2"]), load_areas())
    assert plan(redis_client, settings, announcement, now) == {
        "total": 5, "cs": 2, "template": 2, "zns": 1, "unreachable": 0, "opted_out": 0}
    no_zbs = replace(settings, broadcast_template_id="")
    assert plan(redis_client, no_zbs, announcement, now)["unreachable"] == 2


def test_an_alert_reaches_a_follower_outside_the_window_by_phone(
    zns_settings: Settings, redis_client: redis.Redis, sandbox: RunningSandbox
) -> None:
    settings = replace(zns_settings, broadcast_rate_per_second=0)
    fresh = sandbox.create_user()
    stale = sandbox.create_user(last_interaction_days_ago=10)
    add_followers(redis_client, settings, [fresh], area="ap-2")
    add_followers(redis_client, settings, [stale], area="ap-2", last_interaction=time.time() - 10 * 86400)
    PhoneStore(redis_client, settings).save(stale, PHONE, "test", datetime.now(UTC))
    set_hour(sandbox, 8)
    try:
        broadcast_id, queue = start(redis_client, settings, target=["ap-2"])
        run_all(queue, redis_client, settings)
    finally:
        set_hour(sandbox, None)
    counts = BroadcastStore(redis_client, settings).counts(broadcast_id)
    assert (counts["sent_cs"], counts["sent_zns"]) == (1, 1)
    [zns] = sandbox.messages(PHONE)
    assert zns["payload"]["template_id"] == "zns-alert-1" and zns["payload"]["template_data"]
    assert sandbox.messages(stale) == []


@pytest.mark.parametrize(("utc", "hours"), [
    (datetime(2026, 12, 1, 15, 0, tzinfo=UTC), 8.0),  # 22:00 in Vietnam
    (datetime(2026, 12, 1, 22, 30, tzinfo=UTC), 0.5),  # 05:30
    (datetime(2026, 12, 1, 23, 0, tzinfo=UTC), 24.0),  # 06:00 exactly: the next morning
])
def test_a_push_stopped_by_the_night_ban_waits_until_six_in_vietnam(utc: datetime, hours: float) -> None:
    assert seconds_until_morning(utc) == hours * 3600


def test_a_status_push_by_zns_at_night_waits_for_morning_then_goes(
    zns_settings: Settings, redis_client: redis.Redis, sandbox: RunningSandbox
) -> None:
    receipt = "H56.14-240823-0042"
    user = sandbox.create_user(last_interaction_days_ago=10)
    now = datetime.now(UTC)
    store = RedisDossierStore(redis_client, zns_settings)
    store.upsert(Dossier(receipt, "Đăng ký khai sinh", 2, now, applicant_hashes={"full": "x"}), now)
    Subscriptions(redis_client, zns_settings).subscribe(receipt, user, store.latest_version(receipt))
    current = store.get(receipt)
    assert current is not None
    store.upsert(replace(current, status=9), now)
    PhoneStore(redis_client, zns_settings).save(user, PHONE, "test", now)
    sender = Sender(ZaloClient(redis_client, zns_settings, sleep=lambda _: None))
    set_hour(sandbox, 23)
    try:
        with pytest.raises(PushDeferred) as deferred:
            push_status_changes(redis_client, zns_settings, receipt, sender, now=now)
        assert deferred.value.retry_after == seconds_until_morning(now)
        set_hour(sandbox, 7)
        report = push_status_changes(redis_client, zns_settings, receipt, sender, now=now)
    finally:
        set_hour(sandbox, None)
    assert report.by_zns == 1 and report.sent == 0
    [zns] = sandbox.messages(PHONE)
    assert zns["payload"]["template_data"]["receipt"] == receipt
