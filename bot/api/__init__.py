"""The JSON API for integrators, under /api/v1, every route behind a bearer token (bot.api.tokens)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Blueprint, jsonify

from bot.api.dossiers import register_dossier_routes

RouteRegistrar = Callable[[Blueprint], None]


def create_api_blueprint(extra_routes: Iterable[RouteRegistrar] = ()) -> Blueprint:
    """The /api/v1 blueprint: dossier routes, plus any other feature's `register(blueprint)` functions."""
    api = Blueprint("api_v1", __name__, url_prefix="/api/v1")
    register_dossier_routes(api)
    for register in extra_routes:
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
