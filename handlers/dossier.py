"""Dossier look-ups in the chat: receipt → ask for the applicant's id → status; subscribe/unsubscribe.

Wiring (handlers/__init__.py): `handle_dossier_text(ctx, text)` for typed text, first of the text
routes; it returns None when the text is not about a dossier, so the next handler gets it. It handles
typed receipts, questions after a dossier without its number (asked for it), the id typed after our
question and "Hủy thông báo". The buttons' hidden commands
are `dossier_command` ("#dossier <receipt>", "#dossier <receipt> subscribe|unsubscribe") and
`help_command` ("#dossier_help").
"""

from __future__ import annotations

from bot.config import DossierConfig
from bot.conversation.context import Context
from bot.conversation.replies import Button, Reply
from bot.conversation.texts import MENU_BUTTONS
from bot.dossiers.http_source import make_source
from bot.dossiers.questions import asks_about_a_dossier
from bot.dossiers.receipts import canonical_receipt, find_receipts
from bot.dossiers.status import UNSUBSCRIBE_TITLE, compose_status, unsubscribe_payload
from bot.dossiers.store import DossierSource, RedisDossierStore, SourceUnavailable
from bot.dossiers.subscriptions import Subscriptions
from bot.dossiers.verify import Outcome, Verifier
from bot.procedures.textnorm import fold
from bot.stores.phones import PhoneStore
from bot.tickets.escalation import is_dossier_complaint

HELP = (
    'Dạ, Anh/Chị gửi mã hồ sơ in trên giấy biên nhận, ví dụ "H56.14-240823-0001". '
    "Để bảo mật, em sẽ hỏi thêm số định danh cá nhân (CCCD) của người nộp hồ sơ."
)
ASK_FULL_ID = (
    "Dạ, để bảo mật thông tin, Anh/Chị vui lòng gửi số định danh cá nhân (số CCCD, 12 chữ số) "
    "của người nộp hồ sơ {receipt}."
)
ASK_LAST_DIGITS = (
    "Dạ, để bảo mật thông tin, Anh/Chị vui lòng gửi {n} chữ số cuối của số định danh cá nhân "
    "(số CCCD) của người nộp hồ sơ {receipt}."
)
BAD_FORMAT_FULL = "Dạ, số định danh cá nhân gồm 12 chữ số. Anh/Chị vui lòng gửi lại giúp em."
BAD_FORMAT_LAST = "Dạ, Anh/Chị vui lòng gửi đúng {n} chữ số cuối của số định danh cá nhân giúp em."
MISMATCH = (
    "Dạ, thông tin chưa khớp với hồ sơ {receipt}. Anh/Chị vui lòng kiểm tra lại mã hồ sơ và "
    "số định danh rồi gửi lại (còn {left} lần thử)."
)
LOCKED = (
    "Dạ, do thông tin nhập chưa đúng nhiều lần, việc tra cứu hồ sơ của Anh/Chị tạm khóa trong {minutes} phút. "
    "Anh/Chị vui lòng thử lại sau hoặc liên hệ bộ phận một cửa."
)
SLOW_DOWN = (
    "Dạ, hồ sơ {receipt} vừa được tra cứu với thông tin chưa đúng nhiều lần. Để bảo mật, Anh/Chị vui lòng "
    "đợi {seconds} giây rồi gửi lại số định danh giúp em."
)
UNAVAILABLE = "Dạ, hệ thống tra cứu hồ sơ đang tạm gián đoạn. Anh/Chị vui lòng thử lại sau ít phút."
CALL_DESK = " Hoặc gọi bộ phận một cửa: {phone}."
GONE = "Dạ, em chưa tìm thấy thông tin hồ sơ {receipt}. Anh/Chị vui lòng liên hệ bộ phận một cửa ạ."
SUBSCRIBED = (
    "Dạ, em sẽ nhắn Anh/Chị mỗi khi hồ sơ {receipt} thay đổi trạng thái. "
    'Gõ "Hủy thông báo" nếu Anh/Chị không muốn nhận nữa.'
)
UNSUBSCRIBED = "Dạ, em đã dừng gửi thông báo về hồ sơ {receipt}."
CANCELLED = "Dạ, em đã dừng tra cứu hồ sơ. Anh/Chị cần gì thêm cứ nhắn em nhé."
UNSUBSCRIBE_WORDS = {"huy thong bao", "huy nhan thong bao", "dung thong bao", "tat thong bao"}
CANCEL_WORDS = {"huy", "thoi", "khong", "dung", "huy tra cuu"}


