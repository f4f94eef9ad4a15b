"""In Chromium: the check-in board of a Severe alert updates as citizens answer (no reload), a help
request appears with its area and state, staff mark it reached, and the CSV downloads in Vietnamese."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
from flask import Flask

import handlers
from bot.app import create_app
from bot.config import Settings
from bot.console.users import UserStore
from bot.conversation.context import Context
from bot.ingress.events import Event
from bot.services import Services
from tests.broadcast_helpers import add_followers
from tests.conftest import RunningSandbox
from tests.helpers import text_event
from tests.test_broadcast_fanout import bulk, run_all, start


def answer(client: redis.Redis, settings: Settings, user_id: str, text: str) -> None:
    """The citizen's tap, through the real router and handlers (as the worker runs them)."""
    ctx = Context(event=Event(text_event(user_id, text)), redis=client, settings=settings,
                  now=datetime.now(UTC), services=Services(client, settings))
    handlers.dispatch(ctx)


def test_the_board_updates_as_answers_arrive(
    page: Any, log_in: Callable[[str, str, str], None], serve_app: Callable[[Flask], str],
    redis_client: redis.Redis, zalo_settings: Settings, sandbox: RunningSandbox,
) -> None:
    from playwright.sync_api import expect

    settings = replace(zalo_settings, broadcast_rate_per_second=0)
    ids = bulk(sandbox, 6, "73")
    add_followers(redis_client, settings, ids[:3], area="ap-2")
    add_followers(redis_client, settings, ids[3:])
    broadcast_id, queue = start(redis_client, settings)
    run_all(queue, redis_client, settings)
    app = create_app(settings)
    UserStore(app.config["REDIS"], settings).create("chutich", "official", "official-pass-1", "Chủ tịch xã")
    base = serve_app(app)

    log_in(base, "chutich", "official-pass-1")
    page.goto(f"{base}/console/broadcasts/{broadcast_id}")
    page.click("#checkins")
    total = page.locator("#board tr.total")
    expect(total.locator(".no-answer")).to_have_text("6")
    expect(page.locator("#board tr[data-area=ap-2] .no-answer")).to_have_text("3")

    answer(redis_client, settings, ids[0], f"#checkin {broadcast_id} safe")
    answer(redis_client, settings, ids[3], f"#checkin {broadcast_id} safe")
    expect(total.locator(".safe")).to_have_text("2")
    expect(page.locator("#board tr[data-area=ap-2] .safe")).to_have_text("1")
    expect(total.locator(".no-answer")).to_have_text("4")

    answer(redis_client, settings, ids[4], f"#checkin {broadcast_id} help")
    answer(redis_client, settings, ids[4], f"#checkin {broadcast_id} area ap-3")
    answer(redis_client, settings, ids[4], "Nhà bị tốc mái, có <b>trẻ nhỏ</b>")
    expect(total.locator(".help")).to_have_text("1")
    expect(page.locator("#board tr[data-area=ap-3] .help")).to_have_text("1")
    row = page.locator("#help tr[data-ticket]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Ấp 3")
    expect(row).to_contain_text("Nhà bị tốc mái, có <b>trẻ nhỏ</b>")  # shown as words, never as HTML
    expect(row.locator(".state")).to_have_text("Mới")

    row.locator("button", has_text="Đã tiếp cận").click()
    expect(page.locator("#help tr[data-ticket] .state")).to_have_text("Đã tiếp cận")
    expect(page.locator("#help tr[data-ticket]")).to_contain_text("chutich")

    with page.expect_download() as download:
        page.click("#csv")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("Mã tham chiếu,Khu vực,Trả lời,Thời điểm")
    assert text.count("An toàn") == 2 and text.count("Cần giúp") == 1 and text.count("Chưa trả lời") == 3
    assert not any(uid in text for uid in ids)
