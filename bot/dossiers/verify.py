"""Verification before a dossier is shown: the applicant's personal id number, checked in constant
time against the stored hash, with attempts limited per citizen and slowed down per receipt.

A citizen who guesses wrong too often is locked out (only that citizen). A receipt is never
locked: that would let five strangers shut its owner out. Past the free attempts, each try on the
receipt (from anyone) must wait a gap that doubles up to a cap, which makes guessing across many
accounts slow while the owner waits seconds at worst.

Unknown receipts get the very same prompt and the same "does not match" answer as known ones,
and count against the same limits, so a receipt number alone reveals nothing.
"""

from __future__ import annotations

import hmac
import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

import redis

from bot.config import DossierConfig, Settings
from bot.dossiers.model import Dossier, applicant_hash_for, digits_only
from bot.dossiers.store import DossierSource
from bot.dossiers.subscriptions import Subscriptions
from bot.stores.keys import KeyFamily
from bot.stores.scripts import script
from bot.stores.values import text_or_none

KEY_FAMILIES = (
    KeyFamily("dossier:await:*", per_citizen=True, kept="DOSSIER_VERIFY_STATE_SECONDS; deleted on withdraw"),
    KeyFamily("dossier:fails:user:*", per_citizen=True, kept="DOSSIER_VERIFY_LOCK_SECONDS; deleted on withdraw"),
    KeyFamily("dossier:lock:user:*", per_citizen=True, kept="DOSSIER_VERIFY_LOCK_SECONDS; deleted on withdraw"),
    KeyFamily("dossier:fails:receipt:*", per_citizen=False, kept="DOSSIER_VERIFY_LOCK_SECONDS"),
    KeyFamily("dossier:slow:receipt:*", per_citizen=False, kept="DOSSIER_VERIFY_RECEIPT_MAX_GAP_SECONDS"),
)

# A turn on the receipt: the time left (ms) when a gap is running; else 0, and when the free
# attempts are used up, the next gap starts now (reserved before checking, so parallel tries queue).
_TAKE_RECEIPT_TURN = """
local wait = redis.call('pttl', KEYS[2])
if wait > 0 then return wait end
local fails = tonumber(redis.call('get', KEYS[1]) or '0')
local free = tonumber(ARGV[1])
if fails >= free then
  local gap = math.min(tonumber(ARGV[2]) * 2 ^ math.min(fails - free, 40), tonumber(ARGV[3]))
  redis.call('set', KEYS[2], '1', 'PX', math.floor(gap))
end
return 0
"""


class Outcome(Enum):
    VERIFIED = "verified"
    MISMATCH = "mismatch"  # wrong id, or no such receipt: the citizen cannot tell which
    LOCKED = "locked"  # this citizen tried too often
    SLOW_DOWN = "slow_down"  # the receipt had many wrong tries: wait `wait_seconds`, not counted
    BAD_FORMAT = "bad_format"  # not an id number at all: not counted as an attempt


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    dossier: Dossier | None = None
    attempts_left: int = 0
    wait_seconds: int = 0


# The name under which the event's first round trip hands over the receipt awaiting an ID (Context.known).
AWAITING_ID = "dossier:awaiting"


def awaiting_key(settings: Settings, user_id: str) -> str:
    return f"{settings.key_prefix}dossier:await:{user_id}"


class Verifier:
    def __init__(self, client: redis.Redis, settings: Settings, config: DossierConfig) -> None:
        self.redis = client
        self.config = config
        self.settings = settings
        self.prefix = f"{settings.key_prefix}dossier:"
        self.links = Subscriptions(client, settings)

    @property
    def expected_digits(self) -> int:
        return self.config.verify_last_digits or 12

    # -- conversation state: "waiting for the id of receipt X" -------------------------------

    def await_id(self, user_id: str, receipt: str) -> None:
        self.redis.set(awaiting_key(self.settings, user_id), receipt, ex=self.config.verify_state_seconds)

    def awaiting(self, user_id: str, known: Mapping[str, str | None] | None = None) -> str | None:
        """The receipt whose ID the bot asked for; from `known` (Context.known) when already read."""
        if known is not None and AWAITING_ID in known:
            return known[AWAITING_ID] or None
        return text_or_none(self.redis.get(awaiting_key(self.settings, user_id))) or None

    def stop_waiting(self, user_id: str) -> None:
        self.redis.delete(awaiting_key(self.settings, user_id))

    def forget(self, user_id: str) -> None:
        """The citizen withdrew: their pending question, failure count and lock go (receipt limits stay)."""
        self.redis.delete(awaiting_key(self.settings, user_id), self._counters(user_id, "")[0],
                          self._user_lock(user_id))

    # -- limits -------------------------------------------------------------------------------

    def _counters(self, user_id: str, receipt: str) -> tuple[str, str]:
        return f"{self.prefix}fails:user:{user_id}", f"{self.prefix}fails:receipt:{receipt}"

    def _user_lock(self, user_id: str) -> str:
        return f"{self.prefix}lock:user:{user_id}"

    def _receipt_gap(self, receipt: str) -> str:
        return f"{self.prefix}slow:receipt:{receipt}"

    def is_locked(self, user_id: str) -> bool:
        return bool(self.redis.exists(self._user_lock(user_id)))

    def _take_receipt_turn(self, receipt: str) -> int:
        """0 when the receipt may be tried now; else the milliseconds to wait."""
        config = self.config
        return int(script(self.redis, _TAKE_RECEIPT_TURN)(
            keys=[self._counters("", receipt)[1], self._receipt_gap(receipt)],
            args=[config.verify_max_attempts, config.verify_receipt_gap_seconds * 1000,
                  config.verify_receipt_max_gap_seconds * 1000]))

    def _fail(self, user_id: str, receipt: str) -> int:
        """Count a failed attempt; returns the citizen's attempts left before their lock (0 = now locked)."""
        window = self.config.verify_lock_seconds
        user_counter, receipt_counter = self._counters(user_id, receipt)
        pipe = self.redis.pipeline()
        for key in (user_counter, receipt_counter):
            pipe.incr(key)
            pipe.expire(key, window)
        left = self.config.verify_max_attempts - int(pipe.execute()[0])
        if left <= 0:
            pipe = self.redis.pipeline()
            pipe.set(self._user_lock(user_id), "1", ex=window)
            pipe.delete(user_counter)
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
        if self.is_locked(user_id):
            return Result(Outcome.LOCKED)
        if len(digits_only(given)) != self.expected_digits:
            return Result(Outcome.BAD_FORMAT)
        if (wait_ms := self._take_receipt_turn(receipt)) > 0:
            return Result(Outcome.SLOW_DOWN, wait_seconds=math.ceil(wait_ms / 1000))
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
        # The owner proved who they are: past guesses at this receipt no longer slow anyone down.
        self.redis.delete(*self._counters(user_id, receipt), self._receipt_gap(receipt))
        self.stop_waiting(user_id)
        self.links.link(receipt, user_id)
        return Result(Outcome.VERIFIED, dossier)
