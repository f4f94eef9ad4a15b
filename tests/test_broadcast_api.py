"""CAP import through the JSON API and the console's broadcast pages (permissions, CSRF)."""

from __future__ import annotations

import pytest
from flask import Flask

from bot.api.tokens import create_token
from bot.app import create_app
from bot.broadcasts.audit import AuditLog
from bot.broadcasts.store import BroadcastStore
from bot.config import Settings
from bot.console import init_console
from bot.console.clock import vietnam_time
from bot.console.users import UserStore
from tests.broadcast_helpers import InlineQueue, announcement_json
from tests.helpers import csrf_of

CAP_XML = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier><sender>kttv@example.gov.vn</sender>
  <sent>2026-09-15T08:00:00+07:00</sent><status>Actual</status><msgType>{msg_type}</msgType>
  <scope>Public</scope>{references}
  <info><language>vi-VN</language><category>Met</category><event>Lũ quét</event>
    <urgency>Immediate</urgency><severity>Extreme</severity><certainty>Observed</certainty>
    <expires>2099-09-16T08:00:00+07:00</expires><headline>Lũ quét tại {area}</headline>
    <description>Nước suối dâng nhanh sau mưa lớn.</description>
    <instruction>Di chuyển ngay lên chỗ cao, không qua suối.</instruction>
    <area><areaDesc>{area}</areaDesc></area></info>
