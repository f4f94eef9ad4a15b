"""Service-level targets of tickets, counted in office hours (a night or a holiday does not count). Pure.

Two clocks per ticket, as help desks do: first response (from creation to staff's first reply) and
resolution (from creation to resolved). A clock is green while under 75% of its target, amber until
the target, red past it; once stopped it is "met" or "missed".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.config import Settings
from bot.office.hours import OfficeHours
from bot.tickets.model import RESOLVED, Ticket

WARN_FRACTION = 0.75
GREEN, AMBER, RED, MET, MISSED = "green", "amber", "red", "met", "missed"


@dataclass(frozen=True)
class SlaTargets:
    first_response_seconds: float
    resolution_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> SlaTargets:
        return cls(settings.ticket_first_response_minutes * 60.0, settings.ticket_resolution_minutes * 60.0)


@dataclass(frozen=True)
class SlaClock:
    elapsed_seconds: float  # office time so far (or until stopped)
    target_seconds: float
    due_at: datetime
    state: str  # green, amber, red while running; met or missed once stopped

    @property
    def running(self) -> bool:
        return self.state in (GREEN, AMBER, RED)


@dataclass(frozen=True)
class TicketSla:
    first_response: SlaClock
    resolution: SlaClock

    @property
    def colour(self) -> str:
        """The colour the queue shows: the clock that matters now."""
        if self.first_response.running:
            return self.first_response.state
        if self.resolution.running:
            return self.resolution.state
        return self.resolution.state


def _clock(
    hours: OfficeHours, start: datetime, stop: datetime | None, now: datetime, target: float
) -> SlaClock:
    due = hours.add_office_seconds(start, target)
    elapsed = hours.office_seconds_between(start, stop or now)
    if stop is not None:
        state = MET if elapsed <= target else MISSED
    elif elapsed >= target:
        state = RED
    elif elapsed >= WARN_FRACTION * target:
        state = AMBER
    else:
        state = GREEN
    return SlaClock(elapsed, target, due, state)


def ticket_sla(ticket: Ticket, now: datetime, hours: OfficeHours, targets: SlaTargets) -> TicketSla:
    # A resolved ticket that was never answered by a reply still had its question handled.
    first_stop = ticket.first_response_at or (ticket.resolved_at if ticket.status == RESOLVED else None)
    resolution_stop = ticket.resolved_at if ticket.status == RESOLVED else None
    return TicketSla(
        first_response=_clock(hours, ticket.created_at, first_stop, now, targets.first_response_seconds),
        resolution=_clock(hours, ticket.created_at, resolution_stop, now, targets.resolution_seconds),
    )


def format_duration(seconds: float) -> str:
    """Vietnamese short duration for staff: "45 phút", "2 giờ 5 phút", "3 ngày 4 giờ"."""
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} phút"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} giờ {minutes} phút" if minutes else f"{hours} giờ"
    days, hours = divmod(hours, 24)
    return f"{days} ngày {hours} giờ" if hours else f"{days} ngày"
