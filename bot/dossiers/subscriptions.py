"""Which citizens may see a dossier (verified links) and which want its status changes pushed.

Per dossier, a hash subscriber → the last version pushed to them: the single record that makes
pushes exactly-once across worker restarts (a version is marked only after its send succeeded).
"""

from __future__ import annotations

import redis

from bot.config import Settings
from bot.stores.keys import KeyFamily
from bot.stores.values import text_hash, texts

KEY_FAMILIES = (
    KeyFamily("dossier:links:*", per_citizen=True, kept="no expiry; the citizen removed on withdraw"),
    KeyFamily("dossier:user-links:*", per_citizen=True, kept="no expiry; deleted on withdraw"),
    KeyFamily("dossier:subs:*", per_citizen=True, kept="until unsubscribed; the citizen removed on withdraw"),
    KeyFamily("dossier:user-subs:*", per_citizen=True, kept="until unsubscribed; deleted on withdraw"),
    KeyFamily("dossier:subscribed", per_citizen=False, kept="receipts with a subscriber"),
    KeyFamily("dossier:push-failures:*", per_citizen=True, kept="no expiry; the citizen removed on withdraw"),
)

# Compare-and-set: move a subscriber's last pushed version forward only (and only while subscribed).
_ADVANCE = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
if tonumber(current) < tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 1
end
return 0
"""


class Subscriptions:
    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.redis = client
        self.prefix = f"{settings.key_prefix}dossier:"
        self._advance = client.register_script(_ADVANCE)

    # -- verified links -----------------------------------------------------------------------

    def link(self, receipt: str, user_id: str) -> None:
        pipe = self.redis.pipeline()
        pipe.sadd(f"{self.prefix}links:{receipt}", user_id)
        pipe.sadd(f"{self.prefix}user-links:{user_id}", receipt)
        pipe.execute()

    def is_linked(self, receipt: str, user_id: str) -> bool:
        return bool(self.redis.sismember(f"{self.prefix}links:{receipt}", user_id))

    # -- subscriptions ------------------------------------------------------------------------

    def _subs_key(self, receipt: str) -> str:
        return f"{self.prefix}subs:{receipt}"

    def subscribe(self, receipt: str, user_id: str, current_version: int) -> bool:
        """Subscribe from the current version on; False if already subscribed."""
        added = bool(self.redis.hsetnx(self._subs_key(receipt), user_id, current_version))
        pipe = self.redis.pipeline()
        pipe.sadd(f"{self.prefix}user-subs:{user_id}", receipt)
        pipe.sadd(f"{self.prefix}subscribed", receipt)
        pipe.execute()
        return added

    def unsubscribe(self, receipt: str, user_id: str) -> bool:
        removed = bool(self.redis.hdel(self._subs_key(receipt), user_id))
        self.redis.srem(f"{self.prefix}user-subs:{user_id}", receipt)
        if not self.redis.hlen(self._subs_key(receipt)):
            self.redis.srem(f"{self.prefix}subscribed", receipt)
        return removed

    def is_subscribed(self, receipt: str, user_id: str) -> bool:
        return bool(self.redis.hexists(self._subs_key(receipt), user_id))

    def receipts_of(self, user_id: str) -> list[str]:
        return sorted(texts(self.redis.smembers(f"{self.prefix}user-subs:{user_id}")))

    def subscribed_receipts(self) -> list[str]:
        return sorted(texts(self.redis.smembers(f"{self.prefix}subscribed")))

    def last_pushed(self, receipt: str) -> dict[str, int]:
        """subscriber → last version pushed to them (or skipped after a permanent failure)."""
        return {
            user: int(version)
            for user, version in text_hash(self.redis.hgetall(self._subs_key(receipt))).items()
        }

    def mark_pushed(self, receipt: str, user_id: str, version: int) -> bool:
        return bool(self._advance(keys=[self._subs_key(receipt)], args=[user_id, version]))

    def forget(self, user_id: str) -> None:
        """The citizen asked for their data to be removed (user_withdraw): every link and subscription."""
        for receipt in self.receipts_of(user_id):
            self.unsubscribe(receipt, user_id)
        linked = texts(self.redis.smembers(f"{self.prefix}user-links:{user_id}"))
        pipe = self.redis.pipeline()
        for receipt in linked:
            pipe.srem(f"{self.prefix}links:{receipt}", user_id)
            pipe.hdel(f"{self.prefix}push-failures:{receipt}", user_id)
        pipe.delete(f"{self.prefix}user-links:{user_id}", f"{self.prefix}user-subs:{user_id}")
        pipe.execute()

    # -- failures -----------------------------------------------------------------------------

    def record_failure(self, receipt: str, user_id: str, version: int, code: int | None) -> None:
        self.redis.hset(f"{self.prefix}push-failures:{receipt}", user_id, f"{version}:{code}")

    def failures(self, receipt: str) -> dict[str, str]:
        return text_hash(self.redis.hgetall(f"{self.prefix}push-failures:{receipt}"))
