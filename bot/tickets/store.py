"""Tickets on Redis. Every status change is one Lua script, so concurrent staff actions and citizen
messages never leave a ticket half-updated, and two claims at once have exactly one winner.

Keys (under the settings' key_prefix):
  ticket:<id>             hash: the Ticket's fields (epoch seconds for times)
  ticket:<id>:log         list: the transcript (JSON TranscriptEntry), citizen/bot/staff/notes
  tickets:seq             the last ticket id
  tickets:<status>        sorted sets: open by waiting_since (oldest first), pending and resolved by time
  ticket:user:<uid>       the citizen's active (open or pending) ticket id: at most one
  ticket:user:<uid>:last  the citizen's last resolved ticket id (reopen, rating)
  tickets:version         bumped on every change, so pages poll cheaply

A resolved ticket keeps personal data no longer than it must: at resolution the phone numbers in its
transcript are masked and the record and transcript expire after TICKET_RETENTION_DAYS (a reopened
ticket is live again and loses the expiry).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import redis

from bot.config import Settings
from bot.conversation.privacy import redact_phone_numbers
from bot.stores.keys import KeyFamily
from bot.stores.values import text_hash, texts
from bot.tickets.model import OPEN, PENDING, RESOLVED, STATUSES, Ticket, TranscriptEntry, to_epoch

SOS_ORDER = {"Extreme": 0, "Severe": 1}


def sos_first(tickets: list[Ticket]) -> list[Ticket]:
    """Requests for help after an alert first, the most severe first; the rest keep their order."""
    return sorted(tickets, key=lambda t: SOS_ORDER.get(t.severity, 2) if t.is_sos else 3)

KEY_FAMILIES = (
    KeyFamily("ticket:*", per_citizen=True, kept="while open; then TICKET_RETENTION_DAYS; deleted on withdraw"),
    KeyFamily("ticket:*:log", per_citizen=True, kept="as its ticket"),
    KeyFamily("ticket:user:*", per_citizen=True, kept="while the ticket is active; deleted on withdraw"),
    KeyFamily("ticket:user:*:last", per_citizen=True, kept="until the next ticket; deleted on withdraw"),
    KeyFamily("tickets:open", per_citizen=False, kept="ticket ids"),
    KeyFamily("tickets:pending", per_citizen=False, kept="ticket ids"),
    KeyFamily("tickets:resolved", per_citizen=False, kept="ticket ids, TICKET_RETENTION_DAYS"),
    KeyFamily("tickets:version", per_citizen=False, kept="a counter"),
    KeyFamily("tickets:seq", per_citizen=False, kept="a counter"),
    KeyFamily("tickets:once:*", per_citizen=False, kept="8 days (staff action markers)"),
)

# KEYS: ticket, active, open set, log, version · ARGV: id, user, now, reason, then field/value pairs.
_OPEN = """
local existing = redis.call('GET', KEYS[2])
if existing then return {0, existing} end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'user_id', ARGV[2], 'status', 'open', 'created_at', ARGV[3],
           'waiting_since', ARGV[3], 'last_citizen_at', ARGV[3], 'reason', ARGV[4])
for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('INCR', KEYS[5])
return {1, ARGV[1]}
"""

# KEYS: ticket, version · ARGV: who, now, force → {"ok"|"taken"|"resolved"|"missing", assignee}
_CLAIM = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'missing', ''} end
if status == 'resolved' then return {'resolved', redis.call('HGET', KEYS[1], 'assignee') or ''} end
local current = redis.call('HGET', KEYS[1], 'assignee')
if current and current ~= '' and current ~= ARGV[1] and ARGV[3] ~= '1' then return {'taken', current} end
if current ~= ARGV[1] then
  redis.call('HSET', KEYS[1], 'assignee', ARGV[1], 'claimed_at', ARGV[2])
  redis.call('INCR', KEYS[2])
end
return {'ok', ARGV[1]}
"""

# KEYS: ticket, version · ARGV: who → 1 released, 0 not the assignee
_RELEASE = """
if redis.call('HGET', KEYS[1], 'assignee') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'assignee', '', 'claimed_at', '')
redis.call('INCR', KEYS[2])
return 1
"""

