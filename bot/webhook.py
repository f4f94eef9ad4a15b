"""POST /webhook/zalo: verify, reject replays, deduplicate, enqueue, answer 200 — nothing else.

No matching and no outbound HTTP happen here: Zalo wants an answer within about 2 seconds.
"""

from __future__ import annotations

import json
import logging
import time

import redis
from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from bot.config import Settings
from bot.events import MalformedEvent, parse_event
from bot.inbox import accept_event
from bot.jobs import enqueue_drain
from bot.logs import hash_user
from bot.signature import signature_valid

log = logging.getLogger(__name__)
webhook = Blueprint("webhook", __name__)

# The two acknowledgements, serialised once: this is the hot path.
ACCEPTED = b'{"ok":true,"duplicate":false}'
DUPLICATE = b'{"ok":true,"duplicate":true}'



def _error(status: int, message: str):  # noqa: ANN202 - a Flask response tuple
    return jsonify({"ok": False, "error": message}), status


@webhook.post("/webhook/zalo")
def receive():  # noqa: ANN201
    settings: Settings = current_app.config["SETTINGS"]
    try:
        raw = request.get_data(cache=False)
    except RequestEntityTooLarge:
        return _error(413, "body too large")
    if len(raw) > settings.webhook_max_body_bytes:
        return _error(413, "body too large")
    try:
        payload = json.loads(raw)
        event = parse_event(payload)
    except (ValueError, MalformedEvent) as exc:
        # Signature first would be nicer, but it needs the body's timestamp: without one it fails anyway.
        return _error(400, str(exc) if isinstance(exc, MalformedEvent) else "malformed JSON")
    timestamp = str(payload["timestamp"])
    if not signature_valid(
        request.headers.get("X-ZEvent-Signature"), settings.zalo_app_id, raw, timestamp,
        settings.zalo_oa_secret_key,
    ) or str(payload.get("app_id")) != settings.zalo_app_id:
        return _error(401, "bad signature")
    age = time.time() - event.timestamp_ms / 1000
    if abs(age) > settings.webhook_replay_window_seconds:
        return _error(401, "stale timestamp")
    if event.is_echo and not event.is_staff_echo:
        return jsonify({"ok": True, "ignored": "echo"})
    client: redis.Redis = current_app.config["REDIS"]
    try:
        accepted = accept_event(client, settings, event)
        fresh = accepted.fresh
        if accepted.needs_drain:
            enqueue_drain(current_app.config["QUEUE"], event.user_id)
    except redis.RedisError:
        # Nothing lost: Zalo resends what we do not acknowledge.
        log.error("redis unavailable, event not accepted", extra={"event": event.name})
        return _error(503, "temporarily unavailable")
    if log.isEnabledFor(logging.INFO):
        log.info("event accepted" if fresh else "duplicate ignored",
                 extra={"event": event.name, "user": hash_user(event.user_id, settings)})
    return Response(ACCEPTED if fresh else DUPLICATE, mimetype="application/json")
