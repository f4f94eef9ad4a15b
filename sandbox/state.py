"""Everything the sandbox remembers, in memory, behind one lock: citizens, tokens, messages, stats.

Records are compact (`__slots__`, the raw request bytes kept as sent) because the broadcast
benchmark pushes 100,000 messages through here.
"""

from __future__ import annotations

import json
import random
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sandbox.config import SandboxConfig

DAY_MS = 86_400_000

TOKEN_INVALID = -216
TOKEN_EXPIRED = -220
REFRESH_TOKEN_INVALID = -14014


def now_ms() -> int:
    return int(time.time() * 1000)


def large_id() -> str:
    """An id like Zalo's: a large positive integer written as a string."""
    return str(random.randint(10**17, 9 * 10**18))


@dataclass(slots=True)
class Citizen:
    user_id: str
    user_id_by_app: str
    display_name: str
    follower: bool
    last_interaction_ms: int
    created_ms: int
    tags: set[str] = field(default_factory=set)
    shared_info: dict[str, Any] | None = None
    oa_id: str = ""  # the OA this citizen's id belongs to ("" = the configured one): Zalo's ids are per OA

    def public(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "oa_id": self.oa_id,
            "user_id_by_app": self.user_id_by_app,
            "display_name": self.display_name,
            "follower": self.follower,
            "last_interaction": self.last_interaction_ms,
            "tags": sorted(self.tags),
        }


@dataclass(slots=True)
class SentMessage:
    """A message the OA sent: `body` is the exact request payload."""

    seq: int
    message_id: str
    user_id: str
    sent_ms: int
    kind: str  # cs | template | zns
    body: bytes
    oa_id: str = ""  # the OA whose access token sent it ("" = the configured one)

    def public(self) -> dict[str, Any]:
        return {"seq": self.seq, "direction": "oa", "kind": self.kind, "message_id": self.message_id,
                "oa_id": self.oa_id,
                "user_id": self.user_id, "sent_time": self.sent_ms, "payload": json.loads(self.body)}


@dataclass(slots=True)
class CitizenEvent:
    """An event the sandbox posted on a citizen's behalf, with the bot's HTTP answer."""

    seq: int
    user_id: str
    time_ms: int
    event_name: str
    body: bytes
    hidden: bool
    status: int | None = None
    label: str | None = None  # what the chat page shows for a tapped hidden button (its title)

    def public(self) -> dict[str, Any]:
        return {"seq": self.seq, "direction": "user", "kind": self.event_name, "user_id": self.user_id,
                "time": self.time_ms, "hidden": self.hidden, "label": self.label, "webhook_status": self.status,
                "event": json.loads(self.body)}


@dataclass(slots=True)
class OaAccount:
    """A further OA of the same Zalo app (a province's communes): its own secret, tokens and citizens."""

    oa_id: str
    oa_secret_key: str
    access_tokens: dict[str, int]
    refresh_token: str
    # The template ids Zalo approved for this OA (ZBS and ZNS); empty = any id is accepted.
    templates: frozenset[str] = frozenset()


