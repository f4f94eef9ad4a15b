"""Daily statistics of the conversation, for the officials' dashboard.

Recording: `record_event(ctx, replies)` once per event, as the router's after hook (`count_event`).
What happened is read from what the handlers left in ctx.notes ("procedure", "decision", "fallback",
"office", "escalated"), so no handler needs to know about statistics. Per local day (Asia/Ho_Chi_Minh)
Redis holds a hash of counters, a sorted set of procedures answered, and the texts the bot failed on
(kept 30 days: citizens' own words, shown to officials only, never with who wrote them).

Reading: `StatsReader` for the dashboard and the CSV export; the tickets' and broadcasts' figures come
from their own stores, read-only, and are absent when their stores cannot be read.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import redis

from bot.broadcasts.store import BroadcastStore
from bot.config import VIETNAM, Settings
from bot.conversation.context import Context
from bot.conversation.privacy import redact_id_numbers
from bot.media.attachments import ACKNOWLEDGEMENTS, CAPTIONED_EVENTS
from bot.office.closures import office_hours_now
from bot.procedures.textnorm import fold
from bot.stores.keys import KeyFamily
from bot.stores.scripts import Command, once
from bot.stores.values import text_hash, texts
from bot.tickets.model import STATUSES
from bot.tickets.sla import MET, SlaTargets, ticket_sla
from bot.tickets.store import TicketStore

KEY_FAMILIES = (
    KeyFamily("stats:day:*", per_citizen=False, kept="400 days, counts only"),
    KeyFamily("stats:day:*:procs", per_citizen=False, kept="400 days, counts only"),
    KeyFamily("stats:day:*:unanswered", per_citizen=False, kept="30 days, texts without ids"),
    KeyFamily("stats:seen:*", per_citizen=False, kept="event digests, a few days"),
    KeyFamily("stats:handled", per_citizen=False, kept="folded texts officials dealt with"),
)

STATS_TZ = VIETNAM
COUNTER_TTL_SECONDS = 400 * 24 * 3600
QUESTION_TTL_SECONDS = 30 * 24 * 3600
SEEN_TTL_SECONDS = 24 * 3600
QUESTION_TEXT_CHARS = 200
QUESTIONS_KEPT_PER_DAY = 500
TEXT_EVENTS = ("user_send_text",)

# The counters of one day, in the order the CSV lists them.
COUNTERS = ("questions", "answers", "clarifications", "fallbacks", "escalations", "office", "chitchat", "buttons",
            "acknowledgements", "photos_read")
COUNTER_LABELS = {
    "questions": "Câu hỏi", "answers": "Trả lời thủ tục", "clarifications": "Hỏi lại để chọn",
    "fallbacks": "Chưa trả lời được", "escalations": "Chuyển cán bộ", "office": "Hỏi về cơ quan",
    "chitchat": "Chào hỏi", "buttons": "Bấm nút",
    "acknowledgements": "Nhãn dán, bày tỏ cảm xúc", "photos_read": "Đọc mã hồ sơ từ ảnh",
}


@dataclass(frozen=True)
class Tally:
    """What one event adds to the day's statistics. Pure data."""

    counters: dict[str, int] = field(default_factory=dict)
    procedure: str | None = None
    unanswered: tuple[str, str] | None = None  # (kind "fallback" | "clarify", the citizen's text)
    office_topics: tuple[str, ...] = ()


def _is_section_command(text: str) -> bool:
    """"#proc <code> docs" opens a part of an answer already counted."""
    parts = text.split()
    return len(parts) >= 3 and parts[0].lower() == "#proc"


def tally(event_name: str, text: str, notes: dict[str, str], escalated: bool = False) -> Tally:
    """Classify one event from what the handlers noted. Pure. A caption counts as typed text;
    stickers and reactions are acknowledgements, never unanswered questions."""
    if event_name in ACKNOWLEDGEMENTS:
        return Tally({"acknowledgements": 1})
    if notes.get("photo"):
        return Tally({"photos_read": 1})
    if event_name not in TEXT_EVENTS and not (event_name in CAPTIONED_EVENTS and text.strip()):
        return Tally({"escalations": 1} if escalated else {})
    text = text.strip()
    typed = not text.startswith("#")
    counters: dict[str, int] = {"questions" if typed else "buttons": 1}
    procedure = None
    if notes.get("procedure") and not _is_section_command(text):
        counters["answers"] = 1
        procedure = notes["procedure"]
    decision = notes.get("decision")
    unanswered = None
    # Officials read these questions: keep no ID number, and nothing the bot was told is sensitive.
    shown = redact_id_numbers(text)[:QUESTION_TEXT_CHARS] if typed and not notes.get("sensitive") else None
    if decision == "clarify":
        counters["clarifications"] = 1
        if shown:
            unanswered = ("clarify", shown)
    if notes.get("fallback") == "1":
        counters["fallbacks"] = 1
        if shown:
            unanswered = ("fallback", shown)
    if decision == "chitchat":
        counters["chitchat"] = 1
    topics = tuple(t for t in notes.get("office", "").split(",") if t)
    if topics:
        counters["office"] = 1
    if escalated or notes.get("escalated"):
        counters["escalations"] = 1
    return Tally(counters, procedure, unanswered, topics)


