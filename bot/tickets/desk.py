"""What staff do to a ticket (from the console or the API): claim, reply through Zalo, note, resolve, reopen.

A reply is queued (bot.tickets.outgoing) and sent by the worker through the one sender (`ReplyCourier`),
with an idempotency key, so a double-submitted form or a retried API call never sends twice and no web
request waits for Zalo. Zalo accepts consultation messages only within a window after the citizen's
last interaction: outside it the reply is recorded, not sent, and staff are told. The ticket page
shows each reply's delivery state (queued, sent, or why not).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import redis

from bot.config import Settings
from bot.conversation.replies import Reply
from bot.stores.followers import FollowerRegistry
from bot.tickets.model import TranscriptEntry, to_datetime
from bot.tickets.outgoing import FAILED, OUTSIDE_WINDOW, QUEUED, RATING, SENT, OutgoingReplies, OutgoingReply
from bot.tickets.store import ClaimResult, TicketStore
from bot.tickets.transcript import CitizenTranscript
from bot.tickets.wording import rating_request
from bot.zalo.sender import OUTSIDE, Sender, within_window

log = logging.getLogger(__name__)

MAX_REPLY_CHARS = 4000  # longer replies are split into several Zalo messages of 2,000 characters
OUTSIDE_WINDOW_DETAIL = (
    "Chưa gửi được: người dân không nhắn tin cho OA trong {days} ngày qua "
    "(quy định của Zalo). Hãy liên hệ qua điện thoại hoặc chờ người dân nhắn lại."
)
FAILED_DETAIL = "Gửi qua Zalo không thành công (mã lỗi {code}). Vui lòng thử lại sau."


@dataclass(frozen=True)
class ActionResult:
    # queued (for the worker to send), outside_window · taken (another staff member owns it), resolved,
    # missing, invalid · ok
    status: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("ok", SENT, QUEUED)


# Hands (ticket id, reply reference) to the worker: ReplyCourier.deliver runs there. Whatever it returns
# (rq's Job) is not used.
Enqueue = Callable[[str, str], object]


class StaffDesk:
    def __init__(
        self,
        store: TicketStore,
        followers: FollowerRegistry,
        settings: Settings,
        enqueue: Enqueue,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.outgoing = OutgoingReplies(store.redis, settings)
        self.enqueue = enqueue
        self.followers = followers
        self.settings = settings
        self.clock = clock

    def claim(self, ticket_id: str, who: str, force: bool = False) -> ClaimResult:
        return self.store.claim(ticket_id, who, self.clock(), force=force)

    def note(self, ticket_id: str, text: str, author: str) -> ActionResult:
        if self.store.get(ticket_id) is None:
            return ActionResult("missing")
        self.store.append(ticket_id, TranscriptEntry(self.clock(), "note", text.strip(), author=author))
        return ActionResult("ok")

    def within_window(self, user_id: str, last_citizen_at: datetime | None) -> bool:
        known = [last_citizen_at, to_datetime(self.followers.get(user_id).get("last_interaction"))]
        return within_window(known, self.clock(), self.settings.interaction_window_days)

    def transcript(self, ticket_id: str) -> list[TranscriptEntry]:
        """The ticket's transcript, each staff reply with its current delivery state."""
        states = self.outgoing.states(ticket_id)
        return [
            replace(entry, delivery=states[entry.ref][0], detail=states[entry.ref][1])
            if entry.ref in states else entry
            for entry in self.store.log(ticket_id)
        ]

    def reply(self, ticket_id: str, text: str, author: str, idempotency_key: str) -> ActionResult:
        """Send `text` to the citizen; claims an unowned ticket, refuses one owned by someone else."""
        text = text.strip()
        if not text or len(text) > MAX_REPLY_CHARS:
            return ActionResult("invalid", f"text must be 1–{MAX_REPLY_CHARS} characters")
        ticket = self.store.get(ticket_id)
        if ticket is None:
            return ActionResult("missing")
        if not ticket.is_active:
            return ActionResult("resolved", "the ticket is resolved: reopen it first")
        claim = self.claim(ticket_id, author)
        if not claim.ok:
            return ActionResult(claim.outcome, claim.assignee)
        ref = f"ticket:{ticket_id}:{idempotency_key}"
        if not self.store.first_use(f"reply:{ticket_id}:{idempotency_key}"):
            earlier = self.outgoing.get(ticket_id, ref)  # the same form or API call, submitted twice
            return ActionResult(earlier.state if earlier else SENT, "duplicate")
        now = self.clock()
        if not self.within_window(ticket.user_id, ticket.last_citizen_at):
            detail = OUTSIDE_WINDOW_DETAIL.format(days=self.settings.interaction_window_days)
            self.store.append(
                ticket_id,
                TranscriptEntry(now, "staff", text, author, delivery="outside_window", detail=detail),
            )
            return ActionResult("outside_window", detail)
        self.outgoing.queue(OutgoingReply(ticket_id, ref, ticket.user_id, text, author, now.timestamp(),
                                          once=f"reply:{ticket_id}:{idempotency_key}"))
        self.store.append(ticket_id, TranscriptEntry(now, "staff", text, author, delivery=QUEUED, ref=ref))
        self.enqueue(ticket_id, ref)
        return ActionResult(QUEUED)

    def resolve(self, ticket_id: str, author: str, force: bool = False) -> ActionResult:
        """Resolve, then ask the citizen for a 1–5 rating (when Zalo's window allows).

        Only the ticket's owner resolves it (an unowned ticket becomes the resolver's); `force` (admins)
        resolves someone else's."""
        ticket = self.store.get(ticket_id)
        if ticket is None:
            return ActionResult("missing")
        if ticket.is_active and not force:
            claim = self.claim(ticket_id, author)
            if not claim.ok:
                return ActionResult(claim.outcome, claim.assignee)
        if not self.store.resolve(ticket_id, self.clock(), author):
            return ActionResult("resolved", "already resolved")
        self.store.append(ticket_id, TranscriptEntry(self.clock(), "system", "Đã giải quyết", author=author))
        if self.within_window(ticket.user_id, ticket.last_citizen_at):
            ref = f"ticket:{ticket_id}:rating:{ticket.reopened}"
            self.outgoing.queue(OutgoingReply(ticket_id, ref, ticket.user_id, "", author,
                                              self.clock().timestamp(), kind=RATING))
            self.enqueue(ticket_id, ref)
        return ActionResult("ok")

    def reopen(self, ticket_id: str, author: str) -> ActionResult:
        outcome = self.store.reopen(ticket_id, self.clock())
        if outcome == "ok":
            self.store.append(ticket_id, TranscriptEntry(self.clock(), "system", "Mở lại", author=author))
            return ActionResult("ok")
        return ActionResult(outcome)