</alert>"""


@pytest.fixture
def app(settings: Settings) -> Flask:
    app = create_app(settings)
    init_console(app)
    app.config["QUEUE"] = InlineQueue()  # jobs are inspected, not run
    store = UserStore(app.config["REDIS"], settings)
    store.create("chutich", "official", "official-pass-1")
    store.create("motcua", "staff", "staff-pass-1")
    return app


@pytest.fixture
def auth(app: Flask) -> dict[str, str]:
    return {"Authorization": "Bearer " + create_token(app.config["REDIS"], app.config["SETTINGS"], "kttv")}


def post_xml(app: Flask, auth: dict[str, str], **fields: str):
    body = CAP_XML.format(**{"msg_type": "Alert", "references": "", "area": "Ấp Bình An",
                             "identifier": "KTTV-2026-0915-01", **fields})
    return app.test_client().post("/api/v1/broadcasts", data=body.encode(),
                                  headers={**auth, "Content-Type": "application/cap+xml"})


def test_cap_xml_alert_then_update_and_cancel_with_references(app: Flask, auth: dict[str, str]) -> None:
    first = post_xml(app, auth)
    assert first.status_code == 201, first.get_json()
    alert_id = first.get_json()["id"]
    store = BroadcastStore(app.config["REDIS"], app.config["SETTINGS"])
    alert = store.get(alert_id)
    assert alert.announcement.target == ("ap-binh-an",) and alert.announcement.severity == "Extreme"
    assert alert.status == "preparing" and alert.approved_by == "api:kttv"
    ref = "<references>kttv@example.gov.vn,KTTV-2026-0915-01,2026-09-15T08:00:00+07:00</references>"
    update = post_xml(app, auth, msg_type="Update", references=ref, identifier="KTTV-2026-0915-02")
    assert update.status_code == 201
    assert store.get(update.get_json()["id"]).announcement.references == (alert_id,)
    cancel = app.test_client().post("/api/v1/broadcasts", headers=auth, json=announcement_json(
        msg_type="Cancel", references=[alert_id], instruction="", description=""))
    assert cancel.status_code == 201 and cancel.get_json()["msg_type"] == "Cancel"
    progress = app.test_client().get(f"/api/v1/broadcasts/{alert_id}", headers=auth).get_json()
    assert {"queued", "sent", "failed"} <= progress.keys()


@pytest.mark.parametrize(("changes", "field", "status"), [
    ({"severity": "Huge"}, "severity", 422),
    ({"headline": ""}, "headline", 422),
    ({"expires": "2001-01-01T00:00:00+07:00"}, "expires", 422),
    ({"msg_type": "Update"}, "references", 422),
    ({"msg_type": "Cancel", "references": ["nope"]}, "references", 422),
    ({"target": ["ap-99"]}, "target", 422),
])
def test_invalid_json_names_the_field(app: Flask, auth: dict[str, str], changes: dict, field: str,
                                      status: int) -> None:
    response = app.test_client().post("/api/v1/broadcasts", headers=auth, json=announcement_json(**changes))
    assert (response.status_code, response.get_json()["field"]) == (status, field)


def test_cap_area_that_is_not_configured_is_422(app: Flask, auth: dict[str, str]) -> None:
    response = post_xml(app, auth, area="Ấp Mặt Trăng")
    assert response.status_code == 422 and response.get_json()["field"] == "area"
    assert post_xml(app, auth, area="<oops").status_code == 400


def test_api_needs_a_token(app: Flask) -> None:
    assert app.test_client().post("/api/v1/broadcasts", json=announcement_json()).status_code == 401




def login(app: Flask, name: str, password: str):
    client = app.test_client()
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    client.post("/console/login", data={"username": name, "password": password, "csrf_token": token})
    # The login starts a new session, and with it a new CSRF token.
    return client, csrf_of(client.get("/console/", follow_redirects=True).get_data(as_text=True))


FORM = {"event": "Sốt xuất huyết", "headline": "Phun thuốc diệt muỗi ngày mai", "severity": "Moderate",
        "urgency": "Expected", "certainty": "Likely", "instruction": "Mở cửa nhà, che đậy thức ăn.",
        "description": "Đội y tế phun thuốc từ 7 giờ.", "expires": "2099-01-01T10:00", "msg_type": "Alert",
        "target_mode": "all"}


def test_official_composes_and_must_confirm_sending_to_everyone(app: Flask) -> None:
    client, token = login(app, "chutich", "official-pass-1")
    response = client.post("/console/broadcasts", data={**FORM, "csrf_token": token})
    assert response.status_code == 302
    broadcast_id = response.headers["Location"].rsplit("/", 1)[1]
    page = client.get(f"/console/broadcasts/{broadcast_id}").get_data(as_text=True)
    assert "TẤT CẢ" in page
    client.post(f"/console/broadcasts/{broadcast_id}/send", data={"when": "now", "csrf_token": token})
    store = BroadcastStore(app.config["REDIS"], app.config["SETTINGS"])
    assert store.get(broadcast_id).status == "draft"  # no second confirmation, nothing sent
    client.post(f"/console/broadcasts/{broadcast_id}/send",
                data={"when": "now", "confirm_all": "yes", "csrf_token": token})
    assert store.get(broadcast_id).status == "preparing"
    assert [f.__name__ for f, _ in app.config["QUEUE"].jobs] == ["prepare_job"]
    audit = client.get("/console/audit").get_data(as_text=True)
    assert "Soạn thông báo" in audit and "Duyệt" in audit and "Gửi ngay" in audit
    # Staff read Vietnam time whatever the server's zone (the audit log once showed UTC).
    at = AuditLog(app.config["REDIS"], app.config["SETTINGS"]).recent()[0].at
    assert vietnam_time(at) in audit


def test_staff_cannot_broadcast(app: Flask) -> None:
    client, token = login(app, "motcua", "staff-pass-1")
    assert client.post("/console/broadcasts", data={**FORM, "csrf_token": token}).status_code == 403
    assert client.get("/console/broadcasts/new").status_code == 403
    assert BroadcastStore(app.config["REDIS"], app.config["SETTINGS"]).recent() == []


def test_compose_without_csrf_token_is_refused(app: Flask) -> None:
    client, _ = login(app, "chutich", "official-pass-1")
    assert client.post("/console/broadcasts", data=FORM).status_code == 400
    assert BroadcastStore(app.config["REDIS"], app.config["SETTINGS"]).recent() == []


def test_preview_leads_with_the_action_and_counts_channels(app: Flask) -> None:
    client, token = login(app, "chutich", "official-pass-1")
    answer = client.post("/console/broadcasts/preview", data=FORM, headers={"X-CSRFToken": token}).get_json()
    assert answer["ok"] and answer["first_screen"].split("\n")[1].startswith("👉 Mở cửa nhà")
    assert answer["plan"]["total"] == 0


def test_the_console_explains_validation_in_vietnamese() -> None:
    from bot.broadcasts.cap import CapError
    from bot.console.broadcast_views import problem_in_vietnamese

    assert problem_in_vietnamese(CapError("expires", "is required")) == "Mục «Hiệu lực đến» chưa được điền."
    assert problem_in_vietnamese(CapError("expires", "is in the past")) == "Mục «Hiệu lực đến» đã qua."