def local_day(moment: datetime) -> date:
    return moment.astimezone(STATS_TZ).date()


class StatsKeys:
    def __init__(self, settings: Settings) -> None:
        self.prefix = f"{settings.key_prefix}stats:"

    def day(self, day: date) -> str:
        return f"{self.prefix}day:{day.isoformat()}"

    def procedures(self, day: date) -> str:
        return f"{self.prefix}day:{day.isoformat()}:procs"

    def questions(self, day: date) -> str:
        return f"{self.prefix}day:{day.isoformat()}:unanswered"

    def seen(self, identity: str) -> str:
        return f"{self.prefix}seen:{identity}"

    @property
    def handled(self) -> str:
        """Folded texts officials dealt with (an alias added): no longer listed as unanswered."""
        return f"{self.prefix}handled"


log = logging.getLogger(__name__)


def count_event(ctx: Context, replies: list[Any]) -> None:
    """The router's after hook: count the event, but never let figures cost a citizen their answer."""
    try:
        record_event(ctx, replies)
    except redis.RedisError:
        log.warning("statistics not recorded")


def record_event(ctx: Context, replies: list[Any]) -> None:
    """Count one event; a retried event (same identity) is counted once."""
    result = tally(ctx.event.name, ctx.text or "", ctx.notes)
    if not result.counters:
        return
    keys = StatsKeys(ctx.settings)
    day = local_day(ctx.now)
    commands: list[Command] = []
    for name, amount in result.counters.items():
        commands.append(("hincrby", keys.day(day), name, amount))
    for topic in result.office_topics:
        commands.append(("hincrby", keys.day(day), f"office:{topic}", 1))
    commands.append(("expire", keys.day(day), COUNTER_TTL_SECONDS))
    if result.procedure:
        commands.append(("zincrby", keys.procedures(day), 1, result.procedure))
        commands.append(("expire", keys.procedures(day), COUNTER_TTL_SECONDS))
    if result.unanswered:
        kind, text = result.unanswered
        entry = {"kind": kind, "text": text, "at": ctx.now.astimezone(STATS_TZ).isoformat(timespec="seconds")}
        commands.append(("lpush", keys.questions(day), json.dumps(entry, ensure_ascii=False)))
        commands.append(("ltrim", keys.questions(day), 0, QUESTIONS_KEPT_PER_DAY - 1))
        commands.append(("expire", keys.questions(day), QUESTION_TTL_SECONDS))
    # Counted unless this event (a worker's retry) was counted already: one round trip, or none of its own
    # when the processor writes it with the event's outbox (ctx.writes).
    once(ctx.redis, keys.seen(ctx.event.identity), SEEN_TTL_SECONDS, commands, pipe=ctx.writes)


# -- reading ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayStats:
    day: date
    counts: dict[str, int]

    def get(self, name: str) -> int:
        return self.counts.get(name, 0)


@dataclass(frozen=True)
class UnansweredQuestion:
    kind: str
    text: str
    at: str
    count: int = 1


def _decode(raw: Mapping[bytes | str, bytes | str]) -> dict[str, int]:
    return {k: int(v) for k, v in text_hash(raw).items()}


