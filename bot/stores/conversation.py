"""Conversation state between a citizen's messages: what the bot learnt, fallbacks in a row,
a per-citizen message counter, idempotency markers for recording, and the clarify candidates.

Every key here is short-lived; `forget` removes the citizen's at `user_withdraw`.
"""

from __future__ import annotations

import json

import redis

from bot.config import Settings
from bot.stores.keys import KeyFamily
from bot.stores.scripts import Command
from bot.stores.values import text_hash

# What the bot learnt (procedure, receipt), remembered for a later "Gặp cán bộ".
CONTEXT_TTL_SECONDS = 24 * 3600
# Markers that make recording idempotent when the worker retries an event.
SEEN_TTL_SECONDS = 24 * 3600
FALLBACK_TTL_SECONDS = 3600
# How long the candidates of a clarifying question stay pickable by "1", "2"...
CLARIFY_TTL_SECONDS = 30 * 60
# The same notice ("please type", "I cannot listen to voice notes") at most once per conversation per hour.
NOTICE_TTL_SECONDS = 3600
NOTICES = ("please_type", "voice", "photo_unread")

KEY_FAMILIES = (
    KeyFamily("handoff:context:*", per_citizen=True, kept="1 day"),
    KeyFamily("handoff:fallbacks:*", per_citizen=True, kept="1 hour"),
    KeyFamily("handoff:msgseq:*", per_citizen=True, kept="1 day"),
    KeyFamily("handoff:seq:*", per_citizen=False, kept="1 day (event digest → counter)"),
    KeyFamily("handoff:seen:*", per_citizen=False, kept="1 day (event digest)"),
    KeyFamily("clarify:*", per_citizen=True, kept="30 minutes"),
    KeyFamily("notice:*", per_citizen=True, kept="1 hour"),
)


class Conversation:
    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.redis = client
        self.prefix = settings.key_prefix

    def _context_key(self, user_id: str) -> str:
        return f"{self.prefix}handoff:context:{user_id}"

    def _fallbacks_key(self, user_id: str) -> str:
        return f"{self.prefix}handoff:fallbacks:{user_id}"

    def _counter_key(self, user_id: str) -> str:
        return f"{self.prefix}handoff:msgseq:{user_id}"

    def clarify_key(self, user_id: str) -> str:
        return f"{self.prefix}clarify:{user_id}"

    # -- recording once per event ---------------------------------------------------------------

    def seen_key(self, what: str, identity: str) -> str:
        """The marker that `what` was recorded for the event `identity`."""
        return f"{self.prefix}handoff:seen:{what}:{identity}"

    def seq_marker(self, identity: str) -> str:
        """The event's per-citizen sequence number, once given."""
        return f"{self.prefix}handoff:seq:{identity}"

    def counter_key(self, user_id: str) -> str:
        return self._counter_key(user_id)

    def first_time(self, what: str, identity: str) -> bool:
        """True the first time `what` is recorded for the event `identity` (a retry gets False)."""
        return bool(self.redis.set(self.seen_key(what, identity), 1, nx=True, ex=SEEN_TTL_SECONDS))

    def message_seq(self, user_id: str, identity: str) -> int:
        """A per-citizen message counter, stable across retries of one event."""
        marker = self.seq_marker(identity)
        stored = self.redis.get(marker)
        if stored is not None:
            return int(stored)
        seq = int(self.redis.incr(self._counter_key(user_id)))
        self.redis.set(marker, seq, ex=SEEN_TTL_SECONDS)
        self.redis.expire(self._counter_key(user_id), SEEN_TTL_SECONDS)
        return seq

    # -- what the bot learnt --------------------------------------------------------------------

    def remember(self, user_id: str, facts: dict[str, str]) -> None:
        pipe = self.redis.pipeline()
        for command in self.remember_commands(user_id, facts):
            pipe.execute_command(*command)
        pipe.execute()

    def remember_commands(self, user_id: str, facts: dict[str, str]) -> list[Command]:
        """The commands that remember `facts` (for a caller that sends them with other work)."""
        key = self._context_key(user_id)
        return [("hset", key, *(part for pair in facts.items() for part in pair)),
                ("expire", key, CONTEXT_TTL_SECONDS)]

    def remembered(self, user_id: str) -> dict[str, str]:
        return text_hash(self.redis.hgetall(self._context_key(user_id)))

    # -- not understood, in a row ---------------------------------------------------------------

    def note_fallback(self, user_id: str, seq: int) -> int:
        """Count a fallback at message `seq`; returns how many happened in a row (a retry counts once)."""
        key = self._fallbacks_key(user_id)
        last_seq, streak = (int(x) if x else 0 for x in self.redis.hmget(key, "seq", "streak"))
        if seq != last_seq:
            streak = streak + 1 if last_seq == seq - 1 else 1
            pipe = self.redis.pipeline()
            pipe.hset(key, mapping={"seq": seq, "streak": streak})
            pipe.expire(key, FALLBACK_TTL_SECONDS)
            pipe.execute()
        return streak

    def clear_fallbacks(self, user_id: str) -> None:
        self.redis.delete(self._fallbacks_key(user_id))

    # -- clarify candidates ---------------------------------------------------------------------

    def offer(self, user_id: str, codes: list[str]) -> None:
        self.redis.set(self.clarify_key(user_id), json.dumps(codes), ex=CLARIFY_TTL_SECONDS)

    def offered(self, user_id: str) -> list[str] | None:
        stored = self.redis.get(self.clarify_key(user_id))
        return list(json.loads(stored)) if stored is not None else None

    def withdraw_offer(self, user_id: str, pipe: redis.client.Pipeline | None = None) -> None:
        """`pipe`: deleted when that pipeline runs (the event's deferred writes, Context.writes)."""
        (self.redis if pipe is None else pipe).delete(self.clarify_key(user_id))

    # -- notices said at most once an hour -------------------------------------------------------

    def _notice_key(self, user_id: str, notice: str) -> str:
        return f"{self.prefix}notice:{user_id}:{notice}"

    def first_notice(self, user_id: str, notice: str, identity: str) -> bool:
        """True when `notice` was not said to this citizen within the hour, or was said for this very
        event (a worker's retry of it must say it again)."""
        key = self._notice_key(user_id, notice)
        if self.redis.set(key, identity, nx=True, ex=NOTICE_TTL_SECONDS):
            return True
        return self.redis.get(key) == identity.encode()

    def forget(self, user_id: str) -> None:
        self.redis.delete(self._context_key(user_id), self._fallbacks_key(user_id),
                          self._counter_key(user_id), self.clarify_key(user_id),
                          *(self._notice_key(user_id, notice) for notice in NOTICES))
