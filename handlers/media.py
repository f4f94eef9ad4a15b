"""What citizens send besides typed text: photos, locations, voice notes, stickers, files, cards.

- A photo: a caption holding a receipt number is read as typed (the text routes answer it); else the
  photo is read for a receipt (QR code, then printed text) and the look-up goes on exactly as if the
  number had been typed: the ID question first, nothing revealed. Nothing found: say so and ask for
  the number printed after "Mã hồ sơ" (or, with a caption, let the text routes answer the caption).
- A file, link, GIF or video with a caption: the caption is read as typed (None here).
- A location: matched to the commune's areas, confirmed with a button that sets the area.
- A voice note: a short reply offering the menu and a person (inside a ticket the gate files it).
- A sticker: an acknowledgement, nothing to answer.
- Anything else: "please type", at most once an hour per conversation, as the voice reply.
"""

from __future__ import annotations

from bot.conversation.context import Context
from bot.conversation.replies import Button, Reply
from bot.conversation.texts import MENU_BUTTONS, PLEASE_TYPE
from bot.dossiers.receipts import find_receipts
from bot.media.attachments import ACKNOWLEDGEMENTS, caption_of, first_of
from bot.media.reading import receipt_in_photo
from bot.office.current import office_config
from bot.stores.conversation import Conversation
from handlers import dossier

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

VOICE = (
    "Dạ, em chưa nghe được tin nhắn thoại. Anh/Chị vui lòng gõ câu hỏi bằng chữ, chọn trong menu, "
    "hoặc bấm \"Gặp cán bộ\" để cán bộ một cửa nghe và trả lời ạ."
)
NO_RECEIPT_IN_PHOTO = (
    "Dạ, em chưa đọc được mã hồ sơ trong ảnh Anh/Chị gửi. Nếu đó là giấy tiếp nhận hồ sơ, Anh/Chị vui lòng "
    "gõ mã in sau chữ \"Mã hồ sơ\", ví dụ \"H56.14-240823-0001\"."
)
IN_AREA = "Dạ, theo vị trí vừa gửi, Anh/Chị ở {area}, đúng không ạ?"
OUTSIDE_AREAS = (
    "Dạ, vị trí Anh/Chị gửi nằm ngoài các ấp/khu phố của {commune}. "
    "Anh/Chị có thể chọn khu vực của mình để nhận đúng thông báo."
)
NO_POSITION = "Dạ, em chưa đọc được vị trí Anh/Chị gửi. Anh/Chị có thể chọn khu vực của mình trong danh sách."


def on_media(ctx: Context) -> list[Reply] | None:
    """The event route for MEDIA_EVENTS; None hands a captioned message to the text routes."""
    name = ctx.event.name
    if name in ACKNOWLEDGEMENTS:
        return []
    if name == "user_send_location":
        return on_location(ctx)
    if name == "user_send_image":
        return on_photo(ctx)
    if caption_of(ctx.event):
        return None
    if name == "user_send_audio":
        return _once(ctx, "voice", Reply(VOICE, MENU_BUTTONS))
    return _once(ctx, "please_type", Reply(PLEASE_TYPE, MENU_BUTTONS))


def on_photo(ctx: Context) -> list[Reply] | None:
    caption = caption_of(ctx.event)
    if find_receipts(caption):
        return None  # the caption names the receipt: read as typed
    photo = first_of(ctx.event, "image")
    reading = receipt_in_photo(photo.url, ctx.settings) if photo and photo.url else None
    if reading is not None and reading.receipt:
        ctx.notes["photo"] = reading.method
        return dossier.look_up(ctx, reading.receipt, ctx.settings.dossier)
    if caption:
        return None  # not a receipt: the caption is the question
    return _once(ctx, "photo_unread", Reply(NO_RECEIPT_IN_PHOTO, (Button("Tra cứu hồ sơ", "#dossier_help"),
                                                                 *MENU_BUTTONS[2:])))


def on_location(ctx: Context) -> list[Reply]:
    where = first_of(ctx.event, "location")
    choose = Button("Chọn khu vực", "#area")
    if where is None or where.latitude is None or where.longitude is None:
        return [Reply(NO_POSITION, (choose,))]
    area = office_config(ctx.redis, ctx.settings).areas.locate(where.longitude, where.latitude)
    if area is None:
        return [Reply(OUTSIDE_AREAS.format(commune=ctx.settings.commune_name), (choose, MENU_BUTTONS[0]))]
    return [Reply(IN_AREA.format(area=area.name), (Button("Đúng", f"#area {area.id}"),
                                                   Button("Chọn khu vực khác", "#area")))]


def _once(ctx: Context, notice: str, reply: Reply) -> list[Reply]:
    """The same notice at most once an hour per conversation; after that, silence (staff still see it)."""
    if Conversation(ctx.redis, ctx.settings).first_notice(ctx.user_id, notice, ctx.event.identity):
        return [reply]
    return []
