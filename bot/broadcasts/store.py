"""Broadcasts and their per-recipient delivery records in Redis.

Keys under `<prefix>bc:`: `<id>` (hash: the announcement and its status), `<id>:rcpt` (list of
"user_id channel", the recipients fixed when sending starts), `<id>:d` (hash user_id → delivery
state), `<id>:n` (hash of counts), `<id>:done` (set of finished batch numbers), `index` (zset
of ids by creation time), `running` (set), `live` (zset of announcements citizens can read,
scored by expiry), `cap:<sha256 of sender and identifier>` (the broadcast a CAP message made, so a
re-post finds it), `<id>:cap` (the CAP XML as received, for the approver), `<id>:invite` (set of
recipients with no area, who are invited to choose one).

A delivery state is "queued", "sent <channel> <message_id>", "failed <channel> <code>",
"unreachable", or "cancelled". Only a queued record changes (a Lua script), so a record once
final is never overwritten and every count moves exactly once.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import redis

from bot.broadcasts.areas import Areas
from bot.broadcasts.cap import Announcement, announcement_from_dict
from bot.config import VIETNAM, Settings
from bot.stores.keys import KeyFamily
from bot.stores.values import hash_fields, text, text_hash, text_or_none, texts

KEY_FAMILIES = (
    KeyFamily("bc:*", per_citizen=False, kept="the broadcast"),
    KeyFamily("bc:index", per_citizen=False, kept="broadcast ids"),
    KeyFamily("bc:live", per_citizen=False, kept="broadcast ids"),
    KeyFamily("bc:running", per_citizen=False, kept="broadcast ids"),
    KeyFamily("bc:rate:*", per_citizen=False, kept="a Zalo app's send-rate token bucket (every tenant of the app)"),
    KeyFamily("bc:cap:*", per_citizen=False, kept="CAP identifier → broadcast"),
    KeyFamily("bc:*:cap", per_citizen=False, kept="the announcement as received"),
    KeyFamily("bc:*:n", per_citizen=False, kept="counts"),
    KeyFamily("bc:*:done", per_citizen=False, kept="finished batches; BROADCAST_RECORD_RETENTION_DAYS"),
    KeyFamily("bc:*:started", per_citizen=False, kept="started batches; BROADCAST_RECORD_RETENTION_DAYS"),
    KeyFamily("bc:scheduled", per_citizen=False, kept="broadcasts approved for later, until due"),
    KeyFamily("bc:to-archive", per_citizen=False, kept="finished broadcasts until their report is archived"),
    KeyFamily("bc:*:lease:*", per_citizen=False, kept="a batch lease, 5 minutes"),
    # Addressed by position while sending, and needed to send a Cancel to the same people.
    KeyFamily("bc:*:rcpt", per_citizen=True, kept="BROADCAST_RECORD_RETENTION_DAYS after the report is archived",
              kept_after_withdraw=True),
    KeyFamily("bc:*:d", per_citizen=True, kept="BROADCAST_RECORD_RETENTION_DAYS after the report is archived",
              kept_after_withdraw=True),
    KeyFamily("bc:*:invite", per_citizen=True, kept="BROADCAST_RECORD_RETENTION_DAYS after the report is archived",
              kept_after_withdraw=True),
)


FINAL_KINDS = ("sent", "failed", "unreachable", "cancelled")

_TRANSITION = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old ~= 'queued' then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[2], 'queued', -1)
redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
if ARGV[4] ~= '' then redis.call('HINCRBY', KEYS[2], ARGV[4], 1) end
return 1
"""


@dataclass
class Broadcast:
    id: str
    announcement: Announcement
    status: str  # draft, scheduled, preparing, sending, done, stopped; recorded (never sent), rejected
    created_by: str
    created_at: float
    approved_by: str = ""
    started_at: float = 0.0
    scheduled_at: float = 0.0
    finished_at: float = 0.0
    via: str = "console"
    reason: str = ""
    total: int = 0
    batches: int = 0
    plan: dict[str, int] = field(default_factory=dict)
    replaced_by: str = ""  # an official's edited version, sent instead of this draft
    # A follow-up to part of an alert's check-in board: "noanswer" or "area:<id>" (bot.broadcasts.checkins).
    audience: str = ""
    checkin_for: str = ""  # the check-in board its buttons answer on ("" = its own, when it asks)

    @property
    def checkin_board(self) -> str:
        """Where this broadcast's check-in answers count, "" when it carries no buttons."""
        if not self.announcement.checkin:
            return ""
        return self.checkin_for or self.id

    @property
    def to_everyone(self) -> bool:
        return self.announcement.targets_all


