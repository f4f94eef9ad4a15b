"""Hostile input to the JSON API (issue 13): a 400 that names the problem, never a 500."""

from __future__ import annotations

import json

import pytest
import redis
from flask.testing import FlaskClient

from bot.api.tokens import create_token
from bot.app import create_app
from bot.config import Settings

RECEIPT = "H56.14-240823-0001"
DOSSIER = {"procedure_code": "1.001193", "procedure_name": "Đăng ký khai sinh", "applicant_id": "079203001234",
           "status": 2, "received_at": "2024-08-23T08:30:00+07:00", "due_at": "2024-08-28"}
NESTED = b'{"a":' + b"[" * 5000 + b"]" * 5000 + b"}"


@pytest.fixture
def client(settings: Settings) -> FlaskClient:
    return create_app(settings).test_client()


@pytest.fixture
def auth(redis_client: redis.Redis, settings: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(redis_client, settings, 'probe')}",
            "Content-Type": "application/json"}


@pytest.mark.parametrize("method,path", [
    ("PUT", f"/api/v1/dossiers/{RECEIPT}"), ("POST", "/api/v1/broadcasts"), ("POST", "/api/v1/tickets/t1/reply"),
])
def test_deeply_nested_json_is_400(client: FlaskClient, auth: dict[str, str], method: str, path: str) -> None:
    response = client.open(path, method=method, data=NESTED, headers=auth)
    assert response.status_code == 400


@pytest.mark.parametrize("limit", ["²", "١٠", "0", "-1", "1e3", "9" * 400, ""])  # noqa: RUF001 - non-ASCII digits on purpose
def test_odd_ticket_limits_are_400(client: FlaskClient, auth: dict[str, str], limit: str) -> None:
    response = client.get("/api/v1/tickets", query_string={"limit": limit}, headers=auth)
    assert response.status_code == 400 and response.json["field"] == "limit"


def test_lone_surrogate_in_a_dossier_note_is_400(client: FlaskClient, auth: dict[str, str]) -> None:
    body = json.dumps({**DOSSIER, "note": "PLACEHOLDER"}).encode().replace(b"PLACEHOLDER", b"ch\\udc80o")
    response = client.put(f"/api/v1/dossiers/{RECEIPT}", data=body, headers=auth)
    assert response.status_code == 400 and response.json["field"] == "body"


@pytest.mark.parametrize("fee", [10**400, 10**15, 1e308, -1, 1.5, True, "100000"])
def test_absurd_fees_are_refused(client: FlaskClient, auth: dict[str, str], fee: object) -> None:
    body = json.dumps({**DOSSIER, "fee_amount": fee}).encode()
    response = client.put(f"/api/v1/dossiers/{RECEIPT}", data=body, headers=auth)
    assert response.status_code in (400, 422)
    assert client.get(f"/api/v1/dossiers/{RECEIPT}", headers=auth).status_code == 404


def test_a_plausible_fee_is_kept(client: FlaskClient, auth: dict[str, str]) -> None:
    body = json.dumps({**DOSSIER, "fee_amount": 8_000}).encode()
    assert client.put(f"/api/v1/dossiers/{RECEIPT}", data=body, headers=auth).status_code == 201


@pytest.mark.parametrize("body", [b"NaN", b'{"note": Infinity}', b'{"x": 1e999}', b"\xff\xfe{}", b"[1]"])
def test_not_quite_json_is_400(client: FlaskClient, auth: dict[str, str], body: bytes) -> None:
    assert client.put(f"/api/v1/dossiers/{RECEIPT}", data=body, headers=auth).status_code == 400