def handle_dossier_text(ctx: Context, text: str, config: DossierConfig | None = None) -> list[Reply] | None:
    """Replies when `text` is about a dossier, else None. Place it before the procedure matcher."""
    config = config or ctx.settings.dossier
    stripped = text.strip()
    receipts = find_receipts(stripped)
    if receipts:
        return look_up(ctx, receipts[0], config)
    words = fold(stripped).strip(" .!?")
    if words in UNSUBSCRIBE_WORDS:
        return unsubscribe_all(ctx)
    verifier = Verifier(ctx.redis, ctx.settings, config)
    receipt = verifier.awaiting(ctx.user_id, ctx.known)
    if receipt is None:  # "hồ sơ của em đến đâu rồi": ask for its number; a complaint goes to staff (handoff)
        asks = asks_about_a_dossier(stripped) and not is_dossier_complaint(stripped)
        return [Reply(HELP, MENU_BUTTONS)] if asks else None
    if verifier.looks_like_id(stripped):
        return _check_id(ctx, receipt, stripped, config)
    if words in CANCEL_WORDS:
        verifier.stop_waiting(ctx.user_id)
        return [Reply(CANCELLED, MENU_BUTTONS)]
    return None  # something else: let the other handlers answer, the question stays open for a while


def help_command(ctx: Context, args: list[str]) -> list[Reply]:
    """"#dossier_help"."""
    return [Reply(HELP, MENU_BUTTONS)]


def dossier_command(ctx: Context, args: list[str], config: DossierConfig | None = None) -> list[Reply]:
    """"#dossier <receipt> [subscribe|unsubscribe]"."""
    config = config or ctx.settings.dossier
    receipt = canonical_receipt(args[0]) if args else None
    if receipt is None:
        return [Reply(HELP, MENU_BUTTONS)]
    action = args[1].lower() if len(args) > 1 else ""
    if action == "unsubscribe":
        Subscriptions(ctx.redis, ctx.settings).unsubscribe(receipt, ctx.user_id)
        return [Reply(UNSUBSCRIBED.format(receipt=receipt), MENU_BUTTONS)]
    if action == "subscribe":
        return subscribe(ctx, receipt, config)
    return look_up(ctx, receipt, config)


def look_up(ctx: Context, receipt: str, config: DossierConfig) -> list[Reply]:
    """Show the status to a citizen already verified for `receipt`, else ask for the id (same for all)."""
    ctx.notes["receipt"] = receipt
    verifier = Verifier(ctx.redis, ctx.settings, config)
    if verifier.is_locked(ctx.user_id):
        return [_locked(ctx, config)]
    if verifier.is_linked(ctx.user_id, receipt):
        return _show(ctx, receipt, make_source(ctx.redis, ctx.settings, config))
    verifier.await_id(ctx.user_id, receipt)
    return [Reply(_ask(receipt, config))]


def subscribe(ctx: Context, receipt: str, config: DossierConfig) -> list[Reply]:
    verifier = Verifier(ctx.redis, ctx.settings, config)
    if not verifier.is_linked(ctx.user_id, receipt):
        return look_up(ctx, receipt, config)
    store = RedisDossierStore(ctx.redis, ctx.settings)
    if config.source == "http":
        # Mirror the provincial record, so that its later changes get versions to push.
        try:
            dossier = make_source(ctx.redis, ctx.settings, config).get(receipt)
        except SourceUnavailable:
            return [_unavailable(ctx)]
        if dossier is not None:
            store.upsert(dossier, ctx.now)
    Subscriptions(ctx.redis, ctx.settings).subscribe(receipt, ctx.user_id, store.latest_version(receipt))
    buttons: tuple[Button, ...] = (Button(UNSUBSCRIBE_TITLE, unsubscribe_payload(receipt)), MENU_BUTTONS[0])
    if ctx.settings.reach.dossier_zns_template_id and PhoneStore(ctx.redis, ctx.settings).enabled:
        # Outside Zalo's 7-day window only a phone number (ZNS) can still carry the news.
        buttons = (*buttons, Button("Nhận tin qua SĐT", "#phone"))
    return [Reply(SUBSCRIBED.format(receipt=receipt), buttons)]


