"""Human handoff: escalation to one-stop desk staff, the gate that silences the bot meanwhile, ratings.

Wiring (handlers/__init__.py):
- gate routes: `on_staff_echo` (replies typed in Zalo's own OA manager go to the transcript) and
  `handoff_gate` for citizen messages: while the citizen has an open ticket, their messages (text and
  media) go to the ticket and the bot answers nothing, except "kết thúc"; "#rate <ticket> <score>"
  taps are stored.
- `on_text` when `asks_for_staff(text)`: explicit requests for a person, dossier complaints.
- `staff_command` as "#staff", "#staff <procedure code>", "#staff dossier <receipt>".
- `note_fallback(ctx)` from the matcher's handler when nothing matched: True means "escalate now"
  (then return `escalate(ctx, "fallback")`).
- `record_citizen_message(ctx)` as the router's before hook: the citizen's side of the transcript.
- `record_bot_replies(ctx, replies)` as the router's after hook: the bot's side of the transcript.
"""

from __future__ import annotations

from bot.conversation.context import Context
from bot.conversation.links import safe_link
from bot.conversation.privacy import redact_id_numbers
from bot.conversation.replies import Reply
from bot.office.closures import office_hours_now
from bot.stores.conversation import Conversation
from bot.tickets.arrival import arrive, record_replies
from bot.tickets.escalation import (
    asks_for_person,
    asks_to_end,
    find_receipt,
    is_courtesy,
    is_dossier_complaint,
)
from bot.tickets.model import REASON_LABELS, TranscriptEntry
from bot.tickets.store import TicketStore
from bot.tickets.transcript import CitizenTranscript
from bot.tickets.wording import ENDED, RATE_COMMAND, RATING_THANKS, RATING_UNKNOWN, forwarded, rating_request
from handlers.media import MEDIA_EVENTS

CITIZEN_EVENTS = frozenset({"user_send_text", *MEDIA_EVENTS})
# What the bot learnt about the conversation (ctx.notes), remembered for a later "Gặp cán bộ".
CONTEXT_NOTES = {"procedure": "procedure_code", "procedure_code": "procedure_code", "receipt": "receipt"}

MEDIA_LABELS = {
    "image": "Ảnh",
    "gif": "Ảnh động",
    "file": "Tệp",
    "audio": "Ghi âm",
    "video": "Video",
    "sticker": "Nhãn dán",
    "link": "Liên kết",
    "location": "Vị trí",
    "business_card": "Danh thiếp",
}


def _store(ctx: Context) -> TicketStore:
    return TicketStore(ctx.redis, ctx.settings)


def _transcript(ctx: Context) -> CitizenTranscript:
    return CitizenTranscript(ctx.redis, ctx.settings)


def _conversation(ctx: Context) -> Conversation:
    return Conversation(ctx.redis, ctx.settings)


# -- recording the conversation -------------------------------------------------------------------


def _first_time(ctx: Context, what: str) -> bool:
    return _conversation(ctx).first_time(what, ctx.event.identity)


def _attachments(ctx: Context) -> list[dict[str, str]]:
    found = []
    for item in ctx.event.message.get("attachments") or []:
        if not isinstance(item, dict):
            continue
        payload = item.get("payload")
        if not isinstance(payload, dict):
            payload = {}
        kind = str(item.get("type") or "file")
        url = safe_link(payload.get("url"))
        coordinates = payload.get("coordinates")
        if not url and isinstance(coordinates, dict):
            url = f"https://maps.google.com/?q={coordinates.get('latitude')},{coordinates.get('longitude')}"
        found.append({"type": kind, "url": url, "name": str(payload.get("name") or "")})
    return found


def _message_entry(ctx: Context, who: str, author: str = "") -> TranscriptEntry:
    attachments = _attachments(ctx)
    # Citizens type their ID number to look a dossier up: the transcript staff read never keeps it.
    text = redact_id_numbers(ctx.text.strip())
    if not text and attachments:
        text = ", ".join(f"[{MEDIA_LABELS.get(a['type'], a['type'])}]" for a in attachments)
    elif text.startswith("#"):
        text = f"[bấm nút] {text}"  # a button's hidden command, shown as such to staff
    return TranscriptEntry(ctx.now, who, text, author=author, attachments=attachments)  # type: ignore[arg-type]


def _active_ticket_id(ctx: Context) -> str | None:
    """The citizen's open ticket: as read on arrival (and kept up to date by this module), else asked."""
    if ctx.notes.get(TICKETS_READ) == "1":
        return ctx.notes.get(ACTIVE_TICKET) or None
    ticket = _store(ctx).active_for(ctx.user_id)
    return ticket.id if ticket is not None else None


