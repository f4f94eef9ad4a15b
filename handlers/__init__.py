"""Conversation handlers, wired in one place: this file is the whole handler chain, in order.

A handler returns the replies to send (possibly none); it never sends by itself. Each line below
registers one handler with what it matches (handlers/router.py): an event name, a "#command", or a
predicate on typed text. Routes are tried by group (gate → events → commands → text → fallback) and,
within a group, in the order written here. A new feature is its module plus one line here.
"""

from __future__ import annotations

from bot.conversation.choice import looks_like_choice
from bot.conversation.context import Context
from bot.conversation.replies import Reply
from bot.ops.metrics import count_decision
from bot.stores.statistics import count_event
from handlers import alerts, checkins, consent, dossier, follow, handoff, media, office, procedures, profiles, text
from handlers.router import Group, Route, Router

router = Router(unknown_command=text.not_understood)

# Once per event, before any route: the citizen's message joins the transcript staff see.
router.before(handoff.record_citizen_message)

# While staff own a citizen's conversation the bot stays silent; staff echoes join the transcript.
router.add(Route("handoff:staff-echo", Group.GATE, handoff.is_staff_echo, handoff.on_staff_echo))
# Check-in buttons under an alert work even while a ticket owns the chat, and the "Cần giúp" steps
# (where are you, one line) take the citizen's next message before the handoff and media handlers.
router.add(Route("checkins:gate", Group.GATE, checkins.is_step_event, checkins.checkin_gate))
router.add(Route("handoff:gate", Group.GATE, handoff.is_citizen_message, handoff.handoff_gate))

router.on_event(follow.on_follow, "follow")
router.on_event(follow.on_unfollow, "unfollow")
router.on_event(follow.on_withdraw, "user_withdraw")
router.on_event(media.on_media, *media.MEDIA_EVENTS, "user_reacted_message")
router.on_event(consent.on_submit_info, "user_submit_info")
router.on_event(consent.on_chat_now, "user_click_chatnow")

# "#name arg..." sent back by buttons. A photo's, file's or link's caption goes to the text routes below
# as if typed (handlers/router.py `reads_as_text`), when the media route leaves it (returns None).
router.on_command("menu", text.menu_command)
router.on_command("proc", procedures.proc_command)
router.on_command("procedures", procedures.browse_command)
router.on_command("event", procedures.event_command)
router.on_command("staff", handoff.staff_command)
router.on_command("alerts", alerts.alerts_command)
router.on_command("area", alerts.area_command)
router.on_command("checkin", checkins.checkin_command)
router.on_command("dossier", dossier.dossier_command)
router.on_command("dossier_help", dossier.help_command)
router.on_command("phone", consent.phone_command)

# Typed text, first answer wins. Dossier look-ups first: a receipt, or the ID number the bot just
# asked for, must never reach the matcher. Office questions before the matcher, so "mấy giờ làm
# việc" is not read as a procedure question.
router.on_text(text.empty_text, when=text.is_empty)
router.on_text(dossier.handle_dossier_text)
router.on_text(consent.on_forget_text, when=consent.asks_to_forget_phone)
router.on_text(handoff.on_text, when=handoff.asks_for_staff)
router.on_text(office.handle_office_text, when=office.is_office_text)
router.on_text(alerts.handle_alerts_text, when=alerts.is_alerts_question)
router.on_text(procedures.on_pick, when=looks_like_choice)
router.on_text(procedures.on_question)
router.on_text(text.fallback, group=Group.FALLBACK)

# Once per event, whichever route answered: the bot's side of the transcript staff see, and the
# statistics officials read.
router.after(handoff.record_bot_replies)
router.after(count_event)
router.after(count_decision)
# Who is writing: the citizen's Zalo name and avatar for the staff inbox, fetched once a week at most.
router.after(profiles.remember_profile)


def dispatch(ctx: Context) -> list[Reply]:
    return router.dispatch(ctx)
