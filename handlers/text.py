"""The text router: an ordered chain of text handlers; the first that answers wins.

Buttons send hidden commands ("#proc 1.001193 docs", "#staff", ...); typed text goes through
the same chain, so later features only add a handler here.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.commands import parse_command
from bot.context import Context
from bot.replies import Reply
from bot.texts import NOT_UNDERSTOOD, menu
from handlers import alerts, dossier, handoff, office, procedures

TextHandler = Callable[[Context, str], list[Reply] | None]
CommandHandler = Callable[[Context, list[str]], list[Reply]]


def _menu_command(ctx: Context, args: list[str]) -> list[Reply]:
    return [menu()]


# "#name arg..." → handler; features register theirs here.
COMMANDS: dict[str, CommandHandler] = {
    "menu": _menu_command,
    "proc": procedures.proc_command,
    "procedures": procedures.browse_command,
    "event": procedures.event_command,
    "staff": handoff.staff_command,
    "alerts": alerts.alerts_command,
    "area": alerts.area_command,
}


def handle_command(ctx: Context, text: str) -> list[Reply] | None:
    parsed = parse_command(text)
    if parsed is None:
        return None
    name, args = parsed
    command = COMMANDS.get(name)
    return command(ctx, args) if command else [menu(NOT_UNDERSTOOD)]


def fallback(ctx: Context, text: str) -> list[Reply]:
    return [menu(NOT_UNDERSTOOD)]


# Order matters: dossier look-ups first (a receipt, or the ID number the bot just asked for, must
# never reach the matcher), then commands, explicit requests for a person, questions about the
# office itself (hours, address, services), emergency announcements, picks among offered
# candidates, and the matcher.
CHAIN: list[TextHandler] = [
    dossier.handle_dossier_text,
    handle_command,
    handoff.on_text,
    office.handle_office_text,
    alerts.handle_alerts_text,
    procedures.on_pick,
    procedures.on_question,
]


def on_text(ctx: Context) -> list[Reply]:
    text = ctx.text.strip()
    if not text:
        return [menu()]
    for handler in CHAIN:
        replies = handler(ctx, text)
        if replies is not None:
            return replies
    return fallback(ctx, text)
