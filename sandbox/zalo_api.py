"""The part of Zalo's OA API and OAuth the bot uses, with Zalo's shapes and error codes.

Zalo answers failures with HTTP 200 and `{"error": <code>, "message": …}`; faults injected through
the control API are applied here, before anything else, in first-in first-out order.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import re
import secrets
import socket
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request

from sandbox import events
from sandbox.core import Sandbox
from sandbox.faults import Fault
from sandbox.periods import VIETNAM, period_range
from sandbox.state import DAY_MS, Citizen, CitizenEvent, SentMessage, now_ms
from sandbox.validation import check_message, echo_event_name

bp = Blueprint("zalo_api", __name__)

MAX_PAGE = 50
MAX_OFFSET = 9951
FREE_WINDOW_MS = 2 * DAY_MS

MESSAGES = {
    -32: "Out of request per minute quota",
    -201: "Parameters are invalid",
    -210: "Parameter exceeds allowed limit",
    -213: "User has not followed OA",
    -216: "Access token is invalid",
    -220: "Access token has expired or been removed",
    -230: "User has not interacted with the OA in the last 7 days",
}

JsonDict = dict[str, Any]


def sandbox() -> Sandbox:
    return current_app.extensions["sandbox"]


def json_response(body: JsonDict, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json",
                    headers=headers)


def zalo_error(code: int, message: str | None = None) -> JsonDict:
    return {"error": code, "message": message or MESSAGES.get(code, "Error")}


def _drop_connection() -> Response:
    """Close the socket without an answer, as a request lost in transit."""
    sock = request.environ.get("werkzeug.socket") or request.environ.get("gunicorn.socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    return Response("", status=504)


def _apply_fault(fault: Fault, oauth: bool) -> Response | None:
    """A response standing in for the real one, or None to carry on (a delay)."""
    if fault.kind == "delay":
        time.sleep(fault.seconds)
        return None
    if fault.kind == "timeout":
        time.sleep(fault.seconds)
        return _drop_connection()
    if fault.kind == "http_status":
        return Response("<html><body>Service Unavailable</body></html>", status=fault.status,
                        mimetype="text/html")
    body = zalo_error(fault.code, fault.message)
    if oauth:
        body = {"error": fault.code, "error_name": fault.message, "error_reason": fault.message}
    return json_response(body)


def zalo_endpoint(key: str, oauth: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Count the call, apply a pending fault, run the view, count a returned error."""

    def wrap(view: Callable[..., JsonDict | Response]) -> Callable[..., Response]:
        @functools.wraps(view)
        def inner(*args: Any, **kwargs: Any) -> Response:
            sb = sandbox()
            with sb.state.lock:
                sb.state.calls[key] += 1
                sb.state.in_flight += 1
            try:
                return answer(sb, *args, **kwargs)
            finally:
                with sb.state.lock:
                    sb.state.in_flight -= 1

        def answer(sb: Sandbox, *args: Any, **kwargs: Any) -> Response:
            fault = sb.faults.take(request.path)
            if fault is not None:
                with sb.state.lock:
                    sb.state.calls[f"fault:{fault.kind}"] += 1
                replaced = _apply_fault(fault, oauth)
                if replaced is not None:
                    if fault.kind == "error":
                        with sb.state.lock:
                            sb.state.errors[fault.code] += 1
                    return replaced
            result = view(sb, *args, **kwargs)
            if isinstance(result, Response):
                return result
            code = result.get("error", 0)
            if code:
                with sb.state.lock:
                    sb.state.errors[code] += 1
            return json_response(result)

        return inner

    return wrap


def _json_body() -> JsonDict | None:
    try:
        body = json.loads(request.get_data() or b"null")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _data_param() -> JsonDict | None:
    """GET parameters come as one URL-encoded JSON value named `data`."""
    raw = request.args.get("data")
    if raw is None:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _authorised(sb: Sandbox) -> JsonDict | None:
    """Zalo's error for the `access_token` header, or None. Call with the lock held."""
    code = sb.state.check_access_token(request.headers.get("access_token"))
    return zalo_error(code) if code else None


