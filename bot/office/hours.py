"""Office hours of the one-stop desk: weekly sessions, public holidays and make-up working days.

`OfficeHours` is pure (no clock, no I/O): it answers whether the desk is open at a moment, when it
opens next, and how much office time lies between two moments, which is what ticket SLAs count.
`load_office_hours` reads the configuration (data/office.json, or the file OFFICE_HOURS_FILE names).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import DATA_DIR, Settings

DEFAULT_FILE = DATA_DIR / "office.json"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Searching further than this for an opening means the configuration has no working time at all.
MAX_SEARCH_DAYS = 400

Session = tuple[time, time]


class OfficeHoursError(ValueError):
    pass


@dataclass(frozen=True)
class OfficeHours:
    timezone: ZoneInfo
    # Sessions per weekday (0 = Monday), e.g. morning and afternoon.
    week: dict[int, tuple[Session, ...]]
    holidays: frozenset[date] = frozenset()
    # Make-up working days (ngày làm bù) that fall on a weekend: they follow Monday's sessions.
    extra_working_days: frozenset[date] = frozenset()
    # How the hours read to a citizen ("thứ Hai–thứ Sáu, 7:30–11:30 và 13:30–17:00").
    summary: str = ""
    # Periods the desk is declared closed (a storm): [start, end) moments, from bot.office.closures.
    closed: tuple[tuple[datetime, datetime], ...] = ()

    def with_closures(self, periods: tuple[tuple[datetime, datetime], ...]) -> OfficeHours:
        return replace(self, closed=periods)

    def open_spans(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's sessions as moments, minus every declared closure."""
        spans = [(datetime.combine(day, opens, self.timezone), datetime.combine(day, closes, self.timezone))
                 for opens, closes in self.sessions_on(day)]
        for shut, reopen in self.closed:
            spans = [(s, e) for start, end in spans
                     for s, e in ((start, min(end, shut)), (max(start, reopen), end)) if s < e]
        return spans

    def sessions_on(self, day: date) -> tuple[Session, ...]:
        if day in self.holidays:
            return ()
        if day in self.extra_working_days:
            return self.week.get(0, ())
        return self.week.get(day.weekday(), ())

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise OfficeHoursError("office hours need timezone-aware datetimes")
        return moment.astimezone(self.timezone)

    def is_open(self, moment: datetime) -> bool:
        local = self._local(moment)
        return any(start <= local < end for start, end in self.open_spans(local.date()))

    def next_opening(self, moment: datetime) -> datetime:
        """`moment` itself when the desk is open then, else the start of the next session."""
        local = self._local(moment)
        for offset in range(MAX_SEARCH_DAYS):
            day = local.date() + timedelta(days=offset)
            for start, end in self.open_spans(day):
                if local < end:
                    return max(start, local)
        raise OfficeHoursError("no working session within a year: check the office hours configuration")

    def office_seconds_between(self, start: datetime, end: datetime) -> float:
        """Office time elapsed from `start` to `end` (0 when end is before start)."""
        start, end = self._local(start), self._local(end)
        if end <= start:
            return 0.0
        total = 0.0
        day = start.date()
        while day <= end.date():
            for opens, closes in self.open_spans(day):
                span_start, span_end = max(start, opens), min(end, closes)
                if span_end > span_start:
                    total += (span_end - span_start).total_seconds()
            day += timedelta(days=1)
        return total

    def add_office_seconds(self, start: datetime, seconds: float) -> datetime:
        """The moment when `seconds` of office time have elapsed after `start` (a due time)."""
        local = self._local(start)
        remaining = float(seconds)
        for offset in range(MAX_SEARCH_DAYS * 10):
            day = local.date() + timedelta(days=offset)
            for opens, closes in self.open_spans(day):
                span_start, span_end = max(local, opens), closes
                if span_end <= span_start:
                    continue
                available = (span_end - span_start).total_seconds()
                if remaining <= available:
                    return span_start + timedelta(seconds=remaining)
                remaining -= available
        raise OfficeHoursError("no working session within the search horizon: check the configuration")


def _parse_time(raw: str) -> time:
    try:
        hours, minutes = raw.strip().split(":")
        return time(int(hours), int(minutes))
    except (ValueError, AttributeError) as exc:
        raise OfficeHoursError(f"bad time {raw!r}: expected HH:MM") from exc


def _parse_date(raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except (ValueError, AttributeError) as exc:
        raise OfficeHoursError(f"bad date {raw!r}: expected YYYY-MM-DD") from exc


def _parse_sessions(raw: Any, weekday: str) -> tuple[Session, ...]:
    sessions = []
    for pair in raw or []:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise OfficeHoursError(f'{weekday}: each session is ["HH:MM", "HH:MM"]')
        opens, closes = _parse_time(pair[0]), _parse_time(pair[1])
        if closes <= opens:
            raise OfficeHoursError(f"{weekday}: a session must close after it opens")
        sessions.append((opens, closes))
    return tuple(sorted(sessions))


def office_hours_from_dict(raw: dict[str, Any], extra_holidays: tuple[str, ...] = ()) -> OfficeHours:
    """Build from the JSON shape of data/office.json (see that file). Pure."""
    week_raw = raw.get("week") or {}
    unknown = set(week_raw) - set(WEEKDAYS)
    if unknown:
        raise OfficeHoursError(f"unknown weekday(s): {', '.join(sorted(unknown))}")
    week = {index: _parse_sessions(week_raw.get(name), name) for index, name in enumerate(WEEKDAYS)}
    holidays = {_parse_date(d) for d in raw.get("holidays") or []} | {_parse_date(d) for d in extra_holidays}
    return OfficeHours(
        timezone=ZoneInfo(str(raw.get("timezone") or "Asia/Ho_Chi_Minh")),
        week=week,
        holidays=frozenset(holidays),
        extra_working_days=frozenset(_parse_date(d) for d in raw.get("working_days") or []),
        summary=str(raw.get("summary") or ""),
    )


def load_office_hours(settings: Settings) -> OfficeHours:
    """The configured office hours: OFFICE_HOURS_FILE (else data/office.json), plus OFFICE_HOLIDAYS."""
    path = Path(settings.office_hours_file) if settings.office_hours_file else DEFAULT_FILE
    raw = json.loads(path.read_text(encoding="utf-8"))
    return office_hours_from_dict(raw, settings.office_holidays)


def office_hours_for(settings: Settings) -> OfficeHours:
    """`load_office_hours`, read once per configuration (the file rarely changes; restart to reload)."""
    return _cached(settings.office_hours_file, settings.office_holidays)


@lru_cache(maxsize=8)
def _cached(path: str, holidays: tuple[str, ...]) -> OfficeHours:
    return load_office_hours(replace(Settings(), office_hours_file=path, office_holidays=holidays))
