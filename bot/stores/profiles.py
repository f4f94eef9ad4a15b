"""Who is writing: the citizen's Zalo display name and avatar, cached for staff (the inbox and tickets).

Fed by the worker from Zalo's user detail endpoint (handlers/profiles.py); kept PROFILE_TTL_SECONDS,
after which the next message from the citizen fetches it again. Removed when the citizen withdraws.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import redis

from bot.config import Settings
from bot.stores.keys import KeyFamily

KEY_FAMILIES = (KeyFamily("profile:*", per_citizen=True, kept="7 days (Zalo display name and avatar)"),)

PROFILE_TTL_SECONDS = 7 * 86400
# The name under which the event's first round trip hands over whether the profile is known (Context.known).
PROFILE_KNOWN = "profile:known"
MAX_NAME_CHARS = 100
MAX_AVATAR_CHARS = 500
# An https URL without quotes, parentheses, spaces or backslashes: safe inside a CSS url('…') on the page.
SAFE_URL = re.compile(r"https://[A-Za-z0-9.-]+(?:/[A-Za-z0-9._~/?#\[\]@!$&*+,;=%:-]*)?")


@dataclass(frozen=True)
class Profile:
    name: str
    avatar: str = ""  # an https URL on Zalo's image host, or ""

    @property
    def initials(self) -> str:
        words = self.name.split()
        return "".join(w[0] for w in words[-2:]).upper() if words else "?"


def profile_from_detail(data: dict) -> Profile | None:
    """Zalo's user detail `data` object → a Profile (None without a display name). Pure."""
    name = " ".join(str(data.get("display_name") or data.get("user_alias") or "").split())[:MAX_NAME_CHARS]
    if not name:
        return None
    avatars = data.get("avatars")
    avatars = avatars if isinstance(avatars, dict) else {}
    avatar = str(avatars.get("120") or data.get("avatar") or "")
    return Profile(name, avatar if SAFE_URL.fullmatch(avatar) and len(avatar) <= MAX_AVATAR_CHARS else "")


class ProfileStore:
    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.redis = client
        self.prefix = f"{settings.key_prefix}profile:"

    def known(self, user_id: str) -> bool:
        return bool(self.redis.exists(self.prefix + user_id))

    def queue_known(self, pipe: redis.client.Pipeline, user_id: str) -> None:
        """`known`'s look-up, queued on `pipe` (read its answer with `known_of`)."""
        pipe.exists(self.prefix + user_id)

    @staticmethod
    def known_of(answer: int) -> str | None:
        """`queue_known`'s answer as a Context.known value: "1" known, None not."""
        return "1" if answer else None

    def put(self, user_id: str, profile: Profile) -> None:
        pipe = self.redis.pipeline(transaction=True)  # never a profile without its TTL
        pipe.hset(self.prefix + user_id, mapping={"name": profile.name, "avatar": profile.avatar})
        pipe.expire(self.prefix + user_id, PROFILE_TTL_SECONDS)
        pipe.execute()

    def get_many(self, user_ids: Iterable[str]) -> dict[str, Profile]:
        ids = list(dict.fromkeys(user_ids))
        pipe = self.redis.pipeline(transaction=False)
        for user_id in ids:
            pipe.hgetall(self.prefix + user_id)
        found = {}
        for user_id, raw in zip(ids, pipe.execute(), strict=True):
            if raw:
                found[user_id] = Profile(raw[b"name"].decode(), raw.get(b"avatar", b"").decode())
        return found

    def forget(self, user_id: str) -> None:
        self.redis.delete(self.prefix + user_id)


USER_DETAIL = "/v3.0/oa/user/detail"
log = logging.getLogger(__name__)


def remember_profile_of(store: ProfileStore, user_id: str, read: Callable[[str, dict], object],
                        known: Mapping[str, str | None] | None = None) -> None:
    """Learn the citizen's Zalo name and avatar when not known (or expired), with `read` (the Zalo client's
    GET). An extra read that never fails the event: the inbox shows the id for now, the next message tries.
    `known`: Context.known, where the event's first round trip may have looked the profile up already."""
    from bot.zalo.errors import ZaloError

    try:
        if known is not None and PROFILE_KNOWN in known:
            if known[PROFILE_KNOWN]:
                return
        elif store.known(user_id):
            return
        body = read(USER_DETAIL, {"user_id": user_id})
    except (ZaloError, redis.RedisError, OSError, ValueError) as exc:
        log.info("user detail unavailable", extra={"error": type(exc).__name__})
        return
    data = body.get("data") if isinstance(body, dict) and body.get("error") in (0, None) else None
    profile = profile_from_detail(data) if isinstance(data, dict) else None
    if profile is not None:
        store.put(user_id, profile)
