"""Phone numbers citizens shared through Zalo's request-user-info form, with their consent.

Per citizen a hash `phone:<id>`: the number encrypted with Fernet (cryptography) under
PHONE_ENCRYPTION_KEY, when and for what purpose they agreed. Only the number is kept (the form
also sends name and address: not needed, not stored). Numbers are never logged; without a key
nothing is stored. Deleted when the citizen withdraws consent ("#phone forget") or their data
(user_withdraw, bot/stores/forget.py).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

import redis
from cryptography.fernet import Fernet, InvalidToken

from bot.config import Settings
from bot.stores.keys import KeyFamily

KEY_FAMILIES = (
    KeyFamily("phone:*", per_citizen=True, kept="until the citizen withdraws consent; number encrypted"),
)

log = logging.getLogger(__name__)

# Vietnamese mobile numbers: 0 or 84 (+84) then 9 digits (Zalo's ZNS wants "84…").
_PHONE = re.compile(r"^(?:\+?84|0)(\d{9})$")


def normalise_phone(raw: object) -> str | None:
    """"0912 345 678", "+84912345678", "84912345678" → "84912345678"; None if not a Vietnamese number. Pure."""
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        return None
    digits = re.sub(r"[\s.()-]", "", str(raw))
    match = _PHONE.match(digits)
    return f"84{match.group(1)}" if match else None


def phone_from_info(info: Any) -> str | None:
    """The phone of a user_submit_info `info` object (both documented shapes carry `phone`). Pure."""
    return normalise_phone(info.get("phone")) if isinstance(info, dict) else None


class PhoneStore:
    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.redis = client
        self.prefix = settings.key_prefix
        key = settings.reach.phone_encryption_key
        self._fernet = Fernet(key.encode()) if key else None

    @property
    def enabled(self) -> bool:
        return self._fernet is not None

    def _key(self, user_id: str) -> str:
        return f"{self.prefix}phone:{user_id}"

    def save(self, user_id: str, phone: str, purpose: str, at: datetime) -> bool:
        """Store the consented number; False (nothing stored) when no encryption key is configured."""
        if self._fernet is None:
            log.warning("a phone number was shared but PHONE_ENCRYPTION_KEY is not set: not stored")
            return False
        token = self._fernet.encrypt(phone.encode()).decode()
        self.redis.hset(self._key(user_id), mapping={"phone": token, "consent_at": at.isoformat(),
                                                     "purpose": purpose})
        return True

    def phone(self, user_id: str) -> str | None:
        token = self.redis.hget(self._key(user_id), "phone")
        if token is None or self._fernet is None:
            return None
        try:
            return self._fernet.decrypt(token).decode()
        except InvalidToken:  # the key changed: the number cannot be read any more
            return None

    def consent(self, user_id: str) -> dict[str, str]:
        """When and why the citizen agreed (no number)."""
        consent_at, purpose = self.redis.hmget(self._key(user_id), "consent_at", "purpose")
        return {"consent_at": _text(consent_at), "purpose": _text(purpose)}

    def have_phones(self, user_ids: list[str]) -> list[bool]:
        """Whether each citizen has a stored number, in one round trip (broadcast targeting)."""
        if not user_ids or self._fernet is None:
            return [False] * len(user_ids)
        pipe = self.redis.pipeline(transaction=False)
        for user_id in user_ids:
            pipe.hexists(self._key(user_id), "phone")
        return [bool(found) for found in pipe.execute()]

    def forget(self, user_id: str) -> bool:
        return bool(self.redis.delete(self._key(user_id)))


def _text(value: bytes | str | None) -> str:
    return value.decode() if isinstance(value, bytes) else (value or "")
