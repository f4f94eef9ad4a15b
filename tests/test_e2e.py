"""End to end: the real Procfile `web` and `worker` against the Zalo sandbox and a real Redis.

The stack is the one `scripts/demo.sh` runs. Assertions are on what the sandbox received.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests
from rq import Queue

from bot.config import Settings
from bot.devtools.embedded_redis import EmbeddedRedis
from bot.devtools.stack import Stack, procfile_commands
from bot.dossiers.push import delayed_pushes
from bot.queue.event_inbox import Keys
from bot.queue.jobs import delayed_drains
from bot.tickets.outgoing import OutgoingReplies
from tests.helpers import SandboxControl, citizen_ticket, eventually

pytestmark = pytest.mark.e2e


class Citizen(SandboxControl):
    """A citizen played through the sandbox's control API."""

    def __init__(self, stack: Stack, name: str = "Trần Thị Bình", follower: bool = True) -> None:
        super().__init__(stack.sandbox_url)
        self.stack = stack
        self.user_id = self.create_user(name, follower=follower)

    def do(self, action: str, **body: object) -> dict:
        return self.control("POST", f"/_sandbox/citizen/{self.user_id}/{action}", json=body)

    def say(self, text: str) -> dict:
        return self.do("text", text=text)

    def received(self) -> list[dict]:
        return self.messages(self.user_id)

    def texts(self) -> list[str]:
        return [m["payload"]["message"].get("text", "") for m in self.received()]

    def wait_for(self, count: int, timeout: float = 20.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.received()
            if len(messages) >= count:
                return messages
            time.sleep(0.1)
        raise AssertionError(f"expected {count} messages, got {self.texts()}")


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(Path(tmp_path_factory.mktemp("e2e-redis"))).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(redis_server: EmbeddedRedis, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(
        var_dir=Path(tmp_path_factory.mktemp("e2e-var")),
        redis_url=redis_server.url,
        extra_env={
            "REDIS_KEY_PREFIX": f"e2e{uuid.uuid4().hex[:6]}:",
            "USER_LOCK_TTL_SECONDS": "3",
            "JOB_RETRY_INTERVALS": "1,2",
            "ZALO_TIMEOUT_SECONDS": "2",
            "WEB_CONCURRENCY": "1",
        },
    ).start()
    yield running
    running.stop()


@pytest.fixture
def citizen(stack: Stack) -> Citizen:
    requests.delete(stack.sandbox_url + "/_sandbox/faults", timeout=5)
    return Citizen(stack)


def settle(stack: Stack, timeout: float = 40.0) -> None:
    """Wait until nothing is under way, before checking that nothing more arrived: the sandbox is answering
    no Zalo call (a delay or timeout fault holds one) and posting no echo, and the bot has no citizen event,
    delayed drain or push, unsettled staff reply or waiting job left. Seen twice, 0.1 s apart, so that a
    hand-over from one to the next is not missed."""
    settings = Settings.from_env(redis_url=stack.env["REDIS_URL"], key_prefix=stack.env["REDIS_KEY_PREFIX"])
    client = redis.Redis.from_url(settings.redis_url)

    def idle() -> bool:
        sandbox = requests.get(f"{stack.sandbox_url}/_sandbox/stats", timeout=5).json()
        return (sandbox["in_flight"] == 0 and sandbox["webhooks"]["echoes_pending"] == 0
                and client.scard(Keys(settings).pending) == 0
                and client.zcard(delayed_drains(client, settings).key) == 0
                and client.zcard(delayed_pushes(client, settings).key) == 0
                and not OutgoingReplies(client, settings).still_queued()
                and Queue(settings.queue_name, connection=client).count == 0)

    def idle_twice() -> bool:
        if not idle():
            return False
        time.sleep(0.1)
        return idle()

    try:
        eventually(idle_twice, timeout)
    finally:
        client.close()


def test_follow_gets_a_welcome_with_the_menu(stack: Stack) -> None:
    newcomer = Citizen(stack, "Lê Văn Cường", follower=False)
    assert newcomer.do("follow")["status"] == 200
    [welcome] = newcomer.wait_for(1)
    message = welcome["payload"]["message"]
    assert "Chào mừng" in message["text"]
    titles = [b["title"] for b in message["attachment"]["payload"]["buttons"]]
    assert "Gặp cán bộ" in titles and all(len(t) <= 20 for t in titles)


def buttons_of(message: dict) -> list[dict]:
    return message["payload"]["message"].get("attachment", {}).get("payload", {}).get("buttons", [])


def test_greeting_gets_a_short_greeting_not_a_procedure(citizen: Citizen) -> None:
    citizen.say("alo")
    [reply] = citizen.wait_for(1)
    assert "chào" in reply["payload"]["message"]["text"] and "📄" not in reply["payload"]["message"]["text"]


def test_a_clear_question_gets_the_answer_and_its_buttons_work(citizen: Citizen) -> None:
    citizen.say("cho em hoi lam giay khai sinh cho con can gi")
    [answer] = citizen.wait_for(1)
    assert "đăng ký khai sinh" in answer["payload"]["message"]["text"]
    assert "Lệ phí" in answer["payload"]["message"]["text"]
    docs = next(b for b in buttons_of(answer) if b["title"] == "Đủ giấy tờ")
    citizen.say(docs["payload"])
    citizen.wait_for(2)
    settle(citizen.stack)  # a page of the list may come as two messages
    rest = "\n".join(citizen.texts()[1:])
    assert rest.startswith("🗂 Giấy tờ") and "Tờ khai đăng ký khai sinh" in rest
    assert all(len(text) <= 2000 for text in citizen.texts())


def test_a_vague_question_gets_buttons_and_a_tap_or_a_number_answers(citizen: Citizen) -> None:
    citizen.say("cap lai")
    [question] = citizen.wait_for(1)
    choices = [b for b in buttons_of(question) if b["payload"].startswith("#proc")]
    assert 2 <= len(choices) <= 4
    citizen.say(choices[1]["payload"])  # tapping the second button
    tapped = citizen.wait_for(2)[1]["payload"]["message"]["text"]
    citizen.say("cap lai")
    citizen.wait_for(3)
    citizen.say("cái thứ hai")
    typed = citizen.wait_for(4)[3]["payload"]["message"]["text"]
    assert tapped == typed and tapped.startswith("📄")


def test_a_clarifying_question_names_the_difference_and_the_tapped_button_answers_it(citizen: Citizen) -> None:
    citizen.say("căn cước cho con")
    [question] = citizen.wait_for(1)
    text = question["payload"]["message"]["text"]
    assert "từ đủ 14 tuổi hay dưới 14 tuổi" in text or "dưới 14 tuổi hay từ đủ 14 tuổi" in text
    titles = {b["title"]: b for b in buttons_of(question)}
    assert {"Từ đủ 14 tuổi", "Dưới 14 tuổi"} <= set(titles) and all(len(t) <= 20 for t in titles)
    citizen.say(titles["Dưới 14 tuổi"]["payload"])
    answer = citizen.wait_for(2)[1]["payload"]["message"]["text"]
    assert answer.startswith("📄") and "dưới 14 tuổi" in answer


def test_messages_from_one_citizen_are_answered_in_order(stack: Stack, citizen: Citizen) -> None:
    stack.start_process("worker-2", procfile_commands()["worker"])
    try:
        questions = ["đăng ký kết hôn", "đăng ký khai tử", "đăng ký thường trú", "đăng ký khai sinh"]
        for question in questions:
            citizen.say(question)
        first_lines = [m["payload"]["message"]["text"].split("\n")[0].lower() for m in citizen.wait_for(4)]
        for question, first_line in zip(questions, first_lines, strict=True):
            assert question in first_line
    finally:
        stack.kill("worker-2")


def test_media_gets_a_polite_please_type(citizen: Citizen) -> None:
    citizen.do("file")
    [message] = citizen.wait_for(1)
    assert "gõ câu hỏi" in message["payload"]["message"]["text"]  # more media: tests/test_e2e_media.py


def test_a_resent_event_is_answered_once(citizen: Citizen) -> None:
    citizen.say("xin chào")
    citizen.wait_for(1)
    resend = citizen.control("POST", "/_sandbox/webhook/resend")
    assert resend["status"] == 200
    settle(citizen.stack)
    assert len(citizen.received()) == 1


def test_our_own_echoes_are_never_answered(citizen: Citizen) -> None:
    citizen.say("chào bạn")
    citizen.wait_for(1)
    settle(citizen.stack)  # the sandbox posted an oa_send_text echo of the reply; nothing must answer it
    assert len(citizen.received()) == 1


def test_expired_token_is_refreshed_and_the_reply_still_goes(citizen: Citizen) -> None:
    before = citizen.control("GET", "/_sandbox/stats")["token_refreshes"]
    citizen.control("POST", "/_sandbox/faults", json={"kind": "expire_token"})
    citizen.say("cho hỏi chút")
    citizen.wait_for(1)
    assert citizen.control("GET", "/_sandbox/stats")["token_refreshes"] == before + 1


def test_worker_killed_mid_job_replies_exactly_once_after_restart(stack: Stack, citizen: Citizen) -> None:
    # The send hangs (and is dropped, as a lost request would be); the worker dies while waiting.
    citizen.control("POST", "/_sandbox/faults",
                 json={"kind": "timeout", "seconds": 6, "count": 1, "endpoint": "message/cs"})
    citizen.say("tôi cần hỏi")
    eventually(lambda: any("message/cs" in p for p in citizen.control("GET", "/_sandbox/stats")["calls"])
               and citizen.control("GET", "/_sandbox/faults")["faults"] == [])
    stack.kill("worker")
    stack.start_process("worker")
    citizen.wait_for(1, timeout=30)
    settle(stack)
    assert len(citizen.received()) == 1


def test_worker_killed_after_zalo_took_the_message_does_not_send_it_again(stack: Stack, citizen: Citizen) -> None:
    # Zalo is slow: it will deliver the reply 3 s after the request, by which time the worker is dead.
    citizen.control("POST", "/_sandbox/faults",
                 json={"kind": "delay", "seconds": 3, "count": 1, "endpoint": "message/cs"})
    citizen.say("cho tôi hỏi")
    eventually(lambda: citizen.control("GET", "/_sandbox/faults")["faults"] == [])
    stack.kill("worker")
    stack.start_process("worker")
    citizen.wait_for(1, timeout=30)
    settle(stack)  # the restarted worker has settled the in-doubt send
    assert len(citizen.received()) == 1


def test_two_identical_replies_under_a_slow_send_and_a_timeout_both_arrive(citizen: Citizen) -> None:
    # "xin chào" then "hello" get the same greeting. The first send is slow (answered after 1.5 s of the
    # client's 2), the second hangs and is dropped: settling it must not take the first greeting for it.
    citizen.control("POST", "/_sandbox/faults", json=[
        {"kind": "delay", "seconds": 1.5, "count": 1, "endpoint": "message/cs"},
        {"kind": "timeout", "seconds": 2.5, "count": 1, "endpoint": "message/cs"},
    ])
    citizen.say("xin chào")
    citizen.say("hello")
    citizen.wait_for(2, timeout=40)
    settle(citizen.stack)
    texts = citizen.texts()
    assert len(texts) == 2 and texts[0] == texts[1]


def test_redis_restart_with_events_queued_loses_none(stack: Stack, redis_server: EmbeddedRedis,
                                                     citizen: Citizen) -> None:
    stack.kill("worker")
    for text in ("một", "hai", "ba"):
        assert citizen.say(text)["status"] == 200
    redis_server.restart()  # same port, same AOF file
    stack.start_process("worker")
    citizen.wait_for(3, timeout=40)
    settle(stack)
    assert len(citizen.received()) == 3


def flask_cli(stack: Stack, *args: str) -> str:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], env=stack.env,
                            capture_output=True, text=True, timeout=60, check=True)
    return result.stdout.strip()