class SandboxState:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.lock = threading.Lock()
        # Further OAs by id; they outlive a reset (they are configuration, as the first OA's is).
        self.extra_oas: dict[str, OaAccount] = {}
        # Zalo API requests being answered now (a delay or timeout fault holds one): a reset leaves it alone.
        self.in_flight = 0
        self.reset()

    # --- lifecycle -------------------------------------------------------------------------------

    def reset(self, keep_users: bool = False) -> None:
        with self.lock:
            if not keep_users:
                self.users: dict[str, Citizen] = {}
                self.tags: set[str] = set()
            self.messages: list[SentMessage] = []
            self.timelines: dict[str, list[SentMessage | CitizenEvent]] = {}
            self.seq = 0
            self.access_tokens: dict[str, int] = {
                self.config.access_token: now_ms() + self.config.access_token_ttl_seconds * 1000
            }
            self.refresh_token = self.config.refresh_token
            self.auth_codes: dict[str, tuple[str, int]] = {}  # code → (code_challenge, expiry ms)
            self.calls: Counter[str] = Counter()
            self.errors: Counter[int] = Counter()
            self.token_refreshes = 0
            self.minute_bucket = (0, 0)  # (minute, calls in it) for the optional rate limit
            self._followers_cache: tuple[int, list[Citizen]] | None = None
            self._users_version = 0

    # --- citizens --------------------------------------------------------------------------------

    def _add_user(self, citizen: Citizen) -> None:
        self.users[citizen.user_id] = citizen
        self._users_version += 1

    def create_user(self, display_name: str, follower: bool = True, user_id: str | None = None,
                    last_interaction_ms: int | None = None, oa_id: str = "") -> Citizen:
        created = now_ms()
        with self.lock:
            uid = user_id or large_id()
            while user_id is None and uid in self.users:
                uid = large_id()
            citizen = Citizen(uid, large_id(), display_name, follower,
                              created if last_interaction_ms is None else last_interaction_ms, created,
                              oa_id="" if oa_id == self.config.oa_id else oa_id)
            self._add_user(citizen)
            return citizen

    def bulk_followers(self, count: int, prefix: str, stale_fraction: float = 0.0, spread_days: int = 0,
                       oa_id: str = "") -> int:
        """`count` followers with ids `<prefix><index>`; a fraction last interacted 30 days ago. With
        `spread_days`, last interactions are spread evenly over that many past days (today included),
        as a real OA's are: what getlist's `last_interaction_period` slices. `oa_id`: another OA's
        followers (added with add_oa), "" the configured OA's."""
        oa_id = "" if oa_id == self.config.oa_id else oa_id
        created = now_ms()
        stale_every = int(1 / stale_fraction) if stale_fraction > 0 else 0
        width = len(str(count))
        with self.lock:
            start = len(self.users)
            for i in range(count):
                uid = f"{prefix}{start + i:0{width}d}"
                stale = stale_every and i % stale_every == 0
                last = created - 30 * DAY_MS if stale else created
                if spread_days > 0:
                    last -= (i % spread_days) * DAY_MS
                self.users[uid] = Citizen(uid, f"9{uid}", f"Người dân {start + i}", True, last, created, oa_id=oa_id)
            self._users_version += 1
        return count

    def get_user(self, user_id: str) -> Citizen | None:
        return self.users.get(user_id)

    def update_user(self, user_id: str, **changes: Any) -> Citizen | None:
        with self.lock:
            citizen = self.users.get(user_id)
            if citizen is None:
                return None
            for name, value in changes.items():
                setattr(citizen, name, value)
            self._users_version += 1
            return citizen

    def touch(self, user_id: str, when_ms: int) -> None:
        """A citizen event counts as an interaction (it opens the 7-day window)."""
        citizen = self.users.get(user_id)
        if citizen is not None:
            citizen.last_interaction_ms = when_ms

    def followers(self) -> list[Citizen]:
        """Followers in registration order, cached until the user set changes (getlist pages fast)."""
        with self.lock:
            cached = self._followers_cache
            if cached and cached[0] == self._users_version:
                return cached[1]
            result = [c for c in self.users.values() if c.follower]
            self._followers_cache = (self._users_version, result)
            return result

    # --- tokens ----------------------------------------------------------------------------------

    # --- OAs ----------------------------------------------------------------------------------------

    def add_oa(self, oa_id: str, oa_secret_key: str, access_token: str, refresh_token: str,
               templates: frozenset[str] = frozenset()) -> OaAccount:
        with self.lock:
            account = OaAccount(oa_id, oa_secret_key,
                                {access_token: now_ms() + self.config.access_token_ttl_seconds * 1000}, refresh_token,
                                templates)
            self.extra_oas[oa_id] = account
            return account

    def template_approved(self, oa_id: str, template_id: str) -> bool:
        """Whether the OA may send this template: each OA sends only the templates approved for it."""
        account = self.extra_oas.get(oa_id)
        return account is None or not account.templates or template_id in account.templates

    def oa_secret(self, oa_id: str) -> str:
        """The secret that signs the events of this OA ("" = the configured one)."""
        account = self.extra_oas.get(oa_id)
        return account.oa_secret_key if account else self.config.oa_secret_key

    def public_oa_id(self, oa_id: str) -> str:
        return oa_id or self.config.oa_id

    def token_oa(self, token: str | None) -> str:
        """The OA an access token belongs to ("" = the configured one, or an unknown token)."""
        for account in self.extra_oas.values():
            if (token or "") in account.access_tokens:
                return account.oa_id
        return ""

    def _token_expiry(self, token: str) -> int | None:
        if token in self.access_tokens:
            return self.access_tokens[token]
        for account in self.extra_oas.values():
            if token in account.access_tokens:
                return account.access_tokens[token]
        return None

    def check_access_token(self, token: str | None) -> int:
        """0, or Zalo's error code: -216 unknown/revoked, -220 expired. Call with the lock held."""
        expires = self._token_expiry(token or "")
        if expires is None:
            return TOKEN_INVALID
        return TOKEN_EXPIRED if expires <= now_ms() else 0

    def expire_access_tokens(self) -> None:
        with self.lock:
            for tokens in (self.access_tokens, *(a.access_tokens for a in self.extra_oas.values())):
                for token in tokens:
                    tokens[token] = now_ms() - 1

    def _refresh_extra(self, refresh_token: str) -> dict[str, Any] | None:
        """Rotate a further OA's pair, if the refresh token is one of theirs. Call with the lock held."""
        for account in self.extra_oas.values():
            if refresh_token and refresh_token == account.refresh_token:
                access = secrets.token_urlsafe(48)
                account.refresh_token = secrets.token_urlsafe(48)
                account.access_tokens = {access: now_ms() + self.config.access_token_ttl_seconds * 1000}
                self.token_refreshes += 1
                return {"access_token": access, "refresh_token": account.refresh_token,
                        "expires_in": str(self.config.access_token_ttl_seconds)}
        return None

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        """Rotate: a new pair; the old refresh token and the old access tokens die."""
        with self.lock:
            extra = self._refresh_extra(refresh_token)
            if extra is not None:
                return extra
            if not refresh_token or refresh_token != self.refresh_token:
                return {"error": REFRESH_TOKEN_INVALID, "error_name": "Invalid refresh token",
                        "error_reason": "Refresh token is invalid or expired",
                        "error_description": "The refresh token is invalid, used or expired"}
            access = secrets.token_urlsafe(48)
            self.refresh_token = secrets.token_urlsafe(48)
            self.access_tokens = {access: now_ms() + self.config.access_token_ttl_seconds * 1000}
            self.token_refreshes += 1
            return {"access_token": access, "refresh_token": self.refresh_token,
                    "expires_in": str(self.config.access_token_ttl_seconds)}

    # --- rate limit, stats -----------------------------------------------------------------------

    def over_rate_limit(self) -> tuple[bool, int]:
        """(limited, remaining) for this minute. Call with the lock held."""
        limit = self.config.rate_limit_per_minute
        if limit <= 0:
            return False, -1
        minute = int(time.time() // 60)
        bucket, used = self.minute_bucket
        used = used + 1 if bucket == minute else 1
        self.minute_bucket = (minute, used)
        return used > limit, max(0, limit - used)

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "calls": dict(self.calls),
                "in_flight": self.in_flight,
                "errors": {str(code): n for code, n in self.errors.items()},
                "token_refreshes": self.token_refreshes,
                "messages": len(self.messages),
                "messages_by_kind": dict(Counter(m.kind for m in self.messages)) if len(self.messages)
                < 200_000 else {},
                "messages_by_oa": dict(Counter(self.public_oa_id(m.oa_id) for m in self.messages))
                if len(self.messages) < 200_000 else {},
                "users": len(self.users),
                "followers": sum(1 for c in self.users.values() if c.follower),
                "access_token": next(iter(self.access_tokens), None),
                "refresh_token": self.refresh_token,
            }

    # --- messages --------------------------------------------------------------------------------

    def record_sent(self, kind: str, user_id: str, body: bytes, message_id: str, sent_ms: int,
                    oa_id: str = "") -> SentMessage:
        """Call with the lock held."""
        self.seq += 1
        record = SentMessage(self.seq, message_id, user_id, sent_ms, kind, body, oa_id)
        self.messages.append(record)
        self.timelines.setdefault(user_id, []).append(record)
        return record

    def record_citizen_event(self, user_id: str, event_name: str, body: bytes, hidden: bool,
                             time_ms: int, label: str | None = None) -> CitizenEvent:
        with self.lock:
            self.seq += 1
            record = CitizenEvent(self.seq, user_id, time_ms, event_name, body, hidden, None, label)
            self.timelines.setdefault(user_id, []).append(record)
            self.touch(user_id, time_ms)
            return record

    def sent_messages(self, user_id: str | None, since: int, limit: int) -> list[SentMessage]:
        with self.lock:
            if user_id:
                source: list[Any] = [r for r in self.timelines.get(user_id, ()) if isinstance(r, SentMessage)]
            else:
                source = self.messages
            return _after(source, since, limit)

    def conversation(self, user_id: str, since: int, limit: int) -> list[SentMessage | CitizenEvent]:
        with self.lock:
            return _after(self.timelines.get(user_id, []), since, limit)


def _after(records: list[Any], since: int, limit: int) -> list[Any]:
    """Records with seq > since (lists are in seq order: binary search, then slice)."""
    lo, hi = 0, len(records)
    while lo < hi:
        mid = (lo + hi) // 2
        if records[mid].seq <= since:
            lo = mid + 1
        else:
            hi = mid
    return records[lo : lo + limit]
