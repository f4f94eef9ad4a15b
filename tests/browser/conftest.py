"""Shared pieces of the browser tests: Playwright driving Debian's Chromium, the app on a loopback port."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).parent
ARTIFACTS = HERE.parents[1] / "var" / "artifacts"  # screenshots kept as test artefacts (git-ignored)
SCREEN = {"width": 1366, "height": 900}
# Chromium without the background chatter (updates, sync, networking) a test machine neither has nor needs.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark this folder's tests `browser`; skip them (not fail) on a machine without Debian's Chromium."""
    # The hook sees the whole session's items, not only this folder's.
    skip = pytest.mark.skip(reason=f"Debian's Chromium is not installed at {CHROMIUM}")
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(skip)


@pytest.fixture
def page() -> Iterator[Any]:
    """A fresh headless Chromium page that accepts downloads; every wait gives up after 10 s."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(accept_downloads=True, viewport=SCREEN)
        page.set_default_timeout(10_000)
        yield page
        browser.close()


@pytest.fixture
def serve_app() -> Iterator[Callable[[Flask], str]]:
    """serve_app(app) serves a Flask app on a free loopback port in a thread and returns its base URL."""
    servers: list[BaseWSGIServer] = []

    def serve(app: Flask) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def log_in(page: Any) -> Callable[[str, str, str], None]:
    """log_in(base_url, username, password) through the console's login form."""

    def submit(base_url: str, username: str, password: str) -> None:
        page.goto(f"{base_url}/console/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")

    return submit


def screenshot(page: Any, name: str) -> Path:
    """The page as staff see it at 1366×900, saved as var/artifacts/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
