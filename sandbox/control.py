"""The sandbox's own API (`/_sandbox/…`): citizens, citizen actions, faults, inspection, reset.

Used by the tests, the benchmarks and the chat page; nothing here exists on Zalo's side.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, request, send_from_directory

from sandbox.core import Sandbox
from sandbox.faults import parse_fault
from sandbox.state import DAY_MS, Citizen, now_ms
from sandbox.webhooks import Delivery
from sandbox.zalo_api import json_response

bp = Blueprint("sandbox_control", __name__)

ATTACHMENT_ACTIONS = ("image", "sticker", "location", "file", "audio")
MAX_LIST = 10_000


def sandbox() -> Sandbox:
    return current_app.extensions["sandbox"]


def body() -> dict[str, Any]:
    data = request.get_json(silent=True, force=True)
    return data if isinstance(data, dict) else {}


def problem(message: str, status: int = 400) -> Response:
    return json_response({"error": message}, status)


def _int_arg(name: str, default: int, maximum: int | None = None) -> int:
    try:
        value = int(request.args.get(name, default))
    except ValueError:
        value = default
    return min(value, maximum) if maximum is not None else value


def _delivery(d: Delivery) -> dict[str, Any]:
    return {"status": d.status, "error": d.error, "elapsed_ms": round(d.elapsed_ms, 1)}


@bp.get("/")
def chat_page() -> Response:
    return send_from_directory(current_app.static_folder or "static", "index.html")


# --- citizens ------------------------------------------------------------------------------------


@bp.post("/_sandbox/users")
def create_user() -> Response:
    data = body()
    name = str(data.get("display_name") or "").strip() or "Người dân"
    user_id = str(data["user_id"]) if data.get("user_id") else None
    if user_id and sandbox().state.get_user(user_id):
        return problem("user_id already exists", 409)
    last = _last_interaction(data)
    oa_id = str(data.get("oa_id") or "")
    state = sandbox().state
    if oa_id and oa_id != state.config.oa_id and oa_id not in state.extra_oas:
        return problem("unknown oa_id (add it with POST /_sandbox/oas first)", 404)
    citizen = state.create_user(name, bool(data.get("follower", True)), user_id, last, oa_id)
    return json_response(citizen.public(), 201)


@bp.post("/_sandbox/oas")
def add_oa() -> Response:
    """Another OA of the same app (a province's commune): its id, secret key and token pair, and
    optionally the template ids approved for it (others are refused with -109, as an unapproved one)."""
    data = body()
    fields = {name: str(data.get(name) or "").strip()
              for name in ("oa_id", "oa_secret_key", "access_token", "refresh_token")}
    missing = [name for name, value in fields.items() if not value]
    if missing:
        return problem(f"missing: {', '.join(missing)}")
    if fields["oa_id"] == sandbox().state.config.oa_id:
        return problem("that is the configured OA", 409)
    templates = data.get("templates") or []
    if not isinstance(templates, list):
        return problem("templates must be a list of template ids")
    account = sandbox().state.add_oa(**fields, templates=frozenset(str(t) for t in templates))
    return json_response({"oa_id": account.oa_id, "app_id": sandbox().config.app_id}, 201)


def _last_interaction(data: dict[str, Any]) -> int | None:
    if data.get("last_interaction") is not None:
        return int(data["last_interaction"])
    if data.get("last_interaction_days_ago") is not None:
        return now_ms() - int(float(data["last_interaction_days_ago"]) * DAY_MS)
    return None


@bp.get("/_sandbox/users")
def list_users() -> Response:
    state = sandbox().state
    offset, limit = _int_arg("offset", 0), _int_arg("limit", 200, MAX_LIST)
    with state.lock:
        users = list(state.users.values())
    page = users[::-1][offset : offset + limit] if request.args.get("order") == "newest" else users[
        offset : offset + limit]
    return json_response({"total": len(users), "users": [c.public() for c in page]})


@bp.get("/_sandbox/users/<user_id>")
def get_user(user_id: str) -> Response:
    citizen = sandbox().state.get_user(user_id)
    return json_response(citizen.public()) if citizen else problem("unknown user", 404)


@bp.route("/_sandbox/users/<user_id>", methods=["PATCH", "POST"])
def update_user(user_id: str) -> Response:
    data = body()
    changes: dict[str, Any] = {}
    if "display_name" in data:
        changes["display_name"] = str(data["display_name"])
    if "follower" in data:
        changes["follower"] = bool(data["follower"])
    last = _last_interaction(data)
    if last is not None:
        changes["last_interaction_ms"] = last
    citizen = sandbox().state.update_user(user_id, **changes)
    return json_response(citizen.public()) if citizen else problem("unknown user", 404)


@bp.post("/_sandbox/followers/bulk")
def bulk_followers() -> Response:
    data = body()
    count = int(data.get("count", 0))
    if not 0 < count <= 2_000_000:
        return problem("count must be between 1 and 2,000,000")
    prefix = str(data.get("prefix") or "77")
    if not prefix.isdigit():
        return problem("prefix must be digits (Zalo ids are numbers)")
    oa_id, state = str(data.get("oa_id") or ""), sandbox().state
    if oa_id and oa_id != state.config.oa_id and oa_id not in state.extra_oas:
        return problem("unknown oa_id (add it with POST /_sandbox/oas first)", 404)
    started = now_ms()
    created = state.bulk_followers(count, prefix, float(data.get("stale_fraction", 0.0)),
                                   int(data.get("spread_days", 0)), oa_id)
    return json_response({"created": created, "users": len(sandbox().state.users),
                          "elapsed_ms": now_ms() - started}, 201)


# --- citizen actions -----------------------------------------------------------------------------


def _citizen_or_404(user_id: str) -> Citizen | Response:
    citizen = sandbox().state.get_user(user_id)
    return citizen if citizen else problem("unknown user", 404)


@bp.post("/_sandbox/citizen/<user_id>/<action>")
def citizen_action(user_id: str, action: str) -> Response:
    citizen = _citizen_or_404(user_id)
    if isinstance(citizen, Response):
        return citizen
    sb, data = sandbox(), body()
    if action == "text":
        text = str(data.get("text") or "")
        if not text.strip():
            return problem("text is required")
        record, delivery = sb.send_text(citizen, text, bool(data.get("hidden")), data.get("quote_msg_id"),
                                        data.get("label"))
    elif action in ("follow", "unfollow"):
        record, delivery = sb.set_following(citizen, action == "follow", str(data.get("source") or "oa_profile"))
    elif action in ATTACHMENT_ACTIONS:
        overrides = data.get("payload") if isinstance(data.get("payload"), dict) else None
        record, delivery = sb.send_attachment(citizen, action, request.host_url, overrides, data.get("text"))
    elif action == "submit_info":
        info = data.get("info") if isinstance(data.get("info"), dict) else {
            "name": citizen.display_name, "phone": "84912345678",
            "full_address": {"user_city": "", "user_ward": "", "user_address": ""}}
        record, delivery = sb.submit_info(citizen, info)
    else:
        return problem(f"unknown action {action!r}", 404)
    return json_response({**_delivery(delivery), "seq": record.seq, "event": record.public()["event"]})


@bp.post("/_sandbox/webhook/raw")
def post_raw_event() -> Response:
    data = body()
    event = data.get("event")
    if not isinstance(event, dict):
        return problem("event (an object) is required")
    deliveries = sandbox().post_raw(event, bool(data.get("resend")), data.get("signature"))
    return json_response({**_delivery(deliveries[0]), "deliveries": [_delivery(d) for d in deliveries]})


@bp.post("/_sandbox/webhook/resend")
def resend_last_event() -> Response:
    delivery = sandbox().resend_last()
    return json_response(_delivery(delivery)) if delivery else problem("nothing posted yet", 404)


@bp.get("/_sandbox/webhooks")
def webhook_log() -> Response:
    return json_response(sandbox().webhooks.summary())


# --- inspection ----------------------------------------------------------------------------------


@bp.get("/_sandbox/messages")
def sent_messages() -> Response:
    """What the OA sent, in order; `since` is a `seq` cursor (answer's last_seq)."""
    since, limit = _int_arg("since", 0), _int_arg("limit", 1000, MAX_LIST)
    records = sandbox().state.sent_messages(request.args.get("user_id") or None, since, limit)
    return json_response({"messages": [r.public() for r in records],
                          "last_seq": records[-1].seq if records else since})


@bp.get("/_sandbox/conversation")
def conversation() -> Response:
    """Both directions for one citizen (the chat page), in order."""
    user_id = request.args.get("user_id", "")
    since, limit = _int_arg("since", 0), _int_arg("limit", 500, MAX_LIST)
    records = sandbox().state.conversation(user_id, since, limit)
    return json_response({"items": [r.public() for r in records],
                          "last_seq": records[-1].seq if records else since})


@bp.get("/_sandbox/stats")
def stats() -> Response:
    sb = sandbox()
    return json_response({**sb.state.stats(), "webhooks": sb.webhooks.summary(), "faults": sb.faults.pending(),
                          "config": _public_config(sb)})


@bp.post("/_sandbox/reset")
def reset() -> Response:
    sandbox().reset(keep_users=bool(body().get("keep_users")))
    return json_response({"ok": True})


def _public_config(sb: Sandbox) -> dict[str, Any]:
    c = sb.config
    return {"webhook_url": c.webhook_url, "echo": c.echo, "rate_limit_per_minute": c.rate_limit_per_minute,
            "app_id": c.app_id, "oa_id": c.oa_id, "vietnam_hour": c.vietnam_hour}


@bp.route("/_sandbox/config", methods=["GET", "POST"])
def runtime_config() -> Response:
    """Change where events go, echoes, the rate limit and the hour ZNS's night ban reads while running."""
    sb, data = sandbox(), body()
    if "webhook_url" in data:
        sb.config.webhook_url = str(data["webhook_url"] or "")
    if "echo" in data:
        sb.config.echo = bool(data["echo"])
    if "rate_limit_per_minute" in data:
        sb.config.rate_limit_per_minute = int(data["rate_limit_per_minute"])
    if "vietnam_hour" in data:
        hour = data["vietnam_hour"]
        if hour is not None and not (isinstance(hour, int) and 0 <= hour <= 23):
            return problem("vietnam_hour must be 0-23 or null")
        sb.config.vietnam_hour = hour
    return json_response(_public_config(sb))


# --- faults --------------------------------------------------------------------------------------


@bp.post("/_sandbox/faults")
def add_faults() -> Response:
    """One fault object or a list; `expire_token` acts at once, the others queue up."""
    data = request.get_json(silent=True, force=True)
    specs = data if isinstance(data, list) else [data]
    sb = sandbox()
    for spec in specs:
        if not isinstance(spec, dict):
            return problem("a fault is an object with a kind")
        if spec.get("kind") == "expire_token":
            sb.state.expire_access_tokens()
            continue
        try:
            sb.faults.add(parse_fault(spec))
        except ValueError as exc:
            return problem(str(exc))
    return json_response({"faults": sb.faults.pending()}, 201)


@bp.get("/_sandbox/faults")
def list_faults() -> Response:
    return json_response({"faults": sandbox().faults.pending()})


@bp.delete("/_sandbox/faults")
def clear_faults() -> Response:
    sandbox().faults.clear()
    return json_response({"faults": []})
