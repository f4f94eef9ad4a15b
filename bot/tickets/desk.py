"""What staff do to a ticket (from the console or the API): claim, reply through Zalo, note, resolve, reopen.

Replies go out from the web process through the Zalo client, each with an idempotency key, so a
double-submitted form or a retried API call never sends twice. Zalo accepts consultation messages
only within a window after the citizen's last interaction: outside it the reply is recorded, not sent,
and staff are told.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.config import Settings
from bot.followers import FollowerRegistry
from bot.replies import Reply
from bot.tickets.model import TranscriptEntry, to_datetime
from bot.tickets.store import ClaimResult, TicketStore
from bot.tickets.transcript import CitizenTranscript
from bot.tickets.wording import rating_request
from bot.zalo.client import ZaloClient
from bot.zalo.errors import OUTSIDE_WINDOW, ZaloError
from bot.zalo.messages import render_reply

log = logging.getLogger(__name__)

MAX_REPLY_CHARS = 4000  # longer replies are split into several Zalo messages of 2,000 characters
OUTSIDE_WINDOW_DETAIL = (
    "Chưa gửi được: người dân không nhắn tin cho OA trong {days} ngày qua "
    "(quy định của Zalo). Hãy liên hệ qua điện thoại hoặc chờ người dân nhắn lại."
)
FAILED_DETAIL = "Gửi qua Zalo không thành công (mã lỗi {code}). Vui lòng thử lại sau."


@dataclass(frozen=True)
class ActionResult:
    # sent, outside_window, failed · taken (another staff member owns it), resolved, missing, invalid · ok
    status: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "sent")


class StaffDesk:
    def __init__(
        self,
        store: TicketStore,
        zalo: ZaloClient,
        followers: FollowerRegistry,
        settings: Settings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.zalo = zalo
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
        last = max((moment for moment in known if moment is not None), default=None)
        window = timedelta(days=self.settings.interaction_window_days)
        return last is not None and self.clock() - last <= window

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
        if not self.store.first_use(f"reply:{ticket_id}:{idempotency_key}"):
            return ActionResult("sent", "duplicate")  # the same form or API call, submitted twice
        now = self.clock()
        if not self.within_window(ticket.user_id, ticket.last_citizen_at):
            detail = OUTSIDE_WINDOW_DETAIL.format(days=self.settings.interaction_window_days)
            self.store.append(
                ticket_id,
                TranscriptEntry(now, "staff", text, author, delivery="outside_window", detail=detail),
            )
            return ActionResult("outside_window", detail)
        result = self._send(ticket.user_id, Reply(text), f"ticket:{ticket_id}:{idempotency_key}")
        self.store.append(
            ticket_id,
            TranscriptEntry(now, "staff", text, author, delivery=result.status, detail=result.detail),
        )
        if result.ok:
            self.store.responded(ticket_id, now)
            # Also in the citizen's rolling transcript, so a later ticket shows this exchange too.
            CitizenTranscript(self.store.redis, self.settings).append(
                ticket.user_id, TranscriptEntry(now, "staff", text, author)
            )
        else:
            self.store.forget_use(f"reply:{ticket_id}:{idempotency_key}")  # the same key may be retried
        return result

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
            prompt = self._send(
                ticket.user_id, rating_request(ticket_id), f"ticket:{ticket_id}:rating:{ticket.reopened}"
            )
            if not prompt.ok:
                log.warning("rating request not sent", extra={"ticket": ticket_id, "status": prompt.status})
        return ActionResult("ok")

    def reopen(self, ticket_id: str, author: str) -> ActionResult:
        outcome = self.store.reopen(ticket_id, self.clock())
        if outcome == "ok":
            self.store.append(ticket_id, TranscriptEntry(self.clock(), "system", "Mở lại", author=author))
            return ActionResult("ok")
        return ActionResult(outcome)

    def _send(self, user_id: str, reply: Reply, key: str) -> ActionResult:
        try:
            for index, message in enumerate(render_reply(reply)):
                self.zalo.send_message(user_id, message, idempotency_key=f"{key}:{index}")
        except ZaloError as exc:
            if exc.code in OUTSIDE_WINDOW:
                return ActionResult(
                    "outside_window", OUTSIDE_WINDOW_DETAIL.format(days=self.settings.interaction_window_days)
                )
            return ActionResult(
                "failed", FAILED_DETAIL.format(code=exc.code if exc.code is not None else "mạng")
            )
        return ActionResult("sent")
