"""The staff inbox pages and the tickets JSON API (Flask test client, real Redis, Zalo sandbox)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.api.tokens import create_token
from bot.app import create_app
from bot.config import Settings
from bot.console.users import UserStore
from bot.tickets.model import PENDING, RESOLVED, TranscriptEntry
from bot.tickets.store import TicketStore
from tests.conftest import RunningSandbox
from tests.helpers import csrf_of, send_queued_staff_replies


@pytest.fixture
def app(zalo_settings: Settings) -> Flask:
    app = create_app(zalo_settings)
    users = UserStore(app.config["REDIS"], zalo_settings)
    users.create("canbo1", "staff", "staff-pass-1", "Chị Lan")
    users.create("canbo2", "staff", "staff-pass-2", "Anh Minh")
    users.create("chutich", "official", "official-pass-1", "Chủ tịch")
    return app


@pytest.fixture
def store(app: Flask) -> TicketStore:
    return TicketStore(app.config["REDIS"], app.config["SETTINGS"])


def open_ticket(store: TicketStore, user_id: str, **context: str) -> str:
    ticket, _ = store.open(
        user_id,
        datetime.now(UTC),
        "button",
        context,
        [TranscriptEntry(datetime.now(UTC), "citizen", "Cho tôi hỏi cán bộ về sổ đỏ")],
    )
    return ticket.id


def run_the_worker(app: Flask) -> int:
    return send_queued_staff_replies(app.config["REDIS"], app.config["SETTINGS"])




def login(app: Flask, name: str, password: str) -> FlaskClient:
    client = app.test_client()
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    client.post("/console/login", data={"username": name, "password": password, "csrf_token": token})
    return client


def post(client: FlaskClient, page: str, action: str, **form: str) -> str:
    token = csrf_of(client.get(page).get_data(as_text=True))
    return client.post(
        f"{page}/{action}", data={"csrf_token": token, **form}, follow_redirects=True
    ).get_data(as_text=True)


def test_inbox_needs_a_staff_login(app: Flask, store: TicketStore) -> None:
    ticket_id = open_ticket(store, "u1")
    assert app.test_client().get("/console/inbox/").status_code == 302
    assert app.test_client().get(f"/console/inbox/{ticket_id}/data.json").status_code == 401
    assert login(app, "chutich", "official-pass-1").get("/console/inbox/").status_code == 403


def test_queue_json_lists_oldest_first_with_sla(app: Flask, store: TicketStore) -> None:
    first, second = open_ticket(store, "u1"), open_ticket(store, "u2", procedure_code="1.001193")
    staff = login(app, "canbo1", "staff-pass-1")
    assert "Hộp thư cán bộ" in staff.get("/console/inbox/").get_data(as_text=True)
    data = staff.get("/console/inbox/queue.json").get_json()
    assert [t["id"] for t in data["tickets"]] == [first, second]
    row = data["tickets"][0]
    assert row["sla_colour"] in ("green", "amber", "red") and row["status_label"] == "Chờ cán bộ"
    assert data["counts"]["open"] == 2 and isinstance(data["version"], int)
    before = data["version"]
    open_ticket(store, "u3")
    assert staff.get("/console/inbox/queue.json").get_json()["version"] > before  # pages redraw on change


def test_claim_reply_note_resolve_from_the_console(
    app: Flask, store: TicketStore, sandbox: RunningSandbox
) -> None:
    user = sandbox.create_user()
    ticket_id = open_ticket(store, user)
    page = f"/console/inbox/{ticket_id}"
    lan, minh = login(app, "canbo1", "staff-pass-1"), login(app, "canbo2", "staff-pass-2")
    assert "Bạn đã nhận xử lý" in post(lan, page, "claim")
    assert "đang do Chị Lan phụ trách" in post(minh, page, "claim")
    assert "đang do Chị Lan phụ trách" in post(minh, page, "reply", text="Tôi trả lời", nonce="x")
    assert "Đã xếp trả lời vào hàng gửi" in post(lan, page, "reply", text="Dạ, em chào Anh/Chị ạ.", nonce="n1")
    staff_entry = [e for e in lan.get(f"{page}/data.json").get_json()["transcript"] if e["who"] == "staff"]
    assert [e["delivery"] for e in staff_entry] == ["queued"]  # the page shows it waiting for the worker
    assert run_the_worker(app) == 1
    post(lan, page, "note", text="Đã gọi điện cho người dân")
    data = lan.get(f"{page}/data.json").get_json()
    assert [e["delivery"] for e in data["transcript"] if e["who"] == "staff"] == ["sent"]
    assert data["ticket"]["status"] == PENDING and data["ticket"]["assignee_name"] == "Chị Lan"
    assert [e["who"] for e in data["transcript"]][-2:] == ["staff", "note"]
    assert "đánh giá" in post(lan, page, "resolve")
    assert store.get(ticket_id).status == RESOLVED  # type: ignore[union-attr]
    assert run_the_worker(app) == 1  # the rating request
    texts = [m["payload"]["message"]["text"] for m in sandbox.messages(user)]
    assert texts[0] == "Dạ, em chào Anh/Chị ạ." and "đánh giá" in texts[1]
    assert "Đã mở lại" in post(lan, page, "reopen")


def test_canned_replies_and_procedure_answers_are_offered(app: Flask, store: TicketStore) -> None:
    ticket_id = open_ticket(store, "u9", procedure_code="1.001193")
    staff = login(app, "canbo1", "staff-pass-1")
    html = staff.get(f"/console/inbox/{ticket_id}").get_data(as_text=True)
    assert "Xin mã hồ sơ" in html and 'value="1.001193"' in html
    found = staff.get("/console/inbox/procedure/1.001193.json")
    if found.status_code == 200:  # the shipped catalogue knows it
        assert found.get_json()["text"]
    assert staff.get("/console/inbox/procedure/9.999999.json").status_code == 404


# -- API ------------------------------------------------------------------------------------------


@pytest.fixture
def api(app: Flask) -> dict[str, str]:
    token = create_token(app.config["REDIS"], app.config["SETTINGS"], "mot-cua-tinh")
    return {"Authorization": f"Bearer {token}"}


def test_api_needs_a_token_and_validates(app: Flask, api: dict[str, str], store: TicketStore) -> None:
    client = app.test_client()
    assert client.get("/api/v1/tickets").status_code == 401
    bad = client.get("/api/v1/tickets?status=later", headers=api)
    assert bad.status_code == 400 and bad.get_json()["field"] == "status"
    assert client.get("/api/v1/tickets?limit=0", headers=api).get_json()["field"] == "limit"
    assert client.get("/api/v1/tickets/999", headers=api).status_code == 404
    ticket_id = open_ticket(store, "u1")
    for body, field in (("nope", "body"), ({"text": ""}, "text"), ({"text": "x" * 4001}, "text")):
        response = client.post(
            f"/api/v1/tickets/{ticket_id}/reply",
            headers=api,
            **({"data": body} if isinstance(body, str) else {"json": body}),
        )
        assert response.status_code == 400 and response.get_json()["field"] == field


def test_api_list_read_reply_resolve(
    app: Flask, api: dict[str, str], store: TicketStore, sandbox: RunningSandbox
) -> None:
    user = sandbox.create_user()
    ticket_id = open_ticket(store, user, receipt="H56.14-240823-0001")
    client = app.test_client()
    listed = client.get("/api/v1/tickets?status=open", headers=api).get_json()["tickets"]
    assert [(t["id"], t["user_id"], t["status"]) for t in listed] == [(ticket_id, user, "open")]
    assert listed[0]["waiting_since"] and "assignee" in listed[0]
    one = client.get(f"/api/v1/tickets/{ticket_id}", headers=api).get_json()
    assert one["receipt"] == "H56.14-240823-0001" and one["transcript"][0]["who"] == "citizen"
    key = {"Idempotency-Key": uuid.uuid4().hex}
    sent = client.post(
        f"/api/v1/tickets/{ticket_id}/reply", headers={**api, **key}, json={"text": "Dạ vâng ạ."}
    )
    assert sent.status_code == 200 and sent.get_json()["ticket"]["assignee"] == "api:mot-cua-tinh"
    assert sent.get_json()["delivery"] == "queued"
    run_the_worker(app)
    again = client.post(
        f"/api/v1/tickets/{ticket_id}/reply", headers={**api, **key}, json={"text": "Dạ vâng ạ."}
    )
    assert again.status_code == 200 and again.get_json()["delivery"] == "sent"
    assert client.get(f"/api/v1/tickets/{ticket_id}", headers=api).get_json()["transcript"][-1]["delivery"] == "sent"
    assert [m["payload"]["message"]["text"] for m in sandbox.messages(user)] == ["Dạ vâng ạ."]
    assert (
        client.post(f"/api/v1/tickets/{ticket_id}/resolve", headers=api).get_json()["ticket"]["status"]
        == "resolved"
    )
    conflict = client.post(f"/api/v1/tickets/{ticket_id}/resolve", headers=api)
    assert conflict.status_code == 409 and conflict.get_json()["field"] == "status"


def test_api_refuses_a_ticket_owned_by_staff(app: Flask, api: dict[str, str], store: TicketStore) -> None:
    ticket_id = open_ticket(store, "u5")
    store.claim(ticket_id, "canbo1", datetime.now(UTC))
    response = app.test_client().post(f"/api/v1/tickets/{ticket_id}/reply", headers=api, json={"text": "x"})
    assert response.status_code == 409 and response.get_json()["field"] == "assignee"


def test_api_cannot_resolve_a_ticket_owned_by_staff(app: Flask, api: dict[str, str], store: TicketStore) -> None:
    ticket_id = open_ticket(store, "u6")
    store.claim(ticket_id, "canbo1", datetime.now(UTC))
    response = app.test_client().post(f"/api/v1/tickets/{ticket_id}/resolve", headers=api)
    assert response.status_code == 409 and response.get_json()["status"] == "taken"
    assert store.get(ticket_id).status != RESOLVED  # type: ignore[union-attr]
