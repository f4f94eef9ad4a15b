"""Every console page and export, as admin and as staff, reads in Vietnamese with Vietnam times: a crawl
follows every /console link and scans what staff see for English words and for UTC clock times."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.app import create_app
from bot.broadcasts.cap import announcement_from_dict
from bot.broadcasts.fanout import BatchSender, prepare, request_send
from bot.broadcasts.store import BroadcastStore
from bot.config import DATA_DIR, Settings
from bot.console.users import UserStore
from bot.office.current import office_config
from bot.tickets.model import TranscriptEntry
from bot.tickets.store import TicketStore
from bot.zalo.client import ZaloClient
from bot.zalo.sender import Sender
from tests.broadcast_helpers import InlineQueue, add_followers, announcement_json
from tests.conftest import RunningSandbox
from tests.helpers import csrf_of

# Words that leaked before (statuses, audit verbs, reasons, framework errors) and their kin.
ENGLISH = ("done", "sent", "approved", "composed", "scheduled", "stopped", "cancelled", "rejected", "replaced",
           "draft", "recorded", "sending", "queued", "failed", "pending", "open", "resolved", "words", "button",
           "fallback", "user.create", "user.role", "settings.update", "created", "updated", "forbidden",
           "not found", "internal error", "error", "none", "null", "true", "false", "unknown", "ticket",
           "status", "count", "total", "date", "day", "received", "answered", "unanswered")
ENGLISH_RE = re.compile(r"(?<![\w.@/-])(" + "|".join(re.escape(w) for w in ENGLISH) + r")(?![\w@/-])", re.IGNORECASE)
SKIP = ("/console/logout", "/console/static/", ".pdf", "/console/zalo/connect", "/console/zalo/callback")
MAX_PAGES = 120


class VisibleText(HTMLParser):
    """The text a person reads: text nodes outside script/style, and placeholders, titles, labels."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "style"):
            self._hidden += 1
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        for name in ("placeholder", "title", "aria-label"):
            if values.get(name):
                self.parts.append(values[name] or "")
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


@pytest.fixture
def app(zalo_settings: Settings, sandbox: RunningSandbox) -> Flask:
    settings = replace(zalo_settings, broadcast_rate_per_second=0)
    app = create_app(settings)
    client = app.config["REDIS"]
    users = UserStore(client, settings)
    users.create("admin", "admin", "admin-pass-1", "Quản trị viên")
    users.create("motcua", "staff", "staff-pass-1", "Cán bộ một cửa")
    # A broadcast sent to the end, so that its finished state and audit verbs show.
    followers = [sandbox.create_user(f"Người dân {n}") for n in range(2)]
    add_followers(client, settings, followers)
    areas = office_config(client, settings).areas
    broadcast = BroadcastStore(client, settings).create(announcement_from_dict(announcement_json(), areas), "admin")
    queue = InlineQueue()
    request_send(client, settings, broadcast.id, "admin", queue=queue)  # type: ignore[arg-type]
    while queue.jobs:
        func, args = queue.jobs.pop(0)
        if func.__name__ == "prepare_job":
            prepare(client, settings, *args, queue=queue)  # type: ignore[arg-type]
        else:
            BatchSender(client, settings, Sender(ZaloClient(client, settings, sleep=lambda s: None)),
                        sleep=lambda s: None).run(*args)
    # A ticket asked for in words, with a transcript.
    tickets = TicketStore(client, settings)
    at = datetime.now(UTC) - timedelta(minutes=5)
    tickets.open(followers[0], at, "words", {"procedure_code": "1.001193"},
                 [TranscriptEntry(at, "citizen", "Cho tôi gặp cán bộ"), TranscriptEntry(at, "bot", "Dạ, em chuyển ạ.")])
    tickets.open(followers[1], at, "fallback", {}, [TranscriptEntry(at, "citizen", "abc xyz")])
    return app


def login(app: Flask, name: str, password: str) -> FlaskClient:
    client = app.test_client()
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    client.post("/console/login", data={"username": name, "password": password, "csrf_token": token})
    return client


def crawl(client: FlaskClient) -> dict[str, str]:
    """Every console page reachable from the home page: {path: visible text}."""
    seen: dict[str, str] = {}
    todo = deque(["/console/"])
    while todo and len(seen) < MAX_PAGES:
        path = todo.popleft()
        if path in seen:
            continue
        response = client.get(path, follow_redirects=True)
        assert response.status_code < 500, path
        if "html" not in response.content_type:
            seen[path] = response.get_data(as_text=True) if "csv" in response.content_type else ""
            continue
        parser = VisibleText()
        parser.feed(response.get_data(as_text=True))
        seen[path] = " ".join(parser.parts)
        for href in parser.links:
            target = urlsplit(urljoin("http://localhost" + path, href))
            link = target.path + (f"?{target.query}" if target.query else "")
            if target.netloc == "localhost" and link.startswith("/console") and not any(s in link for s in SKIP):
                todo.append(link)
    return seen


def utc_clock_times(now: datetime) -> set[str]:
    """This test's moments as a UTC clock would show them (a few minutes either side)."""
    return {(now + timedelta(minutes=m)).astimezone(UTC).strftime("%H:%M") for m in range(-10, 3)}


@pytest.mark.parametrize(("name", "password"), [("admin", "admin-pass-1"), ("motcua", "staff-pass-1")])
def test_every_console_page_and_export_is_vietnamese_in_vietnam_time(app: Flask, name: str, password: str) -> None:
    client = login(app, name, password)
    pages = crawl(client)
    if name == "admin":
        pages["/console/stats/export.csv"] = client.get("/console/stats/export.csv").get_data(as_text=True)
        assert len(pages) > 12, sorted(pages)
    # Pages staff may not open, and pages that do not exist, answer with a Vietnamese page too.
    for path in ("/console/stats/", "/console/inbox/999", "/console/khong-co", "/console/users"):
        response = client.get(path)
        if response.status_code in (403, 404):
            assert "text/html" in response.content_type, path
            parser = VisibleText()
            parser.feed(response.get_data(as_text=True))
            pages[path] = " ".join(parser.parts)
    # The desk's configured session times (data/office.json: "17:00"…) are wall-clock settings, not moments:
    # a run within minutes of 17:00 UTC must not take the settings page's "17:00" for a UTC timestamp.
    configured = set(re.findall(r"\b\d{2}:\d{2}\b", (DATA_DIR / "office.json").read_text(encoding="utf-8")))
    utc = utc_clock_times(datetime.now(UTC)) - configured
    leaks = {path: sorted({m.group(0) for m in ENGLISH_RE.finditer(text)}) for path, text in pages.items()}
    assert {p: w for p, w in leaks.items() if w} == {}
    clocks = {path: sorted(set(re.findall(r"\b\d{2}:\d{2}\b", text)) & utc) for path, text in pages.items()}
    assert {p: c for p, c in clocks.items() if c} == {}
    assert not [p for p, text in pages.items() if re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\bUTC\b|\+00:00", text)]
