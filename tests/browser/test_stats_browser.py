"""The statistics dashboard in a real browser (Playwright driving Debian's Chromium): the charts are drawn
from recorded statistics by the vendored Chart.js, offline, and a fallback question becomes an alias."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import redis
from werkzeug.serving import make_server

import handlers
from bot.app import create_app
from bot.config import Settings
from bot.console.users import UserStore
from bot.context import Context
from bot.events import Event
from bot.services import Services
from bot.stats import record_event

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]
UNKNOWN = "giấy tờ cho bà bầu đi đẻ"


@pytest.fixture
def console_url(settings: Settings) -> Iterator[str]:
    app = create_app(settings)
    UserStore(app.config["REDIS"], settings).create("chutich", "official", "official-pass-1", "Chủ tịch xã")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
        page = browser.new_page()
        page.set_default_timeout(10_000)
        yield page
        browser.close()


def converse(client: redis.Redis, settings: Settings, lines: list[str]) -> None:
    services = Services(client, settings)
    for words in lines:
        event = Event({"event_name": "user_send_text", "sender": {"id": "u1"}, "timestamp": "1",
                       "message": {"text": words, "msg_id": uuid.uuid4().hex}})
        ctx = Context(event, client, settings, datetime.now(UTC), services)
        record_event(ctx, handlers.dispatch(ctx))


def test_dashboard_draws_its_charts(page: Any, console_url: str, redis_client: redis.Redis,
                                    settings: Settings) -> None:
    from playwright.sync_api import expect

    converse(redis_client, settings, ["làm giấy khai sinh cho con", "đăng ký kết hôn", "khai sinh", UNKNOWN])
    page.goto(f"{console_url}/console/login")
    page.fill("input[name=username]", "chutich")
    page.fill("input[name=password]", "official-pass-1")
    page.click("button[type=submit]")
    page.goto(f"{console_url}/console/stats/?days=7")
    expect(page.locator("body")).to_have_attribute("data-charts-ready", "1")
    expect(page.locator('[data-counter="questions"] b')).to_have_text("4")

    drawn = page.evaluate("""() => window.statsCharts.map(chart => ({
        type: chart.config.type,
        points: chart.data.datasets.map(d => d.data.reduce((a, b) => a + b, 0)),
        labels: chart.data.labels.length,
        width: chart.canvas.width,
        painted: (() => {  // some pixels of the canvas are not blank
            const ctx = chart.canvas.getContext("2d");
            const pixels = ctx.getImageData(0, 0, chart.canvas.width, chart.canvas.height).data;
            for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) return true; }
            return false;
        })(),
    }))""")
    days, top = drawn
    assert days["type"] == "line" and days["labels"] == 7 and days["points"][0] == 4 and days["painted"]
    assert top["type"] == "bar" and top["labels"] == 2 and top["points"] == [3] and top["painted"]

    row = page.locator("#unanswered tr", has_text=UNKNOWN)
    row.locator("input[name=code]").fill("1.001193")
    row.get_by_role("button", name="Thêm").click()
    expect(page.get_by_text("Đã thêm «giấy tờ cho bà bầu đi đẻ»")).to_be_visible()
    expect(page.locator("#aliases")).to_contain_text(UNKNOWN)
