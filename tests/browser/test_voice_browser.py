"""A voice note sent inside a ticket plays in the staff inbox (Playwright driving Debian's Chromium)."""

from __future__ import annotations

import time
import uuid
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
from tests.conftest import RunningSandbox
from tests.helpers import text_event


@pytest.fixture
def console_url(zalo_settings: Settings, serve_app: Callable[[Flask], str]) -> str:
    app = create_app(zalo_settings)
    UserStore(app.config["REDIS"], zalo_settings).create("canbo2", "staff", "staff-pass-2", "Anh Minh")
    return serve_app(app)


def test_a_voice_note_in_a_ticket_plays_in_the_inbox(
    page: Any, log_in: Callable[[str, str, str], None], console_url: str, sandbox: RunningSandbox,
    zalo_settings: Settings, redis_client: redis.Redis,
) -> None:
    from playwright.sync_api import expect

    processor = EventProcessor(redis_client, zalo_settings, Services(redis_client, zalo_settings), handlers.dispatch)
    user = sandbox.create_user("Lê Thị Hoa")
    processor.handle(parse_event(text_event(user, "cho tôi gặp cán bộ")), lambda: None)
    voice = "https://voice-talk.zadn.vn/3f2a/ghi-am.aac"
    processor.handle(parse_event({
        "app_id": "123", "event_name": "user_send_audio", "timestamp": str(int(time.time() * 1000)),
        "sender": {"id": user}, "recipient": {"id": "4024926008133882615"},
        "message": {"msg_id": uuid.uuid4().hex, "attachments": [{"type": "audio", "payload": {"url": voice}}]},
    }), lambda: None)

    log_in(console_url, "canbo2", "staff-pass-2")
    page.goto(f"{console_url}/console/inbox/")
    page.get_by_test_id("ticket-row").locator("a").click()
    audio = page.get_by_test_id("transcript").locator("audio")
    expect(audio).to_have_count(1)
    expect(audio).to_have_attribute("src", voice)
    expect(page.get_by_test_id("entry-citizen").last).to_contain_text("Ghi âm")
