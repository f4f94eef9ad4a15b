"""PUT/GET /api/v1/dossiers/<receipt>: the integrators' side of dossier status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, jsonify

from bot.api.tokens import require_token
from bot.dossiers.receipts import canonical_receipt
from bot.dossiers.store import RedisDossierStore
from bot.dossiers.validation import FieldError, parse_dossier
from bot.ingress.jsonbody import BodyError, read_json_request


def error(message: str, field: str, status: int = 400) -> Any:
    return jsonify({"error": message, "field": field}), status


def _store() -> RedisDossierStore:
    return RedisDossierStore(current_app.config["REDIS"], current_app.config["SETTINGS"])


def register_dossier_routes(api: Blueprint) -> None:
    @api.put("/dossiers/<receipt>")
    @require_token
    def put_dossier(receipt: str) -> Any:
        canonical = canonical_receipt(receipt)
        if canonical is None:
            return error("receipt is not a receipt number like H56.14-240823-0001", "receipt")
        try:
            body = read_json_request()
        except BodyError as exc:
            return error(exc.message, "body", exc.status)
        store = _store()
        existing = store.get(canonical)
        config = current_app.config.get("DOSSIER_CONFIG") or current_app.config["SETTINGS"].dossier
        try:
            dossier = parse_dossier(
                canonical,
                body,
                config.id_secret,
                require_applicant=existing is None,
                suffix_lengths=(config.verify_last_digits,),
            )
        except FieldError as exc:
            return error(exc.message, exc.field, 422 if exc.field not in ("body", "receipt") else 400)
        stored, status_changed = store.upsert(dossier, datetime.now(UTC))
        enqueue: Callable[[str], None] | None = current_app.config.get("ENQUEUE_DOSSIER_PUSH")
        if status_changed and existing is not None and enqueue is not None:
            enqueue(canonical)
        return jsonify(stored.public_dict()), 200 if existing else 201

    @api.get("/dossiers/<receipt>")
    @require_token
    def get_dossier(receipt: str) -> Any:
        canonical = canonical_receipt(receipt)
        if canonical is None:
            return error("receipt is not a receipt number like H56.14-240823-0001", "receipt")
        dossier = _store().get(canonical)
        if dossier is None:
            return error("no dossier with this receipt", "receipt", 404)
        return jsonify(dossier.public_dict())
