"""In Chromium: log in → compose → preview → confirm → watch progress → download the report.

The sends go through the real queue to a real worker process (the Procfile's), as in production."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask

from bot.app import create_app
from bot.config import Settings
from bot.console.users import UserStore
from tests.broadcast_helpers import add_followers
from tests.browser.conftest import screenshot
from tests.conftest import RunningSandbox
from tests.helpers import start_worker, stop_worker
from tests.test_broadcast_fanout import bulk


@pytest.fixture
def broadcast_settings(zalo_settings: Settings) -> Settings:
    # A queue of this test's own, so the worker takes no other test's jobs; pacing slow enough that the
    # page shows progress, fast enough that 30 messages take about two seconds.
    return replace(zalo_settings, queue_name=f"bc-{uuid.uuid4().hex[:6]}",
                   broadcast_rate_per_second=15, broadcast_batch_size=10)


@pytest.fixture
def worker(broadcast_settings: Settings, sandbox: RunningSandbox,
           tmp_path: Path) -> Iterator[subprocess.Popen]:
    process = start_worker(broadcast_settings, sandbox.url, tmp_path / "worker.log")
    yield process
    stop_worker(process)


def test_official_sends_a_broadcast_in_the_browser(
    page: Any, log_in: Callable[[str, str, str], None], serve_app: Callable[[Flask], str],
    worker: subprocess.Popen, redis_client: redis.Redis, broadcast_settings: Settings,
    sandbox: RunningSandbox,
) -> None:
    from playwright.sync_api import expect

    settings = broadcast_settings
    app = create_app(settings)
    UserStore(app.config["REDIS"], settings).create("chutich", "official", "official-pass-1", "Chủ tịch xã")
    add_followers(redis_client, settings, bulk(sandbox, 30, "71"))
    base = serve_app(app)

    log_in(base, "chutich", "official-pass-1")
    page.click("text=Soạn thông báo")
    expect(page.locator("#preview-error")).to_have_text("")  # a blank form is not a mistake yet
    page.wait_for_timeout(500)
    expect(page.locator("#preview-error")).to_have_text("")
    expect(page.locator("label", has_text="Tiêu đề").locator(".req")).to_have_text("*")
    expect(page.locator("label", has_text="Chi tiết")).to_contain_text("không bắt buộc")
    page.fill("input[name=event]", "Bão số 3")
    page.fill("input[name=headline]", "Bão số 3 đổ bộ chiều nay")
    page.fill("textarea[name=instruction]", "Ở trong nhà, tránh xa sông suối.")
    page.fill("textarea[name=description]", "Gió giật cấp 12.")
    page.fill("input[name=expires]", "2099-01-01T10:00")
    expect(page.locator("#preview .first-screen")).to_contain_text("👉 Ở trong nhà, tránh xa sông suối.")
    expect(page.locator("#plan")).to_contain_text("30")
    screenshot(page, "compose")
    page.click("text=Lưu và xem lại trước khi gửi")
    send = page.locator("#send")
    send.click()  # the browser refuses: the confirmation box is required
    expect(page.locator("#confirm-all")).to_be_visible()
    page.check("#confirm-all")
    send.click()
    expect(page.locator("#status")).to_have_text("Đã gửi xong", timeout=20_000)
    expect(page.locator("#count-sent")).to_have_text("30")
    expect(page.locator("#stop-form")).to_be_hidden()  # nothing left to stop
    original = page.url
    with page.expect_download() as download:
        page.click("#report")
    report = Path(download.value.path()).read_text(encoding="utf-8").splitlines()

    assert report[0] == "Mã người nhận (Zalo),Trạng thái,Kênh,Mã tin nhắn,Mã lỗi"
    assert len(report) == 31 and all(",Đã gửi,Tin tư vấn," in row for row in report[1:])
    assert len(sandbox.messages()) == 30

    # The all-clear ends the original: its page and the list say so.
    page.goto(original)
    page.click("text=Kết thúc cảnh báo")
    page.fill("textarea[name=instruction]", "Người dân trở lại sinh hoạt bình thường.")
    page.click("text=Lưu và xem lại trước khi gửi")
    page.check("#confirm-all")
    page.locator("#send").click()
    expect(page.locator("#status")).to_have_text("Đã gửi xong", timeout=20_000)
    page.goto(original)
    expect(page.locator("#ended")).to_have_text("Đã kết thúc")
    expect(page.get_by_text("Gửi cập nhật")).to_have_count(0)
    page.goto(f"{base}/console/broadcasts")
    expect(page.locator(".badge.ended")).to_have_count(1)