# A citizen message: the ticket waits for staff again (from its first unanswered message).
# KEYS: ticket, open set, pending set, version · ARGV: id, now → 1 if active
_CITIZEN = """
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'open' and status ~= 'pending' then return 0 end
local waiting = redis.call('HGET', KEYS[1], 'waiting_since')
if status == 'pending' or not waiting or waiting == '' then
  redis.call('HSET', KEYS[1], 'status', 'open', 'waiting_since', ARGV[2])
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
end
redis.call('HSET', KEYS[1], 'last_citizen_at', ARGV[2])
redis.call('INCR', KEYS[4])
return 1
"""

# A staff reply reached the citizen: the ticket now waits for them.
# KEYS: ticket, open set, pending set, version · ARGV: id, now → 1 if active
_RESPONDED = """
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'open' and status ~= 'pending' then return 0 end
local first = redis.call('HGET', KEYS[1], 'first_response_at')
if not first or first == '' then redis.call('HSET', KEYS[1], 'first_response_at', ARGV[2]) end
redis.call('HSET', KEYS[1], 'status', 'pending', 'waiting_since', '')
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('INCR', KEYS[4])
return 1
"""

# KEYS: ticket, active, open, pending, resolved, last, version · ARGV: id, now, who → 1 resolved, 0 not active
_RESOLVE = """
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'open' and status ~= 'pending' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'resolved', 'resolved_at', ARGV[2], 'resolved_by', ARGV[3],
           'waiting_since', '')
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZADD', KEYS[5], ARGV[2], ARGV[1])
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
redis.call('SET', KEYS[6], ARGV[1])
redis.call('INCR', KEYS[7])
return 1
"""

# KEYS: ticket, active, open, resolved, version · ARGV: id, now → "ok" | "not_resolved" | "busy"
_REOPEN = """
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'resolved' then return 'not_resolved' end
local active = redis.call('GET', KEYS[2])
if active and active ~= ARGV[1] then return 'busy' end
redis.call('HSET', KEYS[1], 'status', 'open', 'waiting_since', ARGV[2], 'resolved_at', '', 'resolved_by', '')
redis.call('HINCRBY', KEYS[1], 'reopened', 1)
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('SET', KEYS[2], ARGV[1])
redis.call('INCR', KEYS[5])
return 'ok'
"""


