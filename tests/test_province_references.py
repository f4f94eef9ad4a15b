"""A province alert's references (Update, Cancel) across communes: every commune's part is checked before
any is recorded, a commune that does not have a referenced broadcast is skipped (and named in the answer),
and an alert no commune takes leaves nothing behind (the real app, a real Redis)."""

from __future__ import annotations

import redis
from flask import Flask

from bot.api.tokens import create_token
from bot.broadcasts.service import Broadcasts
from bot.broadcasts.store import BroadcastStore
from bot.config import Settings
from bot.tenants.model import tenant_settings
from bot.tenants.registry import TenantRegistry
from tests.broadcast_helpers import announcement_json
from tests.test_tenants_console import SECOND, SLUG, app  # noqa: F401  (the two-commune app fixture)


def _communes(redis_client: redis.Redis, settings: Settings) -> tuple[Settings, Settings]:
    tenant = TenantRegistry(redis_client, settings).get(SLUG)
    assert tenant is not None
    return settings, tenant_settings(settings, tenant)


def _poster(app: Flask, redis_client: redis.Redis, settings: Settings):  # noqa: F811 (the fixture)
    token = create_token(redis_client, settings, "so-tnmt", ("province", "broadcasts:send"))
    web = app.test_client()

    def post(**changes: object):
        return web.post("/api/v1/broadcasts", headers={"Authorization": f"Bearer {token}"},
                        json=announcement_json(**changes))
    return post


def _counts(redis_client: redis.Redis, communes: tuple[Settings, Settings]) -> list[int]:
    return [len(BroadcastStore(redis_client, commune).recent(50)) for commune in communes]


def test_a_cancel_of_one_communes_alert_reaches_that_commune_and_names_the_skipped(
        app: Flask, settings: Settings, redis_client: redis.Redis) -> None:  # noqa: F811
    communes = _communes(redis_client, settings)
    post = _poster(app, redis_client, settings)
    alert = post(headline="Lũ quét trên sông Cầu tối nay")
    assert alert.status_code == 201, alert.get_data(as_text=True)
    first_id = {c["tenant"]: c["id"] for c in alert.get_json()["communes"]}[""]
    before = _counts(redis_client, communes)

    # Named by the first commune's own id, and sent to every commune: only the first commune has it.
    cancel = post(msg_type="Cancel", references=[first_id], headline="Hết nguy cơ lũ quét")
    assert cancel.status_code == 201, cancel.get_data(as_text=True)
    body = cancel.get_json()
    assert [c["commune"] for c in body["communes"]] == [settings.commune_name]
    [skipped] = body["skipped"]
    assert skipped["commune"] == SECOND and first_id in skipped["reason"]
    assert _counts(redis_client, communes) == [before[0] + 1, before[1]]  # nothing new in Tân Phú
    [part] = body["communes"]
    recorded = BroadcastStore(redis_client, settings).get(part["id"])
    assert recorded is not None and recorded.announcement.references == (first_id,)
    assert recorded.announcement.msg_type == "Cancel" and recorded.status == "preparing"  # sent


def test_references_no_commune_has_whole_are_refused_with_nothing_recorded(
        app: Flask, settings: Settings, redis_client: redis.Redis) -> None:  # noqa: F811
    communes = _communes(redis_client, settings)
    post = _poster(app, redis_client, settings)
    ids = {c["tenant"]: c["id"] for c in post().get_json()["communes"]}
    assert set(ids) == {"", SLUG}
    before = _counts(redis_client, communes)
    # Each commune has one of the two ids and not the other: both are skipped, so the alert is refused.
    update = post(msg_type="Update", references=[ids[""], ids[SLUG]], headline="Nước đã rút một phần")
    assert update.status_code == 422 and update.get_json()["field"] == "references"
    nowhere = post(msg_type="Cancel", references=["bc-khong-co"])
    assert nowhere.status_code == 422 and nowhere.get_json()["field"] == "references"
    assert _counts(redis_client, communes) == before
    for commune in communes:  # the alerts they referenced are untouched
        assert all(b.status == "preparing" for b in BroadcastStore(redis_client, commune).recent(50))


def test_a_cap_triple_keeps_caps_rule_in_a_commune_that_never_received_it(
        app: Flask, settings: Settings, redis_client: redis.Redis) -> None:  # noqa: F811
    communes = _communes(redis_client, settings)
    post = _poster(app, redis_client, settings)
    sender, sent = "so-tnmt@example.gov.vn", "2026-09-15T08:00:00+07:00"
    only_first = post(sender=sender, identifier="STNMT-01", communes=[settings.commune_name])
    assert only_first.status_code == 201, only_first.get_data(as_text=True)
    cancel = post(msg_type="Cancel", sender=sender, identifier="STNMT-02",
                  references=[f"{sender},STNMT-01,{sent}"])
    assert cancel.status_code == 201 and cancel.get_json()["skipped"] == []
    by_tenant = {c["tenant"]: c["id"] for c in cancel.get_json()["communes"]}
    first, second = (BroadcastStore(redis_client, c).get(by_tenant[c.tenant]) for c in communes)
    assert first is not None and first.status == "preparing"  # the citizens who had it hear it is over
    assert second is not None and second.status == "recorded"  # never sent where nothing went out


def test_checking_writes_nothing_and_recording_withdraws_the_superseded_draft(
        settings: Settings, redis_client: redis.Redis) -> None:
    service = Broadcasts(redis_client, settings)
    draft = service.accept_announcement(service.parse(announcement_json(sender="kttv", identifier="A1")),
                                        "feed:kttv", via="feed:kttv").broadcast
    update = service.parse(announcement_json(msg_type="Update", sender="kttv", identifier="A2",
                                             references=[draft.id], headline="Bão số 3 đổi hướng"))
    resolution = service.check(update)
    assert resolution.withdraw == (draft.id,) and resolution.announcement.msg_type == "Alert"
    assert service.store.get(draft.id).status == "draft"  # type: ignore[union-attr]
    assert [b.id for b in service.store.recent(10)] == [draft.id] and service.received_before("kttv", "A2") is None
    accepted = service.record(resolution, "feed:kttv", "feed:kttv")
    assert accepted.created and service.store.get(draft.id).status == "rejected"  # type: ignore[union-attr]