class StatsReader:
    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.redis = client
        self.settings = settings
        self.keys = StatsKeys(settings)

    @staticmethod
    def span(end: date, days: int) -> list[date]:
        return [end - timedelta(days=offset) for offset in range(days - 1, -1, -1)]

    def days(self, end: date, days: int) -> list[DayStats]:
        span = self.span(end, days)
        pipe = self.redis.pipeline(transaction=False)
        for day in span:
            pipe.hgetall(self.keys.day(day))
        return [DayStats(day, _decode(raw)) for day, raw in zip(span, pipe.execute(), strict=True)]

    def top_procedures(self, end: date, days: int, limit: int = 10) -> list[tuple[str, int]]:
        pipe = self.redis.pipeline(transaction=False)
        for day in self.span(end, days):
            pipe.zrange(self.keys.procedures(day), 0, -1, withscores=True)
        totals: dict[str, int] = {}
        for rows in pipe.execute():
            for code, score in rows:
                totals[code.decode()] = totals.get(code.decode(), 0) + int(score)
        return sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:limit]

    def unanswered(self, end: date, days: int, limit: int = 100) -> list[UnansweredQuestion]:
        """The texts the bot could not answer (or had to ask back), the same text counted once, most
        frequent first; those officials already dealt with are left out."""
        span = self.span(end, min(days, QUESTION_TTL_SECONDS // 86400))
        pipe = self.redis.pipeline(transaction=False)
        for day in reversed(span):
            pipe.lrange(self.keys.questions(day), 0, -1)
        handled = set(texts(self.redis.smembers(self.keys.handled)))
        grouped: dict[str, UnansweredQuestion] = {}
        for rows in pipe.execute():
            for raw in rows:
                entry = json.loads(raw)
                key = fold(entry["text"])
                if key in handled:
                    continue
                seen = grouped.get(key)
                if seen is None:
                    grouped[key] = UnansweredQuestion(entry["kind"], entry["text"], entry["at"])
                else:
                    grouped[key] = UnansweredQuestion(seen.kind, seen.text, seen.at, seen.count + 1)
        ranked = sorted(grouped.values(), key=lambda q: (-q.count, q.at), reverse=False)
        return ranked[:limit]

    def mark_handled(self, text: str) -> None:
        self.redis.sadd(self.keys.handled, fold(text))
        self.redis.expire(self.keys.handled, QUESTION_TTL_SECONDS)


def days_to_csv(days: list[DayStats]) -> str:
    """One row per day, one column per counter (Excel opens it: UTF-8 with a BOM is added by the view)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Ngày", *(COUNTER_LABELS[name] for name in COUNTERS)])  # the API keeps machine names
    for day in days:
        writer.writerow([day.day.isoformat(), *(day.get(name) for name in COUNTERS)])
    return buffer.getvalue()


# -- figures owned by other features (read-only, tolerant of their absence) ---------------------------


def ticket_figures(client: redis.Redis, settings: Settings, since: datetime, now: datetime) -> dict[str, Any] | None:
    """Tickets opened since `since`: counts by status, first responses within target, median minutes."""
    try:
        store = TicketStore(client, settings)
        hours = office_hours_now(client, settings)  # declared closures are not office time
        targets = SlaTargets.from_settings(settings)
        tickets = [t for status in STATUSES for t in store.by_status(status, limit=1000) if t.created_at >= since]
        now_open = store.counts()
    except (redis.RedisError, OSError, ValueError):
        return None
    minutes = [hours.office_seconds_between(t.created_at, t.first_response_at) / 60
               for t in tickets if t.first_response_at is not None]
    met = sum(1 for t in tickets if ticket_sla(t, now, hours, targets).first_response.state == MET)
    stopped = sum(1 for t in tickets if not ticket_sla(t, now, hours, targets).first_response.running)
    return {
        "opened": len(tickets),
        "now": now_open,
        "first_response_median_minutes": round(statistics.median(minutes)) if minutes else None,
        "first_response_met": met,
        "first_response_stopped": stopped,
        "target_minutes": settings.ticket_first_response_minutes,
    }


def broadcast_figures(client: redis.Redis, settings: Settings, limit: int = 10) -> list[dict[str, Any]] | None:
    """The latest broadcasts with their delivery counts."""
    try:
        store = BroadcastStore(client, settings)
        rows = []
        for broadcast in store.recent(limit):
            counts = store.counts(broadcast.id)
            rows.append({
                "id": broadcast.id,
                "headline": getattr(broadcast.announcement, "headline", "") or broadcast.id,
                "status": broadcast.status,
                "created_at": datetime.fromtimestamp(broadcast.created_at, STATS_TZ).strftime("%d/%m %H:%M"),
                "total": broadcast.total,
                "counts": counts,
            })
        return rows
    except (redis.RedisError, ValueError, KeyError, AttributeError):
        return None
