"""Verification before a dossier is shown: the applicant's personal id number, checked in constant
time against the stored hash, with attempts limited per citizen and per receipt.

Unknown receipts get the very same prompt and the same "does not match" answer as known ones,
and count against the same limits, so a receipt number alone reveals nothing.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from enum import Enum

import redis

from bot.config import Settings
from bot.dossiers.config import DossierConfig
from bot.dossiers.model import Dossier, applicant_hash_for, digits_only
from bot.dossiers.store import DossierSource
from bot.dossiers.subscriptions import Subscriptions


class Outcome(Enum):
    VERIFIED = "verified"
    MISMATCH = "mismatch"  # wrong id, or no such receipt: the citizen cannot tell which
    LOCKED = "locked"
    BAD_FORMAT = "bad_format"  # not an id number at all: not counted as an attempt


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    dossier: Dossier | None = None
    attempts_left: int = 0


class Verifier:
    def __init__(self, client: redis.Redis, settings: Settings, config: DossierConfig) -> None:
        self.redis = client
        self.config = config
        self.prefix = f"{settings.key_prefix}dossier:"
        self.links = Subscriptions(client, settings)

    @property
    def expected_digits(self) -> int:
        return self.config.verify_last_digits or 12

    # -- conversation state: "waiting for the id of receipt X" -------------------------------

    def await_id(self, user_id: str, receipt: str) -> None:
        self.redis.set(f"{self.prefix}await:{user_id}", receipt, ex=self.config.verify_state_seconds)

    def awaiting(self, user_id: str) -> str | None:
        raw = self.redis.get(f"{self.prefix}await:{user_id}")
        return raw.decode() if raw else None

    def stop_waiting(self, user_id: str) -> None:
        self.redis.delete(f"{self.prefix}await:{user_id}")

    # -- limits -------------------------------------------------------------------------------

    def _counters(self, user_id: str, receipt: str) -> tuple[str, str]:
        return f"{self.prefix}fails:user:{user_id}", f"{self.prefix}fails:receipt:{receipt}"

    def _locks(self, user_id: str, receipt: str) -> tuple[str, str]:
        return f"{self.prefix}lock:user:{user_id}", f"{self.prefix}lock:receipt:{receipt}"

    def is_locked(self, user_id: str, receipt: str) -> bool:
        return bool(self.redis.exists(*self._locks(user_id, receipt)))

    def _fail(self, user_id: str, receipt: str) -> int:
        """Count a failed attempt; returns the attempts left before the lock (0 = now locked)."""
        window = self.config.verify_lock_seconds
        pipe = self.redis.pipeline()
        for key in self._counters(user_id, receipt):
            pipe.incr(key)
            pipe.expire(key, window)
        counts = pipe.execute()[0::2]
        left = self.config.verify_max_attempts - max(int(c) for c in counts)
        if left <= 0:
            pipe = self.redis.pipeline()
            for lock, counter, count in zip(
                self._locks(user_id, receipt), self._counters(user_id, receipt), counts, strict=True
            ):
                if int(count) >= self.config.verify_max_attempts:
                    pipe.set(lock, "1", ex=window)
                    pipe.delete(counter)
            pipe.execute()
            self.stop_waiting(user_id)
        return max(left, 0)

    # -- the check ----------------------------------------------------------------------------

    def is_linked(self, user_id: str, receipt: str) -> bool:
        return self.links.is_linked(receipt, user_id)

    def looks_like_id(self, text: str) -> bool:
        """Digits typed as an id (spaces, dots and dashes allowed), not a sentence."""
        stripped = text.strip()
        return (
            bool(stripped)
            and all(ch.isdigit() or ch in " .-" for ch in stripped)
            and 4 <= len(digits_only(stripped)) <= 15
        )

    def check(self, user_id: str, receipt: str, given: str, source: DossierSource) -> Result:
        """Compare `given` with the applicant's id; may raise SourceUnavailable (nothing counted then)."""
        if self.is_locked(user_id, receipt):
            return Result(Outcome.LOCKED)
        if len(digits_only(given)) != self.expected_digits:
            return Result(Outcome.BAD_FORMAT)
        dossier = source.get(receipt)
        kind, given_hash = applicant_hash_for(
            self.config.id_secret, receipt, given, self.config.verify_last_digits
        )
        # Compare against a dummy for unknown receipts, so both paths take the same time.
        stored = dossier.applicant_hashes.get(kind, "") if dossier else ""
        matches = hmac.compare_digest(stored or "0" * 64, given_hash) and bool(stored)
        if not matches or dossier is None:
            left = self._fail(user_id, receipt)
            return Result(Outcome.LOCKED if left == 0 else Outcome.MISMATCH, attempts_left=left)
        self.redis.delete(*self._counters(user_id, receipt))
        self.stop_waiting(user_id)
        self.links.link(receipt, user_id)
        return Result(Outcome.VERIFIED, dossier)
