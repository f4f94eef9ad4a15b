"""Desk closures in the console (/console/closures): declare the desk closed for a period with a reason,
and see what is declared. The notices to citizens go out from the worker (bot.dossiers.closure_notices)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from bot.console.auth import current_user, login_required
from bot.dossiers.closure_notices import declare_closure
from bot.office.closures import ClosureError, ClosureStore

FIELDS = {"start": "Từ", "end": "Đến", "reason": "Lý do", "results_on": "Ngày trả kết quả mới"}
PROBLEMS = {"is required": "chưa được điền", "is in the past": "đã qua",
            "must be after start": "phải sau thời điểm bắt đầu",
            "not a date (YYYY-MM-DD)": "không phải ngày hợp lệ",
            "must not be before the desk reopens": "không được trước ngày làm việc lại"}


def _in_vietnamese(exc: ClosureError) -> str:
    problem = next((vi for en, vi in PROBLEMS.items() if exc.message.startswith(en)), "không hợp lệ")
    return f"Mục «{FIELDS.get(exc.field, exc.field)}» {problem}."


def register_closure_views(bp: Blueprint) -> None:
    @bp.get("/closures")
    @login_required("official")
    def closures():
        store = ClosureStore(current_app.config["REDIS"], current_app.config["SETTINGS"])
        now = datetime.now(UTC)
        return render_template("console/closures.html", closures=store.all(), now=now, values={})

    @bp.post("/closures")
    @login_required("official")
    def closure_create():
        data = {name: request.form.get(name, "") for name in FIELDS}
        client, settings = current_app.config["REDIS"], current_app.config["SETTINGS"]
        try:
            declare_closure(client, settings, data, current_user().name, current_app.config["QUEUE"])
        except ClosureError as exc:
            flash(f"Chưa lưu được: {_in_vietnamese(exc)}", "error")
            store = ClosureStore(client, settings)
            return render_template("console/closures.html", closures=store.all(), now=datetime.now(UTC),
                                   values=data), 422
        flash("Đã thông báo tạm nghỉ. Người dân có hồ sơ hẹn trả trong thời gian này sẽ được nhắn tin.")
        return redirect(url_for("console.closures"))
