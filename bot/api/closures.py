"""POST /api/v1/closures (declare the desk closed for a period) and GET /api/v1/closures (the list).

Behind the API's tokens with the `closures` scope (every unscoped token has it). A declared closure
takes effect at once for office-hours answers and SLA clocks; dossiers due during it move and their
subscribers are told by the worker (bot.dossiers.closure_notices).
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify

from bot.api.tokens import require_token
from bot.dossiers.closure_notices import declare_closure
from bot.ingress.jsonbody import json_object_or_none
from bot.office.closures import ClosureError, ClosureStore


def register_closure_routes(api: Blueprint) -> None:
    @api.post("/closures")
    @require_token
    def create_closure():
        data = json_object_or_none()
        if not isinstance(data, dict):
            return jsonify({"error": "must be a JSON object", "field": "body"}), 400
        client, settings = current_app.config["REDIS"], current_app.config["SETTINGS"]
        try:
            closure = declare_closure(client, settings, data, f"api:{g.api_client}", current_app.config["QUEUE"])
        except ClosureError as exc:
            return jsonify({"error": exc.message, "field": exc.field}), 422
        return jsonify(closure.to_json()), 201

    @api.get("/closures")
    @require_token
    def list_closures():
        store = ClosureStore(current_app.config["REDIS"], current_app.config["SETTINGS"])
        return jsonify({"closures": [c.to_json() for c in store.all()]})
