"""What a handler gets: the event, the citizen, Redis, settings, the clock and shared services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import redis

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

    @property
    def user_id(self) -> str:
        return self.event.user_id

    @property
    def text(self) -> str:
        return self.event.text