def _caller_oa(sb: Sandbox) -> str:
    """The OA whose access token made this request ("" = the configured one). Call with the lock held."""
    return sb.state.token_oa(request.headers.get("access_token")) if sb.state.extra_oas else ""


def _citizen_for(sb: Sandbox, user_id: str, field: str = "user_id") -> Citizen | JsonDict:
    """The authorised caller's citizen, or Zalo's error (bad token, unknown id). A user id is only
    valid for the OA it belongs to (Zalo's ids are per OA). Call with the lock held."""
    denied = _authorised(sb)
    if denied:
        return denied
    citizen = sb.state.users.get(user_id)
    if citizen is None or citizen.oa_id != _caller_oa(sb):
        return zalo_error(-201, f"{field} is invalid")
    return citizen


def _echo(sb: Sandbox, oa: str, uid: str, citizen: Citizen, event_name: str, message_id: str,
          message: JsonDict, sent_ms: int) -> None:
    """Zalo's `oa_send_*` echo of what OA `oa` sent, signed with that OA's secret."""
    if sb.config.echo:
        echo = events.echo_event(sb.config.app_id, sb.state.public_oa_id(oa), uid, citizen.user_id_by_app,
                                 event_name, message_id, message, sent_ms)
        sb.webhooks.enqueue_echo(echo["event_name"], events.encode(echo), echo["timestamp"], sb.state.oa_secret(oa))


def _user_id(body: JsonDict) -> str:
    recipient = body.get("recipient")
    uid = recipient.get("user_id") if isinstance(recipient, dict) else body.get("user_id")
    return str(uid) if uid not in (None, "") else ""


def _quota(citizen: Citizen | None, sent_ms: int) -> JsonDict:
    free = citizen is not None and sent_ms - citizen.last_interaction_ms <= FREE_WINDOW_MS
    return {"quota_type": "sub_quota", "remain": -1, "total": -1, "in_free_window": free}


# --- sending -------------------------------------------------------------------------------------


@bp.post("/v3.0/oa/message/cs")
@zalo_endpoint("message/cs")
def send_consultation(sb: Sandbox) -> JsonDict:
    raw = request.get_data()
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return zalo_error(-201, "Body is not valid JSON")
    uid = _user_id(body)
    message = body.get("message")
    problem = check_message(message)  # pure, outside the lock
    state = sb.state
    sent_ms = now_ms()
    with state.lock:
        limited, _ = state.over_rate_limit()
        if limited:
            return zalo_error(-32)
        citizen = _citizen_for(sb, uid, "recipient.user_id")
        if isinstance(citizen, dict):
            return citizen
        if not citizen.follower:
            return zalo_error(-213)
        if sent_ms - citizen.last_interaction_ms > sb.config.interaction_window_days * DAY_MS:
            return zalo_error(-230)
        if problem:
            return zalo_error(*problem)
        record = state.record_sent("cs", uid, raw, events.new_msg_id(), sent_ms, citizen.oa_id)
    _echo(sb, citizen.oa_id, uid, citizen, echo_event_name(message), record.message_id, message, sent_ms)
    return {"error": 0, "message": "Success", "data": {
        "message_id": record.message_id, "user_id": uid, "sent_time": sent_ms,
        "quota": _quota(citizen, sent_ms)}}


