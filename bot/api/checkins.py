"""GET /api/v1/broadcasts/<id>/checkins: the check-in board for the province's own systems.

What leaves: counts per area, each answer with its area and time under a pseudonymous reference
(the same keyed hash the logs use, so a province can follow one answer over time without learning
who gave it), and the help requests with where and what (area, map link, the citizen's one line)
and their state. Zalo ids, names and phone numbers stay with the commune.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request

from bot.api.tokens import require_token
from bot.broadcasts.board import help_requests
from bot.broadcasts.cap import CapError
from bot.broadcasts.checkins import CheckinStore
from bot.broadcasts.service import Broadcasts
from bot.broadcasts.store import BroadcastStore
from bot.ingress.jsonbody import json_object_or_none
from bot.logs import hash_user
from bot.office.current import office_config

MAX_LIMIT = 10_000


def checkin_summary(broadcast_id: str) -> dict[str, int] | None:
    """{"safe", "help", "no_answer"} for an alert with check-in buttons, else None."""
    client, settings = current_app.config["REDIS"], current_app.config["SETTINGS"]
    broadcast = BroadcastStore(client, settings).get(broadcast_id)
    if broadcast is None or not broadcast.checkin_board:
        return None
    return CheckinStore(client, settings).summary(broadcast.checkin_board)


def register_checkin_routes(api: Blueprint) -> None:
    register_follow_up_route(api)

    @api.get("/broadcasts/<broadcast_id>/checkins")
    @require_token
    def list_checkins(broadcast_id: str):
        client, settings = current_app.config["REDIS"], current_app.config["SETTINGS"]
        broadcast = BroadcastStore(client, settings).get(broadcast_id)
        if broadcast is None:
            return jsonify({"error": "no such broadcast", "field": "id"}), 404
        board = broadcast.checkin_board
        if not board:
            return jsonify({"error": "this broadcast carries no check-in buttons", "field": "id"}), 404
        try:
            limit = min(max(int(request.args.get("limit", 1000)), 0), MAX_LIMIT)
            offset = max(int(request.args.get("offset", 0)), 0)
        except ValueError:
            return jsonify({"error": "limit and offset are whole numbers", "field": "limit"}), 400
        store = CheckinStore(client, settings)
        areas = office_config(client, settings).areas
        rows = store.counts(board)
        answers = [{"ref": hash_user(a.user_id, settings), "area": a.area, "answer": a.kind or "no_answer",
                    "at": _iso(a.at)} for a in islice(store.answers(board), offset, offset + limit)]
        body: dict[str, Any] = {
            "id": broadcast_id, "board": board, "checkins": store.summary(board),
            "areas": [{"area": row.area if row.area != "-" else "", "name": areas.name(row.area) if row.area != "-"
                       else "", **row.as_dict()} for row in rows],
            "answers": answers, "offset": offset, "limit": limit,
            "help_requests": [{"ticket": h.ticket_id, "state": h.state, "handled_by": h.handled_by, "area": h.area,
                               "map_link": h.map_link, "situation": h.situation, "at": _iso(h.at)}
                              for h in help_requests(client, settings, board)],
        }
        return jsonify(body)


def register_follow_up_route(api: Blueprint) -> None:
    @api.post("/broadcasts/<broadcast_id>/follow-ups")
    @require_token
    def follow_up(broadcast_id: str):
        """An Update of the alert to those who have not answered ({"audience": "noanswer"}) or to one
        area ({"audience": "area", "area": "<id>"}), sent at once (needs broadcasts:send)."""
        if "broadcasts:send" not in g.api_scopes:
            return jsonify({"error": "this token may not send broadcasts", "field": "token"}), 403
        data = json_object_or_none()
        if not isinstance(data, dict):
            return jsonify({"error": "must be a JSON object", "field": "body"}), 400
        service = Broadcasts(current_app.config["REDIS"], current_app.config["SETTINGS"], current_app.config["QUEUE"])
        try:
            sent = service.checkin_follow_up(broadcast_id, str(data.get("audience") or ""), str(data.get("area") or ""),
                                             str(data.get("headline") or ""), str(data.get("instruction") or ""),
                                             f"api:{g.api_client}", via="api")
        except CapError as exc:
            return jsonify({"error": exc.message, "field": exc.field}), exc.status
        body = {"id": sent.id, "status": sent.status, "audience": sent.audience, "board": sent.checkin_for}
        return jsonify(body), 201


def _iso(epoch: float) -> str | None:
    return datetime.fromtimestamp(epoch, UTC).isoformat() if epoch else None
