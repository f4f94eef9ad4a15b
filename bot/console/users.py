"""Console users in Redis: name, role, hashed password, active flag; plus the failed-login lockout.

One hash per user (`console:user:<name>`) and a set of names. Passwords are hashed with
werkzeug.security (scrypt/pbkdf2 with a salt); the plain password is never stored.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import redis
from werkzeug.security import check_password_hash, generate_password_hash

from bot.config import Settings
from bot.stores.keys import KeyFamily
from bot.stores.scripts import script
from bot.stores.values import hash_fields, text, text_hash, texts

# Console users, their failed logins, sessions (bot/console/auth.py) and the session secret.
KEY_FAMILIES = (KeyFamily("console:*", per_citizen=False, kept="staff accounts and sessions"),)

# `province`: a province official who sends one alert to many communes (bot.tenants.console).
ROLES = ("admin", "official", "staff", "province")
ROLE_LABELS = {"admin": "Quản trị", "official": "Cán bộ lãnh đạo", "staff": "Cán bộ một cửa",
               "province": "Cán bộ cấp tỉnh"}
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD_LENGTH = 8
MAX_SIGNATURE_CHARS = 120


# Take one attempt from the name's allowance and start the lockout clock, in one step: parallel
# requests each get their own count, so no more than the limit are ever checked.
_TAKE_ATTEMPT = """
local count = redis.call('incr', KEYS[1])
redis.call('expire', KEYS[1], ARGV[1])
return count
"""


@cache
def dummy_hash() -> str:
    """A hash to check unknown names against, made once: an unknown name then costs exactly what a
    wrong password costs (one check), so timing does not tell which names exist."""
    return generate_password_hash(secrets.token_urlsafe(16))


class UserError(ValueError):
    """A user could not be created or changed; the message is shown to the admin (Vietnamese)."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    display_name: str
    active: bool
    # Raised by every password change: sessions started under an older generation are void.
    session_generation: int = 0
    signature: str = ""  # appended to this user's replies to citizens ("Cán bộ Lan – Bộ phận một cửa")

    def has_role(self, *roles: str) -> bool:
        """Admins may do everything; otherwise the user's role must be listed (no roles = anyone)."""
        return not roles or self.role == "admin" or self.role in roles


class UserStore:
    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.redis = client
        self.settings = settings
        self.prefix = f"{settings.key_prefix}console:"

    def _key(self, name: str) -> str:
        return f"{self.prefix}user:{name}"

    # -- users --------------------------------------------------------------------------------

    def create(self, name: str, role: str, password: str, display_name: str = "") -> User:
        name = name.strip().lower()
        if not NAME_PATTERN.match(name):
            raise UserError("Tên đăng nhập gồm 2–32 chữ thường, số, dấu chấm, gạch.")
        self._check_role(role)
        self._check_password(password)
        fields: dict[str, str | float] = {
            "name": name, "role": role, "display_name": display_name.strip() or name, "active": "1",
            "password_hash": generate_password_hash(password), "created_at": time.time(),
        }
        if not self.redis.hsetnx(self._key(name), "name", name):
            raise UserError("Tên đăng nhập đã có.")
        pipe = self.redis.pipeline()
        pipe.hset(self._key(name), mapping=hash_fields(fields))
        pipe.sadd(f"{self.prefix}users", name)
        pipe.execute()
        return self._user(fields)

    def get(self, name: str) -> User | None:
        raw = text_hash(self.redis.hgetall(self._key(name.strip().lower())))
        if "role" not in raw:
            return None
        return self._user(raw)

    def all(self) -> list[User]:
        names = sorted(texts(self.redis.smembers(f"{self.prefix}users")))
        return [u for u in (self.get(n) for n in names) if u]

    def set_role(self, name: str, role: str) -> None:
        self._check_role(role)
        self._require(name)
        self.redis.hset(self._key(name), "role", role)

    def set_signature(self, name: str, signature: str) -> None:
        cleaned = "\n".join(" ".join(line.split()) for line in signature.strip().splitlines()).strip()
        if len(cleaned) > MAX_SIGNATURE_CHARS:
            raise UserError(f"Chữ ký dài quá {MAX_SIGNATURE_CHARS} ký tự.")
        self._require(name)
        self.redis.hset(self._key(name), "signature", cleaned)

    def set_active(self, name: str, active: bool) -> None:
        self._require(name)
        self.redis.hset(self._key(name), "active", "1" if active else "0")

    def set_password(self, name: str, password: str) -> None:
        self._check_password(password)
        self._require(name)
        pipe = self.redis.pipeline()
        pipe.hset(self._key(name), "password_hash", generate_password_hash(password))
        pipe.hincrby(self._key(name), "session_generation", 1)
        pipe.execute()

    def verify(self, name: str, password: str) -> User | None:
        """The user when the password matches and the account is active; None otherwise."""
        name = name.strip().lower()
        stored = self.redis.hget(self._key(name), "password_hash")
        user = self.get(name)
        matches = check_password_hash(text(stored) if stored and user else dummy_hash(), password)
        return user if matches and stored and user and user.active else None

    # -- lockout ------------------------------------------------------------------------------

    def _fail_key(self, name: str) -> str:
        return f"{self.prefix}login_failures:{name.strip().lower()}"

    def take_attempt(self, name: str) -> bool:
        """Count a login attempt before checking it; False once the name has used up its attempts.

        The count (and so the lock) expires after the lockout period; a successful login clears it."""
        count = script(self.redis, _TAKE_ATTEMPT)(
            keys=[self._fail_key(name)], args=[self.settings.console_lockout_minutes * 60])
        return int(count) <= self.settings.console_max_failed_logins

    def clear_failures(self, name: str) -> None:
        self.redis.delete(self._fail_key(name))

    # -- helpers ------------------------------------------------------------------------------

    def _require(self, name: str) -> None:
        if self.get(name) is None:
            raise UserError("Không có người dùng này.")

    @staticmethod
    def _check_role(role: str) -> None:
        if role not in ROLES:
            raise UserError(f"Vai trò phải là một trong: {', '.join(ROLES)}.")

    @staticmethod
    def _check_password(password: str) -> None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise UserError(f"Mật khẩu cần ít nhất {MIN_PASSWORD_LENGTH} ký tự.")

    @staticmethod
    def _user(fields: Mapping[str, object]) -> User:
        return User(name=str(fields["name"]), role=str(fields["role"]),
                    display_name=str(fields.get("display_name") or fields["name"]),
                    active=str(fields.get("active", "1")) == "1",
                    session_generation=int(str(fields.get("session_generation") or 0)),
                    signature=str(fields.get("signature") or ""))