class BroadcastStore:
    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.redis = client
        self.settings = settings
        self.p = f"{settings.key_prefix}bc:"
        self._transition = client.register_script(_TRANSITION)

    def key(self, broadcast_id: str, part: str = "") -> str:
        return f"{self.p}{broadcast_id}{':' + part if part else ''}"

    # -- broadcasts ---------------------------------------------------------------------------

    @staticmethod
    def new_id() -> str:
        return time.strftime("%Y%m%d") + "-" + secrets.token_hex(4)

    def create(self, announcement: Announcement, author: str, via: str = "console", broadcast_id: str = "",
               status: str = "draft", reason: str = "", original: bytes | str | None = None) -> Broadcast:
        broadcast_id = broadcast_id or self.new_id()
        now = time.time()
        pipe = self.redis.pipeline()
        pipe.hset(self.key(broadcast_id), mapping={
            "announcement": json.dumps(announcement.as_dict(), ensure_ascii=False), "status": status,
            "created_by": author, "created_at": now, "via": via, "reason": reason})
        if original:
            pipe.set(self.key(broadcast_id, "cap"), original)
        pipe.zadd(f"{self.p}index", {broadcast_id: now})
        pipe.execute()
        return self.get(broadcast_id)  # type: ignore[return-value]

    def discard(self, broadcast_id: str) -> None:
        """Remove a broadcast that never left the draft stage (a duplicate that lost the race)."""
        self.redis.delete(self.key(broadcast_id), self.key(broadcast_id, "cap"))
        self.redis.zrem(f"{self.p}index", broadcast_id)

    def original(self, broadcast_id: str) -> str:
        """The CAP XML as the sender sent it ("" for announcements written here)."""
        raw = self.redis.get(self.key(broadcast_id, "cap"))
        return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw or ""

    # -- CAP identity: (sender, identifier) names one message for ever ------------------------------

    def _cap_key(self, sender: str, identifier: str) -> str:
        digest = hashlib.sha256(f"{sender}\n{identifier}".encode()).hexdigest()
        return f"{self.p}cap:{digest}"

    def claim_cap(self, sender: str, identifier: str, broadcast_id: str) -> str | None:
        """Bind (sender, identifier) to `broadcast_id`; the id it is already bound to, if any."""
        key = self._cap_key(sender, identifier)
        if self.redis.set(key, broadcast_id, nx=True):
            return None
        existing = text_or_none(self.redis.get(key))
        if existing and self.redis.exists(self.key(existing)):
            return existing
        self.redis.set(key, broadcast_id)  # bound to nothing that exists (a crash between claim and create)
        return None

    def by_cap(self, sender: str, identifier: str) -> str | None:
        return text_or_none(self.redis.get(self._cap_key(sender, identifier))) or None

    def get(self, broadcast_id: str) -> Broadcast | None:
        raw = text_hash(self.redis.hgetall(self.key(broadcast_id)))
        if "announcement" not in raw:
            return None
        data = json.loads(raw["announcement"])
        announcement = announcement_from_stored(data)
        return Broadcast(
            id=broadcast_id, announcement=announcement, status=raw["status"], created_by=raw["created_by"],
            created_at=float(raw["created_at"]), approved_by=raw.get("approved_by", ""),
            started_at=float(raw.get("started_at") or 0), scheduled_at=float(raw.get("scheduled_at") or 0),
            finished_at=float(raw.get("finished_at") or 0), via=raw.get("via", "console"),
            reason=raw.get("reason", ""), total=int(raw.get("total") or 0), batches=int(raw.get("batches") or 0),
            plan=json.loads(raw.get("plan") or "{}"), replaced_by=raw.get("replaced_by", ""),
            audience=raw.get("audience", ""), checkin_for=raw.get("checkin_for", ""))

    def update(self, broadcast_id: str, **fields: Any) -> None:
        mapping = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in fields.items()}
        self.redis.hset(self.key(broadcast_id), mapping=hash_fields(mapping))

    def recent(self, limit: int = 50) -> list[Broadcast]:
        ids = texts(self.redis.zrevrange(f"{self.p}index", 0, limit - 1))
        return [b for b in (self.get(i) for i in ids) if b]

    def follow_ups(self, broadcast_id: str) -> list[Broadcast]:
        return [b for b in self.recent(500) if broadcast_id in b.announcement.references]

    # -- recipients and deliveries -------------------------------------------------------------

    def add_recipients(self, broadcast_id: str, chunk: list[tuple[str, str]]) -> None:
        """Append recipients (user_id, channel), each recorded as queued."""
        if not chunk:
            return
        pipe = self.redis.pipeline(transaction=False)
        pipe.rpush(self.key(broadcast_id, "rcpt"), *(f"{uid} {channel}" for uid, channel in chunk))
        pipe.hset(self.key(broadcast_id, "d"), mapping={uid: "queued" for uid, _ in chunk})
        pipe.hincrby(self.key(broadcast_id, "n"), "queued", len(chunk))
        pipe.execute()

    def recipients_slice(self, broadcast_id: str, start: int, stop: int) -> list[tuple[str, str]]:
        rows = self.redis.lrange(self.key(broadcast_id, "rcpt"), start, stop - 1)
        return [(uid, channel) for uid, channel in (text(r).split(" ", 1) for r in rows)]

    def add_invites(self, broadcast_id: str, user_ids: list[str]) -> None:
        if user_ids:
            self.redis.sadd(self.key(broadcast_id, "invite"), *user_ids)

    def invited(self, broadcast_id: str, user_ids: list[str]) -> set[str]:
        """Which of these recipients have no area (their message names the area and invites them)."""
        if not user_ids:
            return set()
        flags = self.redis.smismember(self.key(broadcast_id, "invite"), user_ids)
        return {uid for uid, flag in zip(user_ids, flags, strict=True) if flag}

    def reached(self, broadcast_id: str) -> Iterator[str]:
        """The followers this broadcast was delivered to."""
        for uid, state in self.deliveries(broadcast_id):
            if state.startswith("sent "):
                yield uid

    def states(self, broadcast_id: str, user_ids: list[str]) -> list[str | None]:
        if not user_ids:
            return []
        values = self.redis.hmget(self.key(broadcast_id, "d"), user_ids)
        return [text(v) if v else None for v in values]

    def finish(self, broadcast_id: str, user_id: str, state: str, extra_counter: str = "") -> bool:
        """Move a queued record to a final state; False when it was already final (never twice)."""
        kind = state.split(" ", 1)[0]
        assert kind in FINAL_KINDS, state
        return bool(self._transition(keys=[self.key(broadcast_id, "d"), self.key(broadcast_id, "n")],
                                     args=[user_id, state, kind, extra_counter]))

    def counts(self, broadcast_id: str) -> dict[str, int]:
        raw = self.redis.hgetall(self.key(broadcast_id, "n"))
        counts = {k: int(v) for k, v in text_hash(raw).items()}
        return {name: counts.get(name, 0) for name in ("queued", *FINAL_KINDS, "sent_cs", "sent_template",
                                                     "sent_zns")}

    def deliveries(self, broadcast_id: str) -> Iterator[tuple[str, str]]:
        for uid, state in self.redis.hscan_iter(self.key(broadcast_id, "d"), count=2000):
            yield uid.decode(), state.decode()

    def mark_batch_done(self, broadcast_id: str, batch: int) -> int:
        pipe = self.redis.pipeline()
        pipe.sadd(self.key(broadcast_id, "done"), batch)
        pipe.scard(self.key(broadcast_id, "done"))
        return int(pipe.execute()[1])

    def done_batches(self, broadcast_id: str) -> set[int]:
        return {int(b) for b in self.redis.smembers(self.key(broadcast_id, "done"))}

    # -- what citizens can read ----------------------------------------------------------------

    def publish(self, broadcast: Broadcast) -> None:
        """An Alert or Update goes live for citizens; an Update replaces what it refers to, a Cancel
        removes what it refers to (and their updates)."""
        live = f"{self.p}live"
        a = broadcast.announcement
        pipe = self.redis.pipeline()
        for ref in a.references:
            pipe.zrem(live, ref, *(b.id for b in self.follow_ups(ref) if b.id != broadcast.id))
        if a.msg_type != "Cancel":
            pipe.zadd(live, {broadcast.id: a.expires.timestamp()})
        pipe.execute()

    def unpublish(self, broadcast_id: str) -> None:
        self.redis.zrem(f"{self.p}live", broadcast_id)

    def live(self, now: float) -> list[Broadcast]:
        ids = texts(self.redis.zrangebyscore(f"{self.p}live", now, "+inf"))
        return [b for b in (self.get(i) for i in ids) if b]


def announcement_from_stored(data: dict[str, Any]) -> Announcement:
    """Stored announcements were validated when accepted: re-read them without the "expires in the
    past" check, and keep their targets and references as stored (areas may have been renamed since,
    and a recorded Cancel may refer to nothing here)."""
    target = tuple(data.get("target") or ["all"])
    references = tuple(data.get("references") or ())
    long_ago = datetime.min.replace(tzinfo=VIETNAM)
    announcement = announcement_from_dict({**data, "target": "all", "references": list(references) or ["-"]},
                                          Areas([]), now=long_ago)
    return replace(announcement, target=target, references=references, area_desc=str(data.get("area_desc") or ""))