class ReplyCourier:
    """On the worker: sends a queued staff reply (or rating request) through the sender, then records
    how it went. Running twice for one reply sends it once (the record, then the sender's keys)."""

    def __init__(self, store: TicketStore, sender: Sender, settings: Settings) -> None:
        self.store = store
        self.sender = sender
        self.settings = settings
        self.outgoing = OutgoingReplies(store.redis, settings)

    def deliver(self, ticket_id: str, ref: str) -> str:
        lock = self.outgoing.sending(ticket_id, ref)
        if not lock.acquire():
            return "busy"  # another worker is sending it and will record how it went
        try:
            return self._deliver(ticket_id, ref)
        finally:
            lock.release()

    def _deliver(self, ticket_id: str, ref: str) -> str:
        reply = self.outgoing.get(ticket_id, ref)
        if reply is None or reply.state != QUEUED:
            return reply.state if reply else "missing"
        message = rating_request(ticket_id) if reply.kind == RATING else Reply(reply.text)
        delivery = self.sender.send(reply.user_id, [message], ref)
        if delivery.ok:
            self.outgoing.settle(reply, SENT)
            if reply.kind != RATING:
                at = datetime.fromtimestamp(reply.queued_at, UTC)
                self.store.responded(ticket_id, at)
                # Also in the citizen's rolling transcript, so a later ticket shows this exchange too.
                CitizenTranscript(self.store.redis, self.settings).append(
                    reply.user_id, TranscriptEntry(at, "staff", reply.text, reply.author)
                )
        elif delivery.status == OUTSIDE:
            self.outgoing.settle(reply, OUTSIDE_WINDOW,
                                 OUTSIDE_WINDOW_DETAIL.format(days=self.settings.interaction_window_days))
        else:
            code = delivery.code if delivery.code is not None else "mạng"
            self.outgoing.settle(reply, FAILED, FAILED_DETAIL.format(code=code))
            if reply.once:
                self.store.forget_use(reply.once)  # staff may send the same form again
        if reply.kind == RATING and not delivery.ok:
            log.warning("rating request not sent", extra={"ticket": ticket_id, "status": delivery.status})
        self.store.changed()  # the ticket page re-reads the transcript
        return delivery.status


def send_staff_reply_job(ticket_id: str, ref: str) -> str:
    """rq job (worker): deliver one queued staff reply."""
    from bot.runtime import current

    rt = current()
    return ReplyCourier(TicketStore(rt.redis, rt.settings), rt.sender, rt.settings).deliver(ticket_id, ref)


def recover_staff_replies(client: redis.Redis, settings: Settings, enqueue: Enqueue) -> int:
    """At worker start: enqueue the replies a dead worker left queued (sending twice is impossible)."""
    left = OutgoingReplies(client, settings).still_queued()
    for ticket_id, ref in left:
        enqueue(ticket_id, ref)
    return len(left)
