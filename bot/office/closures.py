"""Desk closures: an official declares the one-stop desk closed for a period, with a reason (a storm).

Office-hours answers, SLA clocks and "next working time" honour them (`office_hours_now` hands
bot.office.hours.OfficeHours the periods), and dossiers due during a closure move to the next
working time after it, or to the date the official sets (bot.dossiers.closure_notices).

Keys under `<prefix>closures`: a hash id → the closure as JSON. Closures are few (a handful a
year), so they are read whole.
"""

from __future__ import annotations

import json
import secrets
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

import redis

from bot.config import VIETNAM, Settings
from bot.conversation.replies import Reply
from bot.office.hours import OfficeHours
from bot.stores.event_known import EventKnown
from bot.stores.keys import KeyFamily

KEY_FAMILIES = (
    KeyFamily("closures", per_citizen=False, kept="declared desk closures"),
    KeyFamily("closures:*:affected", per_citizen=True, kept="with the closure (who is told about which dossier)",
              kept_after_withdraw=True),
    KeyFamily("closures:*:notified", per_citizen=True, kept="with the closure (who was told)",
              kept_after_withdraw=True),
    KeyFamily("closures:pending", per_citizen=False, kept="closures whose notices are not all sent"),
    KeyFamily("closures:*:lock", per_citizen=False, kept="while a worker sends a closure's notices"),
)
MAX_REASON_CHARS = 300
MAX_DAYS = 31  # a closure longer than a month is a mistake in the form, not a storm


class ClosureError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


@dataclass(frozen=True)
class Closure:
    id: str
    start: datetime
    end: datetime
    reason: str
    results_on: date | None = None  # the official's date for results due meanwhile; None: next working time
    created_by: str = ""
    created_at: float = 0.0

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data.update(start=self.start.isoformat(), end=self.end.isoformat(),
                    results_on=self.results_on.isoformat() if self.results_on else None)
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Closure:
        return cls(id=str(data["id"]), start=datetime.fromisoformat(str(data["start"])),
                   end=datetime.fromisoformat(str(data["end"])), reason=str(data.get("reason") or ""),
                   results_on=date.fromisoformat(str(data["results_on"])) if data.get("results_on") else None,
                   created_by=str(data.get("created_by") or ""), created_at=float(str(data.get("created_at") or 0)))


def _moment(value: object, field: str) -> datetime:
    try:
        parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ClosureError(field, "not an ISO 8601 date-time (e.g. 2026-09-10T07:00:00+07:00)") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=VIETNAM)


def parse_closure(data: dict[str, object], actor: str, now: datetime) -> Closure:
    """Validate what the console form or the API sent. Pure. A date alone means the whole day."""
    def bound(field: str, end_of_day: bool) -> datetime:
        raw = str(data.get(field) or "").strip()
        if not raw:
            raise ClosureError(field, "is required")
        if len(raw) == 10:  # YYYY-MM-DD: from the start of that day, or to the end of it
            day = _date(raw, field)
            return datetime.combine(day + timedelta(days=1) if end_of_day else day, time(0), VIETNAM)
        return _moment(raw, field)

    start, end = bound("start", False), bound("end", True)
    if end <= start:
        raise ClosureError("end", "must be after start")
    if end <= now:
        raise ClosureError("end", "is in the past")
    if end - start > timedelta(days=MAX_DAYS):
        raise ClosureError("end", f"a closure lasts at most {MAX_DAYS} days")
    reason = str(data.get("reason") or "").strip()
    if not reason:
        raise ClosureError("reason", "is required")
    results_raw = str(data.get("results_on") or "").strip()
    results_on = _date(results_raw, "results_on") if results_raw else None
    if results_on and results_on < end.astimezone(VIETNAM).date():
        raise ClosureError("results_on", "must not be before the desk reopens")
    return Closure(id=secrets.token_hex(4), start=start, end=end, reason=reason[:MAX_REASON_CHARS],
                   results_on=results_on, created_by=actor, created_at=now.timestamp())


