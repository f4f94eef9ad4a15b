"""Staff replies on their way to the citizen: queued by the web process, sent by the worker.

Each reply has a reference (`ticket:<id>:<idempotency key>`) and a delivery record in the hash
`ticket:<id>:outgoing` (queued → sent | failed | outside_window, with a Vietnamese reason), which the
ticket page shows. The set `tickets:outgoing:queued` lists what is still queued, so a worker that
starts after a crash sends what a dead worker left (the sender's idempotency keys make that safe).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import redis

from bot.config import Settings
from bot.stores.keys import KeyFamily
from bot.stores.lock import Lock
from bot.stores.values import texts

KEY_FAMILIES = (
    KeyFamily("ticket:*:outgoing", per_citizen=True, kept="90 days; text dropped once sent; deleted on withdraw"),
    KeyFamily("ticket:*:outgoing:sending:*", per_citizen=False, kept="2 minutes, while a worker sends"),
    KeyFamily("tickets:outgoing:queued", per_citizen=False, kept="until sent (ticket id and reference)"),
)

OUTGOING_TTL_SECONDS = 90 * 24 * 3600
LOCK_SECONDS = 120  # longer than the Zalo client's attempts and back-off for one short reply
QUEUED, SENT, FAILED, OUTSIDE_WINDOW = "queued", "sent", "failed", "outside_window"
REPLY, RATING = "reply", "rating"  # a staff member's text; the 1–5 rating request after resolving


@dataclass(frozen=True)
class OutgoingReply:
    ticket_id: str
    ref: str
    user_id: str
    text: str
    author: str
    queued_at: float
    state: str = QUEUED
    detail: str = ""
    kind: str = REPLY
    once: str = ""  # the double-submission marker to forget when the send fails, so staff may retry


class OutgoingReplies:
    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.redis = client
        self.prefix = settings.key_prefix

    def _key(self, ticket_id: str) -> str:
        return f"{self.prefix}ticket:{ticket_id}:outgoing"

    @property
    def _queued_key(self) -> str:
        return f"{self.prefix}tickets:outgoing:queued"

    def queue(self, reply: OutgoingReply) -> None:
        pipe = self.redis.pipeline()
        pipe.hset(self._key(reply.ticket_id), reply.ref, _dumps(reply))
        pipe.expire(self._key(reply.ticket_id), OUTGOING_TTL_SECONDS)
        pipe.sadd(self._queued_key, f"{reply.ticket_id} {reply.ref}")
        pipe.execute()

    def get(self, ticket_id: str, ref: str) -> OutgoingReply | None:
        raw = self.redis.hget(self._key(ticket_id), ref)
        return None if raw is None else OutgoingReply(**json.loads(raw))

    def settle(self, reply: OutgoingReply, state: str, detail: str = "") -> None:
        # The text is in the ticket's transcript (masked at resolution): the record keeps only the outcome.
        settled = OutgoingReply(**{**reply.__dict__, "state": state, "detail": detail, "text": ""})
        pipe = self.redis.pipeline()
        pipe.hset(self._key(reply.ticket_id), reply.ref, _dumps(settled))
        pipe.srem(self._queued_key, f"{reply.ticket_id} {reply.ref}")
        pipe.execute()

    def sending(self, ticket_id: str, ref: str) -> Lock:
        """Held while one worker sends this reply: a second job for it (recovery enqueues one) leaves
        it to the first rather than racing it to Zalo."""
        return Lock(self.redis, f"{self._key(ticket_id)}:sending:{ref}", LOCK_SECONDS)

    def states(self, ticket_id: str) -> dict[str, tuple[str, str]]:
        """ref → (state, reason) for every reply of this ticket."""
        records = (json.loads(raw) for raw in self.redis.hvals(self._key(ticket_id)))
        return {r["ref"]: (r["state"], r["detail"]) for r in records}

    def still_queued(self) -> list[tuple[str, str]]:
        """(ticket id, ref) of every reply not yet settled."""
        members = (m.split(" ", 1) for m in texts(self.redis.smembers(self._queued_key)))
        return sorted((ticket_id, ref) for ticket_id, ref in members)


def _dumps(reply: OutgoingReply) -> str:
    return json.dumps(reply.__dict__, ensure_ascii=False)
