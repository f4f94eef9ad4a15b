"""Conversation handlers, dispatched by Zalo's `event_name`.

Like python-telegram-bot's ordered handlers: gates run first for every event (the staff
handoff gate will sit there), then the one handler registered for the event's name.
A handler returns the replies to send (possibly none); it never sends by itself.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.context import Context
from bot.replies import Reply
from handlers import follow, handoff, media, text

Handler = Callable[[Context], list[Reply] | None]

# Gates see every event first; one that returns a list (even empty) ends the dispatch.
# The handoff gate: while staff own a citizen's conversation, the bot stays silent.
GATES: list[Handler] = [handoff.handoff_gate]

BY_EVENT: dict[str, Handler] = {
    "follow": follow.on_follow,
    "unfollow": follow.on_unfollow,
    "user_withdraw": follow.on_withdraw,
    "user_send_text": text.on_text,
    **{name: media.on_media for name in media.MEDIA_EVENTS},
}


def dispatch(ctx: Context) -> list[Reply]:
    replies = _first_answer(ctx)
    # The bot's side of the conversation joins the transcript staff see if the citizen escalates.
    handoff.record_bot_replies(ctx, replies)
    return replies


def _first_answer(ctx: Context) -> list[Reply]:
    for gate in GATES:
        replies = gate(ctx)
        if replies is not None:
            return replies
    handler = BY_EVENT.get(ctx.event.name)
    if handler is None:
        return []  # seen, received, reactions, echoes...: nothing to say
    return handler(ctx) or []
