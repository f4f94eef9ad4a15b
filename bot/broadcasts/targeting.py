"""Who receives a broadcast, and through which channel (shared/zalo-oa-api.md, section 2)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import redis

from bot.broadcasts.cap import Announcement
from bot.config import Settings
from bot.followers import FollowerRegistry

CS, TEMPLATE, UNREACHABLE = "cs", "template", "unreachable"
OPT_OUT_FIELD = "alerts_opt_out"
DAY = 86400


def choose_channel(last_interaction: float | None, now: float, window_days: int, has_template: bool) -> str:
    """Consultation message within the interaction window; the ZBS template outside it, if any."""
    if last_interaction is not None and now - last_interaction < window_days * DAY:
        return CS
    return TEMPLATE if has_template else UNREACHABLE


def in_target(area: str | None, announcement: Announcement) -> bool:
    return announcement.targets_all or (area is not None and area in announcement.target)


@dataclass(frozen=True)
class Recipient:
    user_id: str
    channel: str


def recipients(client: redis.Redis, settings: Settings, announcement: Announcement, now: float,
               chunk: int = 1000) -> Iterator[Recipient | None]:
    """Every active follower in the target, with a channel; None for those who opted out.

    Reads the follower hashes a chunk at a time (one pipeline each), so 100,000 followers cost
    about 100 round trips and little memory.
    """
    registry = FollowerRegistry(client, settings)
    has_template = bool(settings.broadcast_template_id)
    ids: list[str] = []

    def flush() -> Iterator[Recipient | None]:
        pipe = client.pipeline(transaction=False)
        for user_id in ids:
            pipe.hmget(f"{settings.key_prefix}follower:{user_id}", "area", "last_interaction", OPT_OUT_FIELD)
        for user_id, (area, last, opted_out) in zip(ids, pipe.execute(), strict=True):
            if not in_target(area.decode() if area else None, announcement):
                continue
            if opted_out == b"1" and not announcement.is_emergency:
                yield None
                continue
            last_at = float(last) if last else None
            yield Recipient(user_id, choose_channel(last_at, now, settings.interaction_window_days, has_template))

    for user_id in registry.active_ids(batch=chunk):
        ids.append(user_id)
        if len(ids) >= chunk:
            yield from flush()
            ids = []
    if ids:
        yield from flush()


def plan(client: redis.Redis, settings: Settings, announcement: Announcement, now: float) -> dict[str, int]:
    """Counts by channel before sending: what the official sees next to the confirm button."""
    counts: Counter[str] = Counter()
    for recipient in recipients(client, settings, announcement, now):
        counts["opted_out" if recipient is None else recipient.channel] += 1
    total = counts[CS] + counts[TEMPLATE] + counts[UNREACHABLE]
    return {"total": total, CS: counts[CS], TEMPLATE: counts[TEMPLATE], UNREACHABLE: counts[UNREACHABLE],
            "opted_out": counts["opted_out"]}
