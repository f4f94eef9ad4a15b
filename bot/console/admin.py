"""Admin pages: users (create, role, password, enable/disable) and the audit log."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from bot.broadcasts.audit import AuditLog
from bot.console.auth import current_user, login_required, user_store
from bot.console.labels import audit_action, audit_detail, audit_subject
from bot.console.users import ROLE_LABELS, ROLES, UserError


def audit_log() -> AuditLog:
    return AuditLog(current_app.config["REDIS"], current_app.config["SETTINGS"])


def register_admin_views(bp: Blueprint) -> None:
    @bp.get("/users")
    @login_required("admin")
    def users():
        return render_template("console/users.html", users=user_store().all(), roles=ROLES, labels=ROLE_LABELS)

    @bp.post("/users")
    @login_required("admin")
    def users_change():
        store, form, actor = user_store(), request.form, current_user()
        action, name = form.get("action", ""), form.get("name", "").strip().lower()
        try:
            if action == "create":
                store.create(name, form.get("role", "staff"), form.get("password", ""), form.get("display_name", ""))
                flash(f"Đã tạo tài khoản {name}.")
            elif action == "role":
                store.set_role(name, form.get("role", ""))
                flash(f"Đã đổi vai trò của {name}.")
            elif action == "password":
                store.set_password(name, form.get("password", ""))
                store.clear_failures(name)
                flash(f"Đã đặt lại mật khẩu của {name}.")
            elif action in ("disable", "enable"):
                if name == actor.name:
                    raise UserError("Không thể tự khóa tài khoản của mình.")
                store.set_active(name, action == "enable")
                flash(f"Đã {'mở' if action == 'enable' else 'khóa'} tài khoản {name}.")
            else:
                raise UserError("Thao tác không hợp lệ.")
        except UserError as exc:
            flash(str(exc), "error")
            return redirect(url_for("console.users"))
        detail = form.get("role", "") if action in ("create", "role") else ""
        audit_log().record(actor.name, f"user.{action}", f"user:{name}", detail)
        return redirect(url_for("console.users"))

    @bp.route("/account", methods=["GET", "POST"])
    @login_required()
    def account():
        """Each user's own settings: the signature appended to their replies to citizens."""
        user = current_user()
        assert user is not None  # login_required ran first
        if request.method == "POST":
            try:
                user_store().set_signature(user.name, request.form.get("signature", ""))
            except UserError as exc:
                flash(str(exc), "error")
            else:
                flash("Đã lưu chữ ký.", "ok")
            return redirect(url_for("console.account"))
        return render_template("console/account.html", user=user)

    @bp.get("/audit")
    @login_required("official")
    def audit():
        return render_template("console/audit.html", entries=audit_log().recent(300), action=audit_action,
                               subject=audit_subject, detail=audit_detail)
