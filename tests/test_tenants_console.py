"""A commune's own console under /t/<slug>/ (its users, its data only) and the province official's page
that sends one alert to several communes (the real app, a real Redis)."""

from __future__ import annotations

import io
import json
import time

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from bot.api.tokens import create_token
from bot.app import create_app
from bot.broadcasts.store import BroadcastStore
from bot.broadcasts.targeting import plan
from bot.config import Settings
from bot.console.users import UserStore
from bot.office.current import office_config
from bot.office.settings_form import areas_from_geojson
from bot.ops.heartbeat import HeartbeatStore
from bot.stores.office_config import OfficeConfigStore
from bot.tenants.model import tenant_settings
from bot.tenants.registry import TenantRegistry
from tests.broadcast_helpers import add_followers, announcement_json
from tests.helpers import csrf_of
from tests.test_cap_semantics import POLYGON_IN_AP_2

SECOND = "UBND xã Tân Phú"
SLUG = "ubnd-xa-tan-phu"


@pytest.fixture
def app(settings: Settings, redis_client: redis.Redis) -> Flask:
    TenantRegistry(redis_client, settings).add(SECOND, "1190223344556677889", "123", "tp-secret", "tp-app")
    return create_app(settings)


def login(client: FlaskClient, name: str, password: str, root: str = "") -> int:
    token = csrf_of(client.get(f"{root}/console/login").get_data(as_text=True))
    response = client.post(f"{root}/console/login", data={"username": name, "password": password, "csrf_token": token})
    return response.status_code


def test_a_communes_officials_log_in_to_their_commune_only(app: Flask, settings: Settings,
                                                          redis_client: redis.Redis) -> None:
    runner = app.test_cli_runner()
    made = runner.invoke(args=["user", "--tenant", SECOND, "create", "chutich-tp", "--role", "official",
                               "--password", "tan-phu-pass-1"])
    assert made.exit_code == 0, made.output
    assert runner.invoke(args=["user", "--tenant", "UBND xã Không Có", "list"]).exit_code != 0
    assert UserStore(redis_client, settings).get("chutich-tp") is None  # not a user of the first commune

    commune = app.test_client()
    assert login(commune, "chutich-tp", "tan-phu-pass-1", root=f"/t/{SLUG}") == 302
    HeartbeatStore(redis_client, settings).beat("worker-1")  # the deployment's worker serves every commune
    page = commune.get(f"/t/{SLUG}/console/broadcasts")
    assert page.status_code == 200 and f'href="/t/{SLUG}/console/broadcasts/new"' in page.get_data(as_text=True)
    assert "không hoạt động" not in page.get_data(as_text=True)
    assert commune.get("/console/broadcasts").status_code == 302  # its session is not the first commune's
    assert login(app.test_client(), "chutich-tp", "tan-phu-pass-1") == 401
    assert app.test_client().get("/t/nobody/console/login").status_code == 404


def test_a_province_official_sends_one_alert_to_every_chosen_commune(app: Flask, settings: Settings,
                                                                     redis_client: redis.Redis) -> None:
    UserStore(redis_client, settings).create("so-tnmt", "province", "province-pass-1", "Sở TN&MT")
    UserStore(redis_client, settings).create("chutich", "official", "official-pass-1", "Chủ tịch xã")
    official = app.test_client()
    login(official, "chutich", "official-pass-1")
    assert official.get("/console/province/").status_code == 403  # a commune official is not the province

    client = app.test_client()
    assert login(client, "so-tnmt", "province-pass-1") == 302
    page = client.get("/console/province/").get_data(as_text=True)
    assert settings.commune_name in page and SECOND in page
    form = {"csrf_token": csrf_of(page), "communes": ["", SLUG], "msg_type": "Alert", "target_mode": "all",
            "event": "Lũ quét", "headline": "Lũ quét trên sông Cầu tối nay", "description": "Nước lên nhanh.",
            "instruction": "Tránh xa bờ sông.", "severity": "Severe", "urgency": "Immediate",
            "certainty": "Likely", "expires": "2099-01-01T00:00", "confirm_all": "yes"}
    sent = client.post("/console/province/", data=form)
    assert sent.status_code == 302, sent.get_data(as_text=True)
    progress = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert settings.commune_name in progress and SECOND in progress
    tenant = TenantRegistry(redis_client, settings).get(SLUG)
    assert tenant is not None
    for commune_settings in (settings, tenant_settings(settings, tenant)):
        [broadcast] = BroadcastStore(redis_client, commune_settings).recent(10)
        assert broadcast.announcement.headline == "Lũ quét trên sông Cầu tối nay"
        assert broadcast.status == "preparing" and broadcast.approved_by == "so-tnmt"
    assert "Lũ quét trên sông Cầu" in client.get("/console/province/").get_data(as_text=True)


