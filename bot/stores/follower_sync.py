"""`followers sync`: the registry made equal to Zalo's follower list, however large the OA.

Zalo's list (GET /v3.0/oa/user/getlist) gives at most 50 ids a page and no offset past 9,951, so one
listing reaches about 10,000 followers. Larger OAs are listed in slices of `last_interaction_period`
(a range of days, Vietnam time): a slice holding more than one listing can reach is cut in two until
each fits. Every follower has a last interaction (following is one), so the slices from Zalo's first
year to today cover them all. A citizen who interacts while the sync runs moves to today's slice, which
is listed last; ids are de-duplicated. Between syncs the registry is kept by follow and unfollow events.

When every slice was listed whole, registry followers Zalo no longer lists (who unfollowed while no
event reached us) are marked gone, unless they followed after the sync started.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.config import VIETNAM
from bot.stores.followers import FollowerRegistry

# Zalo's follower list: at most 50 a page and an offset of at most 9,951.
PAGE_SIZE = 50
MAX_OFFSET = 9951
REACHABLE = MAX_OFFSET + PAGE_SIZE  # the most ids one listing can return
# No Official Account has a follower older than Zalo's OA platform.
FIRST_DAY = date(2014, 1, 1)

# get_page(offset, count, last_interaction_period or None) → Zalo's JSON body for getlist.
GetPage = Callable[[int, int, str | None], dict[str, Any]]


@dataclass
class SyncReport:
    listed: int = 0  # distinct followers Zalo listed
    added: int = 0  # not following in the registry before
    removed: int = 0  # following in the registry, not on Zalo's list
    slices: int = 0
    pages: int = 0
    complete: bool = True  # False: a single day held more than one listing reaches


def period(first: date, last: date) -> str:
    """getlist's `last_interaction_period` for the days first..last, both included."""
    return f"{first:%Y_%m_%d}:{last:%Y_%m_%d}"


def halves(first: date, last: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """first..last cut in two day ranges, older first. Pure; needs first < last."""
    middle = first + timedelta(days=(last - first).days // 2)
    return (first, middle), (middle + timedelta(days=1), last)


def _users(body: dict[str, Any]) -> tuple[list[str], int]:
    data = body.get("data") or {}
    return [str(user["user_id"]) for user in data.get("users") or []], int(data.get("total") or 0)


# A page of ids, and the earliest their last interaction can be (a slice's first day; None: unknown).
Page = tuple[list[str], float | None]


def _listing(get_page: GetPage, slice_period: str | None, report: SyncReport,
             first: tuple[list[str], int] | None = None) -> Iterator[list[str]]:
    """The pages of one listing, as far as Zalo's offset limit allows."""
    offset = 0
    while offset <= MAX_OFFSET:
        if first is not None and offset == 0:
            users, total = first
        else:
            users, total = _users(get_page(offset, PAGE_SIZE, slice_period))
            report.pages += 1
        if users:
            yield users
        offset += PAGE_SIZE
        if not users or offset >= total:
            return


def _slices(get_page: GetPage, first: date, last: date, report: SyncReport) -> Iterator[Page]:
    """Pages of every follower whose last interaction is in first..last, older days first."""
    slice_period = period(first, last)
    head = _users(get_page(0, PAGE_SIZE, slice_period))
    report.pages += 1
    report.slices += 1
    if head[1] > REACHABLE and first < last:
        older, newer = halves(first, last)
        yield from _slices(get_page, *older, report)
        yield from _slices(get_page, *newer, report)
        return
    if head[1] > REACHABLE:
        report.complete = False  # one day beyond one listing's reach: follow events fill the gap
    since = datetime.combine(first, datetime.min.time(), tzinfo=VIETNAM).timestamp()
    for users in _listing(get_page, slice_period, report, first=head):
        yield users, since


def follower_pages(get_page: GetPage, report: SyncReport, today: date | None = None) -> Iterator[Page]:
    """Every follower's id, a page at a time: one listing when it reaches them all, else by slices."""
    head = _users(get_page(0, PAGE_SIZE, None))
    report.pages += 1
    report.slices += 1
    if head[1] <= REACHABLE:
        for users in _listing(get_page, None, report, first=head):
            yield users, None
        return
    yield from _slices(get_page, FIRST_DAY, today or datetime.now(VIETNAM).date(), report)


def sync_from_zalo(registry: FollowerRegistry, get_page: GetPage, today: date | None = None) -> SyncReport:
    started = time.time()
    report = SyncReport()
    seen: set[str] = set()
    for page, since in follower_pages(get_page, report, today):
        fresh = [uid for uid in dict.fromkeys(page) if uid not in seen]
        seen.update(fresh)
        report.added += registry.follow_many(fresh, source="sync", last_interaction=since)
    report.listed = len(seen)
    if report.complete:
        gone = [uid for uid in registry.active_ids() if uid not in seen]
        report.removed = registry.unfollow_many(gone, followed_before=started)
    return report
