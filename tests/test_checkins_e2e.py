"""End to end (the real Procfile web and worker, the Zalo sandbox, a real Redis): check-ins under a
Severe alert, SOS tickets at the top of the inbox, a follow-up to those who did not answer; and a desk
closure that moves a dossier's due date with exactly one notice."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta

import pytest
import requests

from bot.config import VIETNAM, Settings
from bot.devtools.stack import Stack
from bot.dossiers.status import format_date
from bot.office.hours import office_hours_for
from tests import test_e2e
from tests.broadcast_helpers import announcement_json
from tests.helpers import eventually
from tests.test_e2e import Citizen, flask_cli

pytestmark = pytest.mark.e2e
# The stack (real web and worker, the sandbox, a Redis) as tests/test_e2e.py starts it, one per module.
redis_server, stack = test_e2e.redis_server, test_e2e.stack


def api_session(stack: Stack, name: str) -> requests.Session:
    api = requests.Session()
    api.headers["Authorization"] = "Bearer " + flask_cli(stack, "token", "create", name).splitlines()[-1]
    return api


def buttons_of(message: dict) -> list[dict]:
    return message["payload"]["message"].get("attachment", {}).get("payload", {}).get("buttons", [])


def alert_message(citizen: Citizen, mark: str = "⚠️") -> dict:
    return next(m for m in citizen.received() if m["payload"]["message"].get("text", "").startswith(mark))


def has_alert(citizen: Citizen, mark: str = "⚠️") -> bool:
    return any(m["payload"]["message"].get("text", "").startswith(mark) for m in citizen.received())


def press(citizen: Citizen, payload: str) -> None:
    assert citizen.do("text", text=payload, hidden=True)["status"] == 200


def test_checkins_sos_tickets_and_a_follow_up_to_non_responders(stack: Stack) -> None:
    requests.delete(stack.sandbox_url + "/_sandbox/faults", timeout=5)
    api = api_session(stack, "tinh-checkin")
    followers = [Citizen(stack, f"Người dân {i}") for i in range(30)]
    for citizen in followers:
        assert citizen.do("follow")["status"] == 200
    for citizen in followers:
        citizen.wait_for(1)  # the welcome: the bot knows them as followers

    created = api.post(f"{stack.web_url}/api/v1/broadcasts", json=announcement_json(), timeout=10)
    assert created.status_code == 201, created.text
    alert_id = created.json()["id"]
    eventually(lambda: all(has_alert(c) for c in followers), timeout=60)
    titles = [b["title"] for b in buttons_of(alert_message(followers[0]))]
    assert any("an toàn" in t for t in titles) and any("Cần giúp" in t for t in titles)
    safe, help_ = buttons_of(alert_message(followers[0]))[:2]

    safe_ones, helped, silent = followers[:10], followers[10:13], followers[13:]
    for citizen in safe_ones:
        press(citizen, safe["payload"])
    press(safe_ones[0], safe["payload"])  # the same answer twice
    for citizen in helped:
        press(citizen, help_["payload"])
    asked: dict[str, int] = {}
    for citizen in helped:
        eventually(lambda c=citizen: len(c.received()) >= 5)  # welcome, alert, 112…, where?, more ấp
        texts = citizen.texts()
        assert texts[2].startswith("🆘") and all(n in texts[2] for n in ("112", "113", "114", "115"))
        asked[citizen.user_id] = len(texts)
    ap_2 = next(b for m in helped[0].received() for b in buttons_of(m) if b["title"] == "Ấp 2")
    press(helped[0], ap_2["payload"])
    helped[1].do("location", payload={"coordinates": {"latitude": "10.96", "longitude": "106.71"}})
    helped[2].do("location", payload={"coordinates": {"latitude": "10.93", "longitude": "106.75"}})
    for citizen in helped:
        eventually(lambda c=citizen: len(c.received()) > asked[c.user_id])
        opened = citizen.texts()[asked[citizen.user_id]]
        assert opened.startswith("🆘") and "115" in opened and "Yêu cầu cứu giúp số" in opened
    helped[0].say("Nước ngập tới mái, nhà có 2 người già")

    def board() -> dict:
        return api.get(f"{stack.web_url}/api/v1/broadcasts/{alert_id}", timeout=10).json()["checkins"]

    eventually(lambda: board() == {"safe": 10, "help": 3, "no_answer": 17}, timeout=30)
    tickets = api.get(f"{stack.web_url}/api/v1/tickets?status=open", timeout=10).json()["tickets"]
    top = tickets[:3]
    assert all(t["kind"] == "sos" and t["severity"] == "Severe" for t in top)
    assert {t["user_id"] for t in top} == {c.user_id for c in helped}
    by_user = {t["user_id"]: t for t in top}
    assert by_user[helped[0].user_id]["area"] == "ap-2"
    assert by_user[helped[1].user_id]["area"] == "ap-1"
    assert by_user[helped[2].user_id]["map_link"] == "https://www.google.com/maps?q=10.930000,106.750000"
    eventually(lambda: "Nước ngập" in api.get(f"{stack.web_url}/api/v1/tickets/{by_user[helped[0].user_id]['id']}",
                                              timeout=10).json()["situation"])
    listed = api.get(f"{stack.web_url}/api/v1/broadcasts/{alert_id}/checkins", timeout=10).json()
    assert Counter(a["answer"] for a in listed["answers"]) == {"safe": 10, "help": 3, "no_answer": 17}
    assert len(listed["help_requests"]) == 3 and all(h["state"] == "new" for h in listed["help_requests"])
    assert not any(c.user_id in str(listed) for c in followers)  # no Zalo ids leave for the province

    follow_up = api.post(f"{stack.web_url}/api/v1/broadcasts/{alert_id}/follow-ups", timeout=10,
                         json={"audience": "noanswer", "headline": "Xã chưa nhận được tin của Anh/Chị",
                               "instruction": "Bấm «Tôi an toàn» hoặc «Cần giúp» bên dưới."})
    assert follow_up.status_code == 201, follow_up.text
    eventually(lambda: all(has_alert(c, "🔄") for c in silent), timeout=60)
    time.sleep(2)
    reached = [c for c in followers if has_alert(c, "🔄")]
    assert sorted(c.user_id for c in reached) == sorted(c.user_id for c in silent)
    assert all(sum(m["payload"]["message"].get("text", "").startswith("🔄") for m in c.received()) == 1
               for c in silent)
    # Their answers to the follow-up count on the alert's own board.
    update_safe = buttons_of(alert_message(silent[0], "🔄"))[0]
    press(silent[0], update_safe["payload"])
    eventually(lambda: board() == {"safe": 11, "help": 3, "no_answer": 16}, timeout=30)


def test_a_dossier_due_during_a_closure_moves_with_exactly_one_notice(stack: Stack) -> None:
    requests.delete(stack.sandbox_url + "/_sandbox/faults", timeout=5)
    api = api_session(stack, "tinh-closure")
    citizen = Citizen(stack, "Phạm Thị Dung")
    hours = office_hours_for(Settings())
    closed_day = hours.next_opening(datetime.now(VIETNAM) + timedelta(days=1)).date()
    due = datetime.combine(closed_day, datetime.min.time(), VIETNAM).replace(hour=15)
    receipt = "H56.14-261201-0042"
    dossier = {"procedure_code": "1.001193", "procedure_name": "Đăng ký khai sinh", "applicant_id": "079123456780",
               "status": 4, "received_at": "2026-11-25T08:00:00+07:00", "due_at": due.isoformat(),
               "channel": "direct", "return_method": "desk"}
    assert api.put(f"{stack.web_url}/api/v1/dossiers/{receipt}", json=dossier, timeout=10).status_code == 201
    citizen.say(receipt)
    citizen.wait_for(1)
    citizen.say("079123456780")
    status = citizen.wait_for(2)[1]["payload"]["message"]
    subscribe = next(b for b in status["attachment"]["payload"]["buttons"] if "subscribe" in b["payload"])
    press(citizen, subscribe["payload"])
    citizen.wait_for(3)

    closure = api.post(f"{stack.web_url}/api/v1/closures", timeout=10, json={
        "start": closed_day.isoformat(), "end": closed_day.isoformat(), "reason": "bão số 3"})
    assert closure.status_code == 201, closure.text
    moved_to = hours.next_opening(datetime.combine(closed_day + timedelta(days=1), datetime.min.time(), VIETNAM))
    notices = lambda: [t for t in citizen.texts() if "tạm nghỉ" in t]  # noqa: E731
    eventually(lambda: len(notices()) == 1, timeout=30)
    time.sleep(2)
    [notice] = notices()
    assert receipt in notice and format_date(moved_to) in notice and "bão số 3" in notice
    assert len(citizen.received()) == 4  # exactly one notice

    citizen.say(receipt)
    lookup = citizen.wait_for(5)[4]["payload"]["message"]["text"]
    if "Ngày hẹn trả" not in lookup:  # asked for the ID number again
        citizen.say("079123456780")
        lookup = citizen.wait_for(6)[5]["payload"]["message"]["text"]
    assert f"Ngày hẹn trả: {format_date(moved_to)}" in lookup
    assert f"Dời từ {format_date(due)}" in lookup and "bão số 3" in lookup
