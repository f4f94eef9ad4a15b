"""End to end, issue 10: the four conversations of the issue through the real web and worker against the
sandbox give the right office, the fee in Vietnamese format and answers that fit a phone; and a
screenshot of the sandbox chat at phone size (390×844) is kept as a test artefact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.devtools.stack import Stack
from tests.test_e2e import Citizen, buttons_of, citizen, redis_server, settle, stack  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[1] / "var" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}

# (what the citizen types, where the answer sends them, what the fee line says (a pattern: the commune's card
# or the catalogue's own words), what it must never say)
CONVERSATIONS = [
    ("lam giay khai sinh cho con can gi", "📍 Nơi nộp: UBND xã", "💰 Lệ phí: Miễn phí", ()),
    ("con tôi 16 tuổi làm cccd ở đâu", "📍 Nơi nộp: Công an xã", "💰 Lệ phí:", ("UBND xã",)),
    ("đăng ký kết hôn với người nước ngoài", "📍 Nơi nộp: UBND xã",
     r"💰 Lệ phí: .*(?:HĐND|Hội đồng nhân dân) tỉnh quy định", ("Miễn phí", "ngày không hẹn")),
    ("chứng thực bản sao mất bao nhiêu tiền", "📍 Nơi nộp: UBND xã",
     r"💰 Lệ phí: 2\.000 đồng/trang\n.*1\.000 đồng/trang.*200\.000 đồng/bản", ("USD", "Việt Nam Đồng")),
]


def _text(message: dict) -> str:
    return message["payload"]["message"].get("text", "")


@pytest.mark.parametrize(("question", "where", "fee", "never"), CONVERSATIONS)
def test_the_issue_conversations(citizen: Citizen, question: str, where: str, fee: str,  # noqa: F811
                                 never: tuple[str, ...]) -> None:
    citizen.say(question)
    [answer] = citizen.wait_for(1)
    text = _text(answer)
    assert where in text and re.search(fee, text), text
    assert not [word for word in never if word in text], text
    assert len(text) <= 900
    titles = [b["title"] for b in buttons_of(answer)]
    assert len(titles) <= 5 and all(len(t) <= 20 for t in titles)

    docs = next(b for b in buttons_of(answer) if b["title"] == "Đủ giấy tờ")
    citizen.say(docs["payload"])
    citizen.wait_for(2)
    settle(citizen.stack)  # a page may be two messages
    page = citizen.received()[1:]
    assert 1 <= len(page) <= 2 and all(len(_text(m)) <= 2000 for m in page)
    assert _text(page[0]).startswith("🗂 Giấy tờ")
    more = [b for b in buttons_of(page[-1]) if b["title"] == "Xem tiếp"]
    if more:  # the next page comes on the next tap, and only then
        seen = len(citizen.received())
        citizen.say(more[0]["payload"])
        citizen.wait_for(seen + 1)
        settle(citizen.stack)
        following = citizen.received()[seen:]
        assert 1 <= len(following) <= 2 and "(trang 2/" in _text(following[0])


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed")
def test_screenshot_of_an_answer_on_a_phone(stack: Stack) -> None:  # noqa: F811
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "answer-390x844.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport=PHONE, device_scale_factor=2)
        page.set_default_timeout(15_000)
        page.goto(stack.sandbox_url + "/")
        page.get_by_test_id("new-citizen-name").fill("Nguyễn Thị Hoa")
        page.get_by_test_id("create-citizen").click()
        page.get_by_test_id("chat-input").fill("chứng thực bản sao mất bao nhiêu tiền")
        page.get_by_test_id("send-button").click()
        answer = page.locator(".msg-oa", has_text="Nơi nộp").first
        answer.wait_for()
        page.wait_for_timeout(300)
        answer.evaluate("bubble => bubble.scrollIntoView({block: 'start'})")  # the answer's top on screen
        text = answer.inner_text()
        page.screenshot(path=str(shot))
        browser.close()
    assert "2.000 đồng/trang" in text and "Nơi nộp" in text
    assert shot.stat().st_size > 10_000