def test_a_province_official_adds_and_pauses_a_commune_in_the_console(app: Flask, settings: Settings,
                                                                       redis_client: redis.Redis) -> None:
    UserStore(redis_client, settings).create("so-tnmt", "province", "province-pass-1", "Sở TN&MT")
    client = app.test_client()
    login(client, "so-tnmt", "province-pass-1")
    page = client.get("/console/province/communes").get_data(as_text=True)
    assert SECOND in page and "tp-secret" not in page
    form = {"csrf_token": csrf_of(page), "name": "UBND xã Hòa Bình", "oa_id": "2200334455667788990",
            "app_id": "123", "oa_secret_key": "hb-secret", "app_secret": "hb-app", "access_token": "hb-access",
            "refresh_token": "hb-refresh"}
    assert client.post("/console/province/communes", data=form).status_code == 302
    registry = TenantRegistry(redis_client, settings)
    assert registry.get("ubnd-xa-hoa-binh") is not None
    again = client.post("/console/province/communes", data={**form, "name": "UBND xã Khác"})
    assert again.status_code == 400 and "đã có trên hệ thống" in again.get_data(as_text=True)
    assert client.post("/console/province/communes/ubnd-xa-hoa-binh/disable",
                       data={"csrf_token": csrf_of(page)}).status_code == 302
    assert registry.get("ubnd-xa-hoa-binh").enabled is False  # type: ignore[union-attr]
    assert app.test_client().get("/t/ubnd-xa-hoa-binh/console/login").status_code == 404  # paused: no console


def test_a_communes_api_token_opens_its_api_only(app: Flask) -> None:
    made = app.test_cli_runner().invoke(args=["token", "--tenant", SECOND, "create", "mot-cua-tan-phu"])
    assert made.exit_code == 0, made.output
    auth = {"Authorization": f"Bearer {made.output.split()[-1]}"}
    client = app.test_client()
    assert client.get(f"/t/{SLUG}/api/v1/broadcasts/none", headers=auth).status_code == 404  # known token
    assert client.get("/api/v1/broadcasts/none", headers=auth).status_code == 401  # not the first commune's
    listed = app.test_cli_runner().invoke(args=["token", "--tenant", SLUG, "list"]).output
    assert "mot-cua-tan-phu" in listed
    assert "mot-cua-tan-phu" not in app.test_cli_runner().invoke(args=["token", "list"]).output


BAU_SEN = {"type": "FeatureCollection", "features": [{
    "type": "Feature", "properties": {"name": "Ấp Bàu Sen"},
    "geometry": {"type": "Polygon", "coordinates": [[[106.9, 11.0], [106.95, 11.0], [106.95, 11.05], [106.9, 11.05],
                                                     [106.9, 11.0]]]}}]}


