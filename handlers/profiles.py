"""After a citizen's message: learn their Zalo display name and avatar when not known (or expired), so
staff see who is writing (bot.stores.profiles; a read through the Zalo client, which need not go through
the sender)."""

from __future__ import annotations

from bot.conversation.context import Context
from bot.conversation.replies import Reply
from bot.stores.profiles import ProfileStore, remember_profile_of


def remember_profile(ctx: Context, replies: list[Reply]) -> None:
    event = ctx.event
    if event.is_echo or not event.name.startswith(("user_send_", "follow", "user_submit_info")):
        return
    remember_profile_of(ProfileStore(ctx.redis, ctx.settings), ctx.user_id, ctx.services.zalo.get, ctx.known)
