"""Phone numbers by consent, and the "chat now" tap.

- "#phone": Zalo's request-user-info form, saying why the commune asks (the configured purpose).
- `user_submit_info`: the number is stored encrypted with the time and purpose of consent
  (bot/stores/phones.py); the citizen is told how to withdraw.
- "#phone forget" (or "Xóa số điện thoại"): the number is deleted.
- `user_click_chatnow`: a greeting and the menu.
"""

from __future__ import annotations

from bot.conversation.context import Context
from bot.conversation.replies import Button, Reply, UserInfoRequest
from bot.conversation.texts import MENU_BUTTONS, menu
from bot.procedures.textnorm import fold
from bot.stores.phones import PhoneStore, phone_from_info

FORM_TITLE = "Chia sẻ số điện thoại với {commune}"
FORM_SUBTITLE = "Số điện thoại chỉ dùng để {purpose}. Anh/Chị có thể rút lại bất cứ lúc nào."
SAVED = (
    "Dạ, em đã ghi nhận số điện thoại của Anh/Chị, chỉ để {purpose}. "
    "Muốn rút lại, Anh/Chị gõ \"Xóa số điện thoại\" hoặc bấm nút bên dưới."
)
NOT_SAVED = (
    "Dạ, em cảm ơn Anh/Chị. Hiện xã chưa lưu được số điện thoại qua Zalo; "
    "em vẫn nhắn Anh/Chị tại đây khi có thông tin."
)
NO_PHONE = "Dạ, em chưa nhận được số điện thoại hợp lệ. Anh/Chị có thể thử lại bằng nút bên dưới."
FORGOTTEN = "Dạ, em đã xóa số điện thoại của Anh/Chị. Xã sẽ không nhắn qua số điện thoại nữa."
NOTHING_TO_FORGET = "Dạ, xã không lưu số điện thoại nào của Anh/Chị."
GREETING = "Dạ, em chào Anh/Chị! Em là trợ lý của {commune}."
FORGET_WORDS = {"xoa so dien thoai", "xoa sdt", "rut lai so dien thoai", "huy chia se so dien thoai"}
SHARE_BUTTON = Button("Chia sẻ SĐT", "#phone")
FORGET_BUTTON = Button("Xóa số điện thoại", "#phone forget")


def _store(ctx: Context) -> PhoneStore:
    return PhoneStore(ctx.redis, ctx.settings)


def phone_form(ctx: Context) -> Reply:
    """The request-user-info form with its stated purpose."""
    reach = ctx.settings.reach
    title = FORM_TITLE.format(commune=ctx.settings.commune_name)
    subtitle = FORM_SUBTITLE.format(purpose=reach.phone_purpose)
    return Reply(f"{title}\n{subtitle}", form=UserInfoRequest(title, subtitle, reach.phone_form_image_url))


def phone_command(ctx: Context, args: list[str]) -> list[Reply]:
    """"#phone" → the form; "#phone forget" → delete the stored number."""
    if args and args[0].lower() == "forget":
        return forget_phone(ctx)
    return [phone_form(ctx)]


def forget_phone(ctx: Context) -> list[Reply]:
    removed = _store(ctx).forget(ctx.user_id)
    return [Reply(FORGOTTEN if removed else NOTHING_TO_FORGET, MENU_BUTTONS)]


def asks_to_forget_phone(text: str) -> bool:
    return fold(text).strip(" .!?") in FORGET_WORDS


def on_forget_text(ctx: Context, text: str) -> list[Reply]:
    return forget_phone(ctx)


def on_submit_info(ctx: Context) -> list[Reply]:
    phone = phone_from_info(ctx.event.raw.get("info"))
    if phone is None:
        return [Reply(NO_PHONE, (SHARE_BUTTON,))]
    purpose = ctx.settings.reach.phone_purpose
    if not _store(ctx).save(ctx.user_id, phone, purpose, ctx.now):
        return [Reply(NOT_SAVED, MENU_BUTTONS)]
    return [Reply(SAVED.format(purpose=purpose), (FORGET_BUTTON, MENU_BUTTONS[0]))]


def on_chat_now(ctx: Context) -> list[Reply]:
    return [menu(GREETING.format(commune=ctx.settings.commune_name))]
