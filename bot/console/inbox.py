"""The staff inbox in the console (/console/inbox): the queue, one ticket's conversation, staff actions.

Pages poll small JSON views every few seconds (queue.json, <id>.json) and redraw only when the
tickets' version changed, so the queue updates without reloading. Actions are plain POST forms
(CSRF-checked by the console) that redirect back with a message.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for

from bot.broadcasts.cap import SEVERITY_LABELS
from bot.console import NavItem, register_nav
from bot.console.auth import current_user, login_required, user_store
from bot.console.inbox_search import VIEWS, in_view, matches
from bot.office.closures import office_hours_now
from bot.office.current import office_config
from bot.stores.followers import FollowerRegistry
from bot.stores.profiles import ProfileStore
from bot.tickets.desk import ActionResult, StaffDesk
from bot.tickets.model import OPEN, PENDING, REASON_LABELS, RESOLVED, Ticket
from bot.tickets.store import sos_first
from bot.tickets.web import (
    desk_for_app,
    procedure_answer_text,
    ticket_row,
)

POLL_SECONDS = 3
MAX_QUERY_CHARS = 100
STATUS_LABELS = {OPEN: "Chờ cán bộ", PENDING: "Chờ người dân", RESOLVED: "Đã giải quyết"}
OUTCOME_MESSAGES = {
    "sent": ("Đã gửi trả lời qua Zalo.", "ok"),
    "queued": ("Đã xếp trả lời vào hàng gửi qua Zalo; trạng thái gửi hiện ngay trong hội thoại.", "ok"),
    "taken": ("Yêu cầu này đang do {detail} phụ trách.", "error"),
    "resolved": ("Yêu cầu đã được giải quyết; hãy mở lại trước khi trả lời.", "error"),
    "missing": ("Không tìm thấy yêu cầu.", "error"),
    "invalid": ("Nội dung trả lời trống hoặc quá dài.", "error"),
    "outside_window": ("{detail}", "error"),
    "failed": ("{detail}", "error"),
    "busy": ("Người dân đang có một yêu cầu khác chưa xong.", "error"),
    "not_resolved": ("Yêu cầu chưa được giải quyết.", "error"),
    "not_yours": ("Yêu cầu này không do bạn phụ trách.", "error"),
    "empty_note": ("Ghi chú trống.", "error"),
}


def _desk() -> StaffDesk:
    return desk_for_app(current_app)


def _me() -> str:
    user = current_user()
    assert user is not None  # login_required ran first
    return user.name


def _display_names() -> dict[str, str]:
    return {user.name: user.display_name or user.name for user in user_store().all()}


def _tickets_for(view: str) -> list[Ticket]:
    store = _desk().store
    if view == "resolved":
        return store.by_status(RESOLVED, limit=100)
    return sos_first(store.by_status(OPEN) + store.by_status(PENDING))


def _rows(tickets: list[Ticket], now: datetime) -> list[dict[str, Any]]:
    """Ticket rows with who is writing (Zalo name, avatar) and their area, read in two round trips."""
    client, settings = current_app.config["REDIS"], current_app.config["SETTINGS"]
    names = _display_names()
    users = [t.user_id for t in tickets]
    profiles = ProfileStore(client, settings).get_many(users)
    areas = dict(zip(users, (area for area, _, _ in FollowerRegistry(client, settings).targeting_fields(users)),
                     strict=True))
    config = office_config(client, settings)
    hours = office_hours_now(client, settings)  # declared closures are not office time
    rows = []
    for ticket in tickets:
        row = ticket_row(ticket, hours, settings, now)
        profile = profiles.get(ticket.user_id)
        kind = "sos" if ticket.is_sos else ""
        row.update(
            kind=kind,
            citizen_name=profile.name if profile else "",
            avatar=profile.avatar if profile else "",
            initials=profile.initials if profile else "?",
            area=areas.get(ticket.user_id) or "",
            area_name=config.areas.name(areas.get(ticket.user_id) or "") if areas.get(ticket.user_id) else "",
            status_label=STATUS_LABELS.get(ticket.status, ticket.status),
            reason_label=REASON_LABELS.get(ticket.reason, ticket.reason)
            + (f" ({SEVERITY_LABELS.get(ticket.severity, ticket.severity)})" if ticket.is_sos else ""),
            assignee_name=names.get(ticket.assignee, ticket.assignee),
            url=url_for("inbox.ticket", ticket_id=ticket.id),
        )
        rows.append(row)
    return rows


def _citizen_texts(ticket_id: str) -> list[str]:
    return [entry.text for entry in _desk().store.log(ticket_id) if entry.who == "citizen"]


def _row(ticket: Ticket, now: datetime) -> dict[str, Any]:
    return _rows([ticket], now)[0]


def _outcome_message(result: ActionResult, success: str) -> tuple[str, str]:
    if result.ok:
        return (success if result.status == "ok" else OUTCOME_MESSAGES[result.status][0]), "ok"
    message, category = OUTCOME_MESSAGES.get(result.status, ("Không thực hiện được: {detail}", "error"))
    names = _display_names()
    return message.format(detail=names.get(result.detail, result.detail)), category


def _flash_outcome(result: ActionResult, success: str) -> None:
    flash(*_outcome_message(result, success))


def signed_text(text: str, signature: str) -> str:
    """The reply with the staff member's signature on its own last line (when they keep one)."""
    text = text.rstrip()
    return f"{text}\n— {signature}" if text and signature else text


