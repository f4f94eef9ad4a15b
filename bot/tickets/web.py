"""Shared by the console and the API: an app's staff desk, ticket rows with their SLA (canned answers are
the commune's settings: bot/office/current.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask

from bot.config import Settings
from bot.office.hours import OfficeHours
from bot.procedures.catalogue import load_catalogue
from bot.procedures.procedure_reply import compose_answer
from bot.stores.followers import FollowerRegistry
from bot.tickets.desk import StaffDesk, send_staff_reply_job
from bot.tickets.model import Ticket
from bot.tickets.sla import SlaTargets, format_duration, ticket_sla
from bot.tickets.store import TicketStore


def desk_for_app(app: Flask) -> StaffDesk:
    """One StaffDesk per app; its replies go to the worker's queue (the web process never calls Zalo)."""
    desk = app.extensions.get("staff_desk")
    if desk is None:
        settings: Settings = app.config["SETTINGS"]
        client = app.config["REDIS"]
        queue = app.config["QUEUE"]
        desk = StaffDesk(
            TicketStore(client, settings),
            FollowerRegistry(client, settings),
            settings,
            lambda ticket_id, ref: queue.enqueue(send_staff_reply_job, ticket_id, ref, result_ttl=0),
        )
        app.extensions["staff_desk"] = desk
    return desk


def ticket_row(ticket: Ticket, hours: OfficeHours, settings: Settings, now: datetime | None = None) -> dict[str, Any]:
    """A ticket as JSON, with its SLA clocks and how long the citizen has waited (for the queue), in the
    office hours now in force (bot.office.current.office_config(...).hours)."""
    now = now or datetime.now(UTC)
    sla = ticket_sla(ticket, now, hours, SlaTargets.from_settings(settings))
    row = ticket.to_json()
    waited = (now - ticket.waiting_since).total_seconds() if ticket.waiting_since else None
    # What the desk owes: the wait counted in office hours only (nights, weekends, holidays left out).
    office = hours.office_seconds_between(ticket.waiting_since, now) if ticket.waiting_since else None
    row.update(
        waiting_seconds=None if waited is None else int(waited),
        waiting_text="" if waited is None else format_duration(waited),
        waiting_office_seconds=None if office is None else int(office),
        waiting_office_text="" if office is None else format_duration(office),
        sla_colour=sla.colour,
        first_response_due=sla.first_response.due_at.isoformat(),
        first_response_state=sla.first_response.state,
        resolution_due=sla.resolution.due_at.isoformat(),
        resolution_state=sla.resolution.state,
    )
    return row


def procedure_answer_text(code: str) -> tuple[str, str] | None:
    """(procedure name, the bot's answer as plain text) for staff to send, or None when the code is unknown
    or the catalogue cannot be read."""
    try:
        proc = load_catalogue().get(code)
    except (OSError, ValueError):
        return None
    if proc is None:
        return None
    return proc.name, "\n\n".join(reply.text for reply in compose_answer(proc))
