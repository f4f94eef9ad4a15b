"""In Chromium: log in → compose → preview → confirm → watch progress → download the report."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from bot.app import create_app
from bot.broadcasts.fanout import BatchSender, prepare
from bot.console import init_console
from bot.console.users import UserStore
from bot.zalo.client import ZaloClient
from tests.broadcast_helpers import add_followers
from tests.test_broadcast_fanout import bulk

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's Chromium is not installed")]


class ThreadQueue:
    """Runs each enqueued broadcast job in a thread, as a worker would."""

    def __init__(self, client, settings) -> None:  # noqa: ANN001
        self.client, self.settings = client, settings

    def enqueue(self, func, *args, **kwargs) -> None:  # noqa: ANN001, ANN003
        def run() -> None:
            if func.__name__ == "prepare_job":
                prepare(self.client, self.settings, *args, queue=self)
            else:
                BatchSender(self.client, self.settings, ZaloClient(self.client, self.settings)).run(*args)

        threading.Thread(target=run, daemon=True).start()

    enqueue_at = None


def test_official_sends_a_broadcast_in_the_browser(redis_client, zalo_settings, sandbox, tmp_path) -> None:  # noqa: ANN001
    from playwright.sync_api import expect, sync_playwright

    settings = replace(zalo_settings, broadcast_rate_per_second=15, broadcast_batch_size=10)
    app = create_app(settings)
    init_console(app)
    app.config["QUEUE"] = ThreadQueue(app.config["REDIS"], settings)
    UserStore(app.config["REDIS"], settings).create("chutich", "official", "official-pass-1", "Chủ tịch xã")
    ids = bulk(sandbox, 30, "71")
    add_followers(redis_client, settings, ids)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync"])
            page = browser.new_page(accept_downloads=True)
            page.goto(f"{base}/console/login")
            page.fill("input[name=username]", "chutich")
            page.fill("input[name=password]", "official-pass-1")
            page.click("button[type=submit]")
            page.click("text=Soạn thông báo")
            page.fill("input[name=event]", "Bão số 3")
            page.fill("input[name=headline]", "Bão số 3 đổ bộ chiều nay")
            page.fill("textarea[name=instruction]", "Ở trong nhà, tránh xa sông suối.")
            page.fill("textarea[name=description]", "Gió giật cấp 12.")
            page.fill("input[name=expires]", "2099-01-01T10:00")
            expect(page.locator("#preview .first-screen")).to_contain_text("👉 Ở trong nhà, tránh xa sông suối.")
            expect(page.locator("#plan")).to_contain_text("30")
            page.click("text=Lưu và xem lại trước khi gửi")
            send = page.locator("#send")
            send.click()  # the browser refuses: the confirmation box is required
            expect(page.locator("#confirm-all")).to_be_visible()
            page.check("#confirm-all")
            send.click()
            expect(page.locator("#status")).to_have_text("Đã gửi xong", timeout=20_000)
            expect(page.locator("#count-sent")).to_have_text("30")
            with page.expect_download() as download:
                page.click("#report")
            report = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
            browser.close()
    finally:
        server.shutdown()
    assert report[0] == "user_id,status,channel,message_id,error_code"
    assert len(report) == 31 and all(",sent,cs," in row for row in report[1:])
    assert len(sandbox.messages()) == 30
