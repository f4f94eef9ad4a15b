"""Procedure questions: match the citizen's words, answer, ask to pick, or fall back politely.

Also the buttons of an answer ("#proc <code> docs|steps|legal [page]"), the life-event browser
("#procedures", "#event <id>"), and picks ("2", "cái thứ hai") among the candidates offered.
"""

from __future__ import annotations

from urllib.parse import quote_plus

from bot.conversation.choice import parse_choice
from bot.conversation.context import Context
from bot.conversation.replies import Button, Reply
from bot.conversation.texts import MENU_BUTTONS
from bot.office.current import office_config
from bot.procedures import procedure_reply
from bot.procedures.card_lookup import card_for
from bot.procedures.clarify import compose_clarify
from bot.stores.conversation import Conversation
from handlers import handoff

GREETING = "Dạ, em chào Anh/Chị! Anh/Chị cần hỏi thủ tục gì, hay tra cứu hồ sơ ạ?"
THANKS = "Dạ, không có gì ạ. Anh/Chị cần hỗ trợ thêm cứ nhắn em nhé!"
BYE = "Dạ, chào Anh/Chị. Chúc Anh/Chị một ngày tốt lành!"
ACK = "Dạ vâng ạ. Anh/Chị cần hỏi thêm gì cứ nhắn em nhé."
OFFTOPIC = ("Dạ, em là trợ lý thủ tục hành chính của {commune}, nên chưa trả lời được câu hỏi này. "
            "Anh/Chị có thể hỏi em về giấy tờ, thủ tục, hồ sơ hoặc thông báo của xã/phường ạ.")
# A remark or a complaint ("nhà hàng xóm xây bụi bay sang nhà em quá trời"): acknowledged, and a person is
# one tap away for whoever wants the commune to act on it.
REMARK = ("Dạ, em cảm ơn Anh/Chị đã chia sẻ ạ. Nếu cần hỏi thủ tục, giấy tờ hoặc muốn phản ánh với xã/phường, "
          "Anh/Chị cứ nhắn em hoặc bấm \"Hỏi cán bộ\" nhé.")
NOT_FOUND = ("Dạ, em chưa tìm thấy thủ tục phù hợp với câu hỏi của Anh/Chị. "
             "Anh/Chị thử gõ tên việc cần làm ngắn gọn hơn (ví dụ \"đăng ký khai sinh\"), "
             "tra trên Cổng Dịch vụ công, hoặc hỏi cán bộ ạ.")

_SMALL_TALK = {"greeting": GREETING, "thanks": THANKS, "bye": BYE, "ack": ACK, "laugh": ACK}


def _conversation(ctx: Context) -> Conversation:
    return Conversation(ctx.redis, ctx.settings)


def answer(ctx: Context, code: str, section: str | None = None, page: int = 1) -> list[Reply]:
    proc = ctx.services.catalogue.get(code)
    if proc is None:
        return [Reply(NOT_FOUND, MENU_BUTTONS)]
    ctx.notes["procedure"] = proc.code
    _conversation(ctx).withdraw_offer(ctx.user_id, ctx.writes)
    if section in (*procedure_reply.SECTIONS, "case"):
        return procedure_reply.compose_section(proc, section, page)
    return procedure_reply.compose_answer(proc, office_config(ctx.redis, ctx.settings).info, card_for(proc.code))


def portal_search_url(ctx: Context, text: str) -> str:
    """PORTAL_SEARCH_URL may hold a `{q}` placeholder for the query; else the portal's home page."""
    template = ctx.settings.portal_search_url
    return template.replace("{q}", quote_plus(text)) if template else ctx.settings.portal_url


def not_found(ctx: Context, text: str) -> list[Reply]:
    ctx.notes["fallback"] = "1"
    if handoff.note_fallback(ctx):  # not understood several times in a row: a person takes over
        return handoff.escalate(ctx, "fallback")
    return [Reply(NOT_FOUND, (
        Button("Tìm trên Cổng DVC", portal_search_url(ctx, text), "url"),
        Button("Hỏi cán bộ", "#staff"),
        Button("Xem danh mục", "#procedures"),
    ))]


def on_pick(ctx: Context, text: str) -> list[Reply] | None:
    """A number or ordinal right after a clarifying question picks one of its candidates (routed when
    `looks_like_choice(text)`; None when no question is open or the number is not among them)."""
    codes = _conversation(ctx).offered(ctx.user_id)
    if codes is None:
        return None
    index = parse_choice(text, len(codes))
    if index is None:
        return None
    return answer(ctx, codes[index])


def on_question(ctx: Context, text: str) -> list[Reply] | None:
    """The matcher's decision, turned into replies. Receipt numbers are left to the dossier handler."""
    result = ctx.services.matcher.match(text)
    if result.intent == "receipt":
        return None
    ctx.notes["decision"] = result.decision
    if result.decision == "chitchat":
        if result.intent == "offtopic":
            return [Reply(OFFTOPIC.format(commune=ctx.settings.commune_name), MENU_BUTTONS)]
        if result.intent == "remark":
            return [Reply(REMARK, (Button("Hỏi cán bộ", "#staff"),))]
        return [Reply(_SMALL_TALK.get(result.intent or "", ACK))]
    if result.decision == "answer":
        return answer(ctx, result.candidates[0].code)
    if result.decision == "clarify":
        codes = [c.code for c in result.candidates]
        _conversation(ctx).offer(ctx.user_id, codes)
        question = compose_clarify([c.name for c in result.candidates])
        labelled = zip(question.labels, result.candidates, strict=True)
        buttons = tuple(Button(label, f"#proc {c.code}") for label, c in labelled)
        return [Reply(question.text, (*buttons, Button("Hỏi cán bộ", "#staff")))]
    return not_found(ctx, text)


def proc_command(ctx: Context, args: list[str]) -> list[Reply]:
    if not args:
        return browse_command(ctx, [])
    page = int(args[2]) if len(args) > 2 and args[2].isdigit() else 1
    return answer(ctx, args[0], args[1] if len(args) > 1 else None, page)


def browse_command(ctx: Context, args: list[str]) -> list[Reply]:
    return procedure_reply.compose_life_event_menu(ctx.services.catalogue)


def event_command(ctx: Context, args: list[str]) -> list[Reply]:
    if not args:
        return browse_command(ctx, [])
    return procedure_reply.compose_life_event(ctx.services.catalogue, args[0])