@bp.post("/v3.0/oa/message/template")
@zalo_endpoint("message/template")
def send_template_by_user_id(sb: Sandbox) -> JsonDict:
    """ZBS template by user id: no 7-day window, paid per message."""
    raw = request.get_data()
    body = _json_body()
    if body is None:
        return zalo_error(-201, "Body is not valid JSON")
    uid = _user_id(body)
    if not body.get("template_id") or not isinstance(body.get("template_data", {}), dict):
        return zalo_error(-201, "template_id and template_data are required")
    sent_ms = now_ms()
    with sb.state.lock:
        citizen = _citizen_for(sb, uid)
        if isinstance(citizen, dict):
            return citizen
        if not sb.state.template_approved(citizen.oa_id, str(body["template_id"])):
            return zalo_error(-109, "Template ID is invalid (not approved for this OA)")
        record = sb.state.record_sent("template", uid, raw, events.new_msg_id(), sent_ms, citizen.oa_id)
    _echo(sb, citizen.oa_id, uid, citizen, "oa_send_template", record.message_id, {}, sent_ms)
    return {"error": 0, "message": "Success", "data": {
        "message_id": record.message_id, "msg_id": record.message_id, "user_id": uid,
        "sent_time": sent_ms, "quota": {"dailyQuota": "-1", "remainingQuota": "-1"}}}


ZNS_MESSAGES = {
    -108: "Phone number is invalid",
    -109: "Template ID is invalid",
    -112: "Template data is invalid",
    -124: "Access token is invalid",
    -133: "Messages cannot be sent at night (22:00-06:00)",
}
_ZNS_PHONE = re.compile(r"^84\d{9}$")
NIGHT_START_HOUR, NIGHT_END_HOUR = 22, 6


def zns_error(code: int) -> JsonDict:
    return {"error": code, "message": ZNS_MESSAGES.get(code, "Error")}


def _vietnam_hour(sb: Sandbox) -> int:
    return sb.config.vietnam_hour if sb.config.vietnam_hour is not None else datetime.now(VIETNAM).hour


@bp.post("/message/template")
@zalo_endpoint("zns/template")
def send_zns_by_phone(sb: Sandbox) -> JsonDict:
    """ZNS/ZBS by phone number (business.openapi.zalo.me): its own codes and the night ban; recorded
    with the phone as user_id."""
    raw = request.get_data()
    body = _json_body()
    if body is None:
        return zalo_error(-201, "Body is not valid JSON")
    if not _ZNS_PHONE.match(str(body.get("phone") or "")):
        return zns_error(-108)
    if not str(body.get("template_id") or "").strip():
        return zns_error(-109)
    if not isinstance(body.get("template_data", {}), dict):
        return zns_error(-112)
    hour = _vietnam_hour(sb)
    sent_ms = now_ms()
    with sb.state.lock:
        denied = _authorised(sb)
        if denied:
            return zns_error(-124)
        if hour >= NIGHT_START_HOUR or hour < NIGHT_END_HOUR:
            return zns_error(-133)
        if not sb.state.template_approved(_caller_oa(sb), str(body["template_id"])):
            return zns_error(-109)
        record = sb.state.record_sent("zns", str(body["phone"]), raw, events.new_msg_id(), sent_ms,
                                      _caller_oa(sb))
    return {"error": 0, "message": "Success", "data": {
        "msg_id": record.message_id, "sent_time": str(sent_ms),
        "quota": {"dailyQuota": "500", "remainingQuota": "499"}}}


def _upload(sb: Sandbox, data: JsonDict) -> JsonDict:
    """Both upload endpoints: an authorised multipart `file`, answered with an id for later sends."""
    with sb.state.lock:
        denied = _authorised(sb)
    if denied:
        return denied
    if "file" not in request.files:
        return zalo_error(-201, "file is required")
    return {"error": 0, "message": "Success", "data": data}


@bp.post("/v2.0/oa/upload/image")
@zalo_endpoint("upload/image")
def upload_image(sb: Sandbox) -> JsonDict:
    return _upload(sb, {"attachment_id": secrets.token_hex(16)})


@bp.post("/v2.0/oa/upload/file")
@zalo_endpoint("upload/file")
def upload_file(sb: Sandbox) -> JsonDict:
    return _upload(sb, {"token": secrets.token_hex(24)})


