"""Check-ins under an alert: "#checkin <board> safe|help", and the short "Cần giúp" conversation.

Wiring (handlers/__init__.py):
- `checkin_command` as "#checkin";
- `checkin_gate`, a gate route ahead of the handoff: the buttons must work while a ticket owns the
  chat, and while the citizen is in the help step (asked where they are, then for one line) their
  location, ấp or line belongs here, not to the media handler, the handoff or the matcher.

"Cần giúp": the answer counts at once; the bot gives the emergency numbers and asks where (a Zalo
location share or an ấp button); with that it opens the SOS ticket (bot.tickets.sos) and asks for
one line about the situation, which joins the ticket.
"""

from __future__ import annotations

from datetime import datetime

from shapely.geometry import Point

from bot.broadcasts.areas import Areas
from bot.broadcasts.checkins import HELP, SAFE, CheckinStore
from bot.broadcasts.compose import CHECKIN_COMMAND, checkin_buttons
from bot.broadcasts.store import BroadcastStore
from bot.config import VIETNAM
from bot.conversation.commands import parse_command
from bot.conversation.context import Context
from bot.conversation.privacy import find_phone_number
from bot.conversation.replies import Button, Reply
from bot.office.current import office_config
from bot.stores.followers import FollowerRegistry
from bot.tickets.model import TranscriptEntry
from bot.tickets.sos import (
    UNKNOWN_ALERT,
    SosRequest,
    ask_where,
    map_link,
    open_sos,
    opened_reply,
    safe_reply,
    situation_reply,
)
from bot.tickets.store import TicketStore
from bot.tickets.transcript import CitizenTranscript
from handlers.handoff import FIRST_SEEN

WHERE, SITUATION = "where", "situation"
STEP_EVENTS = frozenset({"user_send_text", "user_send_location"})
MAX_SITUATION_CHARS = 500


def _store(ctx: Context) -> CheckinStore:
    return CheckinStore(ctx.redis, ctx.settings)


def _pressed_at(ctx: Context) -> float:
    """When the citizen answered (Zalo's event time), so a retried event keeps its place in order."""
    stamp = ctx.event.timestamp_ms
    return stamp / 1000 if stamp > 0 else ctx.now.timestamp()


def is_step_event(ctx: Context) -> bool:
    return not ctx.event.is_staff_echo and ctx.event.name in STEP_EVENTS


def checkin_gate(ctx: Context) -> list[Reply] | None:
    """A "#checkin" tap, or the citizen's next message in the help step; None for anything else."""
    parsed = parse_command(ctx.text) if ctx.event.name == "user_send_text" else None
    if parsed is not None and "#" + parsed[0] == CHECKIN_COMMAND:
        return checkin_command(ctx, parsed[1])
    step = _store(ctx).step(ctx.user_id)
    if not step:
        return None
    if step.get("step") == WHERE:
        return _where(ctx, step)
    if step.get("step") == SITUATION and ctx.event.name == "user_send_text" and parsed is None:
        return _situation(ctx, step)
    return None


def checkin_command(ctx: Context, args: list[str]) -> list[Reply]:
    """#checkin <board> safe · #checkin <board> help · #checkin <board> area <area id>"""
    if len(args) < 2:
        return [UNKNOWN_ALERT]
    board, action = args[0], args[1].lower()
    broadcast = BroadcastStore(ctx.redis, ctx.settings).get(board)
    if broadcast is None or not broadcast.announcement.checkin:
        return [UNKNOWN_ALERT]
    store = _store(ctx)
    follower_area = FollowerRegistry(ctx.redis, ctx.settings).get(ctx.user_id).get("area", "")
    if action == SAFE:
        store.answer(board, ctx.user_id, SAFE, _pressed_at(ctx), area=follower_area)
        if store.step(ctx.user_id).get("board") == board:
            store.clear_step(ctx.user_id)
        _tell_staff_safe(ctx, store.ticket_of(board, ctx.user_id))
        at = datetime.fromtimestamp(_pressed_at(ctx), VIETNAM)
        return safe_reply(at, checkin_buttons(board)[1])
    if action == HELP:
        store.answer(board, ctx.user_id, HELP, _pressed_at(ctx), area=follower_area)
        if store.ticket_of(board, ctx.user_id):
            return _already_open(ctx, board)
        store.set_step(ctx.user_id, board, WHERE, severity=broadcast.announcement.severity)
        return ask_where(_area_buttons(ctx, board))
    if action == "area" and len(args) > 2:
        step = store.step(ctx.user_id)
        if step.get("board") == board and step.get("step") == WHERE:
            return _where(ctx, step, area_id=args[2]) or []
        return _already_open(ctx, board)
    return [UNKNOWN_ALERT]


