"""Tickets in the JSON API (/api/v1, bearer tokens): list, read with transcript, reply, resolve.

An API client acts as `api:<token name>`: replying claims an unowned ticket for it, and a ticket a
staff member owns is refused (409) so that two people never answer the same citizen unawares.
Errors are JSON `{"error", "field"}` with a 4xx status (502 when Zalo refused the message).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request

from bot.api.tokens import require_token
from bot.ingress.jsonbody import BodyError, parse_count, read_json_request
from bot.office.closures import office_hours_now
from bot.tickets.desk import MAX_REPLY_CHARS, StaffDesk
from bot.tickets.model import ACTIVE_STATUSES, STATUSES, Ticket
from bot.tickets.web import desk_for_app, ticket_row

MAX_LIMIT = 500
# How each failed action reads in the API: (HTTP status, the field at fault).
FAILURES = {
    "missing": (404, "id"),
    "invalid": (400, "text"),
    "taken": (409, "assignee"),
    "resolved": (409, "status"),
    "not_resolved": (409, "status"),
    "busy": (409, "user_id"),
    "outside_window": (422, "user_id"),
    "failed": (502, "text"),
}


def _desk() -> StaffDesk:
    return desk_for_app(current_app)


def _problem(message: str, field: str, status: int):
    return jsonify({"error": message, "field": field}), status


def _row(ticket: Ticket) -> dict[str, Any]:
    client, settings = current_app.config["REDIS"], current_app.config["SETTINGS"]
    return ticket_row(ticket, office_hours_now(client, settings), settings, datetime.now(UTC))


def _failure(status: str, detail: str):
    code, field = FAILURES.get(status, (400, "id"))
    return jsonify({"error": detail or status.replace("_", " "), "field": field, "status": status}), code


def register_ticket_routes(api: Blueprint) -> None:
    @api.get("/tickets")
    @require_token
    def list_tickets():
        status = request.args.get("status", "active")
        if status not in (*STATUSES, "active"):
            return _problem(f"status must be one of {', '.join((*STATUSES, 'active'))}", "status", 400)
        limit = parse_count(request.args.get("limit"), 100, 1, MAX_LIMIT)
        if limit is None:
            return _problem(f"limit must be an integer from 1 to {MAX_LIMIT}", "limit", 400)
        store = _desk().store
        statuses = ACTIVE_STATUSES if status == "active" else (status,)
        tickets = [t for s in statuses for t in store.by_status(s, limit)][:limit]
        return jsonify({"tickets": [_row(t) for t in tickets], "count": len(tickets)})

    @api.get("/tickets/<ticket_id>")
    @require_token
    def get_ticket(ticket_id: str):
        store = _desk().store
        ticket = store.get(ticket_id)
        if ticket is None:
            return _problem("no such ticket", "id", 404)
        return jsonify({**_row(ticket), "transcript": [e.to_json() for e in _desk().transcript(ticket_id)]})

    @api.post("/tickets/<ticket_id>/reply")
    @require_token
    def reply(ticket_id: str):
        try:
            body = read_json_request()
        except BodyError as exc:
            return _problem(exc.message, "body", exc.status)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            return _problem("text is required (a non-empty string)", "text", 400)
        if len(text.strip()) > MAX_REPLY_CHARS:
            return _problem(f"text is longer than {MAX_REPLY_CHARS} characters", "text", 400)
        # A client may retry safely with the same Idempotency-Key: the citizen gets the message once.
        key = request.headers.get("Idempotency-Key", "").strip()[:100] or uuid.uuid4().hex
        result = _desk().reply(ticket_id, text, f"api:{g.api_client}", idempotency_key=f"api:{key}")
        if not result.ok:
            return _failure(result.status, result.detail)
        ticket = _desk().store.get(ticket_id)
        return jsonify({"ok": True, "delivery": result.status, "ticket": _row(ticket) if ticket else None})

    @api.post("/tickets/<ticket_id>/resolve")
    @require_token
    def resolve(ticket_id: str):
        result = _desk().resolve(ticket_id, f"api:{g.api_client}")
        if not result.ok:
            return _failure(result.status, result.detail)
        ticket = _desk().store.get(ticket_id)
        return jsonify({"ok": True, "ticket": _row(ticket) if ticket else None})
