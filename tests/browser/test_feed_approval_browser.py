"""In Chromium: an alert from the province's CAP feed waits in the console; the official reads the
original, the Vietnamese rendering, the area overlap and the reach, approves it, and watches it go out
through the real worker process."""

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
from bot.broadcasts.feed_config import FeedConfig
from bot.broadcasts.feed_poller import FeedPoller
from bot.config import Settings
from bot.console.users import UserStore
from tests.broadcast_helpers import add_followers
from tests.conftest import RunningSandbox
from tests.feed_server import FeedServer
from tests.helpers import start_worker, stop_worker
from tests.test_broadcast_fanout import bulk
from tests.test_cap_semantics import cap_xml, info_block


@pytest.fixture
def approval_settings(zalo_settings: Settings) -> Settings:
    return replace(zalo_settings, queue_name=f"ap-{uuid.uuid4().hex[:6]}", broadcast_rate_per_second=20,
                   broadcast_batch_size=5)


@pytest.fixture
def worker(approval_settings: Settings, sandbox: RunningSandbox, tmp_path: Path) -> Iterator[subprocess.Popen]:
    process = start_worker(approval_settings, sandbox.url, tmp_path / "worker.log")
    yield process
    stop_worker(process)


def test_official_approves_a_feed_alert(
    page: Any, log_in: Callable[[str, str, str], None], serve_app: Callable[[Flask], str],
    worker: subprocess.Popen, redis_client: redis.Redis, approval_settings: Settings, sandbox: RunningSandbox,
) -> None:
    from playwright.sync_api import expect

    settings = approval_settings
    add_followers(redis_client, settings, bulk(sandbox, 6, "81"), "ap-2")
    add_followers(redis_client, settings, bulk(sandbox, 4, "82"), "ap-1")
    add_followers(redis_client, settings, bulk(sandbox, 3, "83"))
    feed = FeedServer().start()
    try:
        english_then_vietnamese = (info_block("en-US", "Flash flood along the stream in hamlet 2")
                                   + info_block("vi-VN", "Lũ quét ven suối Ấp 2"))
        feed.alerts["flood"] = cap_xml("BROWSER-1", infos=english_then_vietnamese)
        poller = FeedPoller(redis_client, settings, FeedConfig(feeds=(f"{feed.url}/feed.atom",)))
        assert len(poller.poll_all()[0].drafts) == 1
    finally:
        feed.stop()

    app = create_app(settings)
    UserStore(app.config["REDIS"], settings).create("chutich", "official", "official-pass-1", "Chủ tịch xã")
    base = serve_app(app)
    log_in(base, "chutich", "official-pass-1")
    page.goto(f"{base}/console/broadcasts")
    row = page.locator("tr.awaiting")
    expect(row).to_contain_text("Chờ duyệt")
    row.locator("a").click()

    expect(page.locator("h1")).to_have_text("Lũ quét ven suối Ấp 2")
    expect(page.locator("#rendering")).to_contain_text("👉 Di chuyển ngay lên chỗ cao.")
    expect(page.locator("#rendering")).to_contain_text("📍 Khu vực: Khu vực ven suối Ấp 2")
    expect(page.locator("#area-overlap")).to_contain_text("Ấp 2")
    expect(page.locator("#reach")).to_contain_text("9")  # 6 in Ấp 2 and 3 who chose no area (Severe)
    page.click("#original summary")
    expect(page.locator("#original pre")).to_contain_text("BROWSER-1")
    page.click("#send")

    expect(page.locator("#status")).to_have_text("Đã gửi xong", timeout=20_000)
    expect(page.locator("#count-sent")).to_have_text("9")
    assert len(sandbox.messages()) == 9
    page.goto(f"{base}/console/broadcasts")
    expect(page.locator("tr.awaiting")).to_have_count(0)
