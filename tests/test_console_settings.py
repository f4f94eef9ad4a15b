"""The commune's settings in the console: saved, validated, audited, exported, and used by the bot at once."""

from __future__ import annotations

import io
import json
from datetime import datetime

import pytest
from flask import Flask

from bot.app import create_app
from bot.config import VIETNAM, Settings
from bot.console.admin import audit_log
from bot.console.users import UserStore
from bot.conversation.context import Context
from bot.ingress.events import Event
from bot.office.current import office_config
from bot.services import Services
from handlers.office import handle_office_text
from tests.helpers import csrf_of

TUESDAY_MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=VIETNAM)


@pytest.fixture
def app(settings: Settings) -> Flask:
    app = create_app(settings)
    store = UserStore(app.config["REDIS"], settings)
    store.create("admin", "admin", "admin-pass-1", "Quản trị viên")
    store.create("motcua", "staff", "staff-pass-1", "Cán bộ một cửa")
    return app


def login(app: Flask, name: str, password: str):
    client = app.test_client()
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    client.post("/console/login", data={"username": name, "password": password, "csrf_token": token})
    return client


def post(client, path: str, data: dict, **kwargs):
    token = csrf_of(client.get("/console/settings/").get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=True, **kwargs)


COMMUNE_FORM = {
    "name": "UBND xã Tân Hòa", "address": "Số 12 đường Lý Thường Kiệt, ấp 2, xã Tân Hòa",
    "phone": "0274 3650 123", "map_url": "https://maps.app.goo.gl/abc123", "province": "Đồng Nai",
    "cong_an_address": "Số 3 đường Lê Lợi, xã Tân Hòa", "cong_an_phone": "0274 3650 113",
    "monday_enabled": "1", "monday_title": "Thứ Hai – ngày không viết", "monday_short": "cán bộ viết giúp",
    "friday_title": "Thứ Sáu – ngày không hẹn",
}


def _ask(app: Flask, text: str) -> str:
    client, settings = app.config["REDIS"], app.config["SETTINGS"]
    event = Event({"event_name": "user_send_text", "sender": {"id": "u1"}, "message": {"text": text}})
    [reply] = handle_office_text(Context(event, client, settings, TUESDAY_MORNING, Services(client, settings)), text)
    return reply.text


def test_saved_office_facts_reach_the_bots_answer_without_restart(app: Flask) -> None:
    assert "chưa được cập nhật" in _ask(app, "số điện thoại xã")
    admin = login(app, "admin", "admin-pass-1")
    page = post(admin, "/console/settings/commune", COMMUNE_FORM).get_data(as_text=True)
    assert "Đã lưu" in page
    assert "0274 3650 123" in _ask(app, "số điện thoại xã")
    assert "Lý Thường Kiệt" in _ask(app, "địa chỉ ủy ban ở đâu")
    config = office_config(app.config["REDIS"], app.config["SETTINGS"])
    assert config.province == "Đồng Nai" and config.info.police is not None
    assert config.info.police.phone == "0274 3650 113" and config.info.friday is None  # unticked: not offered
    with app.app_context():
        entry = audit_log().recent(1)[0]
    assert (entry.actor, entry.action, entry.subject) == ("admin", "settings.update", "settings:commune")


def test_bad_values_are_refused_with_a_vietnamese_message_and_nothing_changes(app: Flask) -> None:
    admin = login(app, "admin", "admin-pass-1")
    page = post(admin, "/console/settings/commune", {**COMMUNE_FORM, "phone": "gọi tôi"}).get_data(as_text=True)
    assert "số điện thoại không hợp lệ" in page
    page = post(admin, "/console/settings/hours", {"week_mon": "17:00-07:30"}).get_data(as_text=True)
    assert "phải kết thúc sau" in page
    page = post(admin, "/console/settings/hours", {"week_mon": "07:30-11:30", "holidays": "30/02/2026"})
    assert "không phải ngày" in page.get_data(as_text=True)
    assert office_config(app.config["REDIS"], app.config["SETTINGS"]).customised == frozenset()


def test_hours_holidays_and_make_up_days(app: Flask) -> None:
    admin = login(app, "admin", "admin-pass-1")
    form = {f"week_{d}": "07:00-11:00, 13:00-16:30" for d in ("mon", "tue", "wed", "thu", "fri")}
    post(admin, "/console/settings/hours", {**form, "week_sat": "7h30-11h30", "holidays": "24/11/2026",
                                            "working_days": "2026-11-29"})
    hours = office_config(app.config["REDIS"], app.config["SETTINGS"]).hours
    assert not hours.is_open(TUESDAY_MORNING)  # declared a holiday
    assert hours.is_open(datetime(2026, 11, 28, 8, 0, tzinfo=VIETNAM))  # Saturday morning
    assert hours.is_open(datetime(2026, 11, 29, 8, 0, tzinfo=VIETNAM))  # Sunday make-up day
    exported = admin.get("/console/settings/export/hours.json")
    assert exported.headers["Content-Disposition"].endswith('filename="office.json"')
    assert exported.get_json()["holidays"] == ["2026-11-24"]


