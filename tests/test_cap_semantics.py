"""CAP's rules end to end through the API, the queue and the Zalo sandbox: who gets what, and how often.

The demo commune (data/areas.json) is six ấp/khu phố polygons (3 x 2, irregular edges) near 10.95 N, 106.73 E.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import redis
from flask import Flask

from bot.api.tokens import create_token
from bot.app import create_app
from bot.broadcasts.store import BroadcastStore
from bot.config import Settings
from tests.broadcast_helpers import InlineQueue, add_followers
from tests.test_broadcast_fanout import bulk, run_all

CAP = "urn:oasis:names:tc:emergency:cap:1.2"
# Inside Ấp 2 only (106.72–106.74 E, 10.95–10.975 N), as CAP writes polygons: "lat,lon".
POLYGON_IN_AP_2 = "10.955,106.725 10.955,106.735 10.970,106.735 10.970,106.725 10.955,106.725"


def info_block(language: str = "vi-VN", headline: str = "Lũ quét ở Ấp 2", severity: str = "Severe",
               area: str = "", instruction: str = "Di chuyển ngay lên chỗ cao.") -> str:
    area = area or f"<area><areaDesc>Khu vực ven suối Ấp 2</areaDesc><polygon>{POLYGON_IN_AP_2}</polygon></area>"
    return (f"<info><language>{language}</language><category>Met</category><event>Lũ quét</event>"
            f"<urgency>Immediate</urgency><severity>{severity}</severity><certainty>Observed</certainty>"
            f"<headline>{headline}</headline><description>Nước suối dâng nhanh.</description>"
            f"<instruction>{instruction}</instruction>{area}</info>")


def cap_xml(identifier: str, infos: str = "", status: str = "Actual", msg_type: str = "Alert",
            references: str = "", sent: str = "2026-09-15T08:00:00+07:00") -> bytes:
    refs = f"<references>{references}</references>" if references else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><alert xmlns="{CAP}"><identifier>{identifier}</identifier>'
            f"<sender>kttv-tinh@example.gov.vn</sender><sent>{sent}</sent><status>{status}</status>"
            f"<msgType>{msg_type}</msgType><scope>Public</scope>{refs}"
            f"{infos if infos or msg_type == 'Cancel' else info_block()}</alert>").encode()


@pytest.fixture
def app(zalo_settings: Settings) -> Flask:
    app = create_app(replace(zalo_settings, broadcast_rate_per_second=0))
    app.config["QUEUE"] = InlineQueue()
    return app


def token(app: Flask, *scopes: str) -> dict[str, str]:
    made = create_token(app.config["REDIS"], app.config["SETTINGS"], "tinh", tuple(scopes))
    return {"Authorization": f"Bearer {made}"}


def post(app: Flask, body: bytes, auth: dict[str, str]):
    return app.test_client().post("/api/v1/broadcasts", data=body,
                                  headers={**auth, "Content-Type": "application/cap+xml"})


def deliver(app: Flask) -> None:
    run_all(app.config["QUEUE"], app.config["REDIS"], app.config["SETTINGS"])


@pytest.fixture
def people(app: Flask, sandbox) -> dict[str, list[str]]:
    client, settings = app.config["REDIS"], app.config["SETTINGS"]
    groups = {"ap-1": bulk(sandbox, 3, "31"), "ap-2": bulk(sandbox, 2, "32"), "none": bulk(sandbox, 2, "33")}
    for area, ids in groups.items():
        add_followers(client, settings, ids, None if area == "none" else area)
    return groups


def received(sandbox) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for message in sandbox.messages():
        texts.setdefault(message["user_id"], []).append(message["payload"]["message"]["text"])
    return texts


def test_a_test_alert_reaches_no_one(app: Flask, people: dict, sandbox) -> None:
    auth = token(app)
    response = post(app, cap_xml("T-1", status="Test"), auth)
    assert response.status_code == 201 and response.get_json()["status"] == "recorded"
    assert response.get_json()["cap_status"] == "Test"
    json_test = app.test_client().post("/api/v1/broadcasts", headers=auth, json={
        "event": "Diễn tập", "headline": "Diễn tập sơ tán", "severity": "Extreme", "urgency": "Immediate",
        "certainty": "Observed", "status": "Exercise", "target": "all"})
    assert json_test.get_json()["status"] == "recorded"
    deliver(app)
    assert sandbox.messages() == []
    store = BroadcastStore(app.config["REDIS"], app.config["SETTINGS"])
    assert {b.status for b in store.recent()} == {"recorded"}


def test_a_double_post_sends_once(app: Flask, people: dict, sandbox) -> None:
    auth = token(app)
    first = post(app, cap_xml("D-1"), auth)
    again = post(app, cap_xml("D-1"), auth)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"] and again.get_json()["existing"] is True
    deliver(app)
    assert post(app, cap_xml("D-1"), auth).status_code == 200  # after sending too
    deliver(app)
    assert sorted(received(sandbox)) == sorted(people["ap-2"] + people["none"])
    assert all(len(texts) == 1 for texts in received(sandbox).values())


def test_a_polygon_over_one_ap_reaches_its_followers_and_unplaced_ones_for_severe(
        app: Flask, people: dict, sandbox) -> None:
    auth = token(app)
    severe = post(app, cap_xml("P-1"), auth).get_json()
    deliver(app)
    texts = received(sandbox)
    assert sorted(texts) == sorted(people["ap-2"] + people["none"])
    placed, unplaced = texts[people["ap-2"][0]][0], texts[people["none"][0]][0]
    assert placed.startswith("⚠️ LŨ QUÉT: Lũ quét ở Ấp 2\n👉 Di chuyển ngay lên chỗ cao.")
    assert "📍 Khu vực: Khu vực ven suối Ấp 2" in placed and "chưa chọn khu vực" not in placed
    assert "📍 Khu vực: Khu vực ven suối Ấp 2" in unplaced and "chưa chọn khu vực" in unplaced
    store = BroadcastStore(app.config["REDIS"], app.config["SETTINGS"])
    assert store.get(severe["id"]).announcement.target == ("ap-2",)
    before = len(sandbox.messages())
    post(app, cap_xml("P-2", infos=info_block(severity="Moderate")), auth)
    deliver(app)
    moderate = sandbox.messages()[before:]
    assert sorted(m["user_id"] for m in moderate) == sorted(people["ap-2"])


def test_the_province_by_code_or_name_reaches_every_follower(app: Flask, people: dict, sandbox) -> None:
    auth = token(app)
    by_code = info_block(area="<area><areaDesc>Toàn tỉnh</areaDesc><geocode><valueName>MA_DVHC</valueName>"
                              "<value>75</value></geocode></area>")
    post(app, cap_xml("G-1", infos=by_code), auth)
    by_name = info_block(area="<area><areaDesc>Tỉnh Đồng Nai, Tỉnh Bình Phước</areaDesc></area>")
    post(app, cap_xml("G-2", infos=by_name), auth)
    deliver(app)
    everyone = people["ap-1"] + people["ap-2"] + people["none"]
    assert sorted(received(sandbox)) == sorted(everyone)
    assert all(len(texts) == 2 for texts in received(sandbox).values())


def test_the_vietnamese_block_is_preferred(app: Flask, people: dict, sandbox) -> None:
    blocks = (info_block("en-US", "Flash flood in hamlet 2", instruction="Move to higher ground now.")
              + info_block("vi-VN", "Lũ quét ở Ấp 2"))
    post(app, cap_xml("V-1", infos=blocks), token(app))
    deliver(app)
    text = received(sandbox)[people["ap-2"][0]][0]
    assert "Lũ quét ở Ấp 2" in text and "Flash flood" not in text


def test_an_upstream_cancel_reaches_once_everyone_who_got_the_alert(app: Flask, people: dict, sandbox) -> None:
    auth = token(app)
    alert = post(app, cap_xml("C-1"), auth).get_json()
    deliver(app)
    got_alert = sorted(received(sandbox))
    assert got_alert == sorted(people["ap-2"] + people["none"])
    # A follower who chose Ấp 2 afterwards did not get the alert: the all-clear is not theirs either.
    late = bulk(sandbox, 1, "34")
    add_followers(app.config["REDIS"], app.config["SETTINGS"], late, "ap-2")
    before = len(sandbox.messages())
    triple = "kttv-tinh@example.gov.vn,C-1,2026-09-15T08:00:00+07:00"
    cancel = cap_xml("C-1-cancel", msg_type="Cancel", references=triple, sent="2026-09-15T12:00:00+07:00")
    first = post(app, cancel, auth)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["references"] == [alert["id"]] and first.get_json()["msg_type"] == "Cancel"
    assert post(app, cancel, auth).status_code == 200
    deliver(app)
    all_clear = sandbox.messages()[before:]
    assert sorted(m["user_id"] for m in all_clear) == got_alert
    text = all_clear[0]["payload"]["message"]["text"]
    assert text.startswith("✅ KẾT THÚC CẢNH BÁO: Lũ quét ở Ấp 2\nTình hình đã an toàn.")
    assert "Di chuyển ngay" not in text  # the original's call to action is over


def test_an_update_refers_to_the_upstream_alert(app: Flask, people: dict) -> None:
    auth = token(app)
    alert = post(app, cap_xml("U-1"), auth).get_json()
    update = post(app, cap_xml("U-2", msg_type="Update",
                               references="kttv-tinh@example.gov.vn,U-1,2026-09-15T08:00:00+07:00"), auth)
    assert update.get_json()["references"] == [alert["id"]] and update.get_json()["msg_type"] == "Update"
    unknown = post(app, cap_xml("U-3", msg_type="Update", references="other@x,ZZ,2026-09-15T08:00:00+07:00"), auth)
    assert unknown.status_code == 201 and unknown.get_json()["msg_type"] == "Alert"  # new to our citizens


def test_a_draft_only_token_waits_for_an_official(app: Flask, people: dict) -> None:
    response = post(app, cap_xml("S-1"), token(app, "broadcasts:draft"))
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "draft" and body["awaiting_approval"] is True
    assert app.config["QUEUE"].jobs == []
    sent = post(app, cap_xml("S-2"), token(app, "broadcasts:send")).get_json()
    assert sent["status"] == "preparing"
    refused = post(app, cap_xml("S-3"), token(app, "dossiers"))
    assert refused.status_code == 403 and refused.get_json()["field"] == "Authorization"
    assert app.test_client().get("/api/v1/tickets", headers=token(app, "broadcasts:draft")).status_code == 403


def test_token_cli_scopes(app: Flask, redis_client: redis.Redis) -> None:
    from bot.api.tokens import list_tokens, token_record

    settings = app.config["SETTINGS"]
    full = app.test_cli_runner().invoke(args=["token", "create", "tinh"])
    assert full.exit_code == 0 and len(full.output.split()) == 1
    narrow = app.test_cli_runner().invoke(args=["token", "create", "kttv", "--scope", "broadcasts:draft"])
    assert narrow.exit_code == 0
    record = token_record(redis_client, settings, narrow.output.split()[-1])
    assert record["scopes"] == ["broadcasts:draft"]
    assert app.test_cli_runner().invoke(args=["token", "create", "x", "--scope", "everything"]).exit_code != 0
    assert {t["name"] for t in list_tokens(redis_client, settings)} == {"tinh", "kttv"}


def test_json_alert_with_optional_fields_left_out(app: Flask, people: dict) -> None:
    body = {"identifier": "J-1", "sender": "tinh@example.gov.vn", "sent": "2026-09-15T08:00:00+07:00",
            "event": "Bão", "headline": "B" * 300, "severity": "Severe", "urgency": "Expected",
            "certainty": "Likely", "responseType": ["Prepare"], "target": "all"}
    first = app.test_client().post("/api/v1/broadcasts", headers=token(app), json=body)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["expires_defaulted"] is True
    store = BroadcastStore(app.config["REDIS"], app.config["SETTINGS"])
    announcement = store.get(first.get_json()["id"]).announcement
    assert announcement.instruction.startswith("Chuẩn bị sẵn sàng") and len(announcement.headline) <= 160
    assert announcement.headline_full == "B" * 300
    again = app.test_client().post("/api/v1/broadcasts", headers=token(app), json=body)
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]


def test_json_in_cap_shape_with_info_blocks_prefers_vietnamese(app: Flask, people: dict, sandbox) -> None:
    def block(language: str, headline: str) -> dict:
        return {"language": language, "category": "Met", "event": "Lũ quét", "urgency": "Immediate",
                "severity": "Severe", "certainty": "Observed", "headline": headline,
                "instruction": "Di chuyển ngay lên chỗ cao.",
                "area": [{"areaDesc": "Ven suối Ấp 2", "polygon": [POLYGON_IN_AP_2]}]}

    body = {"identifier": "JI-1", "sender": "tinh@example.gov.vn", "sent": "2026-09-15T08:00:00+07:00",
            "status": "Actual", "msgType": "Alert",
            "info": [block("en-US", "Flash flood in hamlet 2"), block("vi-VN", "Lũ quét ở Ấp 2")]}
    response = app.test_client().post("/api/v1/broadcasts", headers=token(app), json=body)
    assert response.status_code == 201, response.get_json()
    deliver(app)
    texts = received(sandbox)
    assert sorted(texts) == sorted(people["ap-2"] + people["none"])
    assert all("Lũ quét ở Ấp 2" in t[0] and "Flash" not in t[0] for t in texts.values())
