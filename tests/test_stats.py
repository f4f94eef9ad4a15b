"""Statistics from a scripted conversation, the dashboard and its CSV, and an alias added from the
dashboard changing the matcher's answer."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest
import redis
from flask import Flask

import handlers
from bot.app import create_app
from bot.config import Settings
from bot.console.users import UserStore
from bot.conversation.context import Context
from bot.conversation.replies import Reply
from bot.ingress.events import Event
from bot.services import Services
from bot.stores.statistics import StatsReader, local_day, record_event, tally
from bot.tickets.store import TicketStore
from tests.helpers import csrf_of

NOW = datetime.now(UTC)
UNKNOWN = "bà bầu sắp sinh cần giấy tờ gì"


def say(services: Services, client: redis.Redis, settings: Settings, user: str, words: str,
        msg_id: str | None = None) -> tuple[Context, list[Reply]]:
    event = Event({"event_name": "user_send_text", "sender": {"id": user}, "timestamp": "1",
                   "message": {"text": words, "msg_id": msg_id or uuid.uuid4().hex}})
    ctx = Context(event, client, settings, NOW, services)
    return ctx, handlers.dispatch(ctx)  # the router's after hook counts it


def test_scripted_conversation_is_counted(redis_client: redis.Redis, settings: Settings) -> None:
    services = Services(redis_client, settings)
    say(services, redis_client, settings, "u1", "làm giấy khai sinh cho con")  # answer 1.001193
    say(services, redis_client, settings, "u1", "#proc 1.001193 docs")  # a section: a button, not an answer
    say(services, redis_client, settings, "u2", "TTHC 1.001193")  # the poster keyword
    say(services, redis_client, settings, "u2", "mấy giờ làm việc")  # office question
    say(services, redis_client, settings, "u3", UNKNOWN)  # nothing fits
    say(services, redis_client, settings, "u3", UNKNOWN)
    say(services, redis_client, settings, "u4", "xin chào")
    ctx, _ = say(services, redis_client, settings, "u4", "đăng ký kết hôn", msg_id="same")
    record_event(ctx, [])  # a retried event is counted once

    reader = StatsReader(redis_client, settings)
    [day] = reader.days(local_day(NOW), 1)
    expected = {"questions": 6 + 1, "buttons": 1, "answers": 3, "office": 1, "office:hours": 1,
                "fallbacks": 2, "chitchat": 1}
    # The router hands a citizen to staff after repeated fallbacks (HANDOFF_FALLBACK_LIMIT): that is counted.
    if TicketStore(redis_client, settings).active_for("u3") is not None:
        expected["escalations"] = 1
    assert day.counts == expected
    assert reader.top_procedures(local_day(NOW), 7)[0] == ("1.001193", 2)
    [unanswered] = reader.unanswered(local_day(NOW), 7)
    assert (unanswered.kind, unanswered.text, unanswered.count) == ("fallback", UNKNOWN, 2)
    assert len(reader.days(local_day(NOW), 30)) == 30


def test_tally_is_pure_and_careful() -> None:
    assert tally("follow", "", {}).counters == {}
    assert tally("user_send_text", "#staff", {}, escalated=True).counters == {"buttons": 1, "escalations": 1}
    clarify = tally("user_send_text", "giấy tờ đất", {"decision": "clarify"})
    assert clarify.counters == {"questions": 1, "clarifications": 1}
    assert clarify.unanswered == ("clarify", "giấy tờ đất")


@pytest.fixture
def app(settings: Settings) -> Flask:
    app = create_app(settings)
    UserStore(app.config["REDIS"], settings).create("chutich", "official", "official-pass-1", "Chủ tịch xã")
    UserStore(app.config["REDIS"], settings).create("motcua", "staff", "staff-pass-1", "Cán bộ một cửa")
    return app


def login(client, name: str, password: str) -> None:
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    client.post("/console/login", data={"username": name, "password": password, "csrf_token": token})




def test_alias_added_from_dashboard_changes_the_answer(app: Flask, redis_client: redis.Redis,
                                                       settings: Settings) -> None:
    services = Services(redis_client, settings)
    assert services.matcher.match(UNKNOWN).decision == "fallback"
    say(services, redis_client, settings, "u3", UNKNOWN)
    client = app.test_client()
    assert client.get("/console/stats/").status_code == 302
    login(client, "chutich", "official-pass-1")
    page = client.get("/console/stats/").get_data(as_text=True)
    assert UNKNOWN in page and 'id="chart-days"' in page
    response = client.post("/console/stats/aliases", data={"phrase": UNKNOWN, "code": "1.001193",
                                                           "csrf_token": csrf_of(page)})
    assert response.status_code == 302
    result = services.matcher.match(UNKNOWN)  # the same Services: rebuilt because the alias version moved
    assert result.decision == "answer" and result.candidates[0].code == "1.001193"
    assert "khai sinh" in say(services, redis_client, settings, "u3", UNKNOWN)[1][0].text
    page = client.get("/console/stats/").get_data(as_text=True)
    assert 'id="unanswered"' not in page and 'id="aliases"' in page  # dealt with, now listed as an alias
    csv = client.get("/console/stats/export.csv?days=7").get_data(as_text=True)
    assert csv.startswith("\ufeffNgày,Câu hỏi,") and csv.count("\n") == 8
    staff = app.test_client()
    login(staff, "motcua", "staff-pass-1")
    assert staff.get("/console/stats/").status_code == 403


def test_poster_picker_and_print(app: Flask) -> None:
    client = app.test_client()
    login(client, "motcua", "staff-pass-1")
    picker = client.get("/console/posters/").get_data(as_text=True)
    assert len(re.findall(r'name="code" value="\d', picker)) == 24 and "1.001193" in picker
    assert [r["code"] for r in client.get("/console/posters/search.json?q=khai sinh").get_json()["results"]][:1] \
        == ["1.001193"]
    top = client.get("/console/posters/top")
    assert top.status_code == 302 and top.headers["Location"].count("code=") == 24
    sheet = client.get("/console/posters/print?code=1.001193&codes=1.000894,9.999999")
    html = sheet.get_data(as_text=True)
    assert html.count('class="sheet"') == 2 and "TTHC 1.000894" in html
    pdf = client.get("/console/posters/print.pdf?code=1.001193&code=1.000894")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_unanswered_questions_keep_no_id_number() -> None:
    result = tally("user_send_text", "cccd 079123456789 cua toi bi sai", {"fallback": "1"})
    assert result.unanswered is not None and "079123456789" not in result.unanswered[1]
    assert tally("user_send_text", "079123456789", {"fallback": "1", "sensitive": "1"}).unanswered is None
