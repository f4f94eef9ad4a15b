"""POST /api/v1/broadcasts (CAP 1.2 XML or JSON) and GET /api/v1/broadcasts/<id> (progress).
(The public CAP feed under /alerts is bot.broadcasts.public_feed.)

Behind the API's bearer tokens (bot.api.tokens.require_token). With the scope broadcasts:send
(every unscoped token has it) an accepted Actual announcement is approved and sent at once (or
at `send_at`), audited under `api:<token name>`; with only broadcasts:draft it waits in the
console for an official to approve it. A CAP message posted again (same sender and identifier)
answers 200 with the broadcast it made the first time and sends nothing.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, g, jsonify, request

from bot.api.checkins import checkin_summary
from bot.api.tokens import require_token
from bot.broadcasts.cap import CapError, parse_time
from bot.broadcasts.report import progress
from bot.broadcasts.service import Broadcasts, Checked
from bot.broadcasts.store import Broadcast
from bot.ingress.jsonbody import json_object_or_none
from bot.tenants.province import group_progress, is_group, send_to_communes

XML_TYPES = ("application/cap+xml", "application/xml", "text/xml")


def _service() -> Broadcasts:
    return Broadcasts(current_app.config["REDIS"], current_app.config["SETTINGS"], current_app.config["QUEUE"])


def _problem(exc: CapError):
    return jsonify({"error": exc.message, "field": exc.field}), exc.status


def register_broadcast_routes(api: Blueprint) -> None:
    """Add the broadcast routes to a /api/v1 blueprint."""

    @api.post("/broadcasts")
    @require_token
    def create_broadcast():
        if "province" in g.api_scopes:
            return _create_province_alert()
        service = _service()
        actor = f"api:{g.api_client}"
        send_at: datetime | None = None
        try:
            if request.mimetype in XML_TYPES:
                accepted = service.accept_cap_xml(request.get_data(), actor, via="api")
            else:
                data = json_object_or_none()
                if not isinstance(data, dict):
                    raise CapError("body", "must be a JSON object or CAP 1.2 XML", 400)
                if data.get("send_at"):
                    send_at = parse_time(data["send_at"], "send_at")
                existing = service.received_before(data.get("sender"), data.get("identifier"))
                if existing is not None:
                    return jsonify(_summary(existing, existing=True)), 200
                accepted = service.accept_announcement(service.parse(data), actor, via="api")
            if not accepted.created:
                return jsonify(_summary(accepted.broadcast, existing=True)), 200
            if accepted.broadcast.status == "draft" and "broadcasts:send" in g.api_scopes:
                service.approve(accepted.broadcast.id, actor, send_at)
        except CapError as exc:
            return _problem(exc)
        return jsonify(_summary(service.store.get(accepted.broadcast.id))), 201

    @api.get("/broadcasts/<broadcast_id>")
    @require_token
    def get_broadcast(broadcast_id: str):
        if is_group(broadcast_id) and "province" in g.api_scopes:
            communes = group_progress(current_app.extensions["tenants"], broadcast_id)
            if communes is None:
                return jsonify({"error": "no such broadcast", "field": "id"}), 404
            return jsonify({"id": broadcast_id, "communes": communes})
        service = _service()
        broadcast = service.store.get(broadcast_id)
        if broadcast is None:
            return jsonify({"error": "no such broadcast", "field": "id"}), 404
        body = {**progress(broadcast, service.store.counts(broadcast_id)),
                "announcement": broadcast.announcement.as_dict(), "created_at": broadcast.created_at}
        checkins = checkin_summary(broadcast_id)
        if checkins is not None:
            body["checkins"] = checkins
        return jsonify(body)


def _create_province_alert():
    """A province-scoped token: the alert goes to every enabled commune (or `communes`, by slug or name)
    whose own areas it covers and that has the broadcasts its references name by id, one broadcast
    each, sent at once with broadcasts:send; answered with each commune's broadcast and the communes
    skipped for a reference they do not have."""
    actor = f"api:{g.api_client}"
    raw = request.get_data()
    xml = request.mimetype in XML_TYPES
    data = None if xml else json_object_or_none()
    if not xml and not isinstance(data, dict):
        return _problem(CapError("body", "must be a JSON object or CAP 1.2 XML", 400))
    communes = None if xml or data is None else data.get("communes")
    if communes is not None and not (isinstance(communes, list) and all(isinstance(c, str) for c in communes)):
        return _problem(CapError("communes", "must be a list of commune names or slugs", 400))

    def check(service: Broadcasts) -> Checked:
        if xml:
            return service.check_cap_xml(raw)
        assert data is not None
        existing = service.received_before(data.get("sender"), data.get("identifier"))
        return existing if existing is not None else service.check(service.parse(data))

    try:
        if not xml and data is not None:  # a bad alert is refused before any commune records it; its
            # areas are each commune's to match (send_to_communes leaves out the communes they miss)
            Broadcasts(current_app.config["REDIS"], current_app.config["SETTINGS"]).parse({**data, "target": "all"})
        sent = send_to_communes(current_app.extensions["tenants"], check, actor, "api",
                                send="broadcasts:send" in g.api_scopes, communes=communes)
    except CapError as exc:
        return _problem(exc)
    if not sent.parts:
        return jsonify({"error": "no commune matches", "field": "communes"}), 400
    return jsonify({"id": sent.group_id, "communes": [
        {"tenant": p.tenant, "commune": p.commune, "id": p.broadcast_id} for p in sent.parts],
        "skipped": [{"tenant": s.tenant, "commune": s.commune, "reason": s.reason} for s in sent.skipped]}), 201


def _summary(broadcast: Broadcast | None, existing: bool = False) -> dict:
    assert broadcast is not None
    a = broadcast.announcement
    return {"id": broadcast.id, "status": broadcast.status, "msg_type": a.msg_type, "cap_status": a.status,
            "identifier": a.identifier, "sender": a.sender, "references": list(a.references),
            "awaiting_approval": broadcast.status == "draft", "existing": existing,
            "expires": a.expires.isoformat(), "expires_defaulted": a.expires_defaulted,
            **({"reason": broadcast.reason} if broadcast.reason else {})}
