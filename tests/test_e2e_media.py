"""End to end, what citizens send besides text: the real Procfile web and worker against the sandbox.

Photos are served by the sandbox as Zalo's CDN would (uploaded generated receipt pages); assertions
are on what the sandbox received.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

from bot.config import ROOT
from bot.devtools.embedded_redis import EmbeddedRedis
from bot.devtools.stack import Stack
from sandbox.receipt_samples import plain_photo, receipt_page
from tests.broadcast_helpers import announcement_json
from tests.helpers import citizen_ticket, eventually
from tests.test_e2e import Citizen

pytestmark = pytest.mark.e2e

RECEIPT = "H56.14-240823-0001"
PHONE = "84912345678"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    redis_server = EmbeddedRedis(Path(tmp_path_factory.mktemp("media-redis"))).start()
    running = Stack(
        var_dir=Path(tmp_path_factory.mktemp("media-var")),
        redis_url=redis_server.url,
        extra_env={
            "REDIS_KEY_PREFIX": f"e2m{uuid.uuid4().hex[:6]}:",
            "JOB_RETRY_INTERVALS": "1,2",
            "ZALO_TIMEOUT_SECONDS": "2",
            "WEB_CONCURRENCY": "1",
            "PHONE_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "DOSSIER_ZNS_TEMPLATE_ID": "zns-dossier-status",
        },
    ).start()
    yield running
    running.stop()
    redis_server.stop()


@pytest.fixture(scope="module")
def api(stack: Stack) -> requests.Session:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "token", "create", "media-e2e"],
                            cwd=ROOT, env=stack.env, capture_output=True, text=True, timeout=60, check=True)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {result.stdout.strip().splitlines()[-1]}"
    return session


@pytest.fixture
def citizen(stack: Stack) -> Citizen:
    requests.delete(stack.sandbox_url + "/_sandbox/faults", timeout=5)
    return Citizen(stack)


def media_url(citizen: Citizen, data: bytes, content_type: str = "image/jpeg") -> str:
    answer = requests.post(f"{citizen.url}/_sandbox/media", data=data, headers={"Content-Type": content_type},
                           timeout=10)
    answer.raise_for_status()
    return answer.json()["url"]


def send_photo(citizen: Citizen, data: bytes, caption: str | None = None) -> None:
    url = media_url(citizen, data)
    citizen.do("image", payload={"url": url, "thumbnail": url}, text=caption)


def test_a_photo_whose_caption_holds_a_receipt_leads_to_the_id_question(citizen: Citizen) -> None:
    send_photo(citizen, plain_photo(), caption=f"hồ sơ {RECEIPT.lower()} của tôi tới đâu rồi")
    [ask] = citizen.wait_for(1)
    assert "số định danh" in ask["payload"]["message"]["text"]


@pytest.mark.parametrize("with_qr", [True, False], ids=["qr", "printed-text-only"])
def test_a_photo_of_a_receipt_like_page_leads_to_the_id_question(citizen: Citizen, with_qr: bool) -> None:
    send_photo(citizen, receipt_page(with_qr=with_qr))
    [ask] = citizen.wait_for(1, timeout=40)
    assert "số định danh" in ask["payload"]["message"]["text"] and RECEIPT in ask["payload"]["message"]["text"]


def test_media_other_than_photos_get_their_answers(citizen: Citizen) -> None:
    citizen.do("sticker")  # an acknowledgement: nothing to answer
    citizen.do("file")
    citizen.do("file")  # the same "please type" at most once an hour
    citizen.do("location")  # the sandbox's default point is in Ho Chi Minh City, outside the commune
    messages = citizen.wait_for(2)
    assert "gõ câu hỏi" in messages[0]["payload"]["message"]["text"]
    assert "nằm ngoài" in messages[1]["payload"]["message"]["text"]
    citizen.do("image")  # the chat page's sample photo: a receipt with a QR code
    assert "số định danh" in citizen.wait_for(3, timeout=40)[2]["payload"]["message"]["text"]


def test_a_location_inside_ap_2_sets_the_area_and_an_ap_2_alert_reaches_the_citizen(
    stack: Stack, citizen: Citizen, api: requests.Session
) -> None:
    elsewhere = Citizen(stack, "Phạm Văn Dũng")
    for who in (citizen, elsewhere):
        who.do("follow")
        who.wait_for(1)
    elsewhere.say("#area ap-1")
    citizen.do("location", payload={"coordinates": {"latitude": "10.9612", "longitude": "106.7305"}})
    confirm = citizen.wait_for(2)[1]["payload"]["message"]
    assert "Ấp 2, đúng không" in confirm["text"]
    citizen.say(confirm["attachment"]["payload"]["buttons"][0]["payload"])
    assert "Ấp 2" in citizen.wait_for(3)[2]["payload"]["message"]["text"]
    elsewhere.wait_for(2)

    alert = announcement_json(target=["ap-2"], severity="Moderate", urgency="Expected",
                              headline="Cắt điện Ấp 2 sáng mai")
    assert api.post(f"{stack.web_url}/api/v1/broadcasts", json=alert, timeout=10).status_code == 201
    assert "Cắt điện Ấp 2" in citizen.wait_for(4)[3]["payload"]["message"]["text"]
    assert len(elsewhere.received()) == 2  # Ấp 1 is not targeted


def test_a_voice_note_inside_a_ticket_appears_in_the_inbox(
    stack: Stack, citizen: Citizen, api: requests.Session
) -> None:
    citizen.say("cho tôi gặp cán bộ")
    citizen.wait_for(1)
    tickets = [citizen_ticket(api, stack.web_url, citizen.user_id)]
    citizen.do("audio")
    voice: list[dict] = []

    def filed() -> bool:
        transcript = api.get(f"{stack.web_url}/api/v1/tickets/{tickets[0]['id']}", timeout=10).json()["transcript"]
        voice[:] = [a for e in transcript for a in e.get("attachments") or [] if a["type"] == "audio"]
        return bool(voice)

    eventually(filed)
    assert voice[0]["url"].startswith(stack.sandbox_url) and voice[0]["url"].endswith(".wav")
    assert len(citizen.received()) == 1  # staff own the chat: the bot stays silent
    page = (ROOT / "bot/console/templates/inbox/ticket.html").read_text(encoding="utf-8")
    assert "<audio" in page  # the inbox plays it (the page renders attachments of type audio so)


def test_a_shared_phone_makes_a_later_status_push_go_by_zns_outside_the_window(
    stack: Stack, citizen: Citizen, api: requests.Session
) -> None:
    dossier = {"procedure_code": "1.001193", "procedure_name": "Đăng ký khai sinh", "applicant_id": "079123456789",
               "status": 4, "received_at": "2024-08-23T08:00:00+07:00", "due_at": "2099-08-26T17:00:00+07:00",
               "channel": "direct", "return_method": "desk"}
    receipt = "H56.14-240823-0777"
    assert api.put(f"{stack.web_url}/api/v1/dossiers/{receipt}", json=dossier, timeout=10).status_code in (200, 201)
    citizen.say(receipt)
    citizen.wait_for(1)
    citizen.say("079123456789")
    status = citizen.wait_for(2)[1]["payload"]["message"]
    subscribe = next(b for b in status["attachment"]["payload"]["buttons"] if "subscribe" in b["payload"])
    citizen.say(subscribe["payload"])
    subscribed = citizen.wait_for(3)[2]["payload"]["message"]["attachment"]["payload"]["buttons"]
    share = next(b for b in subscribed if b["title"] == "Nhận tin qua SĐT")  # offered: ZNS is configured
    citizen.say(share["payload"])
    form = citizen.wait_for(4)[3]["payload"]["message"]["attachment"]["payload"]
    assert form["template_type"] == "request_user_info"
    citizen.do("submit_info", info={"name": "Trần Thị Bình", "phone": "0912345678",
                                    "full_address": {"user_city": "", "user_ward": "", "user_address": ""}})
    assert "ghi nhận số điện thoại" in citizen.wait_for(5)[4]["payload"]["message"]["text"]

    # Ten days later the citizen is outside Zalo's 7-day window, on a weekday morning in Vietnam.
    citizen.control("PATCH", f"/_sandbox/users/{citizen.user_id}", json={"last_interaction_days_ago": 10})
    citizen.control("POST", "/_sandbox/config", json={"vietnam_hour": 9})
    try:
        dossier["status"] = 9
        assert api.put(f"{stack.web_url}/api/v1/dossiers/{receipt}", json=dossier, timeout=10).status_code == 200
        eventually(lambda: bool(citizen.messages(PHONE)))
        [zns] = citizen.messages(PHONE)
        assert zns["kind"] == "zns" and zns["payload"]["template_id"] == "zns-dossier-status"
        assert zns["payload"]["template_data"]["receipt"] == receipt
        assert len(citizen.received()) == 5  # no consultation message got through outside the window
    finally:
        citizen.control("POST", "/_sandbox/config", json={"vietnam_hour": None})
