"""The console's side of alerts that wait for a person: approve or reject, and what is never sent."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask import Flask

from bot.api.tokens import create_token
from bot.app import create_app
from bot.broadcasts.store import BroadcastStore
from bot.config import Settings
from bot.console.users import UserStore
from tests.broadcast_helpers import InlineQueue
from tests.test_broadcast_api import login
from tests.test_cap_semantics import cap_xml


@pytest.fixture
def app(settings: Settings) -> Flask:
    app = create_app(replace(settings, broadcast_rate_per_second=0))
    app.config["QUEUE"] = InlineQueue()
    UserStore(app.config["REDIS"], settings).create("chutich", "official", "official-pass-1")
    return app


def post(app: Flask, body: bytes, *scopes: str) -> dict:
    auth = {"Authorization": "Bearer " + create_token(app.config["REDIS"], app.config["SETTINGS"], "tinh", scopes),
            "Content-Type": "application/cap+xml"}
    return app.test_client().post("/api/v1/broadcasts", data=body, headers=auth).get_json()


def test_an_official_rejects_a_draft_from_a_draft_only_token(app: Flask) -> None:
    draft = post(app, cap_xml("R-1"), "broadcasts:draft")
    client, token = login(app, "chutich", "official-pass-1")
    listing = client.get("/console/broadcasts").get_data(as_text=True)
    assert "Chờ duyệt" in listing and 'class="awaiting"' in listing
    page = client.get(f"/console/broadcasts/{draft['id']}").get_data(as_text=True)
    assert "Duyệt và gửi" in page and "Từ chối" in page and "Bản tin CAP gốc" in page
    assert "vùng cảnh báo phủ" in page  # how the polygon met Ấp 2
    client.post(f"/console/broadcasts/{draft['id']}/reject", data={"reason": "Tin trùng", "csrf_token": token})
    store = BroadcastStore(app.config["REDIS"], app.config["SETTINGS"])
    assert store.get(draft["id"]).status == "rejected" and app.config["QUEUE"].jobs == []
    again = client.post(f"/console/broadcasts/{draft['id']}/send", data={"when": "now", "csrf_token": token},
                        follow_redirects=True).get_data(as_text=True)
    assert "chỉ áp dụng cho bản nháp" in again and app.config["QUEUE"].jobs == []
    assert "Từ chối" in client.get("/console/audit").get_data(as_text=True)


def test_a_test_message_is_shown_marked_and_cannot_be_sent(app: Flask) -> None:
    recorded = post(app, cap_xml("T-2", status="Test"))
    assert recorded["status"] == "recorded", recorded
    client, token = login(app, "chutich", "official-pass-1")
    page = client.get(f"/console/broadcasts/{recorded['id']}").get_data(as_text=True)
    assert "Thử nghiệm (Test)" in page and "không bao giờ gửi cho người dân" in page
    assert 'id="send"' not in page and "không ai (không gửi)" in page
    answer = client.post(f"/console/broadcasts/{recorded['id']}/send", data={"when": "now", "csrf_token": token},
                         follow_redirects=True).get_data(as_text=True)
    assert "không phải tin thật" in answer and app.config["QUEUE"].jobs == []


def test_an_official_rewrites_a_waiting_alert_in_vietnamese_and_the_sources_cancel_follows(app: Flask) -> None:
    from tests.test_cap_semantics import info_block

    english = info_block("en-US", "Flash flood along the stream", instruction="Move to higher ground now.")
    draft = post(app, cap_xml("E-1", infos=english.replace("<urgency>", "<expires>2099-01-01T00:00:00+00:00"
                                                                       "</expires><urgency>")), "broadcasts:draft")
    client, token = login(app, "chutich", "official-pass-1")
    page = client.get(f"/console/broadcasts/{draft['id']}").get_data(as_text=True)
    assert "Nguồn không có bản tiếng Việt" in page and 'id="edit"' in page
    form = client.get(f"/console/broadcasts/new?edit={draft['id']}").get_data(as_text=True)
    assert 'name="replaces"' in form and 'value="2099-01-01T07:00"' in form  # Vietnam time
    edited = client.post("/console/broadcasts", data={
        "csrf_token": token, "replaces": draft["id"], "msg_type": "Alert", "event": "Lũ quét",
        "headline": "Lũ quét ven suối Ấp 2", "instruction": "Di chuyển ngay lên chỗ cao.", "description": "",
        "severity": "Severe", "urgency": "Immediate", "certainty": "Observed", "expires": "2099-01-01T07:00",
        "target_mode": "areas", "areas": "ap-2"})
    edited_id = edited.headers["Location"].rsplit("/", 1)[1]
    store = BroadcastStore(app.config["REDIS"], app.config["SETTINGS"])
    original = store.get(draft["id"])
    assert original.status == "rejected" and original.replaced_by == edited_id
    client.post(f"/console/broadcasts/{edited_id}/send", data={"when": "now", "csrf_token": token})
    assert store.get(edited_id).status == "preparing"
    # The source's all-clear names its own message; it applies to what citizens really got.
    cancel = post(app, cap_xml("E-1-end", msg_type="Cancel",
                               references="kttv-tinh@example.gov.vn,E-1,2026-09-15T08:00:00+07:00"), "broadcasts:draft")
    assert cancel["status"] == "draft" and cancel["references"] == [edited_id]
    assert post(app, cap_xml("E-1"), "broadcasts:draft")["existing"] is True  # the original, re-posted: nothing new
