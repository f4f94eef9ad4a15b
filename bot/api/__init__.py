"""The JSON API for integrators, under /api/v1, every route behind a bearer token (bot.api.tokens).

Every /api/v1 route lives in this package: one module per feature with a `register_*_routes(blueprint)`,
listed once in FEATURE_ROUTES, so that all of them share the blueprint's JSON error answers."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, jsonify

from bot.api.broadcasts import register_broadcast_routes
from bot.api.checkins import register_checkin_routes
from bot.api.closures import register_closure_routes
from bot.api.dossiers import register_dossier_routes
from bot.api.tickets import register_ticket_routes

RouteRegistrar = Callable[[Blueprint], None]
FEATURE_ROUTES: tuple[RouteRegistrar, ...] = (register_dossier_routes, register_ticket_routes,
                                              register_broadcast_routes, register_checkin_routes,
                                              register_closure_routes)


def create_api_blueprint() -> Blueprint:
    """The /api/v1 blueprint with every feature's routes."""
    api = Blueprint("api_v1", __name__, url_prefix="/api/v1")
    for register in FEATURE_ROUTES:
        register(api)

    @api.errorhandler(404)
    def not_found(exc: Exception):
        return jsonify({"error": "no such route", "field": "path"}), 404

    @api.errorhandler(405)
    def wrong_method(exc: Exception):
        return jsonify({"error": "method not allowed", "field": "method"}), 405

    @api.errorhandler(413)
    def too_large(exc: Exception):
        return jsonify({"error": "the body is too large", "field": "body"}), 413

    return api
