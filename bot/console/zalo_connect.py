"""Console page to connect (authorise) the Zalo OA: Zalo's OAuth v4 with PKCE (S256).

/console/zalo/          token status (never the tokens), the callback URL to register, "Kết nối OA"
/console/zalo/connect   POST: remember a fresh state and code_verifier in Redis, send the admin to Zalo
/console/zalo/callback  Zalo sends the admin back with `code`, `state`, `oa_id`; exchange and store the pair

The code_verifier never leaves the server: Redis keeps it under the state for 10 minutes (the life
of Zalo's code), and the callback consumes it once, so a replayed or forged callback is refused.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import urlencode

import redis
import requests
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bot.config import Settings
from bot.console import NavItem, register_nav
from bot.console.auth import current_user, login_required
from bot.console.clock import vietnam_time
from bot.office.current import effective_settings
from bot.zalo.tokens import TokenPair, TokenStore

STATE_TTL_SECONDS = 600
# Zalo's answer when the code is wrong, used or older than 10 minutes.
INVALID_CODE_ERRORS = {-14019, -14020}


def new_code_verifier() -> str:
    # 64 URL-safe characters: within RFC 7636's 43..128.
    return secrets.token_urlsafe(48)


def code_challenge(verifier: str) -> str:
    """PKCE S256: base64url(sha256(verifier)) without padding."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def permission_url(settings: Settings, redirect_uri: str, challenge: str, state: str) -> str:
    query = urlencode({"app_id": settings.zalo_app_id, "redirect_uri": redirect_uri,
                       "code_challenge": challenge, "state": state})
    return f"{settings.zalo_oauth_base}/v4/oa/permission?{query}"


def callback_url(settings: Settings, url_root: str) -> str:
    return f"{(settings.public_base_url or url_root).rstrip('/')}/console/zalo/callback"


def describe_zalo_error(body: dict) -> str:
    """Zalo's refusal in one Vietnamese sentence for the admin (error_name/error_reason kept as given)."""
    name = str(body.get("error_name") or "lỗi không rõ")
    reason = str(body.get("error_reason") or body.get("error_description") or "")
    detail = f"{name} – {reason}" if reason else name
    try:
        code = int(body.get("error") or 0)
    except (TypeError, ValueError):
        code = 0
    if code in INVALID_CODE_ERRORS:
        return f"Mã cấp quyền không còn hiệu lực ({detail}). Vui lòng bấm “Kết nối lại OA” để thử lại."
    return f"Zalo từ chối kết nối ({detail}). Vui lòng kiểm tra App ID, App Secret rồi thử lại."


def exchange_code(settings: Settings, session: requests.Session, code: str, verifier: str) -> dict:
    """POST the authorization_code grant; Zalo's JSON answer (a pair, or error fields)."""
    try:
        response = session.post(
            f"{settings.zalo_oauth_base}/v4/oa/access_token",
            headers={"secret_key": settings.zalo_app_secret},
            data={"app_id": settings.zalo_app_id, "grant_type": "authorization_code",
                  "code": code, "code_verifier": verifier},
            timeout=settings.zalo_timeout_seconds,
        )
        return response.json()
    except (requests.RequestException, ValueError) as exc:
        return {"error": -1, "error_name": "Không liên lạc được với Zalo", "error_reason": type(exc).__name__}


class PendingAuthorisations:
    """state -> (admin, code_verifier) in Redis for 10 minutes, consumed at most once."""

    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.redis = client
        self.prefix = f"{settings.key_prefix}zalo:oauth:state:"

    def start(self, admin: str) -> tuple[str, str]:
        state, verifier = secrets.token_urlsafe(24), new_code_verifier()
        pipe = self.redis.pipeline(transaction=True)  # never a state without its TTL
        pipe.hset(self.prefix + state, mapping={"admin": admin, "verifier": verifier})
        pipe.expire(self.prefix + state, STATE_TTL_SECONDS)
        pipe.execute()
        return state, verifier

    def take(self, state: str, admin: str) -> str | None:
        """The verifier of a live state started by `admin`; the state is gone afterwards either way."""
        if not state:
            return None
        pipe = self.redis.pipeline(transaction=True)
        pipe.hgetall(self.prefix + state)
        pipe.delete(self.prefix + state)
        data = pipe.execute()[0]
        if not data or data.get(b"admin", b"").decode() != admin:
            return None
        return data[b"verifier"].decode()