def record_bot_replies(ctx: Context, replies: list[Reply]) -> None:
    """Call once per event after dispatch: the bot's replies join the transcript (and the open ticket,
    if any), and what the bot learnt (ctx.notes "procedure", "receipt") is remembered for a later
    escalation. No round trip of its own when no ticket is open (written with the outbox, ctx.writes)."""
    remembered = {field: ctx.notes[note] for note, field in CONTEXT_NOTES.items() if ctx.notes.get(note)}
    if not replies:
        if remembered:
            _conversation(ctx).remember(ctx.user_id, remembered)
        return
    entries = []
    for reply in replies:
        buttons = " ".join(f"[{button.title}]" for button in reply.buttons)
        entries.append(TranscriptEntry(ctx.now, "bot", f"{reply.text}\n{buttons}" if buttons else reply.text))
    if ctx.writes is not None and ctx.notes.get(TICKETS_READ) == "1" and not ctx.notes.get(ACTIVE_TICKET):
        record_replies(ctx.redis, ctx.settings, ctx.user_id, ctx.event.identity, entries, remembered, ctx.writes)
        return  # no ticket to copy them to
    if not record_replies(ctx.redis, ctx.settings, ctx.user_id, ctx.event.identity, entries, remembered):
        return  # a retry: recorded the first time
    ticket_id = _active_ticket_id(ctx)
    if ticket_id is not None:
        store = _store(ctx)
        for entry in entries:
            store.append(ticket_id, entry)


# -- the gate -------------------------------------------------------------------------------------


def is_staff_echo(ctx: Context) -> bool:
    return ctx.event.is_staff_echo


def is_citizen_message(ctx: Context) -> bool:
    """Text or media from the citizen (user_withdraw is not: handlers/follow.py forgets them)."""
    return not ctx.event.is_staff_echo and ctx.event.name in CITIZEN_EVENTS


def on_staff_echo(ctx: Context) -> list[Reply]:
    _record_staff_echo(ctx)
    return []


FIRST_SEEN = "citizen_first_seen"  # ctx.notes: "1" when this is not a retry of a message already recorded
# ctx.notes: the citizen's ticket ids as read on arrival ("" for none), so the gate asks Redis nothing
# more when no ticket is open.
TICKETS_READ = "tickets_read"
ACTIVE_TICKET = "active_ticket"
LAST_TICKET = "last_ticket"


def record_citizen_message(ctx: Context) -> None:
    """Before hook, for every event: a citizen's message (text or media) joins the rolling transcript
    once (not again on a worker's retry) and gets its per-citizen sequence number; their ticket ids
    are read in the same round trip."""
    if not is_citizen_message(ctx):
        return
    arrival = arrive(ctx.redis, ctx.settings, ctx.user_id, ctx.event.identity, _message_entry(ctx, "citizen"))
    ctx.notes[FIRST_SEEN] = "1" if arrival.first_time else ""
    ctx.notes["msg_seq"] = str(arrival.seq)
    ctx.notes[TICKETS_READ] = "1"
    ctx.notes[ACTIVE_TICKET] = arrival.active_ticket or ""
    ctx.notes[LAST_TICKET] = arrival.last_ticket or ""


def handoff_gate(ctx: Context) -> list[Reply] | None:
    """Gate for citizen messages (already recorded by `record_citizen_message`): [] silences the bot
    (a ticket owns the chat), None lets the bot answer."""
    event = ctx.event
    entry = _message_entry(ctx, "citizen")
    first_time = ctx.notes.get(FIRST_SEEN) == "1"
    text = ctx.text.strip()
    store = _store(ctx)
    if ctx.notes.get(TICKETS_READ) == "1" and not ctx.notes.get(ACTIVE_TICKET):
        # No ticket open (read on arrival): nothing more to ask Redis, unless one was resolved lately.
        if text.startswith(RATE_COMMAND + " "):
            return _rate(ctx, text, silent=False)
        return _maybe_reopen(ctx, store, entry, first_time) if ctx.notes.get(LAST_TICKET) else None
    ticket = store.active_for(ctx.user_id)
    if text.startswith(RATE_COMMAND + " "):
        return _rate(ctx, text, silent=ticket is not None)
    if ticket is None:
        return _maybe_reopen(ctx, store, entry, first_time)
    if event.name == "user_send_text" and asks_to_end(text):
        ctx.notes[ACTIVE_TICKET] = ""
        store.resolve(ticket.id, ctx.now, "citizen")
        store.append(ticket.id, TranscriptEntry(ctx.now, "system", "Người dân kết thúc cuộc trò chuyện"))
        return [rating_request(ticket.id, lead=ENDED)]
    if first_time:
        store.append(ticket.id, entry)
        store.citizen_wrote(ticket.id, ctx.now)
    return []  # staff own the conversation: the bot stays silent


def _record_staff_echo(ctx: Context) -> None:
    if not _first_time(ctx, "staff"):
        return
    admin = str((ctx.event.raw.get("sender") or {}).get("admin_id") or "")
    entry = _message_entry(ctx, "staff", author=f"Zalo OA ({admin})")
    _transcript(ctx).append(ctx.user_id, entry)
    store = _store(ctx)
    ticket = store.active_for(ctx.user_id)
    if ticket is not None:
        store.append(
            ticket.id,
            TranscriptEntry(entry.at, "staff", entry.text, entry.author, entry.attachments, delivery="sent"),
        )
        store.responded(ticket.id, ctx.now)


