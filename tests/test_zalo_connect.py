"""Connecting the Zalo OA from the console: OAuth v4 with PKCE against the sandbox."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import redis
import requests
from flask import Flask
from flask.testing import FlaskClient

from bot.app import create_app
from bot.config import Settings
from bot.console.users import UserStore
from bot.console.zalo_connect import (
    code_challenge,
    describe_zalo_error,
    new_code_verifier,
)
from bot.zalo.client import ZaloClient
from bot.zalo.tokens import TokenStore
from sandbox.zalo_api import _s256 as sandbox_s256
from tests.conftest import RunningSandbox
from tests.helpers import csrf_of


@pytest.fixture
def app(zalo_settings: Settings) -> Flask:
    app = create_app(zalo_settings)
    users = UserStore(app.config["REDIS"], zalo_settings)
    users.create("quantri", "admin", "admin-pass-1", "Quản trị")
    users.create("chutich", "official", "official-pass-1", "Chủ tịch xã")
    return app




def logged_in(app: Flask, name: str, password: str) -> FlaskClient:
    client = app.test_client()
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    client.post("/console/login", data={"username": name, "password": password, "csrf_token": token})
    return client


def start_connect(client: FlaskClient) -> str:
    """Press "Kết nối OA": the Zalo permission URL the admin is sent to."""
    token = csrf_of(client.get("/console/zalo/").get_data(as_text=True))
    response = client.post("/console/zalo/connect", data={"csrf_token": token})
    assert response.status_code == 302
    return response.headers["Location"]


def approve_on_zalo(sandbox: RunningSandbox, permission: str) -> str:
    """The admin clicks "Cho phép" on Zalo's consent page: the callback path with its query."""
    consent = requests.get(permission, allow_redirects=False, timeout=5)
    href = re.search(r"id='approve' href='([^']+)'", consent.text).group(1)
    answer = requests.get(f"{sandbox.url}{href}", allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    callback = urlsplit(answer.headers["Location"])
    return f"{callback.path}?{callback.query}"


def result_page(client: FlaskClient, callback: str) -> str:
    response = client.get(callback)
    assert response.status_code == 303 and response.headers["Location"].endswith("/console/zalo/")
    return client.get("/console/zalo/").get_data(as_text=True)


def test_full_flow_stores_the_pair_and_the_next_send_uses_it(app: Flask, zalo_settings: Settings,
                                                             sandbox: RunningSandbox) -> None:
    client = logged_in(app, "quantri", "admin-pass-1")
    page = client.get("/console/zalo/").get_data(as_text=True)
    assert "http://localhost/console/zalo/callback" in page and "Kết nối OA" in page

    permission = start_connect(client)
    query = parse_qs(urlsplit(permission).query)
    assert permission.startswith(f"{sandbox.url}/v4/oa/permission?")
    assert query["app_id"] == ["123"] and query["redirect_uri"] == ["http://localhost/console/zalo/callback"]
    assert query["state"][0] and len(query["code_challenge"][0]) == 43
    assert "verifier" not in permission  # the verifier stays in Redis

    callback = approve_on_zalo(sandbox, permission)
    assert parse_qs(urlsplit(callback).query)["state"] == query["state"]
    page = result_page(client, callback)
    assert "Đã kết nối OA thành công" in page and "Kết nối lại OA" in page
    assert re.search(r'id="token-version">1<', page)

    issued = sandbox.stats()
    stored = TokenStore(redis.Redis.from_url(zalo_settings.redis_url), zalo_settings).current()
    assert (stored.access_token, stored.refresh_token) == (issued["access_token"], issued["refresh_token"])
    assert stored.access_token not in page and stored.refresh_token not in page

    user = sandbox.create_user()
    ZaloClient(redis.Redis.from_url(zalo_settings.redis_url), zalo_settings, sleep=lambda _: None).send_message(
        user, {"text": "Xin chào"}, "after-connect")
    assert len(sandbox.messages(user)) == 1
    assert sandbox.stats()["token_refreshes"] == issued["token_refreshes"]  # sent with the stored pair as is

    assert "Phiên kết nối không hợp lệ" in result_page(client, callback)  # a replayed callback is refused


def test_unknown_state_is_refused_and_nothing_is_stored(app: Flask, zalo_settings: Settings,
                                                        sandbox: RunningSandbox) -> None:
    client = logged_in(app, "quantri", "admin-pass-1")
    callback = approve_on_zalo(sandbox, start_connect(client))
    forged = re.sub(r"state=[^&]+", "state=forged", callback)
    assert "Phiên kết nối không hợp lệ" in result_page(client, forged)
    assert not app.config["REDIS"].exists(f"{zalo_settings.key_prefix}zalo:tokens")

    # The state belongs to the admin who started it: another admin cannot finish it.
    UserStore(app.config["REDIS"], zalo_settings).create("quantri2", "admin", "admin-pass-2", "Quản trị 2")
    other = logged_in(app, "quantri2", "admin-pass-2")
    assert "Phiên kết nối không hợp lệ" in result_page(other, callback)


def test_zalo_refusal_is_shown_in_a_sentence(app: Flask, sandbox: RunningSandbox) -> None:
    client = logged_in(app, "quantri", "admin-pass-1")
    callback = approve_on_zalo(sandbox, start_connect(client))
    used_code = re.sub(r"code=[^&]+", "code=not-a-code", callback)
    page = result_page(client, used_code)
    assert "Mã cấp quyền không còn hiệu lực" in page and "Invalid authorization code" in page


def test_only_admins_may_connect(app: Flask) -> None:
    official = logged_in(app, "chutich", "official-pass-1")
    assert official.get("/console/zalo/").status_code == 403
    assert official.get("/console/zalo/callback?state=x&code=y").status_code == 403
    token = csrf_of(official.get("/console/login").get_data(as_text=True))
    assert official.post("/console/zalo/connect", data={"csrf_token": token}).status_code == 403
    assert "Kết nối Zalo OA" not in official.get("/console/broadcasts").get_data(as_text=True)
    assert app.test_client().get("/console/zalo/").status_code == 302  # to the login page


def test_pkce_challenge_and_error_wording() -> None:
    verifier = new_code_verifier()
    assert 43 <= len(verifier) <= 128
    challenge = code_challenge(verifier)
    assert challenge == sandbox_s256(verifier) and len(challenge) == 43 and "=" not in challenge
    sentence = describe_zalo_error({"error": -14002, "error_name": "Invalid secret key", "error_reason": "bad"})
    assert sentence.startswith("Zalo từ chối kết nối (Invalid secret key – bad)")


def test_store_pair_bumps_the_version_in_one_write(settings: Settings) -> None:
    store = TokenStore(redis.Redis.from_url(settings.redis_url), settings, clock=lambda: 1000.0)
    first = store.store_pair("a1", "r1", "90000")
    second = store.store_pair("a2", "r2", 3600)
    assert (first.version, second.version, second.expires_at) == (1, 2, 4600.0)
    assert store.current() == second == store.current(fresh=True)