# --- followers and tags --------------------------------------------------------------------------


def _truthy(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes")


def _paged_request(sb: Sandbox, max_count: int,
                   max_offset: int | None = None) -> tuple[JsonDict, int, int] | JsonDict:
    """A paged GET's `data` parameter, offset and count for an authorised caller, or Zalo's error."""
    data = _data_param()
    if data is None:
        return zalo_error(-201, "data is not valid JSON")
    try:
        offset, count = int(data.get("offset", 0)), int(data.get("count", max_count))
    except (TypeError, ValueError):
        return zalo_error(-201, "offset and count must be integers")
    if offset < 0 or count < 1:
        return zalo_error(-201, "offset must be >= 0 and count >= 1")
    if count > max_count:
        return zalo_error(-210, f"count must be <= {max_count}")
    if max_offset is not None and offset > max_offset:
        return zalo_error(-210, f"offset must be <= {max_offset}")
    with sb.state.lock:
        denied = _authorised(sb)
    return denied or (data, offset, count)


@bp.get("/v3.0/oa/user/getlist")
@zalo_endpoint("user/getlist")
def list_users(sb: Sandbox) -> JsonDict:
    request_page = _paged_request(sb, MAX_PAGE, MAX_OFFSET)
    if isinstance(request_page, dict):
        return request_page
    data, offset, count = request_page
    follower = _truthy(data.get("is_follower"))
    tag = data.get("tag_name") or None
    period = data.get("last_interaction_period") or None
    with sb.state.lock:
        caller = _caller_oa(sb)
    if follower is True and tag is None and period is None:
        users = sb.state.followers()
        if sb.state.extra_oas:  # each OA lists its own followers only
            users = [c for c in users if c.oa_id == caller]
    else:
        try:
            window = period_range(period, datetime.now(VIETNAM)) if period else None
        except ValueError:
            return zalo_error(-201, "last_interaction_period is invalid")
        with sb.state.lock:
            users = [
                c for c in sb.state.users.values()
                if (follower is None or c.follower == follower)
                and (tag is None or tag in c.tags)
                and (window is None or window[0] <= c.last_interaction_ms < window[1])
                and c.oa_id == caller
            ]
    page = users[offset : offset + count]
    return {"data": {"total": len(users), "count": len(page), "offset": offset,
                     "users": [{"user_id": c.user_id} for c in page]},
            "error": 0, "message": "Success"}


def _avatar(citizen: Citizen) -> str:
    return f"https://s120-ava-talk.zadn.vn/sandbox/{citizen.user_id}.jpg"


# Zalo pages the conversation history about 10 messages at a time, newest first.
MAX_CONVERSATION_PAGE = 10


def _conversation_entry(sb: Sandbox, record: SentMessage | CitizenEvent) -> JsonDict:
    """One message in the shape of GET /v2.0/oa/conversation ([likely]: `src` 0 = the OA sent it)."""
    if isinstance(record, SentMessage):
        message = json.loads(record.body).get("message") or {}
        return {"src": 0, "time": record.sent_ms, "message_id": record.message_id, "from_id": sb.config.oa_id,
                "to_id": record.user_id, "type": "text" if "attachment" not in message else "template",
                "message": message.get("text", "")}
    event = json.loads(record.body)
    return {"src": 1, "time": record.time_ms, "message_id": (event.get("message") or {}).get("msg_id", ""),
            "from_id": record.user_id, "to_id": sb.config.oa_id, "type": record.event_name.removeprefix("user_send_"),
            "message": (event.get("message") or {}).get("text", "")}


@bp.get("/v2.0/oa/conversation")
@zalo_endpoint("conversation")
def conversation(sb: Sandbox) -> JsonDict:
    """A citizen's recent conversation with the OA, newest first (used to settle in-doubt sends)."""
    request_page = _paged_request(sb, MAX_CONVERSATION_PAGE)
    if isinstance(request_page, dict):
        return request_page
    data, offset, count = request_page
    with sb.state.lock:
        timeline = list(sb.state.timelines.get(str(data.get("user_id", "")), ()))
    newest_first = [r for r in reversed(timeline) if (isinstance(r, SentMessage) and r.kind == "cs")
                    or (isinstance(r, CitizenEvent) and r.event_name.startswith("user_send_"))]
    return {"error": 0, "message": "Success",
            "data": [_conversation_entry(sb, r) for r in newest_first[offset:offset + count]]}


@bp.get("/v3.0/oa/user/detail")
@zalo_endpoint("user/detail")
def user_detail(sb: Sandbox) -> JsonDict:
    data = _data_param()
    if data is None:
        return zalo_error(-201, "data is not valid JSON")
    with sb.state.lock:
        citizen = _citizen_for(sb, str(data.get("user_id", "")))
        if isinstance(citizen, dict):
            return citizen
        last = datetime.fromtimestamp(citizen.last_interaction_ms / 1000, VIETNAM).strftime("%d/%m/%Y")
        detail: JsonDict = {
            "user_id": citizen.user_id,
            "user_id_by_app": citizen.user_id_by_app,
            "user_external_id": "",
            "display_name": citizen.display_name,
            "user_alias": citizen.display_name,
            "is_sensitive": False,
            "user_last_interaction_date": last,
            "user_is_follower": citizen.follower,
            "avatar": _avatar(citizen),
            "avatars": {"120": _avatar(citizen), "240": _avatar(citizen)},
            "tags_and_notes_info": {"tag_names": sorted(citizen.tags), "notes": []},
            "dynamic_param": "",
        }
        if citizen.shared_info:
            detail["shared_info"] = citizen.shared_info
    return {"data": detail, "error": 0, "message": "Success"}


@bp.post("/v3.0/oa/quota/message")
@zalo_endpoint("quota/message")
def message_quota(sb: Sandbox) -> JsonDict:
    body = _json_body()
    if body is None:
        return zalo_error(-201, "Body is not valid JSON")
    with sb.state.lock:
        citizen = _citizen_for(sb, _user_id(body))
        if isinstance(citizen, dict):
            return citizen
        now = now_ms()
        window_ms = sb.config.interaction_window_days * DAY_MS
        return {"error": 0, "message": "Success", "data": {
            "user_id": citizen.user_id,
            "last_interaction": citizen.last_interaction_ms,
            "can_send_cs": citizen.follower and now - citizen.last_interaction_ms <= window_ms,
            "free_until": citizen.last_interaction_ms + FREE_WINDOW_MS,
            "expired_date": citizen.last_interaction_ms + window_ms,
            "quota_type": "sub_quota", "remain": -1, "total": -1}}


def _tag_change(sb: Sandbox, add: bool) -> JsonDict:
    body = _json_body()
    if body is None:
        return zalo_error(-201, "Body is not valid JSON")
    tag = str(body.get("tag_name") or "").strip()
    if not tag:
        return zalo_error(-201, "tag_name is required")
    with sb.state.lock:
        citizen = _citizen_for(sb, _user_id(body))
        if isinstance(citizen, dict):
            return citizen
        if add:
            citizen.tags.add(tag)
            sb.state.tags.add(tag)
        else:
            citizen.tags.discard(tag)
    return {"error": 0, "message": "Success"}


@bp.post("/v2.0/oa/tag/tagfollower")
@zalo_endpoint("tag/tagfollower")
def tag_follower(sb: Sandbox) -> JsonDict:
    return _tag_change(sb, add=True)


@bp.post("/v2.0/oa/tag/rmfollowerfromtag")
@zalo_endpoint("tag/rmfollowerfromtag")
def untag_follower(sb: Sandbox) -> JsonDict:
    return _tag_change(sb, add=False)


@bp.post("/v2.0/oa/tag/rmtag")
@zalo_endpoint("tag/rmtag")
def remove_tag(sb: Sandbox) -> JsonDict:
    body = _json_body() or {}
    tag = str(body.get("tag_name") or "")
    with sb.state.lock:
        denied = _authorised(sb)
        if denied:
            return denied
        if tag not in sb.state.tags:
            return zalo_error(-201, "tag_name does not exist")
        sb.state.tags.discard(tag)
        for citizen in sb.state.users.values():
            citizen.tags.discard(tag)
    return {"error": 0, "message": "Success"}


@bp.get("/v2.0/oa/tag/gettagsofoa")
@zalo_endpoint("tag/gettagsofoa")
def list_tags(sb: Sandbox) -> JsonDict:
    with sb.state.lock:
        denied = _authorised(sb)
        if denied:
            return denied
        return {"error": 0, "message": "Success", "data": sorted(sb.state.tags)}


# --- OAuth v4 ------------------------------------------------------------------------------------


def _oauth_error(code: int, name: str, reason: str) -> JsonDict:
    return {"error": code, "error_name": name, "error_reason": reason, "error_description": reason}


@bp.post("/v4/oa/access_token")
@zalo_endpoint("access_token", oauth=True)
def access_token(sb: Sandbox) -> JsonDict:
    form = request.form
    if request.headers.get("secret_key") != sb.config.app_secret:
        return _oauth_error(-14002, "Invalid secret key", "secret_key header does not match the app secret")
    if form.get("app_id") != sb.config.app_id:
        return _oauth_error(-14001, "Invalid app id", "app_id is unknown")
    grant = form.get("grant_type")
    if grant == "refresh_token":
        return sb.state.refresh(form.get("refresh_token", ""))
    if grant == "authorization_code":
        return _exchange_code(sb, form.get("code", ""), form.get("code_verifier", ""))
    return _oauth_error(-14003, "Invalid grant type", "grant_type must be refresh_token or authorization_code")


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _exchange_code(sb: Sandbox, code: str, verifier: str) -> JsonDict:
    with sb.state.lock:
        grant = sb.state.auth_codes.pop(code, None)
    if grant is None or grant[1] < now_ms():
        return _oauth_error(-14019, "Invalid authorization code", "The code is invalid, used or expired")
    if grant[0] and _s256(verifier) != grant[0]:
        return _oauth_error(-14020, "Invalid code verifier", "code_verifier does not match code_challenge")
    with sb.state.lock:
        refresh = sb.state.refresh_token
    return sb.state.refresh(refresh)


@bp.get("/v4/oa/permission")
def permission() -> Response:
    """The OA admin's consent page: approving redirects to redirect_uri with a single-use code."""
    sb = sandbox()
    args = request.args
    if args.get("app_id") != sb.config.app_id or not args.get("redirect_uri"):
        return Response("Ứng dụng không hợp lệ (app_id / redirect_uri).", status=400, mimetype="text/plain")
    if args.get("approve") != "1":
        approve = request.full_path + "&approve=1"
        page = ("<!doctype html><meta charset='utf-8'><title>Zalo sandbox – Cấp quyền</title>"
                "<p>Ứng dụng xin quyền quản lý Official Account (sandbox).</p>"
                f"<p><a id='approve' href='{approve}'>Cho phép</a></p>")
        return Response(page, mimetype="text/html")
    code = secrets.token_urlsafe(32)
    with sb.state.lock:
        sb.state.auth_codes[code] = (args.get("code_challenge", ""), now_ms() + 10 * 60 * 1000)
    query = urlencode({"code": code, "oa_id": sb.config.oa_id, "state": args.get("state", ""),
                       "code_challenge": args.get("code_challenge", "")})
    separator = "&" if "?" in args["redirect_uri"] else "?"
    return Response(status=302, headers={"Location": f"{args['redirect_uri']}{separator}{query}"})

