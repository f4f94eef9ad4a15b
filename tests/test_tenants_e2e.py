"""End to end: two communes' OAs on one stack (the real Procfile `web` and `worker`, the sandbox serving
both OAs, a real Redis). The second commune is added with `flask --app wsgi tenant add` while the stack
runs, and nothing is restarted."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from bot.config import ROOT
from bot.devtools.embedded_redis import EmbeddedRedis
from bot.devtools.stack import Stack
from bot.ingress.signature import expected_mac
from tests.broadcast_helpers import announcement_json
from tests.helpers import SandboxControl
from tests.helpers import eventually as wait_until

pytestmark = pytest.mark.e2e

FIRST = "UBND xã Phú Lương"
SECOND = "UBND xã Tân Phú"
SECOND_OA = "1190223344556677889"
SECOND_SECRET = "tan-phu-oa-secret-" + uuid.uuid4().hex[:8]


class Citizen(SandboxControl):
    def __init__(self, stack: Stack, name: str, oa_id: str = "") -> None:
        super().__init__(stack.sandbox_url)
        body: dict[str, object] = {"display_name": name, "follower": False}
        if oa_id:
            body["oa_id"] = oa_id
        self.user_id = self.control("POST", "/_sandbox/users", json=body)["user_id"]

    def do(self, action: str, **body: object) -> dict:
        return self.control("POST", f"/_sandbox/citizen/{self.user_id}/{action}", json=body)

    def wait_for(self, count: int, timeout: float = 30.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            received = self.messages(self.user_id)
            if len(received) >= count:
                return received
            time.sleep(0.1)
        raise AssertionError(f"expected {count} messages, got {self.messages(self.user_id)}")


def eventually(check: Callable[[], bool], timeout: float = 40.0) -> None:
    wait_until(check, timeout, every=0.2)


def flask_cli(stack: Stack, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], env=stack.env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    server = EmbeddedRedis(Path(tmp_path_factory.mktemp("tenants-redis"))).start()
    running = Stack(var_dir=Path(tmp_path_factory.mktemp("tenants-var")), redis_url=server.url, extra_env={
        "REDIS_KEY_PREFIX": f"t{uuid.uuid4().hex[:6]}:", "COMMUNE_NAME": FIRST, "WEB_CONCURRENCY": "1",
        "JOB_RETRY_INTERVALS": "1,2", "ZALO_TIMEOUT_SECONDS": "2", "BROADCAST_BATCH_SIZE": "2",
    })
    try:
        running.start()
        # The sandbox gets the second commune's OA (same Zalo app); the running bot gets it by command.
        SandboxControl(running.sandbox_url).control("POST", "/_sandbox/oas", json={
            "oa_id": SECOND_OA, "oa_secret_key": SECOND_SECRET,
            "access_token": "tan-phu-access", "refresh_token": "tan-phu-refresh"})
        out = flask_cli(running, "tenant", "add", SECOND, "--oa-id", SECOND_OA,
                        "--app-id", running.env["ZALO_APP_ID"], "--oa-secret-key", SECOND_SECRET,
                        "--app-secret", running.env["ZALO_APP_SECRET"], "--access-token", "tan-phu-access",
                        "--refresh-token", "tan-phu-refresh")
        assert out.startswith("added ubnd-xa-tan-phu") and SECOND_SECRET not in out
        yield running
    finally:
        running.stop()
        server.stop()


def post_signed(stack: Stack, event: dict, secret: str) -> requests.Response:
    body = json.dumps(event, separators=(",", ":")).encode()
    mac = expected_mac(stack.env["ZALO_APP_ID"], body, event["timestamp"], secret)
    return requests.post(f"{stack.web_url}/webhook/zalo", data=body, timeout=10,
                         headers={"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"})


def test_the_added_tenant_is_listed_without_its_secrets(stack: Stack) -> None:
    listing = flask_cli(stack, "tenant", "list")
    assert FIRST in listing and SECOND in listing and SECOND_OA in listing
    assert SECOND_SECRET not in listing and stack.env["ZALO_OA_SECRET_KEY"] not in listing


def test_each_commune_welcomes_and_answers_with_its_own_oa_and_token(stack: Stack) -> None:
    first = Citizen(stack, "Trần Thị Bình")
    second = Citizen(stack, "Lê Văn Cường", oa_id=SECOND_OA)
    assert first.do("follow")["status"] == 200
    assert second.do("follow")["status"] == 200
    [welcome_first] = first.wait_for(1)
    [welcome_second] = second.wait_for(1)
    assert FIRST in welcome_first["payload"]["message"]["text"]
    assert SECOND in welcome_second["payload"]["message"]["text"]
    first.do("text", text="cho em hoi lam giay khai sinh cho con can gi")
    second.do("text", text="cho em hoi lam giay khai sinh cho con can gi")
    answers = [first.wait_for(2)[1], second.wait_for(2)[1]]
    assert all("đăng ký khai sinh" in a["payload"]["message"]["text"] for a in answers)
    # The sandbox only accepts a citizen's id with the token of that citizen's OA: each reply went out
    # with its own commune's token.
    assert {m["oa_id"] for m in first.messages(first.user_id)} == {""}
    assert {m["oa_id"] for m in second.messages(second.user_id)} == {SECOND_OA}


def _text_event(user_id: str, oa_id: str, app_id: str) -> dict:
    return {"app_id": app_id, "event_name": "user_send_text", "timestamp": str(int(time.time() * 1000)),
            "sender": {"id": user_id}, "recipient": {"id": oa_id},
            "message": {"msg_id": uuid.uuid4().hex, "text": "xin chào"}}


def test_an_event_signed_with_the_other_communes_secret_is_refused(stack: Stack) -> None:
    app_id, first_oa, first_secret = stack.env["ZALO_APP_ID"], stack.env["ZALO_OA_ID"], stack.env["ZALO_OA_SECRET_KEY"]
    assert post_signed(stack, _text_event("8001", SECOND_OA, app_id), first_secret).status_code == 401
    assert post_signed(stack, _text_event("8002", first_oa, app_id), SECOND_SECRET).status_code == 401
    # An OA nobody registered, signed with the second commune's secret, is refused too.
    assert post_signed(stack, _text_event("8003", "5550001112223334445", app_id), SECOND_SECRET).status_code == 401
    assert post_signed(stack, _text_event("8004", SECOND_OA, app_id), SECOND_SECRET).status_code == 200


def test_a_province_alert_reaches_both_communes_followers_once_each(stack: Stack) -> None:
    followers = [Citizen(stack, f"Người dân {i}", oa_id=SECOND_OA if i % 2 else "") for i in range(6)]
    for citizen in followers:
        assert citizen.do("follow")["status"] == 200
    for citizen in followers:
        citizen.wait_for(1)  # the welcome: the follower is registered in its commune
    token = flask_cli(stack, "token", "create", "so-tnmt", "--scope", "province",
                      "--scope", "broadcasts:send").splitlines()[-1]
    auth = {"Authorization": f"Bearer {token}"}
    created = requests.post(f"{stack.web_url}/api/v1/broadcasts", headers=auth, timeout=15,
                            json=announcement_json(headline="Lũ quét trên sông Cầu tối nay"))
    assert created.status_code == 201, created.text
    group = created.json()
    assert {c["commune"] for c in group["communes"]} == {FIRST, SECOND}

    def all_done() -> bool:
        report = requests.get(f"{stack.web_url}/api/v1/broadcasts/{group['id']}", headers=auth, timeout=10).json()
        return all(c["status"] == "done" for c in report["communes"])

    eventually(all_done, timeout=60)
    report = requests.get(f"{stack.web_url}/api/v1/broadcasts/{group['id']}", headers=auth, timeout=10).json()
    by_commune = {c["commune"]: c for c in report["communes"]}
    assert by_commune[FIRST]["sent"] >= 3 and by_commune[SECOND]["sent"] >= 3
    for citizen in followers:
        alerts = [m for m in citizen.messages(citizen.user_id)
                  if "Lũ quét" in m["payload"]["message"].get("text", "")]
        assert len(alerts) == 1, citizen.messages(citizen.user_id)
    # Batches of two, interleaved across the communes: neither commune's alert waits for the other's to end.
    alerts = [m for m in SandboxControl(stack.sandbox_url).messages()
              if "Lũ quét" in m["payload"]["message"].get("text", "")]
    oas = [m["oa_id"] for m in sorted(alerts, key=lambda m: m["seq"])]
    assert set(oas[: len(oas) // 2]) == {"", SECOND_OA}, oas
    # A commune-scoped token (no `province`) still reaches one commune only.
    plain = flask_cli(stack, "token", "create", "xa-phu-luong").splitlines()[-1]
    one = requests.post(f"{stack.web_url}/api/v1/broadcasts", timeout=15, headers={"Authorization": f"Bearer {plain}"},
                        json=announcement_json(headline="Cắt điện thôn Đông")).json()
    assert "communes" not in one and one["status"] in ("preparing", "sending", "done")


def test_a_disabled_commune_is_acknowledged_and_not_answered(stack: Stack) -> None:
    citizen = Citizen(stack, "Phạm Thị Dung", oa_id=SECOND_OA)
    assert "disabled ubnd-xa-tan-phu" in flask_cli(stack, "tenant", "disable", SECOND)
    try:
        time.sleep(1.2)  # the web process re-reads the registry at most once a second
        delivery = citizen.do("follow")
        assert delivery["status"] == 200
        time.sleep(2)
        assert citizen.messages(citizen.user_id) == []
    finally:
        flask_cli(stack, "tenant", "enable", SECOND)
