"""What a handler gets: the event, the citizen, Redis, settings, the clock and shared services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import redis
from redis.client import Pipeline

from bot.config import Settings
from bot.ingress.events import Event

if TYPE_CHECKING:
    from bot.services import Services


@dataclass
class Context:
    event: Event
    redis: redis.Redis
    settings: Settings
    now: datetime
    services: Services
    # Facts handlers learn on the way (matched procedure, receipt...), kept for tickets and stats.
    notes: dict[str, str] = field(default_factory=dict)
    # Writes that may wait until the replies are computed (the after hooks' transcript and statistics):
    # the EventProcessor runs them with the stored outbox in one round trip. None: write at once.
    writes: Pipeline | None = None
    # Values the event's first round trip already read (bot.queue.processing), by name (e.g.
    # bot.dossiers.verify.AWAITING_ID): stores use them instead of asking Redis again.
    known: dict[str, str | None] = field(default_factory=dict)

    @property
    def user_id(self) -> str:
        return self.event.user_id

    @property
    def text(self) -> str:
        return self.event.text