def test_each_commune_uploads_its_own_areas_and_the_province_targets_one(app: Flask, settings: Settings,
                                                                         redis_client: redis.Redis) -> None:
    tenant = TenantRegistry(redis_client, settings).get(SLUG)
    assert tenant is not None
    commune = tenant_settings(settings, tenant)
    assert list(office_config(redis_client, commune).areas) == []  # never the first commune's areas file
    UserStore(redis_client, commune).create("admin-tp", "admin", "tan-phu-admin-1")
    admin = app.test_client()
    assert login(admin, "admin-tp", "tan-phu-admin-1", root=f"/t/{SLUG}") == 302
    token = csrf_of(admin.get(f"/t/{SLUG}/console/settings/").get_data(as_text=True))
    saved = admin.post(f"/t/{SLUG}/console/settings/areas", content_type="multipart/form-data", follow_redirects=True,
                       data={"csrf_token": token, "geojson": (io.BytesIO(json.dumps(BAU_SEN).encode()), "ap.geojson")})
    assert "Đã lưu" in saved.get_data(as_text=True)
    [bau_sen] = list(office_config(redis_client, commune).areas)
    assert bau_sen.name == "Ấp Bàu Sen" and office_config(redis_client, settings).areas.find("Ấp Bàu Sen") is None
    add_followers(redis_client, commune, ["701", "702"], area=bau_sen.id)
    add_followers(redis_client, commune, ["703"])

    UserStore(redis_client, settings).create("so-tnmt", "province", "province-pass-1", "Sở TN&MT")
    client = app.test_client()
    assert login(client, "so-tnmt", "province-pass-1") == 302
    page = client.get("/console/province/").get_data(as_text=True)
    assert f'value="{SLUG}/{bau_sen.id}"' in page and 'value="/ap-1"' in page  # each commune's own areas
    form = {"csrf_token": csrf_of(page), "communes": ["", SLUG], "msg_type": "Alert", "target_mode": "areas",
            "areas": [f"{SLUG}/{bau_sen.id}"], "event": "Sạt lở", "headline": "Sạt lở đất ở Ấp Bàu Sen",
            "description": "Đất nứt sau mưa lớn.", "instruction": "Rời khỏi nhà ven đồi.", "severity": "Moderate",
            "urgency": "Immediate", "certainty": "Observed", "expires": "2099-01-01T00:00", "confirm_all": "yes"}
    sent = client.post("/console/province/", data=form)
    assert sent.status_code == 302, sent.get_data(as_text=True)
    [broadcast] = BroadcastStore(redis_client, commune).recent(10)
    assert broadcast.announcement.target == (bau_sen.id,) and broadcast.status == "preparing"
    assert BroadcastStore(redis_client, settings).recent(10) == []  # the first commune was not picked
    # Those in the area (a Moderate alert does not invite those who chose none).
    assert plan(redis_client, commune, broadcast.announcement, time.time())["total"] == 2
    # An area that is not that commune's is refused before any commune records the alert.
    refused = client.post("/console/province/", data={**form, "areas": [f"{SLUG}/ap-1"]}, follow_redirects=True)
    assert "ap-1" in refused.get_data(as_text=True) and len(BroadcastStore(redis_client, commune).recent(10)) == 1


def test_a_province_api_alert_goes_to_the_communes_whose_areas_it_names(app: Flask, settings: Settings,
                                                                        redis_client: redis.Redis) -> None:
    tenant = TenantRegistry(redis_client, settings).get(SLUG)
    assert tenant is not None
    commune = tenant_settings(settings, tenant)
    OfficeConfigStore(redis_client, commune).put("areas", areas_from_geojson(BAU_SEN, {"areas": []}))
    token = create_token(redis_client, settings, "so-tnmt", ("province", "broadcasts:draft"))
    auth = {"Authorization": f"Bearer {token}"}
    web = app.test_client()

    def post(**changes: object) -> dict:
        answer = web.post("/api/v1/broadcasts", headers=auth, json=announcement_json(**changes))
        assert answer.status_code in (201, 422), answer.get_data(as_text=True)
        return answer.get_json()

    # A polygon in the first commune's Ấp 2: that commune only. An area name only Tân Phú has: Tân Phú only.
    by_shape = post(target=None, area=[{"areaDesc": "Ven suối Ấp 2", "polygon": [POLYGON_IN_AP_2]}])
    assert [c["commune"] for c in by_shape["communes"]] == [settings.commune_name]
    by_name = post(target=["Ấp Bàu Sen"])
    assert [c["commune"] for c in by_name["communes"]] == [SECOND]
    [part] = by_name["communes"]
    assert BroadcastStore(redis_client, commune).get(part["id"]).announcement.target == (  # type: ignore[union-attr]
        office_config(redis_client, commune).areas.find("Ấp Bàu Sen").id,)  # type: ignore[union-attr]
    # Areas no commune has are refused, and nothing is recorded anywhere.
    before = [len(BroadcastStore(redis_client, s).recent(50)) for s in (settings, commune)]
    nowhere = post(target=["Ấp Không Có"])
    assert nowhere["field"] == "target" and "communes" not in nowhere
    assert [len(BroadcastStore(redis_client, s).recent(50)) for s in (settings, commune)] == before