def create_inbox_blueprint() -> Blueprint:  # noqa: C901 - counts every view it registers; each is small
    bp = Blueprint("inbox", __name__, url_prefix="/console/inbox", template_folder="templates")
    register_nav(bp, NavItem("Hộp thư cán bộ", "inbox.queue", roles=("staff",)))

    @bp.get("/")
    @login_required("staff")
    def queue():
        view = request.args.get("view", "waiting")
        if view not in VIEWS:
            view = "waiting"
        config = office_config(current_app.config["REDIS"], current_app.config["SETTINGS"])
        return render_template(
            "inbox/queue.html",
            view=view,
            views=VIEWS,
            poll_seconds=POLL_SECONDS,
            areas=list(config.areas),
            query=request.args.get("q", "")[:MAX_QUERY_CHARS],
            area=request.args.get("area", ""),
            data_url=url_for("inbox.queue_json"),
        )

    @bp.get("/queue.json")
    @login_required("staff")
    def queue_json():
        view = request.args.get("view", "waiting")
        view = view if view in VIEWS else "waiting"
        query, area = request.args.get("q", "")[:MAX_QUERY_CHARS].strip(), request.args.get("area", "")
        store = _desk().store
        rows = [r for r in _rows(_tickets_for(view), datetime.now(UTC)) if in_view(r, view, _me())]
        if area:
            rows = [r for r in rows if r["area"] == area]
        if query:
            rows = [r for r in rows if matches(r, query) or matches(r, query, _citizen_texts(r["id"]))]
        return jsonify({"version": store.version(), "counts": store.counts(), "tickets": rows})

    @bp.get("/counts.json")
    @login_required("staff")
    def counts_json():
        """For the badge beside «Hộp thư cán bộ» on every console page: tickets waiting for staff."""
        return jsonify(_desk().store.counts())

    @bp.get("/<ticket_id>")
    @login_required("staff")
    def ticket(ticket_id: str):
        found = _desk().store.get(ticket_id)
        if found is None:
            abort(404)
        return render_template(
            "inbox/ticket.html",
            ticket=found,
            poll_seconds=POLL_SECONDS,
            nonce=secrets.token_urlsafe(12),
            canned=office_config(current_app.config["REDIS"], current_app.config["SETTINGS"]).canned,
            data_url=url_for("inbox.ticket_json", ticket_id=ticket_id),
            me=_me(),
            row=_row(found, datetime.now(UTC)),
            signature=getattr(current_user(), "signature", ""),
        )

    @bp.get("/<ticket_id>/data.json")
    @login_required("staff")
    def ticket_json(ticket_id: str):
        desk = _desk()
        found = desk.store.get(ticket_id)
        if found is None:
            abort(404)
        row = _row(found, datetime.now(UTC))
        row["can_send"] = desk.within_window(found.user_id, found.last_citizen_at)
        log = [entry.to_json() for entry in desk.transcript(ticket_id)]
        return jsonify({"version": desk.store.version(), "ticket": row, "transcript": log})

    @bp.get("/procedure/<code>.json")
    @login_required("staff")
    def procedure_answer(code: str):
        found = procedure_answer_text(code.strip())
        if found is None:
            return jsonify({"ok": False, "error": "Không tìm thấy thủ tục có mã này."}), 404
        name, text = found
        return jsonify({"ok": True, "code": code, "name": name, "text": text})

    def done(ticket_id: str, result: ActionResult, success: str, **extra: str):
        """The page's script gets JSON and redraws in place; a plain form post is redirected back."""
        if request.accept_mimetypes.best == "application/json":
            message, category = _outcome_message(result, success)
            return jsonify({"ok": result.ok, "message": message, "category": category, **extra})
        _flash_outcome(result, success)
        return redirect(url_for("inbox.ticket", ticket_id=ticket_id))

    @bp.post("/<ticket_id>/claim")
    @login_required("staff")
    def claim(ticket_id: str):
        user = current_user()
        force = request.form.get("force") == "1" and user is not None and user.has_role("admin")
        result = _desk().claim(ticket_id, _me(), force=force)
        return done(ticket_id, ActionResult("ok") if result.ok else ActionResult(result.outcome, result.assignee),
                    "Bạn đã nhận xử lý yêu cầu này.")

    @bp.post("/<ticket_id>/release")
    @login_required("staff")
    def release(ticket_id: str):
        released = _desk().store.release(ticket_id, _me())
        return done(ticket_id, ActionResult("ok" if released else "not_yours"), "Đã trả yêu cầu về hàng chờ chung.")

    @bp.post("/<ticket_id>/reply")
    @login_required("staff")
    def reply(ticket_id: str):
        nonce = request.form.get("nonce") or secrets.token_urlsafe(12)
        user = current_user()
        signature = user.signature if user is not None and request.form.get("sign") == "1" else ""
        result = _desk().reply(ticket_id, signed_text(request.form.get("text", ""), signature), _me(),
                               idempotency_key=nonce)
        return done(ticket_id, result, "Đã gửi trả lời qua Zalo.", nonce=secrets.token_urlsafe(12))

    @bp.post("/<ticket_id>/note")
    @login_required("staff")
    def note(ticket_id: str):
        text = request.form.get("text", "").strip()
        result = _desk().note(ticket_id, text, _me()) if text else ActionResult("empty_note")
        return done(ticket_id, result, "Đã lưu ghi chú nội bộ.")

    @bp.post("/<ticket_id>/resolve")
    @login_required("staff")
    def resolve(ticket_id: str):
        user = current_user()
        is_admin = user is not None and user.role == "admin"
        return done(ticket_id, _desk().resolve(ticket_id, _me(), force=is_admin),
                    "Đã giải quyết; người dân được mời đánh giá mức độ hài lòng.")

    @bp.post("/<ticket_id>/reopen")
    @login_required("staff")
    def reopen(ticket_id: str):
        return done(ticket_id, _desk().reopen(ticket_id, _me()), "Đã mở lại yêu cầu.")

    return bp
