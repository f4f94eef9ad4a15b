"""After a citizen's message: learn their Zalo display name and avatar when not known (or expired), so
staff see who is writing. A read through the Zalo client (reads need not go through the sender); a
failure only means the inbox shows the id for now, and the next message tries again."""

from __future__ import annotations

import logging

import redis

from bot.conversation.context import Context
from bot.conversation.replies import Reply
from bot.stores.profiles import ProfileStore, profile_from_detail
from bot.zalo.errors import ZaloError

log = logging.getLogger(__name__)
USER_DETAIL = "/v3.0/oa/user/detail"


def remember_profile(ctx: Context, replies: list[Reply]) -> None:
    event = ctx.event
    if event.is_echo or not event.name.startswith(("user_send_", "follow", "user_submit_info")):
        return
    store = ProfileStore(ctx.redis, ctx.settings)
    if store.known(ctx.user_id):
        return
    try:
        body = ctx.services.zalo.get(USER_DETAIL, {"user_id": ctx.user_id})
    except (ZaloError, redis.RedisError, OSError, ValueError) as exc:  # this extra read never fails the event
        log.info("user detail unavailable", extra={"error": type(exc).__name__})
        return
    data = body.get("data") if isinstance(body, dict) and body.get("error") in (0, None) else None
    profile = profile_from_detail(data) if isinstance(data, dict) else None
    if profile is not None:
        store.put(ctx.user_id, profile)