def unsubscribe_all(ctx: Context) -> list[Reply] | None:
    """Typed "Hủy thông báo": stop every dossier subscription (None if there is none, e.g. for alerts)."""
    subscriptions = Subscriptions(ctx.redis, ctx.settings)
    receipts = subscriptions.receipts_of(ctx.user_id)
    if not receipts:
        return None
    for receipt in receipts:
        subscriptions.unsubscribe(receipt, ctx.user_id)
    return [Reply(UNSUBSCRIBED.format(receipt=", ".join(receipts)), MENU_BUTTONS)]


def _check_id(ctx: Context, receipt: str, given: str, config: DossierConfig) -> list[Reply]:
    verifier = Verifier(ctx.redis, ctx.settings, config)
    source = make_source(ctx.redis, ctx.settings, config)
    ctx.notes["receipt"] = receipt
    # The text is a personal ID number: transcripts and statistics must not keep it.
    ctx.notes["sensitive"] = "1"
    try:
        result = verifier.check(ctx.user_id, receipt, given, source)
    except SourceUnavailable:
        return [_unavailable(ctx)]
    if result.outcome is Outcome.VERIFIED and result.dossier is not None:
        subscribed = Subscriptions(ctx.redis, ctx.settings).is_subscribed(receipt, ctx.user_id)
        return compose_status(result.dossier, ctx.now, subscribed)
    if result.outcome is Outcome.LOCKED:
        return [_locked(ctx, config)]
    if result.outcome is Outcome.SLOW_DOWN:
        return [Reply(SLOW_DOWN.format(receipt=receipt, seconds=result.wait_seconds))]
    if result.outcome is Outcome.BAD_FORMAT:
        n = config.verify_last_digits
        return [Reply(BAD_FORMAT_LAST.format(n=n) if n else BAD_FORMAT_FULL)]
    return [Reply(MISMATCH.format(receipt=receipt, left=result.attempts_left))]


def _show(ctx: Context, receipt: str, source: DossierSource) -> list[Reply]:
    try:
        dossier = source.get(receipt)
    except SourceUnavailable:
        return [_unavailable(ctx)]
    if dossier is None:
        return [Reply(GONE.format(receipt=receipt), MENU_BUTTONS)]
    subscribed = Subscriptions(ctx.redis, ctx.settings).is_subscribed(receipt, ctx.user_id)
    return compose_status(dossier, ctx.now, subscribed)


def _ask(receipt: str, config: DossierConfig) -> str:
    if config.verify_last_digits:
        return ASK_LAST_DIGITS.format(n=config.verify_last_digits, receipt=receipt)
    return ASK_FULL_ID.format(receipt=receipt)


def _desk_phone(ctx: Context) -> tuple[str, tuple[Button, ...]]:
    phone = ctx.settings.office_phone
    if not phone:
        return "", (Button("Gặp cán bộ", "#staff"),)
    return CALL_DESK.format(phone=phone), (Button("Gọi bộ phận một cửa", phone, "phone"),)


def _unavailable(ctx: Context) -> Reply:
    extra, buttons = _desk_phone(ctx)
    return Reply(UNAVAILABLE + extra, buttons)


def _locked(ctx: Context, config: DossierConfig) -> Reply:
    extra, buttons = _desk_phone(ctx)
    minutes = max(1, round(config.verify_lock_seconds / 60))
    return Reply(LOCKED.format(minutes=minutes) + extra, buttons)
