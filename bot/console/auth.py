"""Console login: sessions, the `login_required(*roles)` decorator and `current_user()`.

The Flask session cookie (signed with the console secret) carries only a random session id;
the id maps to the user (and the user's session generation) in Redis with a TTL, so logging out,
disabling a user or changing their password takes effect at once. Admins pass every role check.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from bot.console.users import User, UserStore

F = TypeVar("F", bound=Callable[..., Any])


def user_store() -> UserStore:
    return UserStore(current_app.config["REDIS"], current_app.config["SETTINGS"])


def _session_key(sid: str) -> str:
    return f"{current_app.config['SETTINGS'].key_prefix}console:session:{sid}"


def current_user() -> User | None:
    """The logged-in, active user of this request, or None."""
    if "console_user" not in g:
        g.console_user = None
        sid = session.get("sid")
        stored = current_app.config["REDIS"].get(_session_key(sid)) if isinstance(sid, str) else None
        if stored:
            name, _, generation = stored.decode().partition(":")
            user = user_store().get(name)
            if user and user.active and str(user.session_generation) == generation:
                g.console_user = user
    return g.console_user


def logged_in_user() -> User:
    """The user of a view behind `login_required`, which has already turned everyone else away."""
    user = current_user()
    if user is None:
        abort(401)
    return user


def start_session(user: User) -> None:
    settings = current_app.config["SETTINGS"]
    sid = secrets.token_urlsafe(32)
    current_app.config["REDIS"].set(_session_key(sid), f"{user.name}:{user.session_generation}",
                                    ex=settings.console_session_hours * 3600)
    session.clear()
    session["sid"] = sid
    session.permanent = True
    g.console_user = user


def end_session() -> None:
    sid = session.pop("sid", None)
    if sid:
        current_app.config["REDIS"].delete(_session_key(sid))
    session.clear()
    g.console_user = None


def login_required(*roles: str) -> Callable[[F], F]:
    """Guard a console view: anonymous users go to the login page; wrong roles get 403.

    `@login_required()` admits any logged-in user; `@login_required("official")` admits officials
    and admins. JSON requests get 401 instead of a redirect.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                if request.accept_mimetypes.best == "application/json" or request.path.endswith(".json"):
                    abort(401)
                return redirect(url_for("console.login", next=request.full_path))
            if not user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


# A console path with an optional query: printable ASCII without spaces or backslashes (browsers read
# "/\\host" as "//host"), and no percent-encoded control characters (CR/LF would split the header).
_SAFE_NEXT = re.compile(r"/console(?:[/?][!-\[\]-~]*)?")
_ENCODED_CONTROL = re.compile(r"%(?:[01][0-9a-f]|7f)", re.IGNORECASE)


def _safe_next(target: str | None) -> str:
    """Only our own console pages, so the login page cannot send anyone elsewhere."""
    if target and _SAFE_NEXT.fullmatch(target) and not _ENCODED_CONTROL.search(target) and "//" not in target:
        return target
    return url_for("console.home")


def register_auth_views(bp: Blueprint) -> None:
    @bp.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "GET":
            return render_template("console/login.html", next=request.args.get("next", ""))
        name = request.form.get("username", "").strip().lower()
        password = request.form.get("password", "")
        store = user_store()
        if not store.take_attempt(name):
            flash("Tài khoản tạm khóa do đăng nhập sai nhiều lần. Vui lòng thử lại sau.", "error")
            return render_template("console/login.html", next=request.form.get("next", "")), 429
        user = store.verify(name, password)
        if user is None:
            flash("Sai tên đăng nhập hoặc mật khẩu.", "error")
            return render_template("console/login.html", next=request.form.get("next", "")), 401
        store.clear_failures(name)
        start_session(user)
        return redirect(_safe_next(request.form.get("next")))

    @bp.post("/logout")
    def logout():
        end_session()
        return redirect(url_for("console.login"))
