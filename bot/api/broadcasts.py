"""POST /api/v1/broadcasts (CAP 1.2 XML or JSON) and GET /api/v1/broadcasts/<id> (progress).

Behind the API's bearer tokens (bot.api.tokens.require_token). An accepted announcement is
approved and sent at once (or at `send_at`), audited under `api:<token name>`.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, g, jsonify, request

from bot.api.tokens import require_token
from bot.broadcasts.areas import load_areas
from bot.broadcasts.cap import CapError, announcement_from_cap_xml, parse_time
from bot.broadcasts.report import progress
from bot.broadcasts.service import Broadcasts
from bot.jsonbody import json_object_or_none

XML_TYPES = ("application/cap+xml", "application/xml", "text/xml")


def _service() -> Broadcasts:
    return Broadcasts(current_app.config["REDIS"], current_app.config["SETTINGS"], current_app.config["QUEUE"])


def _problem(exc: CapError):  # noqa: ANN202
    return jsonify({"error": exc.message, "field": exc.field}), exc.status


def register_broadcast_routes(api: Blueprint) -> None:
    """Add the broadcast routes to a /api/v1 blueprint."""

    @api.post("/broadcasts")
    @require_token
    def create_broadcast():  # noqa: ANN202
        service = _service()
        actor = f"api:{g.api_client}"
        send_at: datetime | None = None
        try:
            if request.mimetype in XML_TYPES:
                data = announcement_from_cap_xml(request.get_data(), load_areas()).as_dict()
            else:
                data = json_object_or_none()
                if not isinstance(data, dict):
                    raise CapError("body", "must be a JSON object or CAP 1.2 XML", 400)
                if data.get("send_at"):
                    send_at = parse_time(data["send_at"], "send_at")
            broadcast = service.accept(data, actor, via="api")
            service.approve(broadcast.id, actor, send_at)
        except CapError as exc:
            return _problem(exc)
        broadcast = service.store.get(broadcast.id)
        return jsonify({"id": broadcast.id, "status": broadcast.status,
                        "msg_type": broadcast.announcement.msg_type}), 201

    @api.get("/broadcasts/<broadcast_id>")
    @require_token
    def get_broadcast(broadcast_id: str):  # noqa: ANN202
        service = _service()
        broadcast = service.store.get(broadcast_id)
        if broadcast is None:
            return jsonify({"error": "no such broadcast", "field": "id"}), 404
        return jsonify({**progress(broadcast, service.store.counts(broadcast_id)),
                        "announcement": broadcast.announcement.as_dict(), "created_at": broadcast.created_at})


def create_broadcasts_api_blueprint() -> Blueprint:
    """The broadcast routes on a blueprint of their own (name `broadcasts_api`, prefix /api/v1)."""
    api = Blueprint("broadcasts_api", __name__, url_prefix="/api/v1")
    register_broadcast_routes(api)
    return api
