"""Small text answers the router needs: the menu, empty text, and "not understood"."""

from __future__ import annotations

from bot.conversation.context import Context
from bot.conversation.replies import Reply
from bot.conversation.texts import NOT_UNDERSTOOD, menu


def menu_command(ctx: Context, args: list[str]) -> list[Reply]:
    return [menu()]


def not_understood(ctx: Context, args: list[str]) -> list[Reply]:
    """A "#name" no handler registered."""
    return [menu(NOT_UNDERSTOOD)]


def is_empty(text: str) -> bool:
    return not text


def empty_text(ctx: Context, text: str) -> list[Reply]:
    return [menu()]


def fallback(ctx: Context, text: str) -> list[Reply]:
    return not_understood(ctx, [])
