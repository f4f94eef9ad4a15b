"""Who is writing, in a real browser: citizens' Zalo names (fetched by the worker from the sandbox's user
detail endpoint) in the queue; a staff member finds a ticket by the citizen's name, replies with their
signature without leaving the page, and the queue follows without a reload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis
from flask import Flask

import handlers
from bot.app import create_app
from bot.config import Settings
from bot.console.users import UserStore
from bot.ingress.events import parse_event
from bot.queue.processing import EventProcessor
from bot.services import Services
from tests.browser.conftest import screenshot
from tests.conftest import RunningSandbox
from tests.helpers import send_queued_staff_replies, text_event


@pytest.fixture
def console_url(zalo_settings: Settings, serve_app: Callable[[Flask], str]) -> str:
    app = create_app(zalo_settings)
    users = UserStore(app.config["REDIS"], zalo_settings)
    users.create("canbo1", "staff", "staff-pass-1", "Chị Lan")
    users.set_signature("canbo1", "Cán bộ Lan – Bộ phận một cửa xã")
    return serve_app(app)


@pytest.fixture
def citizen_says(zalo_settings: Settings, redis_client: redis.Redis) -> Callable[[str, str], None]:
    services = Services(redis_client, zalo_settings)
    processor = EventProcessor(redis_client, zalo_settings, services, handlers.dispatch)
    return lambda user, words: processor.handle(parse_event(text_event(user, words)), lambda: None)


def test_find_by_name_reply_with_signature_queue_follows(
    page: Any, log_in: Callable[[str, str, str], None], console_url: str, sandbox: RunningSandbox,
    citizen_says: Callable[[str, str], None], redis_client: redis.Redis, zalo_settings: Settings,
) -> None:
    from playwright.sync_api import expect

    binh, an = sandbox.create_user("Trần Thị Bình"), sandbox.create_user("Lê Văn An")
    citizen_says(an, "cho tôi gặp cán bộ về đất đai")
    citizen_says(binh, "cho tôi nói chuyện với cán bộ về giấy khai sinh")
    log_in(console_url, "canbo1", "staff-pass-1")
    page.goto(f"{console_url}/console/inbox/")
    rows = page.get_by_test_id("ticket-row")
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("citizen-name")).to_have_text(["Lê Văn An", "Trần Thị Bình"])

    page.keyboard.press("/")  # the shortcut focuses the search box
    page.keyboard.type("tran thi binh")  # without diacritics, as staff type fast
    expect(rows).to_have_count(1)
    expect(rows.get_by_test_id("citizen-name")).to_have_text("Trần Thị Bình")
    page.get_by_test_id("search").fill("khai sinh")  # the citizen's own words find it too
    expect(rows).to_have_count(1)
    screenshot(page, "inbox")

    # A new ticket arrives while the page is open: it appears, with a badge, without a reload.
    page.get_by_test_id("search").fill("")
    marker = page.evaluate("() => (window.__same_page = 1)")
    citizen_says(sandbox.create_user("Phạm Thu Hà"), "em muốn gặp cán bộ")
    expect(rows).to_have_count(3)
    expect(page.get_by_test_id("new-badge")).to_have_text("1 mới")
    expect(page.get_by_test_id("nav-badge")).to_have_text("3", timeout=20_000)  # beside «Hộp thư cán bộ»
    assert page.evaluate("() => window.__same_page") == marker

    page.get_by_test_id("search").fill("Bình")
    expect(rows).to_have_count(1)
    rows.locator("a").click()
    expect(page.get_by_test_id("citizen-name")).to_have_text("Trần Thị Bình")
    page.get_by_test_id("claim").click()
    expect(page.get_by_test_id("assignee")).to_have_text("Chị Lan")
    page.evaluate("() => (window.__same_page = 2)")
    page.get_by_test_id("reply-text").fill("Dạ, Anh/Chị mang CCCD và giấy chứng sinh đến bộ phận một cửa ạ.")
    page.keyboard.press("Control+Enter")
    expect(page.get_by_test_id("reply-result")).to_contain_text("Đã xếp trả lời vào hàng gửi qua Zalo")
    expect(page.get_by_test_id("entry-staff")).to_contain_text("— Cán bộ Lan – Bộ phận một cửa xã")
    assert page.evaluate("() => window.__same_page") == 2  # sent without leaving the page
    screenshot(page, "ticket")
    expect(page.get_by_test_id("transcript")).to_contain_text("Chuyển cho cán bộ (Xin gặp cán bộ)")  # not "(words)"
    assert send_queued_staff_replies(redis_client, zalo_settings) == 1
    sent = sandbox.messages(binh)[-1]["payload"]["message"]["text"]
    assert sent.endswith("giấy chứng sinh đến bộ phận một cửa ạ.\n— Cán bộ Lan – Bộ phận một cửa xã")

    page.keyboard.press("Escape")  # back to the queue: the answered ticket now waits for the citizen
    page.get_by_test_id("search").fill("Bình")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Chờ người dân")
    body = page.inner_text("body")
    assert not any(word in body.split() for word in ("open", "pending", "words", "button", "done"))
