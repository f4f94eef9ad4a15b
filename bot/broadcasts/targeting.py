"""Who receives a broadcast, and through which channel (shared/zalo-oa-api.md, section 2).

An area alert reaches the followers of the areas it covers, and, when it is Severe or Extreme, the
followers who never chose an area (most of them): their message names the area and invites them to
choose theirs. An all-clear (Cancel) goes to exactly those who received what it cancels.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

import redis

from bot.broadcasts.cap import Announcement
from bot.broadcasts.store import BroadcastStore
from bot.config import Settings
from bot.office.current import effective_settings
from bot.stores.followers import FollowerRegistry
from bot.stores.phones import PhoneStore
from bot.zalo.sender import CS, TEMPLATE, UNREACHABLE, ZNS, choose_channel

__all__ = ["CS", "TEMPLATE", "UNREACHABLE", "ZNS", "choose_channel"]  # the channels, chosen by the sender

OPT_OUT_FIELD = "alerts_opt_out"


ASK_UNPLACED = ("Extreme", "Severe")  # severities that also reach followers with no area


def in_target(area: str | None, announcement: Announcement) -> bool:
    return announcement.targets_all or (area in announcement.target if area else reaches_unplaced(announcement))


def reaches_unplaced(announcement: Announcement) -> bool:
    """A follower with no area may live in the alert's area: for the serious ones, better told."""
    return not announcement.targets_all and announcement.severity in ASK_UNPLACED


@dataclass(frozen=True)
class Recipient:
    user_id: str
    channel: str
    invite: bool = False  # no area known: the message names the area and asks for theirs
    area: str = ""  # the follower's area when the alert was prepared (check-in boards count by it)


@dataclass(frozen=True)
class Reachable:
    """A follower as targeting sees them now: their area, whether they opted out, and the channel."""
    user_id: str
    area: str | None
    opted_out: bool
    channel: str


def reachable(client: redis.Redis, settings: Settings, candidates: Iterable[str], now: float,
              chunk: int = 1000) -> Iterator[Reachable]:
    """Each candidate with their area and channel. Reads the follower hashes (and who shared a phone for
    ZNS) a chunk at a time, one pipeline each: 100,000 followers cost ~100 round trips and little memory."""
    registry = FollowerRegistry(client, settings)
    has_template = bool(effective_settings(client, settings).broadcast_template_id)
    phones = PhoneStore(client, settings) if settings.reach.broadcast_zns_template_id else None
    ids: list[str] = []

    def flush() -> Iterator[Reachable]:
        with_phone = phones.have_phones(ids) if phones is not None else [False] * len(ids)
        fields = registry.targeting_fields(ids)
        for user_id, (area, last_at, opted_out), has_phone in zip(ids, fields, with_phone, strict=True):
            channel = choose_channel(last_at, now, settings.interaction_window_days, has_template, has_phone)
            yield Reachable(user_id, area, bool(opted_out), channel)

    for user_id in candidates:
        ids.append(user_id)
        if len(ids) >= chunk:
            yield from flush()
            ids = []
    if ids:
        yield from flush()


def recipients(client: redis.Redis, settings: Settings, announcement: Announcement, now: float,
               chunk: int = 1000) -> Iterator[Recipient | None]:
    """Every active follower in the target, with a channel; None for those who opted out."""
    if announcement.msg_type == "Cancel" and announcement.references:
        candidates: Iterable[str] = earlier_recipients(client, settings, announcement.references)
        announcement = _everyone(announcement)
    else:
        candidates = FollowerRegistry(client, settings).active_ids(batch=chunk)
    for follower in reachable(client, settings, candidates, now, chunk):
        if not in_target(follower.area, announcement):
            continue
        if follower.opted_out and not announcement.is_emergency:
            yield None
            continue
        yield Recipient(follower.user_id, follower.channel,
                        invite=not follower.area and not announcement.targets_all, area=follower.area or "")


def earlier_recipients(client: redis.Redis, settings: Settings, references: tuple[str, ...]) -> Iterator[str]:
    """Everyone who received the referenced broadcasts or their updates, once each."""
    store = BroadcastStore(client, settings)
    seen: set[str] = set()
    ids = list(dict.fromkeys([*references, *(f.id for ref in references for f in store.follow_ups(ref))]))
    for broadcast_id in ids:
        for user_id in store.reached(broadcast_id):
            if user_id not in seen:
                seen.add(user_id)
                yield user_id


def _everyone(announcement: Announcement) -> Announcement:
    return replace(announcement, target=("all",))


def plan(client: redis.Redis, settings: Settings, announcement: Announcement, now: float) -> dict[str, int]:
    """Counts by channel before sending, what the official sees next to the confirm button: consultation
    message, ZBS template by user id, ZNS by phone, unreachable (and who opted out)."""
    counts: Counter[str] = Counter()
    for recipient in recipients(client, settings, announcement, now):
        counts["opted_out" if recipient is None else recipient.channel] += 1
    total = counts[CS] + counts[TEMPLATE] + counts[ZNS] + counts[UNREACHABLE]
    return {"total": total, CS: counts[CS], TEMPLATE: counts[TEMPLATE], ZNS: counts[ZNS],
            UNREACHABLE: counts[UNREACHABLE], "opted_out": counts["opted_out"]}
