"""Shared pieces of the broadcast tests: followers, announcements, and an inline queue."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import redis

from bot.config import VIETNAM, Settings
from bot.stores.followers import FollowerRegistry


def announcement_json(**changes: Any) -> dict[str, Any]:
    data = {
        "event": "Bão số 3", "headline": "Bão số 3 đổ bộ chiều nay",
        "description": "Gió giật cấp 12, mưa rất to. Nước sông dâng nhanh.",
        "instruction": "Ở trong nhà, tránh xa sông suối, chuẩn bị đèn pin và nước uống.",
        "severity": "Severe", "urgency": "Immediate", "certainty": "Likely",
        "expires": (datetime.now(VIETNAM) + timedelta(days=1)).isoformat(), "msg_type": "Alert", "target": "all",
    }
    data.update(changes)
    return data


def add_followers(client: redis.Redis, settings: Settings, ids: list[str], area: str | None = None,
                  last_interaction: float | None = None) -> None:
    registry = FollowerRegistry(client, settings)
    for uid in ids:
        registry.follow(uid, at=last_interaction or time.time())
        if area:
            registry.set_area(uid, area)


class InlineQueue:
    """Collects enqueued jobs so a test runs them when (and as often as) it wants."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Any, tuple]] = []

    def enqueue(self, func: Any, *args: Any, **kwargs: Any) -> None:
        self.jobs.append((func, args))

    def enqueue_at(self, at: Any, func: Any, *args: Any, **kwargs: Any) -> None:
        self.jobs.append((func, args))
