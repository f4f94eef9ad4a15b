"""The statistics dashboard in a real browser (Playwright driving Debian's Chromium): the charts are drawn
from recorded statistics by the vendored Chart.js, offline, and a fallback question becomes an alias."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import redis
from flask import Flask

import handlers
from bot.app import create_app
from bot.config import Settings
from bot.console.users import UserStore
from bot.conversation.context import Context
from bot.ingress.events import Event
from bot.services import Services
from tests.browser.conftest import screenshot

UNKNOWN = "giấy tờ cho bà bầu đi đẻ"


@pytest.fixture
def console_url(settings: Settings, serve_app: Callable[[Flask], str]) -> str:
    app = create_app(settings)
    UserStore(app.config["REDIS"], settings).create("chutich", "official", "official-pass-1", "Chủ tịch xã")
    return serve_app(app)


def converse(client: redis.Redis, settings: Settings, lines: list[str]) -> None:
    services = Services(client, settings)
    for words in lines:
        event = Event({"event_name": "user_send_text", "sender": {"id": "u1"}, "timestamp": "1",
                       "message": {"text": words, "msg_id": uuid.uuid4().hex}})
        ctx = Context(event, client, settings, datetime.now(UTC), services)
        handlers.dispatch(ctx)  # counted by the router's after hook


def test_dashboard_draws_its_charts(page: Any, log_in: Callable[[str, str, str], None], console_url: str,
                                    redis_client: redis.Redis, settings: Settings) -> None:
    from playwright.sync_api import expect

    converse(redis_client, settings, ["làm giấy khai sinh cho con", "đăng ký kết hôn", "khai sinh", UNKNOWN])
    log_in(console_url, "chutich", "official-pass-1")
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


def test_long_names_are_not_clipped_and_posters_print_in_one_click(
    page: Any, log_in: Callable[[str, str, str], None], console_url: str, redis_client: redis.Redis,
    settings: Settings,
) -> None:
    from playwright.sync_api import expect

    # Long official names: "Đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi".
    converse(redis_client, settings, ["khai sinh thường trú bảo hiểm y tế trẻ em dưới 6 tuổi", "đăng ký kết hôn",
                                      "làm giấy khai sinh cho con"])
    log_in(console_url, "chutich", "official-pass-1")
    page.goto(f"{console_url}/console/stats/?days=7")
    expect(page.locator("body")).to_have_attribute("data-charts-ready", "1")
    fit = page.evaluate("""() => {
        const chart = window.statsCharts[1], axis = chart.scales.y, ctx = chart.ctx;
        ctx.font = Chart.helpers.toFont(axis.options.ticks.font).string;
        const lines = chart.data.labels.flat();
        return {left: axis.left, width: axis.width, widest: Math.max(...lines.map(l => ctx.measureText(l).width)),
                full: chart.data.labels.map(l => [].concat(l).join(" "))};
    }""")
    assert fit["left"] >= 0 and fit["widest"] <= fit["width"], fit  # every label line drawn whole
    screenshot(page, "statistics")

    with page.context.expect_page() as printed:
        page.click("#print-top")  # one click from the statistics
    sheet = printed.value
    sheet.wait_for_load_state()
    assert "/console/posters/print" in sheet.url and sheet.url.count("code=") >= 3
    sheet.close()

    page.goto(f"{console_url}/console/posters/")
    page.get_by_test_id("poster-search").fill("ket hon")
    results = page.get_by_test_id("poster-results")
    expect(results.locator("li").first).to_contain_text("kết hôn")
    results.locator("button").first.click()
    code = results.locator("button").first.get_attribute("data-code")
    expect(page.locator(f"#poster-table input[name=code][value='{code}']")).to_be_checked()