@dataclass(frozen=True)
class ClaimResult:
    outcome: str  # "ok", "taken" (someone else owns it), "resolved", "missing"
    assignee: str

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def _text(value: bytes | str | int) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class TicketStore:
    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.redis = client
        self.settings = settings
        self.prefix = settings.key_prefix
        self._open = client.register_script(_OPEN)
        self._claim = client.register_script(_CLAIM)
        self._release = client.register_script(_RELEASE)
        self._citizen = client.register_script(_CITIZEN)
        self._responded = client.register_script(_RESPONDED)
        self._resolve = client.register_script(_RESOLVE)
        self._reopen = client.register_script(_REOPEN)

    # -- keys ---------------------------------------------------------------------------------

    def _ticket_key(self, ticket_id: str) -> str:
        return f"{self.prefix}ticket:{ticket_id}"

    def _log_key(self, ticket_id: str) -> str:
        return f"{self.prefix}ticket:{ticket_id}:log"

    def _status_key(self, status: str) -> str:
        return f"{self.prefix}tickets:{status}"

    def _active_key(self, user_id: str) -> str:
        return f"{self.prefix}ticket:user:{user_id}"

    def _last_key(self, user_id: str) -> str:
        return f"{self.prefix}ticket:user:{user_id}:last"

    def citizen_keys(self, user_id: str) -> tuple[str, str]:
        """(the citizen's active ticket id, their last resolved ticket id): read by the handoff's arrival."""
        return self._active_key(user_id), self._last_key(user_id)

    @property
    def _version_key(self) -> str:
        return f"{self.prefix}tickets:version"

    # -- reading ------------------------------------------------------------------------------

    def get(self, ticket_id: str) -> Ticket | None:
        raw = text_hash(self.redis.hgetall(self._ticket_key(ticket_id)))
        return Ticket.from_hash(raw) if raw else None

    def active_for(self, user_id: str) -> Ticket | None:
        ticket_id = self.redis.get(self._active_key(user_id))
        return self.get(_text(ticket_id)) if ticket_id else None

    def last_resolved_for(self, user_id: str) -> Ticket | None:
        ticket_id = self.redis.get(self._last_key(user_id))
        ticket = self.get(_text(ticket_id)) if ticket_id else None
        return ticket if ticket and ticket.status == RESOLVED else None

    def by_status(self, status: str, limit: int = 200) -> list[Ticket]:
        """Open tickets oldest-waiting first; pending and resolved most recent first."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        key = self._status_key(status)
        ids = texts(
            self.redis.zrange(key, 0, limit - 1)
            if status == OPEN
            else self.redis.zrevrange(key, 0, limit - 1)
        )
        pipe = self.redis.pipeline(transaction=False)
        for ticket_id in ids:
            pipe.hgetall(self._ticket_key(ticket_id))
        return sos_first([Ticket.from_hash(text_hash(raw)) for raw in pipe.execute() if raw])

    def counts(self) -> dict[str, int]:
        pipe = self.redis.pipeline(transaction=False)
        for status in STATUSES:
            pipe.zcard(self._status_key(status))
        return dict(zip(STATUSES, (int(n) for n in pipe.execute()), strict=True))

    def log(self, ticket_id: str) -> list[TranscriptEntry]:
        return [TranscriptEntry.loads(raw) for raw in self.redis.lrange(self._log_key(ticket_id), 0, -1)]

    def version(self) -> int:
        return int(self.redis.get(self._version_key) or 0)

    # -- changing -----------------------------------------------------------------------------

    def open(
        self,
        user_id: str,
        now: datetime,
        reason: str,
        context: dict[str, str],
        history: list[TranscriptEntry],
    ) -> tuple[Ticket, bool]:
        """A new ticket carrying `history`, or the citizen's active one (created False)."""
        ticket_id = str(self.redis.incr(f"{self.prefix}tickets:seq"))
        pairs = [item for key, value in context.items() if value for item in (key, value)]
        created, active_id = self._open(
            keys=[
                self._ticket_key(ticket_id),
                self._active_key(user_id),
                self._status_key(OPEN),
                self._log_key(ticket_id),
                self._version_key,
            ],
            args=[ticket_id, user_id, to_epoch(now), reason, *pairs],
        )
        active_id = _text(active_id)
        if int(created) and history:
            self.redis.rpush(self._log_key(active_id), *(entry.dumps() for entry in history))
        ticket = self.get(active_id)
        assert ticket is not None
        return ticket, bool(int(created))

    def append(self, ticket_id: str, entry: TranscriptEntry) -> None:
        pipe = self.redis.pipeline()
        pipe.rpush(self._log_key(ticket_id), entry.dumps())
        pipe.incr(self._version_key)
        pipe.execute()

    def set_fields(self, ticket_id: str, fields: dict[str, str]) -> None:
        """Add what the ticket carries (an SOS request's place, situation, phone); pages re-read."""
        pipe = self.redis.pipeline()
        pipe.hset(self._ticket_key(ticket_id), mapping={k: v for k, v in fields.items() if v})
        pipe.incr(self._version_key)
        pipe.execute()

    def changed(self) -> None:
        """Something shown with the tickets changed (a reply's delivery state): pages re-read."""
        self.redis.incr(self._version_key)

    def first_use(self, marker: str, ttl_seconds: int = 8 * 24 * 3600) -> bool:
        """True the first time `marker` is seen: guards actions against double submission."""
        return bool(self.redis.set(f"{self.prefix}tickets:once:{marker}", 1, nx=True, ex=ttl_seconds))

    def forget_use(self, marker: str) -> None:
        self.redis.delete(f"{self.prefix}tickets:once:{marker}")

    def claim(self, ticket_id: str, who: str, now: datetime, force: bool = False) -> ClaimResult:
        outcome, assignee = self._claim(
            keys=[self._ticket_key(ticket_id), self._version_key],
            args=[who, to_epoch(now), "1" if force else "0"],
        )
        return ClaimResult(_text(outcome), _text(assignee))

    def release(self, ticket_id: str, who: str) -> bool:
        return bool(self._release(keys=[self._ticket_key(ticket_id), self._version_key], args=[who]))

    def citizen_wrote(self, ticket_id: str, now: datetime) -> bool:
        return bool(
            self._citizen(
                keys=[
                    self._ticket_key(ticket_id),
                    self._status_key(OPEN),
                    self._status_key(PENDING),
                    self._version_key,
                ],
                args=[ticket_id, to_epoch(now)],
            )
        )

    def responded(self, ticket_id: str, now: datetime) -> bool:
        return bool(
            self._responded(
                keys=[
                    self._ticket_key(ticket_id),
                    self._status_key(OPEN),
                    self._status_key(PENDING),
                    self._version_key,
                ],
                args=[ticket_id, to_epoch(now)],
            )
        )

    def resolve(self, ticket_id: str, now: datetime, who: str) -> bool:
        ticket = self.get(ticket_id)
        if ticket is None:
            return False
        resolved = bool(
            self._resolve(
                keys=[
                    self._ticket_key(ticket_id),
                    self._active_key(ticket.user_id),
                    self._status_key(OPEN),
                    self._status_key(PENDING),
                    self._status_key(RESOLVED),
                    self._last_key(ticket.user_id),
                    self._version_key,
                ],
                args=[ticket_id, to_epoch(now), who],
            )
        )
        if resolved:
            self._retire(ticket_id, now)
        return resolved

    def _retire(self, ticket_id: str, now: datetime) -> None:
        """Mask phone numbers in the transcript, start the retention clock, drop expired ids from the list.

        Entries are only ever appended, so rewriting by index cannot overwrite a newer entry."""
        retention = self.settings.ticket_retention_days * 24 * 3600
        pipe = self.redis.pipeline()
        for index, raw in enumerate(self.redis.lrange(self._log_key(ticket_id), 0, -1)):
            entry = TranscriptEntry.loads(raw)
            masked = redact_phone_numbers(entry.text)
            if masked != entry.text:
                pipe.lset(self._log_key(ticket_id), index, replace(entry, text=masked).dumps())
        for key in (self._ticket_key(ticket_id), self._log_key(ticket_id)):
            pipe.expire(key, retention)
        pipe.zremrangebyscore(self._status_key(RESOLVED), "-inf", now.timestamp() - retention)
        pipe.execute()

    def reopen(self, ticket_id: str, now: datetime) -> str:
        """ "ok", "not_resolved", "busy" (the citizen has another active ticket) or "missing"."""
        ticket = self.get(ticket_id)
        if ticket is None:
            return "missing"
        outcome = _text(
            self._reopen(
                keys=[
                    self._ticket_key(ticket_id),
                    self._active_key(ticket.user_id),
                    self._status_key(OPEN),
                    self._status_key(RESOLVED),
                    self._version_key,
                ],
                args=[ticket_id, to_epoch(now)],
            )
        )
        if outcome == "ok":
            self.redis.persist(self._ticket_key(ticket_id))
            self.redis.persist(self._log_key(ticket_id))
        return outcome

    def forget_citizen(self, user_id: str) -> int:
        """The citizen withdrew (user_withdraw): delete their tickets and transcripts; returns how many.

        A ticket's citizen is only in its hash, so every listed ticket is read: withdrawals are rare,
        and the lists hold at most the retention period's tickets."""
        ids = {i for status in STATUSES for i in texts(self.redis.zrange(self._status_key(status), 0, -1))}
        ids.update(_text(i) for i in self.redis.mget(self._active_key(user_id), self._last_key(user_id)) if i)
        ordered = sorted(ids)
        pipe = self.redis.pipeline(transaction=False)
        for ticket_id in ordered:
            pipe.hget(self._ticket_key(ticket_id), "user_id")
        theirs = [t for t, owner in zip(ordered, pipe.execute(), strict=True) if owner and _text(owner) == user_id]
        pipe = self.redis.pipeline()
        for ticket_id in theirs:
            # The ticket, its transcript and its staff replies' delivery states (bot.tickets.outgoing).
            pipe.delete(self._ticket_key(ticket_id), self._log_key(ticket_id),
                        f"{self._ticket_key(ticket_id)}:outgoing")
            for status in STATUSES:
                pipe.zrem(self._status_key(status), ticket_id)
        pipe.delete(self._active_key(user_id), self._last_key(user_id))
        pipe.incr(self._version_key)
        pipe.execute()
        return len(theirs)

    def rate(self, ticket_id: str, user_id: str, score: int, now: datetime) -> bool:
        """Store the citizen's 1–5 rating of a resolved ticket of theirs (a later tap replaces it)."""
        ticket = self.get(ticket_id)
        if ticket is None or ticket.user_id != user_id or ticket.status != RESOLVED or not 1 <= score <= 5:
            return False
        pipe = self.redis.pipeline()
        pipe.hset(self._ticket_key(ticket_id), mapping={"rating": score, "rated_at": to_epoch(now)})
        pipe.incr(self._version_key)
        pipe.execute()
        return True
