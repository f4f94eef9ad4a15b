"""A new admin walks the go-live checklist to green in the console alone (no file edits), and the bot's
answers then use what was entered."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask

from bot.app import create_app
from bot.config import VIETNAM, Settings
from bot.console.users import UserStore
from bot.conversation.context import Context
from bot.ingress.events import Event
from bot.services import Services
from handlers.office import handle_office_text
from tests.browser.conftest import screenshot

AREAS = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"name": "Ấp Bàu Sen"},
     "geometry": {"type": "Polygon", "coordinates": [[[106.9, 11.0], [106.95, 11.0], [106.95, 11.05],
                                                      [106.9, 11.05], [106.9, 11.0]]]}},
    {"type": "Feature", "properties": {"name": "Ấp Suối Cát"},
     "geometry": {"type": "Polygon", "coordinates": [[[106.95, 11.0], [107.0, 11.0], [107.0, 11.05],
                                                      [106.95, 11.05], [106.95, 11.0]]]}}]}


@pytest.fixture
def app(zalo_settings: Settings) -> Flask:
    app = create_app(zalo_settings)
    UserStore(app.config["REDIS"], zalo_settings).create("quantri", "admin", "admin-pass-1", "Anh Tâm")
    return app


def test_a_new_admin_walks_the_checklist_to_green(page: Any, log_in: Callable[[str, str, str], None], app: Flask,
                                                  serve_app: Callable[[Flask], str], tmp_path: Path,
                                                  redis_client: redis.Redis, zalo_settings: Settings) -> None:
    from playwright.sync_api import expect

    base = serve_app(app)
    log_in(base, "quantri", "admin-pass-1")
    page.goto(f"{base}/console/")
    todo = page.locator(".checklist li[data-ok=no]")
    expect(todo).to_have_count(6)  # the OA's token came with the installation; everything else is to do
    screenshot(page, "home-before")

    page.locator("li[data-item=office] a").click()
    page.fill("input[name=name]", "UBND xã Tân Hòa")
    page.fill("input[name=address]", "Số 12 đường Lý Thường Kiệt, ấp Bàu Sen")
    page.fill("input[name=phone]", "0251 3650 123")
    page.fill("input[name=cong_an_address]", "Số 3 đường Lê Lợi, ấp Suối Cát")
    page.get_by_role("button", name="Lưu thông tin xã").click()
    expect(page.get_by_text("Đã lưu «Thông tin xã»")).to_be_visible()

    page.fill("input[name=public_base_url]", base)
    page.fill("input[name=dossier_template_id]", "298317")
    page.fill("input[name=broadcast_template_id]", "298318")
    page.get_by_role("button", name="Lưu địa chỉ công khai và mẫu tin zalo").click()
    expect(page.get_by_text("Đã lưu «Địa chỉ công khai")).to_be_visible()

    geojson = tmp_path / "ap.geojson"
    geojson.write_text(json.dumps(AREAS, ensure_ascii=False), encoding="utf-8")
    page.set_input_files("input[name=geojson]", str(geojson))
    page.get_by_role("button", name="Lưu khu vực").click()
    expect(page.get_by_text("Hiện có 2 khu vực: Ấp Bàu Sen, Ấp Suối Cát")).to_be_visible()

    page.goto(f"{base}/console/")
    page.locator("li[data-item=staff] a").click()
    page.fill("form.grid input[name=name]", "canbo1")
    page.fill("form.grid input[name=display_name]", "Chị Lan")
    page.select_option("form.grid select[name=role]", "staff")
    page.fill("form.grid input[name=password]", "staff-pass-1")
    page.get_by_role("button", name="Tạo tài khoản").click()

    page.goto(f"{base}/console/")
    expect(page.locator("#webhook-url")).to_have_value(f"{base}/webhook/zalo")
    page.get_by_role("button", name="Gửi sự kiện thử").click()
    expect(page.get_by_text("được xác thực chữ ký").first).to_be_visible()
    expect(todo).to_have_count(0)
    expect(page.locator("#checklist-summary")).to_contain_text("7/7")
    screenshot(page, "home")

    # The bot answers with what was entered, and the public page too.
    event = Event({"event_name": "user_send_text", "sender": {"id": "u1"}, "message": {"text": "số điện thoại"}})
    ctx = Context(event, redis_client, zalo_settings, datetime(2026, 11, 24, 9, tzinfo=VIETNAM),
                  Services(redis_client, zalo_settings))
    [reply] = handle_office_text(ctx, "số điện thoại xã")
    assert "0251 3650 123" in reply.text
    [reply] = handle_office_text(ctx, "ủy ban xã ở đâu")
    assert "Lý Thường Kiệt" in reply.text and "UBND xã Tân Hòa" in reply.text
    page.goto(f"{base}/p/1.001193")
    expect(page.locator("body")).to_contain_text("UBND xã Tân Hòa")
