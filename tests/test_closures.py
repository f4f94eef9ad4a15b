"""Desk closures: office hours, SLA clocks and "next working time" honour them; the console and API
declare them; dossiers due meanwhile move, and each subscribed citizen is told once even when the job
runs again (real Redis, the real sender and client against the sandbox)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
import redis
from flask import Flask

from bot.api.tokens import create_token
from bot.app import create_app
from bot.config import VIETNAM, Settings
from bot.console import init_console
from bot.console.users import UserStore
from bot.conversation.replies import Reply
from bot.dossiers.closure_notices import apply_closure, closure_notices_job, recover_closures
from bot.dossiers.model import Dossier
from bot.dossiers.status import compose_status
from bot.dossiers.store import RedisDossierStore
from bot.dossiers.subscriptions import Subscriptions
from bot.office.closures import Closure, ClosureError, ClosureStore, closure_notice, office_hours_now, parse_closure
from bot.office.hours import office_hours_for
from bot.zalo.client import ZaloClient
from bot.zalo.sender import Sender
from tests.broadcast_helpers import InlineQueue
from tests.test_broadcast_api import login

# Monday 7 December 2026 (a working day) to Wednesday 9 December.
MONDAY = date(2026, 12, 7)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=VIETNAM)


def storm(**changes: object) -> Closure:
    closure = Closure("c1", at(MONDAY, 0), at(MONDAY + timedelta(days=2), 0), "bão số 3")
    return replace(closure, **changes)  # type: ignore[arg-type]


def test_office_hours_skip_a_closure() -> None:
    hours = office_hours_for(Settings()).with_closures(((storm().start, storm().end),))
    assert not hours.is_open(at(MONDAY, 9))
    assert hours.next_opening(at(MONDAY, 9)) == at(MONDAY + timedelta(days=2), 7, 30)
    plain = office_hours_for(Settings())
    assert plain.is_open(at(MONDAY, 9))
    # SLA clocks: no office time passes during the closure.
    assert hours.office_seconds_between(at(MONDAY, 8), at(MONDAY + timedelta(days=1), 17)) == 0
    assert hours.add_office_seconds(at(MONDAY, 8), 3600) == at(MONDAY + timedelta(days=2), 8, 30)
    # A closure of part of a session leaves the rest open.
    half = plain.with_closures(((at(MONDAY, 9), at(MONDAY, 10)),))
    assert half.is_open(at(MONDAY, 8)) and not half.is_open(at(MONDAY, 9, 30)) and half.is_open(at(MONDAY, 10))


@pytest.mark.parametrize(("data", "field"), [
    ({"end": "2026-12-08", "reason": "bão"}, "start"),
    ({"start": "2026-12-08", "end": "2026-12-07", "reason": "bão"}, "end"),
    ({"start": "2026-12-07", "end": "2026-12-08"}, "reason"),
    ({"start": "hôm nay", "end": "2026-12-08", "reason": "bão"}, "start"),
    ({"start": "2026-12-07", "end": "2026-12-08", "reason": "bão", "results_on": "2026-12-01"}, "results_on"),
])
def test_bad_closures_are_refused_with_the_field(data: dict, field: str) -> None:
    with pytest.raises(ClosureError) as caught:
        parse_closure(data, "chutich", at(MONDAY, 6) - timedelta(days=1))
    assert caught.value.field == field


def test_a_date_alone_closes_the_whole_day() -> None:
    closure = parse_closure({"start": "2026-12-07", "end": "2026-12-08", "reason": "Bão số 3"}, "x", at(MONDAY, 6))
    assert (closure.start, closure.end) == (at(MONDAY, 0), at(MONDAY + timedelta(days=2), 0))


def test_office_answers_say_the_closure_first() -> None:
    answer = closure_notice(Reply("Giờ làm việc: …"), storm(), at(MONDAY, 6))
    assert answer.text.startswith("⛔ Bộ phận một cửa tạm nghỉ từ 00:00 07/12/2026 đến 00:00 09/12/2026 (bão số 3)")
    assert closure_notice(Reply("x"), storm(), at(MONDAY, 6) - timedelta(days=30)).text == "x"


def dossier(receipt: str, due: datetime, status: int = 4) -> Dossier:
    return Dossier(receipt, "Đăng ký khai sinh", status, at(MONDAY, 8) - timedelta(days=7), due_at=due,
                   applicant_hashes={"full": "x"})


def test_each_subscriber_is_told_once_and_due_dates_move(redis_client: redis.Redis, zalo_settings: Settings,
                                                         sandbox) -> None:
    settings = zalo_settings
    store, subscriptions = RedisDossierStore(redis_client, settings), Subscriptions(redis_client, settings)
    users = [sandbox.create_user(f"Người {i}") for i in range(3)]
    due_inside, due_after = at(MONDAY + timedelta(days=1), 15), at(MONDAY + timedelta(days=3), 15)
    for receipt, due, subscribers in (("H56.14-261201-0001", due_inside, users[:2]),
                                      ("H56.14-261201-0002", due_inside, users[1:2]),
                                      ("H56.14-261201-0003", due_after, users[2:]),
                                      ("H56.14-261201-0004", due_inside, [])):
        store.upsert(dossier(receipt, due), at(MONDAY, 6))
        for user in subscribers:
            subscriptions.subscribe(receipt, user, store.latest_version(receipt))
    closure = storm(id="storm1", results_on=MONDAY + timedelta(days=3))
    ClosureStore(redis_client, settings).add(closure)
    sender = Sender(ZaloClient(redis_client, settings, sleep=lambda s: None))
    queued: list[str] = []
    assert recover_closures(redis_client, settings, queued.append) == 1 and queued == ["storm1"]
    assert apply_closure(redis_client, settings, closure.id, sender, at(MONDAY, 6)) == {"sent": 2, "failed": 0}
    assert apply_closure(redis_client, settings, closure.id, sender, at(MONDAY, 7)) == {"sent": 0, "failed": 0}
    assert ClosureStore(redis_client, settings).pending() == []  # all told: a new worker re-runs nothing
    messages = sandbox.messages()
    assert sorted(m["user_id"] for m in messages) == sorted(users[:2])  # one each, nobody else
    both = next(m for m in messages if m["user_id"] == users[1])["payload"]["message"]["text"]
    assert "H56.14-261201-0001" in both and "H56.14-261201-0002" in both and "15:00 ngày 10/12/2026" in both
    moved = store.get("H56.14-261201-0001")
    assert moved.due_at == at(MONDAY + timedelta(days=3), 15) and moved.due_moved_from == due_inside
    assert store.get("H56.14-261201-0003").due_at == due_after  # not due during the closure
    assert store.get("H56.14-261201-0004").due_at == due_inside  # nobody subscribed: the province's record
    [reply] = compose_status(moved, at(MONDAY, 7), subscribed=True)
    assert "Ngày hẹn trả: 15:00 ngày 10/12/2026" in reply.text
    assert "Dời từ 15:00 ngày 08/12/2026 vì bộ phận một cửa tạm nghỉ: bão số 3" in reply.text


@pytest.fixture
def app(settings: Settings) -> Flask:
    app = create_app(settings)
    init_console(app)
    app.config["QUEUE"] = InlineQueue()
    UserStore(app.config["REDIS"], settings).create("chutich", "official", "official-pass-1")
    UserStore(app.config["REDIS"], settings).create("motcua", "staff", "staff-pass-1")
    return app


def test_the_console_and_the_api_declare_closures(app: Flask) -> None:
    client, token = login(app, "chutich", "official-pass-1")
    tomorrow = (datetime.now(VIETNAM) + timedelta(days=1)).date()
    page = client.get("/console/closures")
    assert page.status_code == 200 and "Bộ phận một cửa tạm nghỉ" in page.get_data(as_text=True)
    bad = client.post("/console/closures", data={"csrf_token": token, "start": f"{tomorrow}T07:00",
                                                 "end": f"{tomorrow}T06:00", "reason": "bão"})
    assert bad.status_code == 422 and "phải sau thời điểm bắt đầu" in bad.get_data(as_text=True)
    good = client.post("/console/closures", data={"csrf_token": token, "start": f"{tomorrow}T07:00",
                                                  "end": f"{tomorrow}T17:00", "reason": "Bão số 3"})
    assert good.status_code == 302
    assert [job[0] for job in app.config["QUEUE"].jobs] == [closure_notices_job]
    staff, _ = login(app, "motcua", "staff-pass-1")
    assert staff.get("/console/closures").status_code == 403

    auth = {"Authorization": "Bearer " + create_token(app.config["REDIS"], app.config["SETTINGS"], "tinh")}
    api = app.test_client()
    created = api.post("/api/v1/closures", headers=auth, json={"start": f"{tomorrow + timedelta(days=1)}",
                                                                "end": f"{tomorrow + timedelta(days=1)}",
                                                                "reason": "Bão số 3 (tiếp)"})
    assert created.status_code == 201, created.get_json()
    assert api.post("/api/v1/closures", headers=auth, json={"reason": "x"}).get_json()["field"] == "start"
    assert api.post("/api/v1/closures", headers=auth, data="[", content_type="application/json").status_code == 400
    listed = api.get("/api/v1/closures", headers=auth).get_json()["closures"]
    assert [c["reason"] for c in listed] == ["Bão số 3", "Bão số 3 (tiếp)"]
    narrow = {"Authorization": "Bearer " + create_token(app.config["REDIS"], app.config["SETTINGS"], "hs",
                                                          ("dossiers",))}
    assert api.get("/api/v1/closures", headers=narrow).status_code == 403
    hours = office_hours_now(app.config["REDIS"], app.config["SETTINGS"])
    assert not hours.is_open(datetime.combine(tomorrow, datetime.min.time(), VIETNAM).replace(hour=9))
