"""The dossier feature as the router sees it, with a test's own dossier settings."""

from __future__ import annotations

from bot.config import DossierConfig
from bot.conversation.commands import parse_command
from bot.conversation.context import Context
from bot.conversation.replies import Reply
from handlers.dossier import dossier_command, handle_dossier_text, help_command


def dossier_text(ctx: Context, text: str, config: DossierConfig) -> list[Reply] | None:
    """The dossier's buttons ("#dossier ...", "#dossier_help") and typed text; None for anything else."""
    parsed = parse_command(text)
    if parsed is None:
        return handle_dossier_text(ctx, text, config)
    name, args = parsed
    if name == "dossier":
        return dossier_command(ctx, args, config)
    return help_command(ctx, args) if name == "dossier_help" else None  # another feature's command
