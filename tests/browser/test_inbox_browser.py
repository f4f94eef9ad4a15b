"""The staff inbox in a real browser (Playwright driving Debian's Chromium): a citizen asks for a person,
staff see the ticket appear in the queue without reloading, claim it, reply with a canned answer,
resolve it, and the Zalo sandbox's chat page shows what the citizen received."""

from __future__ import annotations

import re
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
from bot.tickets.store import TicketStore
from tests.conftest import RunningSandbox
from tests.helpers import send_queued_staff_replies, text_event


@pytest.fixture
def console_url(zalo_settings: Settings, serve_app: Callable[[Flask], str]) -> str:
    app = create_app(zalo_settings)
    UserStore(app.config["REDIS"], zalo_settings).create("canbo1", "staff", "staff-pass-1", "Chị Lan")
    return serve_app(app)


@pytest.fixture
def citizen_says(zalo_settings: Settings, redis_client: redis.Redis) -> Callable[[str, str], None]:
    """A citizen's message through the worker's real processing and the real handlers chain."""
    services = Services(redis_client, zalo_settings)
    processor = EventProcessor(redis_client, zalo_settings, services, handlers.dispatch)
    return lambda user, words: processor.handle(parse_event(text_event(user, words)), lambda: None)


def test_claim_reply_resolve_and_the_citizen_sees_it(
    page: Any,
    log_in: Callable[[str, str, str], None],
    console_url: str,
    sandbox: RunningSandbox,
    citizen_says: Callable[[str, str], None],
    redis_client: redis.Redis,
    zalo_settings: Settings,
) -> None:
    from playwright.sync_api import expect

    log_in(console_url, "canbo1", "staff-pass-1")
    page.goto(f"{console_url}/console/inbox/")
    expect(page.get_by_text("Không có yêu cầu nào.")).to_be_visible()

    user = sandbox.create_user("Trần Thị Bình")
    citizen_says(user, "cho tôi nói chuyện với cán bộ về giấy khai sinh")
    row = page.get_by_test_id("ticket-row")
    expect(row).to_have_count(1)  # appeared by polling, without a reload
    expect(row.get_by_test_id("sla")).to_have_class("sla sla-green")
    row.locator("a").click()

    expect(page.get_by_test_id("transcript")).to_contain_text(
        "cho tôi nói chuyện với cán bộ về giấy khai sinh"
    )
    page.get_by_test_id("claim").click()
    expect(page.get_by_test_id("assignee")).to_have_text("Chị Lan")
    page.get_by_test_id("canned").select_option(label="Xin mã hồ sơ")
    expect(page.get_by_test_id("reply-text")).to_have_value(
        re.compile("^Dạ, Anh/Chị vui lòng gửi giúp em mã hồ sơ")
    )
    page.get_by_test_id("reply-text").fill(
        "Dạ, em là cán bộ một cửa. Anh/Chị mang CCCD và giấy chứng sinh ạ."
    )
    page.get_by_test_id("send-reply").click()
    expect(page.get_by_text("Đã xếp trả lời vào hàng gửi qua Zalo", exact=False)).to_be_visible()
    expect(page.get_by_test_id("entry-staff")).to_contain_text("mang CCCD và giấy chứng sinh")
    expect(page.get_by_test_id("entry-staff")).to_contain_text("Đang chờ gửi")  # queued for the worker
    assert send_queued_staff_replies(redis_client, zalo_settings) == 1
    expect(page.get_by_test_id("entry-staff")).not_to_contain_text("Đang chờ gửi")  # the page follows, live

    citizen_says(user, "dạ em cảm ơn, em sẽ mang đến")  # goes to the ticket; the page shows it live
    expect(page.get_by_test_id("entry-citizen").last).to_contain_text("em sẽ mang đến")
    page.get_by_test_id("resolve").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("Đã giải quyết")
    assert send_queued_staff_replies(redis_client, zalo_settings) == 1  # the rating request

    page.goto(f"{sandbox.url}/?user_id={user}")  # the citizen's Zalo, as the sandbox shows it
    chat = page.get_by_test_id("chat-log")
    expect(chat).to_contain_text("Dạ, em là cán bộ một cửa. Anh/Chị mang CCCD và giấy chứng sinh ạ.")
    expect(chat).to_contain_text("đánh giá mức độ hài lòng")
    expect(chat).to_contain_text("5 ★ Rất hài lòng")
    texts = [m["payload"]["message"].get("text", "") for m in sandbox.messages(user)]
    assert len(texts) == 3 and "đã chuyển câu hỏi" in texts[0]  # confirmation, staff reply, rating request
    ticket = TicketStore(redis_client, zalo_settings).last_resolved_for(user)
    assert ticket is not None and ticket.assignee == "canbo1"
