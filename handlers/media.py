"""Images, stickers, files, locations...: the bot reads text only, so it asks politely for text."""

from __future__ import annotations

from bot.conversation.context import Context
from bot.conversation.replies import Reply
from bot.conversation.texts import MENU_BUTTONS, PLEASE_TYPE

MEDIA_EVENTS = (
    "user_send_image",
    "user_send_gif",
    "user_send_file",
    "user_send_audio",
    "user_send_video",
    "user_send_sticker",
    "user_send_link",
    "user_send_location",
    "user_send_business_card",
)


def on_media(ctx: Context) -> list[Reply]:
    return [Reply(PLEASE_TYPE, MENU_BUTTONS)]
