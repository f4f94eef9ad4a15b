"""The follower registry in Redis, kept from follow/unfollow events and a sync from Zalo's list.

Per citizen a hash `follower:<id>` (status, followed_at, unfollowed_at, last_interaction,
area, source); the set `followers:active` holds who follows now, for fast fan-out. A follower's hash
has no expiry; anyone else's (a citizen who wrote without following, or who unfollowed) expires
INTERACTION_WINDOW_DAYS after it was last written: past that window the OA cannot message them anyway.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import redis

from bot.config import Settings
from bot.stores.keys import KeyFamily
from bot.stores.scripts import queue_script, script
from bot.stores.values import text_hash

KEY_FAMILIES = (
    KeyFamily("follower:*", per_citizen=True,
              kept="while following; otherwise INTERACTION_WINDOW_DAYS after the last write; deleted on withdraw"),
    KeyFamily("followers:active", per_citizen=True, kept="while following; removed on unfollow and withdraw"),
)

# A follower who turned non-emergency announcements off ("#alerts off").
OPT_OUT_FIELD = "alerts_opt_out"

# KEYS: follower hash · ARGV: ttl seconds, field, value, field, value... → HSET the fields; a hash
# whose status is not "following" gets (or keeps renewing) its expiry, a follower's has none.
_WRITE = """
redis.call('hset', KEYS[1], unpack(ARGV, 2))
if redis.call('hget', KEYS[1], 'status') == 'following' then
  redis.call('persist', KEYS[1])
else
  redis.call('expire', KEYS[1], ARGV[1])
end
return 1
"""


class FollowerRegistry:
    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.redis = client
        self.prefix = settings.key_prefix
        self.non_follower_ttl = max(1, settings.interaction_window_days) * 24 * 3600

    def _key(self, user_id: str) -> str:
        return f"{self.prefix}follower:{user_id}"

    @property
    def active_key(self) -> str:
        return f"{self.prefix}followers:active"

    def follow(self, user_id: str, at: float | None = None, source: str = "") -> None:
        at = at or time.time()
        pipe = self.redis.pipeline()
        pipe.hset(self._key(user_id), mapping={"status": "following", "followed_at": at,
                                               "last_interaction": at, "source": source})
        pipe.hdel(self._key(user_id), "unfollowed_at", "unreachable_code")
        pipe.persist(self._key(user_id))
        pipe.sadd(self.active_key, user_id)
        pipe.execute()

    def follow_many(self, user_ids: list[str], source: str, last_interaction: float | None = None) -> int:
        """Record as following those of `user_ids` the registry does not have as followers (a sync), in
        two round trips; how many were new. `last_interaction`: the earliest it can be, when known."""
        if not user_ids:
            return 0
        following = self.redis.smismember(self.active_key, user_ids)
        new = [uid for uid, known in zip(user_ids, following, strict=True) if not known]
        now = time.time()
        pipe = self.redis.pipeline(transaction=False)
        for uid in new:
            pipe.hset(self._key(uid), mapping={"status": "following", "followed_at": now, "source": source,
                                               "last_interaction": last_interaction or now})
            pipe.hdel(self._key(uid), "unfollowed_at", "unreachable_code")
            pipe.persist(self._key(uid))
        if new:
            pipe.sadd(self.active_key, *new)
        pipe.execute()
        return len(new)

    def unfollow_many(self, user_ids: list[str], followed_before: float) -> int:
        """Mark gone those of `user_ids` who followed before `followed_before` (a sync found them no longer
        on Zalo's list; who followed since then is newer than the list); how many."""
        gone = 0
        for start in range(0, len(user_ids), 500):
            chunk = user_ids[start:start + 500]
            pipe = self.redis.pipeline(transaction=False)
            for uid in chunk:
                pipe.hget(self._key(uid), "followed_at")
            for uid, followed_at in zip(chunk, pipe.execute(), strict=True):
                if followed_at is None or float(followed_at) < followed_before:
                    self.unfollow(uid)
                    gone += 1
        return gone

    def unfollow(self, user_id: str, at: float | None = None) -> None:
        pipe = self.redis.pipeline()
        self._write(user_id, {"status": "gone", "unfollowed_at": at or time.time()}, pipe)
        pipe.srem(self.active_key, user_id)
        pipe.execute()

    def _write(self, user_id: str, mapping: dict[str, str | float | int],
               pipe: redis.client.Pipeline | None = None) -> None:
        """HSET with the registry's retention: no expiry for a follower, the interaction window otherwise."""
        args: list[str | float | int] = [self.non_follower_ttl]
        for name, value in mapping.items():
            args += [name, value]
        script(self.redis, _WRITE)(keys=[self._key(user_id)], args=args, client=pipe)

    def touch(self, user_id: str, at: float | None = None) -> None:
        """The citizen acted (Event.is_interaction): Zalo's messaging window opens again."""
        self._write(user_id, {"last_interaction": at or time.time()})

    def queue_touch(self, pipe: redis.client.Pipeline, user_id: str, at: float) -> None:
        """`touch`, queued on a pipeline the caller runs with `execute_idempotent` (with other reads)."""
        queue_script(pipe, _WRITE, [self._key(user_id)], [self.non_follower_ttl, "last_interaction", at])

    def forget(self, user_id: str) -> None:
        """The citizen asked for their data to be removed (user_withdraw)."""
        pipe = self.redis.pipeline()
        pipe.delete(self._key(user_id))
        pipe.srem(self.active_key, user_id)
        pipe.execute()

    def get(self, user_id: str) -> dict[str, str]:
        return text_hash(self.redis.hgetall(self._key(user_id)))

    def is_following(self, user_id: str) -> bool:
        return bool(self.redis.sismember(self.active_key, user_id))

    def count(self) -> int:
        return int(self.redis.scard(self.active_key))

    def active_ids(self, batch: int = 1000) -> Iterator[str]:
        for member in self.redis.sscan_iter(self.active_key, count=batch):
            yield member.decode()

    def set_area(self, user_id: str, area: str) -> None:
        self._write(user_id, {"area": area})

    def set_alerts_opt_out(self, user_id: str, opted_out: bool) -> None:
        self._write(user_id, {OPT_OUT_FIELD: "1" if opted_out else "0"})

    def mark_unreachable(self, user_id: str, code: int, pipe: redis.client.Pipeline | None = None) -> None:
        """Zalo refused this recipient for good (blocked the OA, no such user...)."""
        self._write(user_id, {"unreachable_code": code}, pipe)

    def targeting_fields(self, user_ids: list[str]) -> list[tuple[str | None, float | None, bool]]:
        """(area, last interaction, opted out of non-emergency notices) of each follower, in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        for user_id in user_ids:
            pipe.hmget(self._key(user_id), "area", "last_interaction", OPT_OUT_FIELD)
        return [
            (area.decode() if area else None, float(last) if last else None, opted_out == b"1")
            for area, last, opted_out in pipe.execute()
        ]

