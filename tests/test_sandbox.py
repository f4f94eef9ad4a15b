"""The Zalo sandbox: Zalo's shapes, error codes, token rotation, faults, and signed webhooks."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from sandbox.config import SandboxConfig
from sandbox.periods import period_range
from sandbox.server import SandboxThread
from sandbox.signing import sign
from sandbox.validation import check_message

APP_ID = "3349222483842580322"
OA_ID = "4024926008133882615"
SECRET = "oa-secret-for-tests"
APP_SECRET = "app-secret-for-tests"


class Receiver:
    """A tiny webhook endpoint that records what it is sent."""

    def __init__(self) -> None:
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server's naming
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts.append((dict(self.headers.items()), raw))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/webhook/zalo"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        found = [json.loads(raw) for _, raw in self.posts]
        return [e for e in found if name is None or e["event_name"] == name]

    def wait_for(self, name: str, count: int = 1, timeout: float = 3.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.events(name)) >= count:
                break
            time.sleep(0.02)
        return self.events(name)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture(scope="module")
def running(receiver: Receiver) -> Iterator[SandboxThread]:
    config = SandboxConfig(port=0, webhook_url=receiver.url, app_id=APP_ID, oa_id=OA_ID, oa_secret_key=SECRET,
                           app_secret=APP_SECRET, access_token="tok-1", refresh_token="ref-1")
    thread = SandboxThread(config)
    thread.start()
    yield thread
    thread.stop()


@pytest.fixture
def base(running: SandboxThread, receiver: Receiver) -> str:
    requests.post(running.base_url + "/_sandbox/reset", timeout=5)
    requests.post(running.base_url + "/_sandbox/config", json={"echo": True, "webhook_url": receiver.url}, timeout=5)
    receiver.posts.clear()
    receiver.status = 200
    return running.base_url


def citizen(base: str, **fields: Any) -> str:
    response = requests.post(base + "/_sandbox/users", json={"display_name": "Nguyễn Văn An", **fields}, timeout=5)
    assert response.status_code == 201
    return response.json()["user_id"]


def send_cs(base: str, user_id: str, message: dict[str, Any], token: str = "tok-1", **kw: Any) -> requests.Response:
    return requests.post(base + "/v3.0/oa/message/cs", headers={"access_token": token},
                         json={"recipient": {"user_id": user_id}, "message": message}, timeout=kw.get("timeout", 5))


def refresh(base: str, refresh_token: str, secret: str = APP_SECRET) -> dict[str, Any]:
    return requests.post(base + "/v4/oa/access_token", headers={"secret_key": secret},
                         data={"app_id": APP_ID, "grant_type": "refresh_token", "refresh_token": refresh_token},
                         timeout=5).json()


def getlist(base: str, token: str = "tok-1", **data: Any) -> dict[str, Any]:
    return requests.get(base + "/v3.0/oa/user/getlist", params={"data": json.dumps(data)},
                        headers={"access_token": token}, timeout=5).json()


# --- pure pieces ---------------------------------------------------------------------------------


def test_signature_matches_zalo_test_vector() -> None:
    body = b'{"app_id":"123","timestamp":"999","event_name":"oa_send_text"}'
    assert sign("123", body, "999", "oa_secret_key") == (
        "2e96f1d72ea2cf9d2fa98582534f3b3dc06f2443d845d0216468c1df4e4f7c0d"
    )


def test_message_limits() -> None:
    button = {"title": "Hỏi", "type": "oa.query.hide", "payload": "#menu"}

    def with_buttons(buttons: list[dict[str, Any]]) -> dict[str, Any]:
        return {"text": "a", "attachment": {"type": "template", "payload": {"buttons": buttons}}}

    assert check_message({"text": "x" * 2000}) is None
    assert check_message({"text": "x" * 2001})[0] == -210
    assert check_message(with_buttons([button] * 5)) is None
    assert check_message(with_buttons([button] * 6))[0] == -210
    assert check_message(with_buttons([{**button, "type": "oa.open.app"}]))[0] == -201
    assert check_message({})[0] == -201


def test_interaction_period_ranges() -> None:
    from datetime import datetime

    from sandbox.periods import VIETNAM

    now = datetime(2026, 3, 10, 12, tzinfo=VIETNAM)
    start, end = period_range("TODAY", now)
    assert end - start == 86_400_000
    start, end = period_range("2026_03_01:2026_03_02", now)
    assert end - start == 2 * 86_400_000
    with pytest.raises(ValueError):
        period_range("LAST_WEEK", now)


# --- sending -------------------------------------------------------------------------------------


def test_consultation_send_is_recorded_with_exact_payload(base: str) -> None:
    uid = citizen(base)
    message = {"text": "Xin chào Anh/Chị", "attachment": {"type": "template", "payload": {"buttons": [
        {"title": "Thủ tục", "type": "oa.query.hide", "payload": "#thu-tuc"},
        {"title": "Gọi xã", "type": "oa.open.phone", "payload": {"phone_code": "02431234567"}}]}}}
    answer = send_cs(base, uid, message).json()
    assert answer["error"] == 0 and answer["message"] == "Success"
    assert set(answer["data"]) >= {"message_id", "user_id", "sent_time", "quota"}
    sent = requests.get(base + "/_sandbox/messages", params={"user_id": uid}, timeout=5).json()["messages"]
    assert [m["payload"]["message"] for m in sent] == [message]
    assert sent[0]["kind"] == "cs" and sent[0]["message_id"] == answer["data"]["message_id"]


def test_consultation_refusals(base: str) -> None:
    follower, stranger = citizen(base), citizen(base, follower=False)
    stale = citizen(base, last_interaction_days_ago=8)
    assert send_cs(base, stranger, {"text": "a"}).json()["error"] == -213
    assert send_cs(base, stale, {"text": "a"}).json()["error"] == -230
    assert send_cs(base, follower, {"text": "x" * 2001}).json()["error"] == -210
    assert send_cs(base, "123456789", {"text": "a"}).json()["error"] == -201
    assert send_cs(base, follower, {"text": "a"}, token="nope").json()["error"] == -216
    stats = requests.get(base + "/_sandbox/stats", timeout=5).json()
    assert stats["messages"] == 0 and stats["calls"]["message/cs"] == 5
    assert stats["errors"] == {"-213": 1, "-230": 1, "-210": 1, "-201": 1, "-216": 1}


def test_template_by_user_id_ignores_the_window(base: str) -> None:
    stale = citizen(base, last_interaction_days_ago=30)
    answer = requests.post(base + "/v3.0/oa/message/template", headers={"access_token": "tok-1"}, json={
        "user_id": stale, "template_id": "355330", "template_data": {"ma_ho_so": "H56.14-240823-0001"}},
        timeout=5).json()
    assert answer["error"] == 0
    sent = requests.get(base + "/_sandbox/messages", timeout=5).json()["messages"]
    assert sent[0]["kind"] == "template" and sent[0]["payload"]["template_id"] == "355330"


# --- tokens --------------------------------------------------------------------------------------


def test_refresh_rotates_and_kills_the_old_pair(base: str) -> None:
    uid = citizen(base)
    fresh = refresh(base, "ref-1")
    assert fresh["expires_in"] == "90000"
    assert fresh["access_token"] != "tok-1" and fresh["refresh_token"] != "ref-1"
    reused = refresh(base, "ref-1")
    assert reused["error"] == -14014 and reused["error_name"] and reused["error_reason"]
    assert send_cs(base, uid, {"text": "a"}).json()["error"] == -216  # the old access token died
    assert send_cs(base, uid, {"text": "a"}, token=fresh["access_token"]).json()["error"] == 0
    again = refresh(base, fresh["refresh_token"])
    assert again["access_token"] not in (fresh["access_token"], "tok-1")
    assert refresh(base, again["refresh_token"], secret="wrong")["error"] != 0
    assert requests.get(base + "/_sandbox/stats", timeout=5).json()["token_refreshes"] == 2


def test_expired_token_answers_220_until_refreshed(base: str) -> None:
    uid = citizen(base)
    requests.post(base + "/_sandbox/faults", json={"kind": "expire_token"}, timeout=5)
    assert send_cs(base, uid, {"text": "a"}).json() == {
        "error": -220, "message": "Access token has expired or been removed"}
    assert getlist(base)["error"] == -220
    fresh = refresh(base, "ref-1")
    assert send_cs(base, uid, {"text": "a"}, token=fresh["access_token"]).json()["error"] == 0


# --- faults --------------------------------------------------------------------------------------


def test_faults_are_consumed_in_order(base: str) -> None:
    uid = citizen(base)
    faults = [{"kind": "error", "code": -32, "count": 2, "endpoint": "message/cs"},
              {"kind": "http_status", "status": 503, "count": 1}]
    assert requests.post(base + "/_sandbox/faults", json=faults, timeout=5).status_code == 201
    # The first fault only matches message/cs: another endpoint gets the next one in line, the 503.
    status = requests.get(base + "/v3.0/oa/user/getlist", headers={"access_token": "tok-1"}, timeout=5).status_code
    assert status == 503
    assert send_cs(base, uid, {"text": "a"}).json()["error"] == -32
    assert send_cs(base, uid, {"text": "a"}).json()["error"] == -32
    assert send_cs(base, uid, {"text": "a"}).json()["error"] == 0
    assert requests.get(base + "/_sandbox/faults", timeout=5).json()["faults"] == []


def test_http_status_fault(base: str) -> None:
    uid = citizen(base)
    requests.post(base + "/_sandbox/faults", json={"kind": "http_status", "status": 503}, timeout=5)
    assert send_cs(base, uid, {"text": "a"}).status_code == 503
    assert send_cs(base, uid, {"text": "a"}).json()["error"] == 0


def test_timeout_drops_the_request_and_delay_processes_it(base: str) -> None:
    uid = citizen(base)
    requests.post(base + "/_sandbox/faults", json=[{"kind": "timeout", "seconds": 0.3},
                                                   {"kind": "delay", "seconds": 0.3}], timeout=5)
    with pytest.raises(requests.RequestException):
        send_cs(base, uid, {"text": "lost"}, timeout=0.2)
    started = time.monotonic()
    assert send_cs(base, uid, {"text": "slow"}).json()["error"] == 0
    assert time.monotonic() - started >= 0.25
    time.sleep(0.2)  # let the dropped request finish hanging
    sent = requests.get(base + "/_sandbox/messages", timeout=5).json()["messages"]
    assert [m["payload"]["message"]["text"] for m in sent] == ["slow"]


def test_stats_count_calls_in_flight_and_echoes_not_yet_answered(base: str, receiver: Receiver) -> None:
    """What end-to-end tests wait on before checking that nothing more arrives."""
    uid = citizen(base)

    def stats() -> dict[str, Any]:
        return requests.get(base + "/_sandbox/stats", timeout=5).json()

    requests.post(base + "/_sandbox/faults", json={"kind": "delay", "seconds": 0.5}, timeout=5)
    slow = threading.Thread(target=send_cs, args=(base, uid, {"text": "chậm"}))
    slow.start()
    deadline = time.monotonic() + 3
    while stats()["in_flight"] == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert stats()["in_flight"] == 1  # held by the delay
    slow.join()
    assert stats()["in_flight"] == 0
    receiver.wait_for("oa_send_text")
    deadline = time.monotonic() + 3
    while stats()["webhooks"]["echoes_pending"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert stats()["webhooks"]["echoes_pending"] == 0


def test_delete_clears_faults(base: str) -> None:
    requests.post(base + "/_sandbox/faults", json={"kind": "error", "code": -200, "count": 5}, timeout=5)
    requests.delete(base + "/_sandbox/faults", timeout=5)
    assert getlist(base)["error"] == 0


# --- followers -----------------------------------------------------------------------------------


def test_getlist_pages_and_limits(base: str) -> None:
    requests.post(base + "/_sandbox/followers/bulk", json={"count": 120, "prefix": "55"}, timeout=5)
    citizen(base, follower=False)
    first = getlist(base, offset=0, count=50, is_follower="true")
    assert first["error"] == 0
    assert first["data"]["total"] == 120 and len(first["data"]["users"]) == 50
    ids = [u["user_id"] for offset in (0, 50, 100)
           for u in getlist(base, offset=offset, count=50, is_follower="true")["data"]["users"]]
    assert len(ids) == len(set(ids)) == 120
    assert getlist(base, offset=0, count=51)["error"] == -210
    assert getlist(base, offset=9952, count=50)["error"] == -210
    assert getlist(base, offset=9951, count=50)["data"]["users"] == []
    assert getlist(base, offset=0, count=50, is_follower="false")["data"]["total"] == 1


def test_user_detail_and_tags(base: str) -> None:
    uid = citizen(base)
    tag = requests.post(base + "/v2.0/oa/tag/tagfollower", headers={"access_token": "tok-1"},
                        json={"user_id": uid, "tag_name": "ap_3"}, timeout=5).json()
    assert tag == {"error": 0, "message": "Success"}
    detail = requests.get(base + "/v3.0/oa/user/detail", params={"data": json.dumps({"user_id": uid})},
                          headers={"access_token": "tok-1"}, timeout=5).json()
    assert detail["data"]["display_name"] == "Nguyễn Văn An" and detail["data"]["user_is_follower"] is True
    assert detail["data"]["tags_and_notes_info"]["tag_names"] == ["ap_3"]
    assert getlist(base, tag_name="ap_3")["data"]["users"] == [{"user_id": uid}]
    tags = requests.get(base + "/v2.0/oa/tag/gettagsofoa", headers={"access_token": "tok-1"}, timeout=5).json()
    assert tags["data"] == ["ap_3"]


# --- webhooks ------------------------------------------------------------------------------------


def assert_signed(headers: dict[str, str], raw: bytes) -> None:
    event = json.loads(raw)
    assert isinstance(event["timestamp"], str) and event["timestamp"].isdigit()
    expected = "mac=" + sign(APP_ID, raw, event["timestamp"], SECRET)
    assert headers["X-ZEvent-Signature"] == expected


def test_citizen_text_is_signed_and_shaped_as_zalo(base: str, receiver: Receiver) -> None:
    uid = citizen(base, last_interaction_days_ago=9)
    result = requests.post(f"{base}/_sandbox/citizen/{uid}/text", json={"text": "làm giấy khai sinh"},
                           timeout=5).json()
    assert result["status"] == 200
    headers, raw = receiver.posts[-1]
    assert_signed(headers, raw)
    event = json.loads(raw)
    assert event["app_id"] == APP_ID and event["event_name"] == "user_send_text"
    assert event["sender"] == {"id": uid} and event["recipient"] == {"id": OA_ID}
    assert event["message"]["text"] == "làm giấy khai sinh" and event["message"]["msg_id"]
    assert isinstance(event["user_id_by_app"], str)
    assert abs(int(event["timestamp"]) - time.time() * 1000) < 5000
    # the event opened the messaging window again
    assert send_cs(base, uid, {"text": "Dạ"}).json()["error"] == 0


def test_follow_unfollow_and_media_events(base: str, receiver: Receiver) -> None:
    uid = citizen(base, follower=False)
    requests.post(f"{base}/_sandbox/citizen/{uid}/follow", json={}, timeout=5)
    follow = receiver.events("follow")[-1]
    assert follow["oa_id"] == OA_ID and follow["follower"] == {"id": uid} and follow["source"] == "oa_profile"
    assert "sender" not in follow
    for kind in ("image", "sticker", "location", "file"):
        assert requests.post(f"{base}/_sandbox/citizen/{uid}/{kind}", json={}, timeout=5).json()["status"] == 200
    location = receiver.events("user_send_location")[-1]["message"]["attachments"][0]
    assert location["type"] == "location" and isinstance(location["payload"]["coordinates"]["latitude"], str)
    requests.post(f"{base}/_sandbox/citizen/{uid}/unfollow", json={}, timeout=5)
    assert receiver.events("unfollow")[-1]["follower"] == {"id": uid}
    assert send_cs(base, uid, {"text": "a"}).json()["error"] == -213
    for headers, raw in receiver.posts:
        assert_signed(headers, raw)


def test_echo_follows_each_send(base: str, receiver: Receiver) -> None:
    uid = citizen(base)
    message_id = send_cs(base, uid, {"text": "Dạ, xã xin trả lời"}).json()["data"]["message_id"]
    echo = receiver.wait_for("oa_send_text")[-1]
    assert echo["sender"] == {"id": OA_ID} and echo["recipient"] == {"id": uid}
    assert echo["message"] == {"msg_id": message_id, "text": "Dạ, xã xin trả lời"}
    assert_signed(*receiver.posts[-1])


def test_raw_event_resend_posts_identical_bodies(base: str, receiver: Receiver) -> None:
    receiver.status = 500
    result = requests.post(base + "/_sandbox/webhook/raw", json={"event": {
        "event_name": "user_send_text", "sender": {"id": "1"}, "recipient": {"id": OA_ID},
        "message": {"msg_id": "m1", "text": "hi"}}, "resend": True}, timeout=5).json()
    assert [d["status"] for d in result["deliveries"]] == [500, 500]
    (_, first), (_, second) = receiver.posts[-2:]
    assert first == second


def test_unreachable_webhook_is_reported_not_raised(base: str) -> None:
    requests.post(base + "/_sandbox/config", json={"webhook_url": "http://127.0.0.1:9/none"}, timeout=5)
    uid = citizen(base)
    result = requests.post(f"{base}/_sandbox/citizen/{uid}/text", json={"text": "a"}, timeout=10).json()
    assert result["status"] is None and result["error"]


def test_chat_page_is_served(base: str) -> None:
    page = requests.get(base + "/", timeout=5)
    assert page.status_code == 200 and 'id="chat-input"' in page.text
    assert requests.get(base + "/static/chat.js", timeout=5).status_code == 200


def test_several_oas_of_one_app_each_with_their_secret_tokens_and_citizens(base: str, receiver: Receiver) -> None:
    other_oa, other_secret = "1190223344556677889", "other-oa-secret"
    added = requests.post(base + "/_sandbox/oas", json={"oa_id": other_oa, "oa_secret_key": other_secret,
                                                        "access_token": "tok-b", "refresh_token": "ref-b"}, timeout=5)
    assert added.status_code == 201
    assert requests.post(base + "/_sandbox/users", json={"oa_id": "42"}, timeout=5).status_code == 404
    mine, theirs = citizen(base), citizen(base, oa_id=other_oa)
    # A citizen's id is valid only with the token of the citizen's OA (Zalo's ids are per OA).
    assert send_cs(base, theirs, {"text": "Chào"}, token="tok-1").json()["error"] == -201
    assert send_cs(base, mine, {"text": "Chào"}, token="tok-b").json()["error"] == -201
    assert send_cs(base, theirs, {"text": "Chào"}, token="tok-b").json()["error"] == 0
    [sent] = requests.get(base + "/_sandbox/messages", params={"user_id": theirs}, timeout=5).json()["messages"]
    assert sent["oa_id"] == other_oa
    [echo] = receiver.wait_for("oa_send_text")
    assert echo["sender"]["id"] == other_oa
    headers, raw = next((h, r) for h, r in receiver.posts if json.loads(r)["event_name"] == "oa_send_text")
    assert headers["X-ZEvent-Signature"] == "mac=" + sign(APP_ID, raw, echo["timestamp"], other_secret)
    # The citizen's own events name their OA and are signed with its secret.
    requests.post(f"{base}/_sandbox/citizen/{theirs}/text", json={"text": "xin chào"}, timeout=5)
    [text] = receiver.wait_for("user_send_text")
    assert text["recipient"]["id"] == other_oa
    headers, raw = next((h, r) for h, r in receiver.posts if json.loads(r)["event_name"] == "user_send_text")
    assert headers["X-ZEvent-Signature"] == "mac=" + sign(APP_ID, raw, text["timestamp"], other_secret)
    # Each OA lists its own followers and refreshes its own pair.

    def followers(token: str) -> list[str]:
        page = getlist(base, token=token, offset=0, count=50, is_follower="true")
        return [u["user_id"] for u in page["data"]["users"]]

    assert followers("tok-b") == [theirs] and theirs not in followers("tok-1")
    pair = refresh(base, "ref-b")
    assert pair["access_token"] and send_cs(base, theirs, {"text": "Lần nữa"}, token=pair["access_token"]).json()[
        "error"] == 0
    assert refresh(base, "ref-1")["access_token"]  # the first OA's pair is untouched