def _settings() -> Settings:
    return effective_settings(current_app.config["REDIS"], current_app.config["SETTINGS"])


def _token_store() -> TokenStore:
    return TokenStore(current_app.config["REDIS"], _settings())


def _stored_pair(store: TokenStore) -> TokenPair | None:
    # Only what is stored: reading through current() would seed the pair from the settings.
    return store.current(fresh=True) if store.redis.exists(store.key) else None


def _back(message: str, category: str = "error") -> Response:
    """The result on the status page (post/redirect/get: reloading never re-sends a used code)."""
    flash(message, category)
    return redirect(url_for("zalo_connect.status"), code=303)


def create_zalo_connect_blueprint() -> Blueprint:
    bp = Blueprint("zalo_connect", __name__, url_prefix="/console/zalo", template_folder="templates")
    register_nav(bp, NavItem("Kết nối Zalo OA", "zalo_connect.status", ("admin",)))

    @bp.get("/")
    @login_required("admin")
    def status():
        store = _token_store()
        pair = _stored_pair(store)
        refreshes = int(store.redis.get(store.refresh_count_key) or 0)
        return render_template(
            "zalo/connect.html",
            pair=pair,
            expires_at=vietnam_time(pair.expires_at) if pair else "",
            refreshes=refreshes,
            configured=bool(_settings().zalo_access_token),
            callback=callback_url(_settings(), request.url_root),
            app_id=_settings().zalo_app_id,
        )

    @bp.post("/connect")
    @login_required("admin")
    def connect():
        settings = _settings()
        if not settings.zalo_app_id or not settings.zalo_app_secret:
            return _back("Chưa cấu hình ZALO_APP_ID và ZALO_APP_SECRET nên chưa thể kết nối OA.")
        state, verifier = PendingAuthorisations(current_app.config["REDIS"], settings).start(current_user().name)
        target = permission_url(settings, callback_url(settings, request.url_root), code_challenge(verifier), state)
        return redirect(target)

    @bp.get("/callback")
    @login_required("admin")
    def callback():
        settings = _settings()
        args = request.args
        verifier = PendingAuthorisations(current_app.config["REDIS"], settings).take(
            args.get("state", ""), current_user().name
        )
        if verifier is None:
            return _back("Phiên kết nối không hợp lệ hoặc đã quá 10 phút. Vui lòng bấm “Kết nối lại OA”.")
        if not args.get("code"):
            return _back("Zalo không gửi mã cấp quyền (có thể Anh/Chị chưa bấm đồng ý). Vui lòng thử lại.")
        if settings.zalo_oa_id and args.get("oa_id") and args["oa_id"] != settings.zalo_oa_id:
            # Another OA's token would make every send fail; refuse before storing it.
            return _back(f"OA vừa cấp quyền ({args['oa_id']}) không phải OA đã cấu hình ({settings.zalo_oa_id}).")
        store = _token_store()
        body = exchange_code(settings, store.session, args["code"], verifier)
        if not body.get("access_token") or not body.get("refresh_token"):
            return _back(describe_zalo_error(body))
        pair = store.store_pair(body["access_token"], body["refresh_token"], body.get("expires_in"))
        current_app.logger.info("zalo oa authorised by %s, token version %s", current_user().name, pair.version)
        return _back(f"Đã kết nối OA thành công. Token mới (phiên bản {pair.version}) có hiệu lực đến "
                     f"{vietnam_time(pair.expires_at)}.", "success")

    return bp