def _date(raw: str, field: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ClosureError(field, "not a date (YYYY-MM-DD)") from exc


def new_due(due: datetime, closure: Closure, hours: OfficeHours) -> datetime:
    """Where a due date inside the closure moves: the official's date at the same time of day, else
    the first working time after the desk reopens. Pure."""
    if closure.results_on is not None:
        local = due.astimezone(VIETNAM)
        return datetime.combine(closure.results_on, local.time(), VIETNAM)
    return hours.next_opening(closure.end)


# The closures an event's first round trip read, for their key (the tenant's): ClosureStore.closures_known.
_KNOWN: EventKnown[list[bytes]] = EventKnown("closures_known")


class ClosureStore:
    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.redis = client
        self.key = f"{settings.key_prefix}closures"

    def add(self, closure: Closure) -> None:
        """Store it, pending until its notices are all sent (a worker starting re-runs pending ones)."""
        pipe = self.redis.pipeline()
        pipe.hset(self.key, closure.id, json.dumps(closure.to_json(), ensure_ascii=False))
        pipe.sadd(f"{self.key}:pending", closure.id)
        pipe.execute()

    def pending(self) -> list[str]:
        return sorted(k.decode() if isinstance(k, bytes) else k for k in self.redis.smembers(f"{self.key}:pending"))

    def done(self, closure_id: str) -> None:
        self.redis.srem(f"{self.key}:pending", closure_id)

    def lock_key(self, closure_id: str) -> str:
        return f"{self.key}:{closure_id}:lock"

    def get(self, closure_id: str) -> Closure | None:
        raw = self.redis.hget(self.key, closure_id)
        return Closure.from_json(json.loads(raw)) if raw else None

    def all(self) -> list[Closure]:
        known = _KNOWN.get(self.key)
        stored = self.redis.hvals(self.key) if known is None else known
        return sorted((Closure.from_json(json.loads(raw)) for raw in stored), key=lambda c: c.start)

    def queue_all(self, pipe: redis.client.Pipeline) -> None:
        """`all`'s read, queued on `pipe`: hand its answer to `closures_known`."""
        pipe.hvals(self.key)

    def closures_known(self, stored: list[bytes]) -> AbstractContextManager[None]:
        """While one event is handled: the closures its first round trip read (`queue_all`), so that the
        office answers (which look twice) ask Redis nothing."""
        return _KNOWN.scope(self.key, stored)

    def remove(self, closure_id: str) -> bool:
        return bool(self.redis.hdel(self.key, closure_id))

    def current_or_next(self, now: datetime) -> Closure | None:
        """The closure in force now, else the next one declared (what citizens asking are told)."""
        upcoming = [c for c in self.all() if c.end > now]
        return upcoming[0] if upcoming else None

    # -- who is told, once ---------------------------------------------------------------------

    def record_affected(self, closure_id: str, user_id: str, receipts: list[str]) -> None:
        self.redis.hset(f"{self.key}:{closure_id}:affected", user_id, json.dumps(sorted(set(receipts))))

    def affected(self, closure_id: str) -> dict[str, list[str]]:
        raw = self.redis.hgetall(f"{self.key}:{closure_id}:affected")
        return {k.decode() if isinstance(k, bytes) else k: json.loads(v) for k, v in raw.items()}

    def mark_notified(self, closure_id: str, user_id: str) -> None:
        self.redis.hset(f"{self.key}:{closure_id}:notified", user_id, 1)

    def notified(self, closure_id: str) -> set[str]:
        told = self.redis.hkeys(f"{self.key}:{closure_id}:notified")
        return {k.decode() if isinstance(k, bytes) else k for k in told}


def office_hours_now(client: redis.Redis, settings: Settings) -> OfficeHours:
    """The configured office hours with every declared closure taken out."""
    from bot.office.current import office_config  # the hours officials set in the console, else the file

    periods = tuple((c.start, c.end) for c in ClosureStore(client, settings).all())
    return office_config(client, settings).hours.with_closures(periods)


def closure_line(closure: Closure) -> str:
    """What a citizen reads about a closure (Vietnam time)."""
    start = closure.start.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")
    end = closure.end.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")
    return f"⛔ Bộ phận một cửa tạm nghỉ từ {start} đến {end} ({closure.reason})."


ANNOUNCE_AHEAD = timedelta(days=7)


def closure_notice(answer: Reply, closure: Closure | None, now: datetime) -> Reply:
    """An office answer with the closure in force (or declared for the coming week) said first. Pure."""
    if closure is None or closure.start - now > ANNOUNCE_AHEAD:
        return answer
    return Reply(f"{closure_line(closure)}\n\n{answer.text}", answer.buttons)