def _maybe_reopen(
    ctx: Context, store: TicketStore, entry: TranscriptEntry, first_time: bool
) -> list[Reply] | None:
    """A message soon after a resolution goes back to the same ticket (not thanks, not a button tap)."""
    text = ctx.text.strip()
    if text.startswith("#") or is_courtesy(text) or asks_to_end(text):
        return None
    last = store.last_resolved_for(ctx.user_id)
    window = ctx.settings.ticket_reopen_window_minutes * 60
    if last is None or last.resolved_at is None or (ctx.now - last.resolved_at).total_seconds() > window:
        return None
    if store.reopen(last.id, ctx.now) != "ok":
        return None
    ctx.notes[ACTIVE_TICKET] = last.id
    store.append(last.id, TranscriptEntry(ctx.now, "system", "Người dân nhắn lại: mở lại yêu cầu"))
    if first_time:
        store.append(last.id, entry)
    store.citizen_wrote(last.id, ctx.now)
    return [_forwarded(ctx, again=True)]


def _rate(ctx: Context, text: str, silent: bool) -> list[Reply]:
    parts = text.split()
    stored = False
    if len(parts) == 3 and parts[2].isascii() and parts[2].isdigit():
        stored = _store(ctx).rate(parts[1], ctx.user_id, int(parts[2]), ctx.now)
    if silent:
        return []  # a new ticket is open meanwhile: the bot says nothing
    return [Reply(RATING_THANKS if stored else RATING_UNKNOWN)]


# -- escalation -----------------------------------------------------------------------------------


def escalate(ctx: Context, reason: str, procedure_code: str = "", receipt: str = "") -> list[Reply]:
    """Open a ticket (or join the open one) carrying the recent conversation and what the bot knew."""
    remembered = _conversation(ctx).remembered(ctx.user_id)
    code = (
        procedure_code
        or ctx.notes.get("procedure_code")
        or ctx.notes.get("procedure")
        or remembered.get("procedure_code", "")
    )
    receipt = receipt or ctx.notes.get("receipt") or remembered.get("receipt", "")
    context = {"procedure_code": code, "procedure_name": _procedure_name(ctx, code), "receipt": receipt}
    store = _store(ctx)
    ticket, created = store.open(ctx.user_id, ctx.now, reason, context, _transcript(ctx).recent(ctx.user_id))
    ctx.notes[ACTIVE_TICKET] = ticket.id
    if created:
        label = REASON_LABELS.get(reason, reason)
        store.append(ticket.id, TranscriptEntry(ctx.now, "system", f"Chuyển cho cán bộ ({label})"))
        ctx.notes["escalated"] = "1"  # for the statistics
    _conversation(ctx).clear_fallbacks(ctx.user_id)
    return [_forwarded(ctx)]


def _forwarded(ctx: Context, again: bool = False) -> Reply:
    """The confirmation, with when staff will answer (office hours and holidays counted)."""
    target = ctx.settings.ticket_first_response_minutes * 60
    return forwarded(ctx.now, office_hours_now(ctx.redis, ctx.settings), target, again=again)


def _procedure_name(ctx: Context, code: str) -> str:
    if not code:
        return ""
    try:
        proc = ctx.services.catalogue.get(code)
    except Exception:  # a missing catalogue must not stop an escalation
        return ""
    return proc.name if proc is not None else ""


def asks_for_staff(text: str) -> bool:
    """"gặp cán bộ", "cho tôi nói chuyện với người", "nhân viên", dossier complaints. Pure."""
    return asks_for_person(text) or is_dossier_complaint(text)


def on_text(ctx: Context, text: str) -> list[Reply]:
    reason = "words" if asks_for_person(text) else "dossier"
    return escalate(ctx, reason, receipt=find_receipt(text))


def staff_command(ctx: Context, args: list[str]) -> list[Reply]:
    """#staff · #staff <procedure code> · #staff dossier <receipt>"""
    if args and args[0].lower() == "dossier":
        return escalate(ctx, "dossier", receipt=" ".join(args[1:]))
    return escalate(ctx, "button", procedure_code=args[0] if args else "")


# -- repeated fallbacks ---------------------------------------------------------------------------


def _message_seq(ctx: Context) -> int:
    """A per-citizen message counter (stable across retries), so fallbacks "in a row" can be told."""
    return _conversation(ctx).message_seq(ctx.user_id, ctx.event.identity)


def note_fallback(ctx: Context) -> bool:
    """The bot did not understand this message. True when that happened `handoff_fallback_limit` times
    in a row: the router should then answer with `escalate(ctx, "fallback")`."""
    seq = int(ctx.notes.get("msg_seq") or _message_seq(ctx))
    streak = _conversation(ctx).note_fallback(ctx.user_id, seq)
    return streak >= max(1, ctx.settings.handoff_fallback_limit)