def test_areas_from_an_uploaded_geojson_feature_collection(app: Flask) -> None:
    collection = {"type": "FeatureCollection", "name": "ranh_gioi_ap",
                  "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
                  "features": [{"type": "Feature", "properties": {"name": "Ấp Bàu Sen", "code": "26020-01"},
                                "geometry": {"type": "MultiPolygon", "coordinates": [[[[106.9, 11.0], [106.95, 11.0],
                                             [106.95, 11.05], [106.9, 11.05], [106.9, 11.0]]]]}}]}
    admin = login(app, "admin", "admin-pass-1")
    body = io.BytesIO(json.dumps(collection, ensure_ascii=False).encode())
    page = post(admin, "/console/settings/areas", {"geojson": (body, "ap.geojson")},
                content_type="multipart/form-data").get_data(as_text=True)
    assert "Đã lưu" in page
    areas = office_config(app.config["REDIS"], app.config["SETTINGS"]).areas
    assert [a.name for a in areas] == ["Ấp Bàu Sen"] and areas.find("ap bau sen") is not None
    bad = post(admin, "/console/settings/areas", {"geojson": (io.BytesIO(b"{not json"), "x.json")},
               content_type="multipart/form-data").get_data(as_text=True)
    assert "không phải JSON" in bad
    point = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "Ấp 9"},
                                                        "geometry": {"type": "Point", "coordinates": [106.9, 11.0]}}]}
    bad = post(admin, "/console/settings/areas", {"geojson": (io.BytesIO(json.dumps(point).encode()), "p.json")},
               content_type="multipart/form-data").get_data(as_text=True)
    assert "Vùng «Ấp 9»: cần hình đa giác" in bad


def test_canned_replies_and_reset(app: Flask) -> None:
    admin = login(app, "admin", "admin-pass-1")
    post(admin, "/console/settings/canned", {"title_0": "Chào", "text_0": "Dạ, em chào Anh/Chị ạ.",
                                             "title_1": "", "text_1": ""})
    assert [c["title"] for c in office_config(app.config["REDIS"], app.config["SETTINGS"]).canned] == ["Chào"]
    post(admin, "/console/settings/canned", {"action": "reset"})
    assert len(office_config(app.config["REDIS"], app.config["SETTINGS"]).canned) > 1


def test_staff_cannot_open_settings(app: Flask) -> None:
    staff = login(app, "motcua", "staff-pass-1")
    response = staff.get("/console/settings/")
    assert response.status_code == 403 and "text/html" in response.content_type


def test_checklist_items_and_a_webhook_test_that_cannot_connect(app: Flask) -> None:
    from bot.console.checklist import Facts, checklist, webhook_test

    facts = Facts(oa_connected=True, webhook_url="https://bot.example.vn/webhook/zalo", webhook_check=None,
                  missing_office=("số điện thoại",), staff_users=0, areas_customised=False,
                  dossier_template_id="298317", broadcast_template_id="", public_base_url="")
    items = {item.key: item for item in checklist(facts)}
    assert [k for k, i in items.items() if i.ok] == ["oa"]
    assert "số điện thoại" in items["office"].detail and items["office"].endpoint == "settings.page"
    client, settings = app.config["REDIS"], app.config["SETTINGS"]
    ok, detail = webhook_test(client, settings, "http://127.0.0.1:9/webhook/zalo")  # nothing listens on port 9
    assert not ok and "Không gọi được" in detail
    admin = login(app, "admin", "admin-pass-1")
    home = admin.get("/console/").get_data(as_text=True)
    assert "Không gọi được" in home and 'data-item="webhook" data-ok="no"' in home


def test_a_failing_console_page_is_a_vietnamese_html_page(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.console.admin

    def broken() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(bot.console.admin, "audit_log", broken)
    admin = login(app, "admin", "admin-pass-1")
    response = admin.get("/console/audit")
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and "text/html" in response.content_type
    assert "Đã có lỗi phía máy chủ" in page and "boom" not in page and "Traceback" not in page
    assert admin.get("/console/inbox/999").status_code == 404
    assert "Không tìm thấy trang" in admin.get("/console/inbox/999").get_data(as_text=True)
