"""The web console under /console: login, roles, sessions, CSRF, users, and the officials' pages.

How to add a page (e.g. the staff inbox), in your own module and blueprint:

    from bot.console import NavItem, register_nav
    from bot.console.auth import current_user, login_required

    inbox = Blueprint("inbox", __name__, url_prefix="/console/inbox", template_folder="templates")
    register_nav(inbox, NavItem("Hộp thư", "inbox.queue", roles=("staff",)))   # admins see every item

    @inbox.get("/")
    @login_required("staff")            # no roles = any logged-in user; admin always passes
    def queue(): return render_template("inbox/queue.html", user=current_user())

Templates extend "console/base.html" and fill `{% block title %}`, `{% block content %}` (and
optionally `{% block head %}`, `{% block scripts %}`, `{% block nav %}`). Every POST form must carry
`<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">`; fetch() calls send the header
`X-CSRFToken` with the value of `<meta name="csrf-token">` (already in the base layout). CSRF is
checked on every state-changing request except under /webhook/ and /api/ (those have their own auth).
The app calls `init_console(app)` once; it registers this blueprint, the broadcasts pages and the
`user` CLI group (the broadcasts API is in bot.api with every other /api/v1 route).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

import redis
from flask import Blueprint, Flask, Request, current_app, flash, redirect, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.routing import BuildError

from bot.config import Settings
from bot.console.auth import current_user, login_required, register_auth_views
from bot.console.users import dummy_hash

csrf = CSRFProtect()

# Scripts run only from our own files or inline with this response's nonce (`nonce="{{ csp_nonce() }}"`
# on every inline <script>; no onclick= attributes). Styles may stay inline: the templates use style
# attributes, and a style cannot run code. No page may be framed, by any origin, same site included.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    # Citizens' Zalo avatars come from Zalo's image hosts.
    "img-src": "'self' data: https://*.zadn.vn https://*.zalo.me",
    # Voice notes citizens send play from Zalo's media hosts (https) in the ticket page.
    "media-src": "'self' https:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
}

# Paths with their own authentication (signatures, bearer tokens): never CSRF-checked.
CSRF_EXEMPT_PREFIXES = ("/webhook/", "/api/")
# Console forms that upload files larger than the app's MAX_CONTENT_LENGTH (sized for webhooks).
LARGE_UPLOADS = {"/console/settings/areas": 2_100_000}


@dataclass(frozen=True)
class NavItem:
    title: str
    endpoint: str
    roles: tuple[str, ...] = ()


NAV_EXTENSION = "console_nav"  # app.extensions[NAV_EXTENSION]: the app's NavItems


def register_nav(bp: Blueprint, item: NavItem) -> None:
    """Show a link in the console's navigation of every app that registers `bp` (to users holding one of
    its roles). The links are the app's own, in the order their blueprints are registered."""
    bp.record_once(lambda state: state.app.extensions.setdefault(NAV_EXTENSION, []).append(item))


def _nav_links() -> list[dict[str, str]]:
    user = current_user()
    if user is None:
        return []
    return [
        {"title": item.title, "url": url_for(item.endpoint), "endpoint": item.endpoint}
        for item in current_app.extensions.get(NAV_EXTENSION, [])
        if user.has_role(*item.roles)
    ]


def create_console_blueprint() -> Blueprint:
    from bot.console.admin import register_admin_views
    from bot.console.broadcast_views import register_broadcast_views
    from bot.console.checkin_views import register_checkin_views
    from bot.console.closure_views import register_closure_views

    bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
                   static_folder="static", static_url_path="/static")
    for item in (NavItem("Thông báo khẩn", "console.broadcasts", ("official",)),
                 NavItem("Tạm nghỉ", "console.closures", ("official",)),
                 NavItem("Nhật ký", "console.audit", ("official",)),
                 NavItem("Người dùng", "console.users", ("admin",))):
        register_nav(bp, item)
    register_auth_views(bp)
    register_admin_views(bp)
    register_broadcast_views(bp)
    register_checkin_views(bp)
    register_closure_views(bp)

    @bp.get("/")
    @login_required()
    def home():
        user = current_user()
        if user is not None and user.role == "admin":
            return _admin_home()
        links = _nav_links()
        return redirect(links[0]["url"]) if links else render_template("console/home.html", items=None)

    @bp.post("/webhook-test")
    @login_required("admin")
    def webhook_test():
        from bot.console.checklist import gather_facts
        from bot.console.checklist import webhook_test as run_test

        client, settings = current_app.config["REDIS"], current_app.config["SETTINGS"]
        facts = gather_facts(client, settings, request.url_root, 0)
        ok, detail = run_test(client, settings, facts.webhook_url)
        flash(detail, "ok" if ok else "error")
        return redirect(url_for("console.home", _anchor="webhook"))

    @bp.app_context_processor
    def console_globals() -> dict[str, object]:
        return {"current_user": current_user(), "console_nav": _nav_links, "active_endpoint": request.endpoint,
                "worker_silence": _worker_silence,
                "office_name": _office_name, "inbox_counts_url": _inbox_counts_url}

    return bp


