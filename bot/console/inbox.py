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

from bot.console import NavItem, register_nav
from bot.console.auth import current_user, login_required, user_store
from bot.office.current import office_config
from bot.tickets.desk import ActionResult, StaffDesk
from bot.tickets.model import OPEN, PENDING, RESOLVED, Ticket
from bot.tickets.web import (
    desk_for_app,
    procedure_answer_text,
    procedure_answers_available,
    ticket_row,
)

POLL_SECONDS = 3
VIEWS = {
    "waiting": "Đang chờ",
    "mine": "Của tôi",
    "resolved": "Đã giải quyết",
}
STATUS_LABELS = {OPEN: "Chờ cán bộ", PENDING: "Chờ người dân", RESOLVED: "Đã giải quyết"}
REASON_LABELS = {
    "button": "Bấm nút gặp cán bộ",
    "words": "Xin gặp cán bộ",
    "fallback": "Bot không hiểu",
    "dossier": "Hỏi về hồ sơ",
}
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
    waiting = store.by_status(OPEN) + store.by_status(PENDING)
    if view == "mine":
        return [t for t in waiting if t.assignee == _me()]
    return waiting


def _row(ticket: Ticket, names: dict[str, str], now: datetime) -> dict[str, Any]:
    row = ticket_row(ticket, current_app.config["REDIS"], current_app.config["SETTINGS"], now)
    row.update(
        status_label=STATUS_LABELS.get(ticket.status, ticket.status),
        reason_label=REASON_LABELS.get(ticket.reason, ticket.reason),
        assignee_name=names.get(ticket.assignee, ticket.assignee),
        url=url_for("inbox.ticket", ticket_id=ticket.id),
    )
    return row


def _flash_outcome(result: ActionResult, success: str) -> None:
    if result.ok:
        flash(success if result.status == "ok" else OUTCOME_MESSAGES[result.status][0], "ok")
        return
    message, category = OUTCOME_MESSAGES.get(result.status, ("Không thực hiện được: {detail}", "error"))
    names = _display_names()
    flash(message.format(detail=names.get(result.detail, result.detail)), category)


def create_inbox_blueprint() -> Blueprint:  # noqa: C901 - counts every view it registers; each is small
    bp = Blueprint("inbox", __name__, url_prefix="/console/inbox", template_folder="templates")
    register_nav(NavItem("Hộp thư cán bộ", "inbox.queue", roles=("staff",)))

    @bp.get("/")
    @login_required("staff")
    def queue():
        view = request.args.get("view", "waiting")
        if view not in VIEWS:
            view = "waiting"
        return render_template(
            "inbox/queue.html",
            view=view,
            views=VIEWS,
            poll_seconds=POLL_SECONDS,
            data_url=url_for("inbox.queue_json", view=view),
        )

    @bp.get("/queue.json")
    @login_required("staff")
    def queue_json():
        view = request.args.get("view", "waiting")
        store = _desk().store
        now, names = datetime.now(UTC), _display_names()
        rows = [_row(t, names, now) for t in _tickets_for(view if view in VIEWS else "waiting")]
        return jsonify({"version": store.version(), "counts": store.counts(), "tickets": rows})

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
            procedures_enabled=procedure_answers_available(),
            data_url=url_for("inbox.ticket_json", ticket_id=ticket_id),
            me=_me(),
        )

    @bp.get("/<ticket_id>/data.json")
    @login_required("staff")
    def ticket_json(ticket_id: str):
        desk = _desk()
        found = desk.store.get(ticket_id)
        if found is None:
            abort(404)
        row = _row(found, _display_names(), datetime.now(UTC))
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

    def back(ticket_id: str):
        return redirect(url_for("inbox.ticket", ticket_id=ticket_id))

    @bp.post("/<ticket_id>/claim")
    @login_required("staff")
    def claim(ticket_id: str):
        user = current_user()
        force = request.form.get("force") == "1" and user is not None and user.has_role("admin")
        result = _desk().claim(ticket_id, _me(), force=force)
        _flash_outcome(
            ActionResult("ok") if result.ok else ActionResult(result.outcome, result.assignee),
            "Bạn đã nhận xử lý yêu cầu này.",
        )
        return back(ticket_id)

    @bp.post("/<ticket_id>/release")
    @login_required("staff")
    def release(ticket_id: str):
        if _desk().store.release(ticket_id, _me()):
            flash("Đã trả yêu cầu về hàng chờ chung.", "ok")
        return back(ticket_id)

    @bp.post("/<ticket_id>/reply")
    @login_required("staff")
    def reply(ticket_id: str):
        nonce = request.form.get("nonce") or secrets.token_urlsafe(12)
        result = _desk().reply(ticket_id, request.form.get("text", ""), _me(), idempotency_key=nonce)
        _flash_outcome(result, "Đã gửi trả lời qua Zalo.")
        return back(ticket_id)

    @bp.post("/<ticket_id>/note")
    @login_required("staff")
    def note(ticket_id: str):
        text = request.form.get("text", "").strip()
        if not text:
            flash("Ghi chú trống.", "error")
        else:
            _flash_outcome(_desk().note(ticket_id, text, _me()), "Đã lưu ghi chú nội bộ.")
        return back(ticket_id)

    @bp.post("/<ticket_id>/resolve")
    @login_required("staff")
    def resolve(ticket_id: str):
        user = current_user()
        is_admin = user is not None and user.role == "admin"
        _flash_outcome(
            _desk().resolve(ticket_id, _me(), force=is_admin),
            "Đã giải quyết; người dân được mời đánh giá mức độ hài lòng.",
        )
        return back(ticket_id)

    @bp.post("/<ticket_id>/reopen")
    @login_required("staff")
    def reopen(ticket_id: str):
        _flash_outcome(_desk().reopen(ticket_id, _me()), "Đã mở lại yêu cầu.")
        return back(ticket_id)

    return bp
