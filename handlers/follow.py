"""follow / unfollow / user_withdraw: keep the follower registry and greet newcomers."""

from __future__ import annotations

from bot.conversation.context import Context
from bot.conversation.replies import Reply
from bot.conversation.texts import welcome
from bot.stores.followers import FollowerRegistry
from bot.stores.forget import forget_citizen


def on_follow(ctx: Context) -> list[Reply]:
    registry = FollowerRegistry(ctx.redis, ctx.settings)
    registry.follow(ctx.user_id, at=ctx.event.timestamp_ms / 1000, source=str(ctx.event.raw.get("source", "")))
    return [welcome(ctx.settings.commune_name)]


def on_unfollow(ctx: Context) -> list[Reply]:
    FollowerRegistry(ctx.redis, ctx.settings).unfollow(ctx.user_id, at=ctx.event.timestamp_ms / 1000)
    return []  # the citizen left: we may no longer message them


def on_withdraw(ctx: Context) -> list[Reply]:
    forget_citizen(ctx.redis, ctx.settings, ctx.user_id)
    return []
