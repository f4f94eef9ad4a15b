"""Property-based fuzzing (Hypothesis) of the webhook and the JSON API: whatever arrives, no 5xx, and
nothing is queued for input that was refused. (The CAP XML parser is fuzzed with the broadcasts.)

The budget is fixed and the runs are derandomized, so CI sees the same few thousand examples each time
in well under a minute. FUZZ_EXAMPLES scales it for a longer local run.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.api.tokens import create_token
from bot.app import create_app
from bot.config import Settings
from bot.ingress.signature import expected_mac

SCALE = float(os.environ.get("FUZZ_EXAMPLES", "1"))
FUZZ = settings(max_examples=int(400 * SCALE), derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Text that includes what breaks naive code: lone surrogates, NUL, RTL marks, combining marks, digits
# that are not ASCII ("²", "١").  # noqa: RUF003 - named on purpose
odd_text = st.text(st.one_of(st.characters(), st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
                             st.sampled_from("²١\u200f\u0301\x00'\"\\")), max_size=40)
scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
                    st.integers(min_value=10**300, max_value=10**400), st.floats(allow_nan=False), odd_text)
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(odd_text, inner, max_size=4)), max_leaves=12)


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=True).encode()  # surrogates go out as \\udXXX escapes


@pytest.fixture
def app(settings: Settings) -> Flask:
    return create_app(settings)


def queued(app: Flask) -> tuple[int, int]:
    """Jobs on the queue and events in every inbox: what a refused request must not change."""
    client: redis.Redis = app.config["REDIS"]
    prefix = app.config["SETTINGS"].key_prefix
    inboxes = sum(client.llen(k) for k in client.scan_iter(f"{prefix}inbox:*", count=1000)
                  if client.type(k) == b"list")
    return app.config["QUEUE"].count, inboxes


# -- the webhook ----------------------------------------------------------------------------------

event_fields = st.fixed_dictionaries({}, optional={
    "app_id": st.one_of(st.just("123"), json_values),
    "event_name": st.one_of(st.sampled_from(["user_send_text", "follow", "user_seen_message", "oa_send_text",
                                             "user_received_message", "unfollow"]), json_values),
    "timestamp": st.one_of(st.just("NOW"), st.from_regex(r"\A[0-9²١ ]{0,20}\Z"), json_values),  # noqa: RUF001 - non-ASCII digits on purpose
    "sender": st.one_of(st.fixed_dictionaries({"id": st.one_of(st.from_regex(r"\A[0-9]{1,19}\Z"), json_values)}),
                        json_values),
    "recipient": json_values,
    "follower": json_values,
    "user_id": json_values,
    "message": st.one_of(st.fixed_dictionaries({"msg_id": json_values, "text": odd_text}), json_values),
})


def _signed_body(fields: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    if fields.get("timestamp") == "NOW":
        fields["timestamp"] = str(int(time.time() * 1000))
    body = dumps(fields)
    stamp = fields.get("timestamp")
    stamp_text = str(stamp) if isinstance(stamp, str | int) and not isinstance(stamp, bool) else ""
    return body, {"X-ZEvent-Signature": "mac=" + expected_mac("123", body, stamp_text, "oa_secret_key"),
                  "Content-Type": "application/json"}


@FUZZ
@given(fields=event_fields)
def test_signed_events_of_any_shape_never_500(app: Flask, fields: dict[str, Any]) -> None:
    body, headers = _signed_body(dict(fields))
    before = queued(app)
    response = app.test_client().post("/webhook/zalo", data=body, headers=headers)
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code != 200 or response.json.get("ignored") or response.json.get("duplicate"):
        assert queued(app) == before


@FUZZ
@given(body=st.one_of(st.binary(max_size=300), json_values.map(dumps), st.integers(1, 3000).map(nested)),
       header=st.text(st.characters(max_codepoint=0xFF, exclude_characters="\r\n"), max_size=80))
def test_unsigned_bodies_and_headers_never_500_and_queue_nothing(app: Flask, body: bytes, header: str) -> None:
    before = queued(app)
    response = app.test_client().post("/webhook/zalo", data=body, headers={"X-ZEvent-Signature": header})
    assert 400 <= response.status_code < 500
    assert queued(app) == before


# -- the JSON API ---------------------------------------------------------------------------------


@pytest.fixture
def api(app: Flask) -> FlaskClient:
    client = app.test_client()
    token = create_token(app.config["REDIS"], app.config["SETTINGS"], "fuzz")
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


dossier_bodies = st.fixed_dictionaries({}, optional={
    "procedure_code": json_values, "procedure_name": json_values,
    "applicant_id": st.one_of(st.just("079203001234"), json_values),
    "status": st.one_of(st.integers(-5, 15), json_values), "received_at": json_values, "due_at": json_values,
    "channel": json_values, "return_method": json_values, "missing_documents": json_values,
    "note": json_values, "fee_amount": json_values,
})
receipts = st.one_of(st.just("H56.14-240823-0001"), st.text(st.characters(exclude_categories=["Cs"],
                                                                          exclude_characters="/?#%"),
                                                            min_size=1, max_size=30))


@FUZZ
@given(receipt=receipts, body=st.one_of(dossier_bodies.map(dumps), json_values.map(dumps),
                                        st.binary(max_size=200), st.integers(30, 3000).map(nested)))
def test_dossier_api_never_500_and_pushes_nothing_for_refused_bodies(api: FlaskClient, app: Flask,
                                                                     receipt: str, body: bytes) -> None:
    before = queued(app)
    response = api.put(f"/api/v1/dossiers/{receipt}", data=body, content_type="application/json")
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert queued(app) == before and "field" in response.json


@FUZZ
@given(body=st.one_of(json_values.map(dumps), st.binary(max_size=200), st.integers(30, 3000).map(nested),
                      st.fixed_dictionaries({"text": odd_text}).map(dumps)),
       limit=st.one_of(st.none(), st.text(max_size=6), st.sampled_from(["²", "١٠", "9" * 400, "0", "-1"])),  # noqa: RUF001 - on purpose
       status=st.one_of(st.none(), st.text(max_size=10)))
def test_tickets_api_never_500(api: FlaskClient, app: Flask, body: bytes, limit: str | None,
                               status: str | None) -> None:
    query = {k: v for k, v in (("limit", limit), ("status", status)) if v is not None}
    assert api.get("/api/v1/tickets", query_string=query).status_code < 500
    before = queued(app)
    response = api.post("/api/v1/tickets/1/reply", data=body, content_type="application/json")
    assert response.status_code < 500 and queued(app) == before


@FUZZ
@given(body=st.one_of(json_values.map(dumps), st.binary(max_size=200), st.integers(30, 3000).map(nested)))
def test_broadcasts_api_never_500_on_json(api: FlaskClient, app: Flask, body: bytes) -> None:
    before = queued(app)
    response = api.post("/api/v1/broadcasts", data=body, content_type="application/json")
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert queued(app) == before