def _tell_staff_safe(ctx: Context, ticket_id: str) -> None:
    """A citizen who asked for help now says they are safe: their SOS ticket says so (staff decide)."""
    tickets = TicketStore(ctx.redis, ctx.settings)
    ticket = tickets.get(ticket_id) if ticket_id else None
    if ticket is not None and ticket.is_active and ctx.notes.get(FIRST_SEEN) == "1":
        tickets.append(ticket.id, TranscriptEntry(ctx.now, "system", "Người dân báo: đã an toàn"))
        tickets.citizen_wrote(ticket.id, ctx.now)


def _area_buttons(ctx: Context, board: str) -> tuple[Button, ...]:
    return tuple(Button(area.name, f"{CHECKIN_COMMAND} {board} area {area.id}")
                 for area in office_config(ctx.redis, ctx.settings).areas)


def _already_open(ctx: Context, board: str) -> list[Reply]:
    ticket = TicketStore(ctx.redis, ctx.settings).get(_store(ctx).ticket_of(board, ctx.user_id))
    if ticket is None:
        return [UNKNOWN_ALERT]
    return situation_reply(ticket)


def _coordinates(ctx: Context) -> tuple[float, float] | None:
    for item in ctx.event.message.get("attachments") or []:
        payload = item.get("payload") if isinstance(item, dict) else None
        coordinates = payload.get("coordinates") if isinstance(payload, dict) else None
        if isinstance(coordinates, dict):
            # Zalo documents strings under latitude/longitude; some integrations show numbers under lat/long.
            raw_lat = coordinates.get("latitude", coordinates.get("lat"))
            raw_lon = coordinates.get("longitude", coordinates.get("long", coordinates.get("lng")))
            try:
                latitude, longitude = float(raw_lat), float(raw_lon)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                return None
            if -90 <= latitude <= 90 and -180 <= longitude <= 180:
                return latitude, longitude
    return None


def area_at(areas: Areas, latitude: float, longitude: float) -> str:
    """The area whose polygon holds the point ("" outside them all). GeoJSON is longitude first."""
    point = Point(longitude, latitude)
    return next((area.id for area in areas if area.geometry is not None and area.geometry.covers(point)), "")


def _where(ctx: Context, step: dict[str, str], area_id: str = "") -> list[Reply] | None:
    """The citizen said where: an ấp button, a location share, or typed words; then the ticket opens."""
    areas = office_config(ctx.redis, ctx.settings).areas
    board = step["board"]
    link = place = ""
    if area_id:
        area = areas.find(area_id)
        area_id = area.id if area else ""
    elif ctx.event.name == "user_send_location":
        found = _coordinates(ctx)
        if found is None:
            return ask_where(_area_buttons(ctx, board))
        link, area_id = map_link(*found), area_at(areas, *found)
    elif parse_command(ctx.text) is None and ctx.text.strip():
        place = ctx.text.strip()[:MAX_SITUATION_CHARS]
        found_area = areas.find(place)
        area_id = found_area.id if found_area else ""
    else:
        return None  # another button: the citizen moved on; the step waits for an hour
    store = _store(ctx)
    store.answer(board, ctx.user_id, HELP, _pressed_at(ctx), move_to=area_id)
    request = SosRequest(ctx.user_id, board, step.get("severity", ""), area_id,
                         areas.name(area_id) if area_id else "", place, link)
    history = CitizenTranscript(ctx.redis, ctx.settings).recent(ctx.user_id)
    ticket = open_sos(TicketStore(ctx.redis, ctx.settings), request, ctx.now, history)
    store.link_ticket(board, ctx.user_id, ticket.id)
    store.set_step(ctx.user_id, board, SITUATION, ticket=ticket.id)
    ctx.notes["escalated"] = "1"  # for the statistics
    return opened_reply(ticket, request.area_name or ("vị trí đã gửi" if link else place or "chưa rõ nơi"))


def _situation(ctx: Context, step: dict[str, str]) -> list[Reply]:
    """The one line about the situation (and a phone number, if the citizen gives one)."""
    tickets = TicketStore(ctx.redis, ctx.settings)
    ticket = tickets.get(step.get("ticket", ""))
    store = _store(ctx)
    store.clear_step(ctx.user_id)
    if ticket is None:
        return [UNKNOWN_ALERT]
    line = ctx.text.strip()[:MAX_SITUATION_CHARS]
    tickets.set_fields(ticket.id, {"situation": line, "phone": find_phone_number(line)})
    if ctx.notes.get(FIRST_SEEN) == "1":
        tickets.append(ticket.id, TranscriptEntry(ctx.now, "citizen", line))
    tickets.citizen_wrote(ticket.id, ctx.now)
    store.touch(step["board"])
    return situation_reply(ticket)
