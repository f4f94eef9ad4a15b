"""The console refuses to be framed, even by another origin on the same site (issue 13): a page served
from another 127.0.0.1 port frames /console/users while an admin is logged in, and Chromium shows
nothing of it. The console's own scripts still run under its Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from bot.app import create_app
from bot.config import Settings
from bot.console.users import UserStore


@pytest.fixture
def console_url(settings: Settings, serve_app: Callable[[Flask], str]) -> str:
    app = create_app(settings)
    UserStore(app.config["REDIS"], settings).create("admin", "admin", "admin-pass-1", "Quản trị viên")
    return serve_app(app)


@pytest.fixture
def framing_url(serve_app: Callable[[Flask], str]) -> Callable[[str], str]:
    """A page on another port of 127.0.0.1 (same site, other origin) that frames the URL it is given."""
    attacker = Flask("framing-page")
    target: dict[str, str] = {}

    @attacker.get("/")
    def frame() -> str:
        return (f'<!doctype html><title>framing</title><iframe id="victim" src="{target["url"]}" '
                'width="900" height="600"></iframe><iframe id="own" src="/own"></iframe>')

    @attacker.get("/own")
    def own() -> str:
        return "<!doctype html><p id='own-content'>framed fine</p>"

    base = serve_app(attacker)

    def framing(url: str) -> str:
        target["url"] = url
        return base + "/"

    return framing


def test_the_console_cannot_be_framed_by_another_port_of_the_same_host(
        page: Any, console_url: str, framing_url: Callable[[str], str],
        log_in: Callable[[str, str, str], None]) -> None:
    log_in(console_url, "admin", "admin-pass-1")
    assert "Người dùng" in page.goto(f"{console_url}/console/users").text()
    refusals: list[str] = []
    page.on("console", lambda message: refusals.append(message.text))
    page.goto(framing_url(f"{console_url}/console/users"))
    # The control: a frame of the framing page's own origin loads, so frames do work here.
    page.frame_locator("#own").locator("#own-content").wait_for()
    page.wait_for_timeout(500)
    victim = next(frame for frame in page.frames if frame.parent_frame is not None and "/own" not in frame.url)
    assert "admin" not in victim.content() and "Người dùng" not in victim.content()
    assert any("frame-ancestors" in text or "X-Frame-Options" in text for text in refusals), refusals


def test_console_pages_run_their_scripts_without_csp_violations(
        page: Any, console_url: str, log_in: Callable[[str, str, str], None]) -> None:
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    log_in(console_url, "admin", "admin-pass-1")
    for path in ("/console/users", "/console/inbox/", "/console/stats/", "/console/posters/",
                 "/console/broadcasts"):
        page.goto(console_url + path)
        page.wait_for_load_state("networkidle")
    # The stats page's inline script drew its charts; the posters page's "select all" works.
    page.goto(console_url + "/console/stats/")
    page.wait_for_selector("canvas")
    page.goto(console_url + "/console/posters/")
    page.click("#select-all")
    assert page.locator("input[name=code]:checked").count() == 0
    assert violations == []