def test_dossier_lookup_verification_subscription_and_push(stack: Stack, citizen: Citizen) -> None:
    token = flask_cli(stack, "token", "create", "mot-cua-tinh").splitlines()[-1]
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    receipt = "H56.14-240823-0001"
    dossier = {"procedure_code": "1.001193", "procedure_name": "Đăng ký khai sinh", "applicant_id": "079123456789",
               "status": 4, "received_at": "2024-08-23T08:00:00+07:00", "due_at": "2099-08-26T17:00:00+07:00",
               "channel": "direct", "return_method": "desk"}
    assert api.put(f"{stack.web_url}/api/v1/dossiers/{receipt}", json=dossier, timeout=10).status_code in (200, 201)

    citizen.say("cho hỏi hồ sơ h56.14 – 240823 – 0001 của tôi tới đâu rồi")
    [ask] = citizen.wait_for(1)
    assert "số định danh" in ask["payload"]["message"]["text"]
    citizen.say("079123456789")
    status = citizen.wait_for(2)[1]["payload"]["message"]
    assert "Đang xử lý" in status["text"] or "đang được xử lý" in status["text"].lower()
    assert "079123456789" not in status["text"]
    subscribe = next(b for b in status["attachment"]["payload"]["buttons"] if "subscribe" in b["payload"])
    citizen.say(subscribe["payload"])
    citizen.wait_for(3)

    dossier["status"] = 9
    assert api.put(f"{stack.web_url}/api/v1/dossiers/{receipt}", json=dossier, timeout=10).status_code == 200
    push = citizen.wait_for(4)[3]["payload"]["message"]["text"]
    assert receipt in push
    settle(stack)
    assert len(citizen.received()) == 4  # exactly one push for one change


