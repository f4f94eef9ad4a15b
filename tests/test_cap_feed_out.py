"""The commune's own alerts, published: a CAP 1.2 Atom feed and each alert as CAP XML, valid against
the OASIS CAP 1.2 schema (tests/data/CAP-v1.2.xsd), readable by our own CAP reader."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
import xmlschema
from flask import Flask

from bot.api.tokens import create_token
from bot.app import create_app
from bot.broadcasts.areas import load_areas
from bot.broadcasts.cap_xml import parse_cap_xml
from bot.broadcasts.feed_in import parse_feed
from bot.config import Settings
from tests.broadcast_helpers import InlineQueue, add_followers, announcement_json
from tests.test_broadcast_fanout import bulk, run_all

SCHEMA = xmlschema.XMLSchema(Path(__file__).parent / "data" / "CAP-v1.2.xsd")
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def app(zalo_settings: Settings) -> Flask:
    app = create_app(replace(zalo_settings, broadcast_rate_per_second=0, public_base_url="https://xa.example.vn"))
    app.config["QUEUE"] = InlineQueue()
    return app


def publish(app: Flask, **changes: object) -> str:
    auth = {"Authorization": "Bearer " + create_token(app.config["REDIS"], app.config["SETTINGS"], "tinh")}
    response = app.test_client().post("/api/v1/broadcasts", headers=auth, json=announcement_json(**changes))
    assert response.status_code == 201, response.get_json()
    run_all(app.config["QUEUE"], app.config["REDIS"], app.config["SETTINGS"])
    return response.get_json()["id"]


def test_published_alerts_validate_against_the_cap_schema(app: Flask, sandbox) -> None:
    add_followers(app.config["REDIS"], app.config["SETTINGS"], bulk(sandbox, 2, "41"), "ap-2")
    everyone = publish(app, description="Gió giật cấp 12,\nmưa rất to.\nNước sông dâng nhanh.")
    one_area = publish(app, target=["ap-2", "kp-cho"], event="Sạt lở", headline="Nguy cơ sạt lở bờ suối")
    cancel = publish(app, msg_type="Cancel", references=[one_area], instruction="", description="")
    draft_auth = {"Authorization": "Bearer " + create_token(app.config["REDIS"], app.config["SETTINGS"], "d",
                                                             ("broadcasts:draft",))}
    draft = app.test_client().post("/api/v1/broadcasts", headers=draft_auth, json=announcement_json()).get_json()
    test = publish(app, status="Test")

    client = app.test_client()
    feed = client.get("/alerts/feed.atom")
    assert feed.status_code == 200 and feed.mimetype == "application/atom+xml"
    root = ET.fromstring(feed.data)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{required}") is not None
    entries = root.findall(f"{ATOM}entry")
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert all(e.find(f"{ATOM}id") is not None and e.find(f"{ATOM}updated") is not None for e in entries)
    assert sorted(link.rsplit("/", 1)[1] for link in links) == sorted(f"{i}.xml" for i in (everyone, one_area, cancel))
    assert all(e.find(f"{ATOM}link").get("type") == "application/cap+xml" for e in entries)
    assert sorted(e.cap_url for e in parse_feed(feed.data)) == sorted(links)  # a neighbour's poller reads it

    for broadcast_id in (everyone, one_area, cancel):
        response = client.get(f"/alerts/{broadcast_id}.xml")
        assert response.status_code == 200 and response.mimetype == "application/cap+xml"
        SCHEMA.validate(response.data)  # raises with the schema's own message when invalid
        message = parse_cap_xml(response.data)
        assert message.identifier == broadcast_id and message.sender == "xa.example.vn"
        assert message.status == "Actual" and message.preferred_info().language == "vi-VN"

    area_alert = parse_cap_xml(client.get(f"/alerts/{one_area}.xml").data)
    area = area_alert.infos[0].areas[0]
    assert len(area.polygons) == 2 and ("MA_DVHC", "99901-02") in area.geocodes
    assert area.desc == "Ấp 2, Khu phố Chợ"
    everyone_alert = parse_cap_xml(client.get(f"/alerts/{everyone}.xml").data)
    assert everyone_alert.infos[0].description == "Gió giật cấp 12, mưa rất to.\nNước sông dâng nhanh."
    assert ("MA_DVHC", load_areas().commune.code) in everyone_alert.infos[0].areas[0].geocodes
    cancelled = parse_cap_xml(client.get(f"/alerts/{cancel}.xml").data)
    assert cancelled.msg_type == "Cancel" and cancelled.references[0].startswith(f"xa.example.vn,{one_area},")

    assert client.get(f"/alerts/{draft['id']}.xml").status_code == 404
    assert client.get(f"/alerts/{test}.xml").status_code == 404
    assert client.get("/alerts/nope.xml").status_code == 404


def test_our_own_feed_reads_back_as_the_same_alerts(app: Flask, sandbox) -> None:
    """What the district reads from us, it can send back to us (references to our triples resolve)."""
    add_followers(app.config["REDIS"], app.config["SETTINGS"], bulk(sandbox, 1, "42"))
    alert = publish(app)
    published = parse_cap_xml(app.test_client().get(f"/alerts/{alert}.xml").data)
    triple = f"{published.sender},{published.identifier},{published.sent}"
    cancel = publish(app, msg_type="Cancel", references=[triple], instruction="", description="")
    from bot.broadcasts.store import BroadcastStore

    assert BroadcastStore(app.config["REDIS"], app.config["SETTINGS"]).get(cancel).announcement.references == (alert,)
