"""POST /webhook/zalo: verify, reject replays, deduplicate, enqueue, answer 200 — nothing else.

No matching and no outbound HTTP happen here: Zalo wants an answer within about 2 seconds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import Any

import redis
from flask import Blueprint, Response, current_app, jsonify, request

from bot.config import Settings
from bot.ingress.events import Event, MalformedEvent, parse_event, timestamp_text
from bot.ingress.jsonbody import BodyError, may_hold_surrogates, parse_json, read_raw_body, replace_lone_surrogates
from bot.ingress.signature import signature_valid
from bot.logs import hash_user
from bot.ops.metrics import webhook_event
from bot.queue.event_inbox import accept_event, reached_replicas
from bot.queue.jobs import enqueue_sweep
from bot.tenants.model import event_oa_id
from bot.tenants.runtimes import TenantRuntimes

log = logging.getLogger(__name__)
webhook = Blueprint("webhook", __name__)

# The two acknowledgements, serialised once: this is the hot path.
ACCEPTED = b'{"ok":true,"duplicate":false}'
DUPLICATE = b'{"ok":true,"duplicate":true}'
IGNORED_MALFORMED = b'{"ok":true,"ignored":"malformed"}'
# A disabled tenant's events: acknowledged (4xx would make Zalo resend, and may unsubscribe the whole app)
# and dropped.
IGNORED_DISABLED = b'{"ok":true,"ignored":"tenant disabled"}'
# Signed events we cannot read: kept (reason and a digest, not the body) for a week, the last 1,000.
DEAD_LETTER_TTL_SECONDS = 7 * 24 * 3600
DEAD_LETTER_MAX = 1000


def _error(status: int, message: str):  # a Flask response tuple
    return jsonify({"ok": False, "error": message}), status


def _dead_letter_key(settings: Settings) -> str:
    return f"{settings.key_prefix}webhook:deadletter"


def dead_letters(client: redis.Redis, settings: Settings) -> list[dict[str, Any]]:
    """The signed-but-unreadable events recorded so far, newest first."""
    return [json.loads(item) for item in client.lrange(_dead_letter_key(settings), 0, -1)]


def _record_dead_letter(client: redis.Redis, settings: Settings, raw: bytes, payload: dict[str, Any],
                        reason: str) -> None:
    """Zalo signed it, so it is Zalo's and a 4xx would make Zalo resend it for hours: answer 200 and keep
    a trace for a developer instead. The body itself may hold personal data and is not kept."""
    name = payload.get("event_name")
    entry = {"at": round(time.time(), 3), "reason": reason, "sha256": hashlib.sha256(raw).hexdigest(),
             "event": name[:64] if isinstance(name, str) else None}
    log.warning("signed event dead-lettered", extra={"reason": reason, "event": entry["event"]})
    pipe = client.pipeline()
    pipe.lpush(_dead_letter_key(settings), json.dumps(entry))
    pipe.ltrim(_dead_letter_key(settings), 0, DEAD_LETTER_MAX - 1)
    pipe.expire(_dead_letter_key(settings), DEAD_LETTER_TTL_SECONDS)
    pipe.execute()


def _signed(raw: bytes, payload: dict[str, Any], header: str | None, settings: Settings) -> bool:
    timestamp = timestamp_text(payload)
    return (timestamp is not None and str(payload.get("app_id")) == settings.zalo_app_id
            and signature_valid(header, settings.zalo_app_id, raw, timestamp, settings.zalo_oa_secret_key))


@webhook.post("/webhook/zalo")
def receive():
    settings: Settings = current_app.config["SETTINGS"]
    try:
        raw = read_raw_body(settings.webhook_max_body_bytes)
        # Surrogates are checked after the signature: a signed event with one is still answered.
        payload = parse_json(raw, reject_surrogates=False)
    except BodyError as exc:
        webhook_event("rejected", "too_large" if exc.status == 413 else "bad_body")
        return _error(exc.status, exc.message)
    if not isinstance(payload, dict):
        webhook_event("rejected", "not_object")
        return _error(400, "the body must be a JSON object")
    # The commune's OA this event is for (bot/tenants), and so the secret that must have signed it.
    tenants: TenantRuntimes = current_app.extensions["tenants"]
    try:
        runtime, enabled = tenants.for_event(str(payload.get("app_id")), event_oa_id(payload))
    except redis.RedisError:
        webhook_event("rejected", "redis_unavailable")
        return _error(503, "temporarily unavailable")
    settings = runtime.settings
    signed = _signed(raw, payload, request.headers.get("X-ZEvent-Signature"), settings)
    try:
        event: Event = parse_event(replace_lone_surrogates(payload) if may_hold_surrogates(raw) else payload)
    except MalformedEvent as exc:
        if not signed:
            webhook_event("rejected", "malformed")
            return _error(400, str(exc))
        try:
            _record_dead_letter(current_app.config["REDIS"], settings, raw, payload, str(exc))
        except redis.RedisError:
            webhook_event("rejected", "redis_unavailable")
            return _error(503, "temporarily unavailable")
        webhook_event("ignored", "malformed")
        return Response(IGNORED_MALFORMED, mimetype="application/json")
    if not signed:
        webhook_event("rejected", "bad_signature")
        return _error(401, "bad signature")
    age = time.time() - event.timestamp_ms / 1000
    if abs(age) > settings.webhook_replay_window_seconds:
        webhook_event("rejected", "stale")
        return _error(401, "stale timestamp")
    if event.is_echo and not event.is_staff_echo:
        webhook_event("ignored", "echo")
        return jsonify({"ok": True, "ignored": "echo"})
    if not enabled:
        log.info("event for a disabled tenant dropped", extra={"event": event.name, "tenant": settings.tenant})
        webhook_event("ignored", "tenant_disabled")
        return Response(IGNORED_DISABLED, mimetype="application/json")
    client: redis.Redis = current_app.config["REDIS"]
    try:
        accepted = accept_event(client, settings, event)
        fresh = accepted.fresh
        if accepted.drainer:
            enqueue_sweep(runtime.queue, accepted.drainer)
        # With replicas configured, acknowledge only what a failover cannot lose (a resend of an
        # unacknowledged event is a duplicate for the dedupe, and waits for the replicas again).
        if not reached_replicas(client, settings):
            log.warning("event not yet on a replica: not acknowledged", extra={"event": event.name})
            return _error(503, "temporarily unavailable")
    except redis.RedisError:
        # Nothing lost: Zalo resends what we do not acknowledge.
        log.error("redis unavailable, event not accepted", extra={"event": event.name})
        webhook_event("rejected", "redis_unavailable")
        return _error(503, "temporarily unavailable")
    if log.isEnabledFor(logging.INFO):
        log.info("event accepted" if fresh else "duplicate ignored",
                 extra={"event": event.name, "user": hash_user(event.user_id, settings)})
    webhook_event("accepted" if fresh else "duplicate", "fresh" if fresh else "resend")
    return Response(ACCEPTED if fresh else DUPLICATE, mimetype="application/json")

