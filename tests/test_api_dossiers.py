"""The integrators' API: bearer tokens, PUT/GET dossiers, validation errors naming the field."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from bot.api import create_api_blueprint
from bot.api.tokens import create_token, list_tokens, revoke_tokens, token_command, verify_token
from bot.config import DossierConfig, Settings
from bot.dossiers.store import RedisDossierStore

RECEIPT = "H56.14-240823-0001"
BODY: dict[str, Any] = {
    "procedure_code": "1.001193",
    "procedure_name": "Đăng ký khai sinh",
    "applicant_id": "079203001234",
    "status": 2,
    "received_at": "2024-08-23T08:30:00+07:00",
    "due_at": "2024-08-28",
    "channel": "online",
    "return_method": "post",
    "missing_documents": [],
    "note": "",
}


@pytest.fixture
def app(redis_client: redis.Redis, settings: Settings) -> Flask:
    app = Flask(__name__)
    enqueued: list[str] = []
    app.config.update(
        REDIS=redis_client,
        SETTINGS=settings,
        ENQUEUE_DOSSIER_PUSH=enqueued.append,
        ENQUEUED=enqueued,
        DOSSIER_CONFIG=DossierConfig(id_secret="api-secret"),
    )
    app.register_blueprint(create_api_blueprint())
    app.cli.add_command(token_command)
    return app


@pytest.fixture
def auth(redis_client: redis.Redis, settings: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(redis_client, settings, 'province')}"}


def test_tokens_are_stored_hashed_and_revocable(redis_client: redis.Redis, settings: Settings) -> None:
    token = create_token(redis_client, settings, "province")
    assert verify_token(redis_client, settings, token) == "province"
    assert verify_token(redis_client, settings, token + "x") is None
    dump = b"".join(k + b"".join(redis_client.hgetall(k).values()) for k in redis_client.keys("*"))
    assert token.encode() not in dump
    assert [t["name"] for t in list_tokens(redis_client, settings)] == ["province"]
    assert revoke_tokens(redis_client, settings, "province") == 1
    assert verify_token(redis_client, settings, token) is None


def test_cli_creates_a_token_shown_once(app: Flask, redis_client: redis.Redis, settings: Settings) -> None:
    result = app.test_cli_runner().invoke(args=["token", "create", "tinh-da-nang"])
    assert result.exit_code == 0
    assert verify_token(redis_client, settings, result.output.strip()) == "tinh-da-nang"
    listed = app.test_cli_runner().invoke(args=["token", "list"]).output
    assert "tinh-da-nang" in listed and result.output.strip() not in listed


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}],
)
def test_requests_without_a_valid_token_are_refused(app: Flask, headers: dict[str, str]) -> None:
    client = app.test_client()
    for response in (
        client.get(f"/api/v1/dossiers/{RECEIPT}", headers=headers),
        client.put(f"/api/v1/dossiers/{RECEIPT}", json=BODY, headers=headers),
    ):
        assert response.status_code == 401
        assert response.json == {"error": "a valid bearer token is required", "field": "Authorization"}
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_create_update_and_get(
    app: Flask, auth: dict[str, str], redis_client: redis.Redis, settings: Settings
) -> None:
    client: FlaskClient = app.test_client()
    created = client.put("/api/v1/dossiers/h56.14-240823-0001", json=BODY, headers=auth)
    assert created.status_code == 201
    assert created.json["receipt"] == RECEIPT and created.json["version"] == 1
    assert "applicant_id" not in created.json and "applicant_hashes" not in created.json
    assert created.json["due_at"] == "2024-08-28T00:00:00+07:00"
    assert app.config["ENQUEUED"] == []  # a new dossier has nobody subscribed yet
    # An update without the applicant id keeps the stored hash.
    update = {k: v for k, v in BODY.items() if k != "applicant_id"} | {"status": 4}
    updated = client.put(f"/api/v1/dossiers/{RECEIPT}", json=update, headers=auth)
    assert updated.status_code == 200 and updated.json["version"] == 2
    assert app.config["ENQUEUED"] == [RECEIPT]
    stored = RedisDossierStore(redis_client, settings).get(RECEIPT)
    assert stored is not None and stored.applicant_hashes
    # The same body again changes nothing and pushes nothing.
    assert client.put(f"/api/v1/dossiers/{RECEIPT}", json=update, headers=auth).json["version"] == 2
    assert app.config["ENQUEUED"] == [RECEIPT]
    got = client.get(f"/api/v1/dossiers/{RECEIPT}", headers=auth)
    assert got.status_code == 200 and got.json["status"] == 4
    assert "079203001234" not in got.get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": 0}, "status"),
        ({"status": 11}, "status"),
        ({"status": "4"}, "status"),
        ({"status": True}, "status"),
        ({"received_at": "23/08/2024"}, "received_at"),
        ({"received_at": None}, "received_at"),
        ({"due_at": "2024-08-01"}, "due_at"),
        ({"due_at": "2024-02-30"}, "due_at"),
        ({"applicant_id": "12345"}, "applicant_id"),
        ({"applicant_id": None}, "applicant_id"),
        ({"applicant_id": "07920300123a"}, "applicant_id"),
        ({"procedure_name": ""}, "procedure_name"),
        ({"procedure_name": 5}, "procedure_name"),
        ({"channel": "fax"}, "channel"),
        ({"return_method": "drone"}, "return_method"),
        ({"missing_documents": "giấy chứng sinh"}, "missing_documents"),
        ({"missing_documents": [""]}, "missing_documents"),
        ({"fee_amount": -1}, "fee_amount"),
        ({"colour": "red"}, "colour"),
        ({"receipt": "H56.14-240823-0002"}, "receipt"),
    ],
)
def test_validation_errors_name_the_field(
    app: Flask, auth: dict[str, str], change: dict[str, Any], field: str
) -> None:
    response = app.test_client().put(f"/api/v1/dossiers/{RECEIPT}", json=BODY | change, headers=auth)
    assert 400 <= response.status_code < 500
    assert response.json["field"] == field and response.json["error"]


def test_missing_status_and_bad_bodies(app: Flask, auth: dict[str, str]) -> None:
    client = app.test_client()
    body = {k: v for k, v in BODY.items() if k != "status"}
    assert client.put(f"/api/v1/dossiers/{RECEIPT}", json=body, headers=auth).json["field"] == "status"
    response = client.put(
        f"/api/v1/dossiers/{RECEIPT}", data="{not json", headers=auth | {"Content-Type": "application/json"}
    )
    assert response.status_code == 400 and response.json["field"] == "body"
    response = client.put(f"/api/v1/dossiers/{RECEIPT}", json=[1, 2], headers=auth)
    assert response.status_code == 400 and response.json["field"] == "body"


@pytest.mark.parametrize("receipt", ["1.001193", "03706-2026-07906", "H56.14-241340-0001", "abc"])
def test_unknown_receipt_formats_are_400(app: Flask, auth: dict[str, str], receipt: str) -> None:
    client = app.test_client()
    for response in (
        client.put(f"/api/v1/dossiers/{receipt}", json=BODY, headers=auth),
        client.get(f"/api/v1/dossiers/{receipt}", headers=auth),
    ):
        assert response.status_code == 400 and response.json["field"] == "receipt"


def test_get_unknown_dossier_is_404(app: Flask, auth: dict[str, str]) -> None:
    response = app.test_client().get("/api/v1/dossiers/H56.14-240823-0999", headers=auth)
    assert response.status_code == 404 and response.json["field"] == "receipt"