def test_a_staff_reply_is_queued_by_the_web_and_sent_once_by_the_worker(stack: Stack, citizen: Citizen) -> None:
    token = flask_cli(stack, "token", "create", "mot-cua-staff").splitlines()[-1]
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    citizen.say("cho tôi gặp cán bộ")
    citizen.wait_for(1)
    tickets = [citizen_ticket(api, stack.web_url, citizen.user_id)]
    reply_url = f"{stack.web_url}/api/v1/tickets/{tickets[0]['id']}/reply"
    key = {"Idempotency-Key": uuid.uuid4().hex}
    answered = api.post(reply_url, json={"text": "Dạ, em là cán bộ một cửa ạ."}, headers=key, timeout=10)
    assert answered.status_code == 200 and answered.json()["delivery"] == "queued"
    assert api.post(reply_url, json={"text": "Dạ, em là cán bộ một cửa ạ."}, headers=key, timeout=10).ok
    citizen.wait_for(2)

    def shown_as_sent() -> bool:
        transcript = api.get(f"{stack.web_url}/api/v1/tickets/{tickets[0]['id']}", timeout=10).json()["transcript"]
        return [e["delivery"] for e in transcript if e["who"] == "staff"] == ["sent"]

    eventually(shown_as_sent)
    settle(stack)
    assert citizen.texts().count("Dạ, em là cán bộ một cửa ạ.") == 1  # once, although submitted twice
