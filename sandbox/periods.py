"""getlist's `last_interaction_period` filter as a millisecond range, in Vietnam's time zone. Pure."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

VIETNAM = timezone(timedelta(hours=7))
DAY = timedelta(days=1)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def period_range(period: str, now: datetime) -> tuple[int, int]:
    """[start, end) in epoch ms for TODAY, YESTERDAY, L7D, L30D or YYYY_MM_DD:YYYY_MM_DD (inclusive days).

    Raises ValueError for anything else.
    """
    today = now.astimezone(VIETNAM).replace(hour=0, minute=0, second=0, microsecond=0)
    tomorrow = today + DAY
    fixed = {
        "TODAY": (today, tomorrow),
        "YESTERDAY": (today - DAY, today),
        "L7D": (today - 6 * DAY, tomorrow),
        "L30D": (today - 29 * DAY, tomorrow),
    }
    if period in fixed:
        start, end = fixed[period]
        return _ms(start), _ms(end)
    first, _, last = period.partition(":")
    start = datetime.strptime(first, "%Y_%m_%d").replace(tzinfo=VIETNAM)
    end = datetime.strptime(last, "%Y_%m_%d").replace(tzinfo=VIETNAM) + DAY
    if end <= start:
        raise ValueError("period ends before it starts")
    return _ms(start), _ms(end)