def _worker_silence():  # the heartbeats when the worker is silent (bot.ops.heartbeat), for the banner
    from flask import current_app

    from bot.ops.heartbeat import worker_silence

    return worker_silence(current_app.config["REDIS"], current_app.config["SETTINGS"])


def _admin_home() -> str:
    """The go-live checklist, each item linking to where it is fixed."""
    from bot.console.auth import user_store
    from bot.console.checklist import checklist, gather_facts

    staff = sum(1 for u in user_store().all() if u.role == "staff" and u.active)
    facts = gather_facts(current_app.config["REDIS"], current_app.config["SETTINGS"], request.url_root, staff)
    items = checklist(facts)
    return render_template("console/home.html", items=items, facts=facts, done=sum(i.ok for i in items))


def _inbox_counts_url() -> str:
    try:
        return url_for("inbox.counts_json")
    except BuildError:  # an app without the inbox
        return ""


def _office_name() -> str:
    """The commune's name as its officials set it (the console's settings), for the page header."""
    from bot.office.current import office_config

    return office_config(current_app.config["REDIS"], current_app.config["SETTINGS"]).info.name


ERROR_MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    401: "Bạn cần đăng nhập lại.",
    403: "Bạn không có quyền xem trang này.",
    404: "Không tìm thấy trang.",
    405: "Thao tác không được phép trên trang này.",
    413: "Tệp hoặc nội dung gửi lên quá lớn.",
    429: "Bạn thao tác quá nhanh; vui lòng thử lại sau ít phút.",
    500: "Đã có lỗi phía máy chủ. Vui lòng thử lại; nếu vẫn lỗi, báo cho quản trị viên.",
}


def console_error_page(code: int) -> tuple[str, int] | None:
    """A Vietnamese HTML error page for console pages (staff read pages, not JSON); None elsewhere and for
    the console's own JSON views (their scripts read JSON)."""
    if not request.path.startswith("/console") or request.path.endswith(".json") or (
            request.accept_mimetypes.best == "application/json"):
        return None
    message = ERROR_MESSAGES.get(code, ERROR_MESSAGES[500 if code >= 500 else 400])
    try:
        return render_template("console/error.html", code=code, message=message), code
    except Exception:  # the page itself failed (Redis down): plain text still says what happened
        return f"Lỗi {code}: {message}", code


def console_secret_key(app: Flask) -> str:
    """CONSOLE_SECRET_KEY, or one generated once and kept in Redis so that every web process shares it."""
    settings: Settings = app.config["SETTINGS"]
    if settings.console_secret_key:
        return settings.console_secret_key
    key = f"{settings.key_prefix}console:secret_key"
    client = app.config["REDIS"]
    client.set(key, secrets.token_urlsafe(48), nx=True)
    return client.get(key).decode()


class SharedSecretSessions(SecureCookieSessionInterface):
    """Looks the signing key up on first use rather than at start, so the web process starts (and
    acknowledges webhooks) while Redis is down; the console itself needs Redis anyway."""

    def open_session(self, app: Flask, request: Request):  # a session or None
        # Webhooks, the API and public pages carry no session: skip the cookie work on their hot path.
        if not request.path.startswith("/console"):
            return self.null_session_class()
        return super().open_session(app, request)

    def get_signing_serializer(self, app: Flask):  # itsdangerous' serializer or None
        if not app.secret_key:
            try:
                app.secret_key = console_secret_key(app)
            except redis.RedisError:
                return None  # a session-less request; console pages answer with an error page
        return super().get_signing_serializer(app)


def init_console(app: Flask) -> None:
    """Wire the console into the app: secret, cookies, CSRF, pages and CLI. Idempotent."""
    if "console" in app.blueprints:
        return
    from bot.console.cli import user_command

    settings: Settings = app.config["SETTINGS"]
    app.config.update(
        SECRET_KEY=app.config.get("SECRET_KEY") or settings.console_secret_key or None,
        SESSION_COOKIE_NAME="xa_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.console_cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.console_session_hours),
        # Checked by our own before_request below, so that exemptions go by path, not by blueprint name.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    app.session_interface = SharedSecretSessions()
    csrf.init_app(app)
    Talisman(
        app,
        force_https=False,  # TLS ends at the proxy in front of gunicorn; see "Deploying" in the README
        strict_transport_security=settings.console_cookie_secure,
        session_cookie_secure=settings.console_cookie_secure,
        session_cookie_samesite="Lax",
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        content_security_policy_nonce_in=["script-src"],
        referrer_policy="same-origin",
    )

    @app.before_request
    def check_csrf() -> None:
        if request.path in LARGE_UPLOADS:  # before the form is read, by the CSRF check just below
            request.max_content_length = LARGE_UPLOADS[request.path]
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and not request.path.startswith(
            CSRF_EXEMPT_PREFIXES
        ):
            csrf.protect()

    @app.errorhandler(CSRFError)
    def csrf_failed(exc: CSRFError):
        if request.path.startswith("/console"):
            message = "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang."
            return render_template("console/error.html", code=400, message=message), 400
        return {"ok": False, "error": "CSRF token missing or invalid"}, 400

    app.register_blueprint(create_console_blueprint())
    dummy_hash()  # made now, once per process, so that the first unknown name costs no more than others
    app.cli.add_command(user_command)
