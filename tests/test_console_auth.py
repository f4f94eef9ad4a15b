"""Console base: login, lockout, roles, sessions, CSRF and the user CLI."""

from __future__ import annotations

import pytest
from flask import Flask

from bot.app import create_app
from bot.config import Settings
from bot.console import NAV_EXTENSION, init_console
from bot.console.users import UserStore
from tests.helpers import csrf_of


@pytest.fixture
def app(settings: Settings) -> Flask:
    app = create_app(settings)
    init_console(app)
    store = UserStore(app.config["REDIS"], settings)
    store.create("admin", "admin", "admin-pass-1", "Quản trị viên")
    store.create("chutich", "official", "official-pass-1", "Chủ tịch xã")
    store.create("motcua", "staff", "staff-pass-1", "Cán bộ một cửa")
    return app




def login(client, name: str, password: str):
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    return client.post("/console/login", data={"username": name, "password": password, "csrf_token": token})


def test_login_then_pages_by_role(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/console/broadcasts").status_code == 302
    assert login(client, "chutich", "official-pass-1").status_code == 302
    assert client.get("/console/broadcasts").status_code == 200
    assert client.get("/console/users").status_code == 403
    staff = app.test_client()
    login(staff, "motcua", "staff-pass-1")
    assert staff.get("/console/broadcasts").status_code == 403
    admin = app.test_client()
    login(admin, "admin", "admin-pass-1")
    page = admin.get("/console/users").get_data(as_text=True)
    assert "chutich" in page and "Người dùng" in page


def test_wrong_password_and_lockout(app: Flask) -> None:
    client = app.test_client()
    assert login(client, "chutich", "nope").status_code == 401
    for _ in range(4):
        login(client, "chutich", "nope")
    # Locked now: even the right password is refused until the lockout expires.
    assert login(client, "chutich", "official-pass-1").status_code == 429
    assert client.get("/console/broadcasts").status_code == 302


def test_post_without_csrf_token_is_refused(app: Flask) -> None:
    client = app.test_client()
    response = client.post("/console/login", data={"username": "chutich", "password": "official-pass-1"})
    assert response.status_code == 400
    login(client, "admin", "admin-pass-1")
    response = client.post("/console/users", data={"action": "create", "name": "x1", "role": "admin",
                                                   "password": "12345678"})
    assert response.status_code == 400
    assert UserStore(app.config["REDIS"], app.config["SETTINGS"]).get("x1") is None


def test_logout_ends_the_session_server_side(app: Flask) -> None:
    client = app.test_client()
    login(client, "chutich", "official-pass-1")
    token = csrf_of(client.get("/console/audit").get_data(as_text=True))
    cookie = client.get_cookie("xa_console").value
    client.post("/console/logout", data={"csrf_token": token})
    replay = app.test_client()
    replay.set_cookie("xa_console", cookie)  # the old cookie no longer opens a session
    assert replay.get("/console/audit").status_code == 302


def test_disabled_user_loses_access(app: Flask) -> None:
    client = app.test_client()
    login(client, "motcua", "staff-pass-1")
    UserStore(app.config["REDIS"], app.config["SETTINGS"]).set_active("motcua", False)
    assert client.get("/console/").status_code == 302


def test_admin_creates_user_and_it_is_audited(app: Flask) -> None:
    client = app.test_client()
    login(client, "admin", "admin-pass-1")
    token = csrf_of(client.get("/console/users").get_data(as_text=True))
    client.post("/console/users", data={"action": "create", "name": "canbo2", "role": "staff",
                                        "password": "canbo-pass-2", "csrf_token": token})
    assert UserStore(app.config["REDIS"], app.config["SETTINGS"]).verify("canbo2", "canbo-pass-2")
    assert "Tạo tài khoản" in client.get("/console/audit").get_data(as_text=True)


def test_webhook_and_api_are_not_csrf_checked(app: Flask) -> None:
    client = app.test_client()
    webhook = client.post("/webhook/zalo", data=b"{}", headers={"Content-Type": "application/json"})
    assert "CSRF" not in webhook.get_data(as_text=True)
    assert client.post("/api/v1/broadcasts", json={}).status_code == 401  # the token check, not CSRF


def test_user_cli_creates_hashed_user(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["user", "create", "ketoan", "--role", "official",
                                                "--password", "ke-toan-123"])
    assert result.exit_code == 0, result.output
    raw = app.config["REDIS"].hget(f"{app.config['SETTINGS'].key_prefix}console:user:ketoan", "password_hash")
    assert b"ke-toan-123" not in raw
    assert UserStore(app.config["REDIS"], app.config["SETTINGS"]).verify("ketoan", "ke-toan-123")


def test_each_app_has_its_own_navigation(app: Flask, settings: Settings) -> None:
    """Links come from the blueprints an app registers, once each, in registration order: a second app
    (a second worker, another test) neither doubles nor shares them."""
    other = create_app(settings)
    init_console(other)  # a second call changes nothing
    for each in (app, other):
        endpoints = [item.endpoint for item in each.extensions[NAV_EXTENSION]]
        assert len(endpoints) == len(set(endpoints))
        assert endpoints[:4] == ["console.broadcasts", "console.closures", "console.audit", "console.users"]
        assert {"inbox.queue", "stats.dashboard", "posters.picker", "zalo_connect.status",
                "settings.page"} <= set(endpoints)
    assert app.extensions[NAV_EXTENSION] is not other.extensions[NAV_EXTENSION]
