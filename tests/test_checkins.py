"""Check-ins under an alert: buttons on Severe/Extreme alerts, counts that stay right under repeats,
changes, late retries and bursts, the "Cần giúp" steps opening an SOS ticket at the top of the inbox,
and follow-ups to those who did not answer (real Redis, the real fan-out against the sandbox)."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import handlers
from bot.broadcasts.areas import load_areas
from bot.broadcasts.cap import announcement_from_dict
from bot.broadcasts.checkins import CheckinStore
from bot.broadcasts.service import Broadcasts
from bot.broadcasts.store import BroadcastStore
from bot.conversation.context import Context
from bot.ingress.events import Event
from bot.services import Services
from bot.tickets.model import OPEN
from bot.tickets.store import TicketStore
from tests.broadcast_helpers import InlineQueue, add_followers, announcement_json
from tests.helpers import text_event
from tests.test_broadcast_fanout import bulk, run_all, start


def test_severe_and_extreme_carry_checkin_unless_told_otherwise() -> None:
    areas = load_areas()
    assert announcement_from_dict(announcement_json(severity="Severe"), areas).checkin
    assert announcement_from_dict(announcement_json(severity="Extreme"), areas).checkin
    assert not announcement_from_dict(announcement_json(severity="Moderate"), areas).checkin
    assert not announcement_from_dict(announcement_json(checkin=False), areas).checkin
    assert announcement_from_dict(announcement_json(severity="Minor", checkin="true"), areas).checkin


def test_counts_survive_repeats_changes_late_retries_and_parallel_bursts(redis_client, settings) -> None:
    store = CheckinStore(redis_client, settings)
    board = "b-" + uuid.uuid4().hex[:6]
    users = [f"u{i}" for i in range(300)]
    store.register(board, [(u, "ap-1" if i % 2 else "") for i, u in enumerate(users)])
    store.register(board, [(u, "ap-1") for u in users[:50]])  # a restarted preparation adds nobody
    now = time.time()

    def burst(offset: int) -> None:
        for i, user in enumerate(users[:200]):
            store.answer(board, user, "safe" if i % 4 else "help", now + offset)

    threads = [threading.Thread(target=burst, args=(k,)) for k in range(4)]  # the same answers, 4 times over
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.summary(board) == {"safe": 150, "help": 50, "no_answer": 100}
    store.answer(board, users[1], "help", now + 10)  # changed their mind: moves one count
    assert not store.answer(board, users[1], "safe", now - 10)  # an older answer arriving late is ignored
    assert store.summary(board) == {"safe": 149, "help": 51, "no_answer": 100}
    store.answer(board, "stranger", "safe", now, area="ap-2")  # not a recipient: joins the totals
    by_area = {row.area: row.as_dict() for row in store.counts(board)}
    assert by_area["ap-2"] == {"safe": 1, "help": 0, "no_answer": 0}
    assert sum(row.total for row in store.counts(board)) == 301
    assert len(list(store.audience(board, "noanswer"))) == 100


MONDAY_9AM = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)


def dispatch(client, settings, raw: dict[str, Any]) -> list:
    # The whole router runs, after-hooks too; Zalo is unreachable here (refused at once on port 9), which
    # the profile look-up must survive like any Zalo outage.
    offline = replace(settings, zalo_api_base="http://127.0.0.1:9", zalo_timeout_seconds=0.5)
    ctx = Context(event=Event(raw), redis=client, settings=settings, now=MONDAY_9AM,
                  services=Services(client, offline))
    return handlers.dispatch(ctx)


def location_event(user_id: str, latitude: str | float, longitude: str | float,
                   keys: tuple[str, str] = ("latitude", "longitude")) -> dict[str, Any]:
    raw = text_event(user_id, "")
    raw["event_name"] = "user_send_location"
    raw["message"] = {"msg_id": uuid.uuid4().hex, "attachments": [
        {"type": "location", "payload": {"coordinates": {keys[0]: latitude, keys[1]: longitude}}}]}
    return raw


def test_alert_buttons_then_safe_and_help_open_an_sos_ticket_on_top(redis_client, zalo_settings, sandbox) -> None:
    settings = replace(zalo_settings, broadcast_rate_per_second=0)
    ids = bulk(sandbox, 6, "71")
    add_followers(redis_client, settings, ids)
    tickets = TicketStore(redis_client, settings)
    tickets.open("someone-else", MONDAY_9AM, "button", {}, [])  # an older ordinary ticket, waiting longest
    broadcast_id, queue = start(redis_client, settings)
    run_all(queue, redis_client, settings)
    [message] = sandbox.messages(ids[0])
    buttons = message["payload"]["message"]["attachment"]["payload"]["buttons"]
    safe, help_ = buttons[0], buttons[1]
    assert "an toàn" in safe["title"] and "Cần giúp" in help_["title"]

    replies = dispatch(redis_client, settings, text_event(ids[0], safe["payload"]))
    assert "an toàn" in replies[0].text
    dispatch(redis_client, settings, text_event(ids[0], safe["payload"]))  # twice: still one
    replies = dispatch(redis_client, settings, text_event(ids[1], help_["payload"]))
    assert replies[0].text.startswith("🆘") and "112" in replies[0].text and "115" in replies[0].text
    area_button = next(b for b in replies[1].buttons if b.title == "Ấp 2")
    replies = dispatch(redis_client, settings, text_event(ids[1], area_button.payload))
    assert replies[0].text.startswith("🆘") and "Ấp 2" in replies[0].text
    dispatch(redis_client, settings, text_event(ids[1], "Nước ngập tới mái, nhà có 2 người già, gọi 0912 345 678"))
    dispatch(redis_client, settings, text_event(ids[2], help_["payload"]))
    assert "gửi vị trí" in dispatch(redis_client, settings, location_event(ids[2], "north", "east"))[1].text  # again
    replies = dispatch(redis_client, settings, location_event(ids[2], 10.96, 106.71, ("lat", "long")))
    assert "112" in replies[0].text

    checkins = CheckinStore(redis_client, settings)
    assert checkins.summary(broadcast_id) == {"safe": 1, "help": 2, "no_answer": 3}
    first, second, third = tickets.by_status(OPEN)
    assert {first.user_id, second.user_id} == {ids[1], ids[2]} and third.user_id == "someone-else"
    by_user = {first.user_id: first, second.user_id: second}
    assert by_user[ids[1]].area == "ap-2" and by_user[ids[1]].phone == "0912345678"
    assert "Nước ngập" in by_user[ids[1]].situation and by_user[ids[1]].severity == "Severe"
    assert by_user[ids[2]].map_link == "https://www.google.com/maps?q=10.960000,106.710000"
    assert by_user[ids[2]].area == "ap-1"
    assert by_user[ids[2]].help_state == "new"


def test_follow_up_to_non_responders_reaches_only_them(redis_client, zalo_settings, sandbox) -> None:
    settings = replace(zalo_settings, broadcast_rate_per_second=0)
    ids = bulk(sandbox, 8, "72")
    add_followers(redis_client, settings, ids)
    broadcast_id, queue = start(redis_client, settings)
    run_all(queue, redis_client, settings)
    checkins = CheckinStore(redis_client, settings)
    for user in ids[:3]:
        checkins.answer(broadcast_id, user, "safe", time.time())
    queue = InlineQueue()
    service = Broadcasts(redis_client, settings, queue)
    follow_up = service.checkin_follow_up(broadcast_id, "noanswer", "", "Xã chưa nhận được tin của Anh/Chị",
                                          "Bấm «Tôi an toàn» hoặc «Cần giúp».", "chutich")
    run_all(queue, redis_client, settings)
    reached = sorted(m["user_id"] for m in sandbox.messages() if m["payload"]["message"]["text"].startswith("🔄"))
    assert reached == sorted(ids[3:])
    stored = BroadcastStore(redis_client, settings).get(follow_up.id)
    assert stored.checkin_board == broadcast_id
    assert checkins.summary(broadcast_id) == {"safe": 3, "help": 0, "no_answer": 5}

    checkins.answer(broadcast_id, ids[4], "help", time.time(), move_to="ap-3")  # said where they are
    service.checkin_follow_up(broadcast_id, "area", "Ấp 3", "Ấp 3: đội cứu hộ đang tới", "", "chutich")
    run_all(queue, redis_client, settings)
    to_ap_3 = [m["user_id"] for m in sandbox.messages() if "Ấp 3: đội cứu hộ" in m["payload"]["message"]["text"]]
    assert to_ap_3 == [ids[4]]


def test_console_board_json_csv_follow_up_form_and_ticket_page(redis_client, zalo_settings, sandbox) -> None:
    from bot.app import create_app
    from bot.console import init_console
    from bot.console.users import UserStore
    from tests.test_broadcast_api import login

    settings = replace(zalo_settings, broadcast_rate_per_second=0)
    ids = bulk(sandbox, 4, "74")
    add_followers(redis_client, settings, ids, area="ap-1")
    broadcast_id, queue = start(redis_client, settings)
    run_all(queue, redis_client, settings)
    moderate_id, queue = start(redis_client, settings, severity="Moderate", urgency="Expected")
    run_all(queue, redis_client, settings)
    dispatch(redis_client, settings, text_event(ids[0], f"#checkin {broadcast_id} safe"))
    dispatch(redis_client, settings, text_event(ids[1], f"#checkin {broadcast_id} help"))
    dispatch(redis_client, settings, location_event(ids[1], "10.96", "106.73"))
    app = create_app(settings)
    init_console(app)
    app.config["QUEUE"] = InlineQueue()
    UserStore(app.config["REDIS"], settings).create("chutich", "official", "official-pass-1")
    UserStore(app.config["REDIS"], settings).create("motcua", "staff", "staff-pass-1")
    client, token = login(app, "chutich", "official-pass-1")

    detail = client.get(f"/console/broadcasts/{broadcast_id}").get_data(as_text=True)
    assert f"/console/broadcasts/{broadcast_id}/checkins" in detail
    assert client.get(f"/console/broadcasts/{moderate_id}/checkins").status_code == 404  # no buttons, no board
    data = client.get(f"/console/broadcasts/{broadcast_id}/checkins.json").get_json()
    ap_1 = next(r for r in data["rows"] if r["area"] == "ap-1")
    assert ap_1 == {"area": "ap-1", "name": "Ấp 1", "safe": 1, "help": 0, "no_answer": 2}
    assert next(r for r in data["rows"] if r["area"] == "ap-2")["help"] == 1  # moved to where they are
    [request] = data["help"]
    assert request["state"] == "new" and request["area"] == "Ấp 2" and request["map_link"].startswith("https://")
    csv_text = client.get(f"/console/broadcasts/{broadcast_id}/checkins.csv").get_data(as_text=True)
    assert csv_text.lstrip("\ufeff").startswith("Mã tham chiếu,Khu vực,Trả lời")

    missing = client.post(f"/console/broadcasts/{broadcast_id}/checkins/follow-up",
                          data={"csrf_token": token, "audience": "noanswer", "headline": ""})
    assert missing.status_code == 302 and not app.config["QUEUE"].jobs
    sent = client.post(f"/console/broadcasts/{broadcast_id}/checkins/follow-up",
                       data={"csrf_token": token, "audience": "area", "area": "ap-1",
                             "headline": "Ấp 1: nước đang lên", "instruction": "Báo tin cho xã."})
    assert sent.status_code == 302 and len(app.config["QUEUE"].jobs) == 1
    staff, staff_token = login(app, "motcua", "staff-pass-1")
    assert staff.post(f"/console/broadcasts/{broadcast_id}/checkins/follow-up",
                      data={"csrf_token": staff_token, "audience": "noanswer", "headline": "x"}).status_code == 403
    assert staff.get(f"/console/broadcasts/{broadcast_id}/checkins").status_code == 200
    ticket = staff.get(f"/console/inbox/{request['ticket']}").get_data(as_text=True)
    assert "🆘 Nguy hiểm" in ticket and "Ấp 2" in ticket and "Mở bản đồ" in ticket
    reached = staff.post(f"/console/broadcasts/{broadcast_id}/checkins/{request['ticket']}/reached",
                         data={"csrf_token": staff_token})
    assert reached.status_code == 302
    [request] = client.get(f"/console/broadcasts/{broadcast_id}/checkins.json").get_json()["help"]
    assert request["state"] == "reached" and request["handled_by"] == "motcua"


def test_safe_after_asking_for_help_tells_the_ticket(redis_client, zalo_settings, sandbox) -> None:
    settings = replace(zalo_settings, broadcast_rate_per_second=0)
    ids = bulk(sandbox, 1, "75")
    add_followers(redis_client, settings, ids)
    broadcast_id, queue = start(redis_client, settings, severity="Extreme")
    run_all(queue, redis_client, settings)
    dispatch(redis_client, settings, text_event(ids[0], f"#checkin {broadcast_id} help"))
    dispatch(redis_client, settings, text_event(ids[0], "Tổ 5, gần chợ"))  # typed words for where
    dispatch(redis_client, settings, text_event(ids[0], "Nước ngập nửa nhà"))
    [replies] = [dispatch(redis_client, settings, text_event(ids[0], f"#checkin {broadcast_id} safe"))]
    assert "an toàn" in replies[0].text
    tickets = TicketStore(redis_client, settings)
    [ticket] = tickets.by_status(OPEN)
    assert ticket.place == "Tổ 5, gần chợ" and ticket.situation == "Nước ngập nửa nhà"
    assert ticket.severity == "Extreme"
    assert "Người dân báo: đã an toàn" in [entry.text for entry in tickets.log(ticket.id)]
    assert CheckinStore(redis_client, settings).summary(broadcast_id) == {"safe": 1, "help": 0, "no_answer": 0}
