"""The one way out to citizens: every feature hands the sender replies, a recipient and a key.

The sender renders replies into Zalo messages, gives each message its idempotency key
(`<key>:<index>`, a template `<key>:template`), chooses the channel (a consultation message within
Zalo's interaction window, the pre-approved template outside it), falls back to the template when
Zalo says the window has closed, and classifies what went wrong into one `Delivery`. Outside the
window a citizen who shared a phone number (with consent, bot/stores/phones.py) is reached by a ZNS
template by phone (business.openapi.zalo.me) before the ZBS template by user id is tried. Settling an
uncertain send against the conversation history stays in the client (bot.zalo.client), so a history
message settles at most one send whatever the feature.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.conversation.replies import Reply
from bot.zalo.errors import OUTSIDE_WINDOW, Outcome, ZaloError
from bot.zalo.messages import render_replies

if TYPE_CHECKING:  # the client (and `requests`) loads only where something is sent
    from redis.client import Pipeline

    from bot.zalo.client import ZaloClient

CS, TEMPLATE, ZNS, UNREACHABLE = "cs", "template", "zns", "unreachable"
DAY = 86400

# What became of a send.
SENT = "sent"
RETRY = "retry"  # transient (network, 5xx, token): try the same keys again, nothing goes twice
LATER = "later"  # quota or night ban: try much later, never loop
OUTSIDE = "outside_window"  # the window is closed and no template could reach the citizen
FAILED = "failed"  # permanent for this citizen or this message (recorded by the client)
CONFIG = "config"  # the OA or app is misconfigured: stop and alert an admin


def choose_channel(last_interaction: float | None, now: float, window_days: int, has_template: bool,
                   has_phone: bool = False) -> str:
    """Consultation message within the interaction window; outside it ZNS by phone where the citizen
    shared one (and a ZNS template is configured), else the ZBS template by user id, if there is one."""
    if last_interaction is not None and now - last_interaction < window_days * DAY:
        return CS
    if has_phone:
        return ZNS
    return TEMPLATE if has_template else UNREACHABLE


def within_window(last_interactions: Sequence[datetime | None], now: datetime, window_days: int) -> bool:
    """True while Zalo still accepts consultation messages after the latest of these moments."""
    last = max((moment for moment in last_interactions if moment is not None), default=None)
    return choose_channel(None if last is None else last.timestamp(), now.timestamp(), window_days, False) == CS


@dataclass(frozen=True)
class Template:
    template_id: str
    data: dict[str, str]


@dataclass(frozen=True)
class PhoneTemplate:
    """A ZNS template message to a phone number the citizen shared with consent."""

    phone: str
    template: Template


@dataclass(frozen=True)
class Delivery:
    status: str
    channel: str = CS
    code: int | None = None
    message_id: str = ""
    error: ZaloError | None = None

    @property
    def ok(self) -> bool:
        return self.status == SENT


def _failure(exc: ZaloError, channel: str) -> Delivery:
    if exc.transient:
        status = RETRY
    elif exc.outcome is Outcome.RESCHEDULE:
        status = LATER
    elif exc.outcome is Outcome.CONFIG:
        status = CONFIG
    elif exc.code in OUTSIDE_WINDOW:
        status = OUTSIDE
    else:
        status = FAILED
    return Delivery(status, channel, exc.code, error=exc)


class Sender:
    """Sends through one Zalo client; safe to share between threads (each thread gets its own twin
    of the client, with its own HTTP session)."""

    def __init__(self, zalo: ZaloClient) -> None:
        self.zalo = zalo
        self.settings = zalo.settings
        self._local = threading.local()
        self._main = threading.current_thread()

    @staticmethod
    def render(replies: Sequence[Reply]) -> list[dict[str, Any]]:
        return render_replies(list(replies))

    def send(self, user_id: str, replies: Sequence[Reply], key: str, *, template: Template | None = None,
             channel: str = CS, zns: PhoneTemplate | None = None) -> Delivery:
        return self.send_rendered(user_id, self.render(replies), key, template=template, channel=channel, zns=zns)

    def queue_first_claim(self, pipe: Pipeline, key: str) -> str:
        """The claim of the first consultation message `send_rendered(…, key)` sends, queued on `pipe` (with
        the outbox it is sent from); pass `first_claimed` = whether the pipeline's answer is None or the
        returned record (bot.zalo.client.ZaloClient.queue_claim)."""
        return self.zalo.queue_claim(pipe, f"{key}:0")

    def send_rendered(self, user_id: str, messages: Sequence[dict[str, Any]], key: str, *,
                      template: Template | None = None, channel: str = CS, zns: PhoneTemplate | None = None,
                      before_each: Callable[[], None] = lambda: None, first_claimed: bool = False) -> Delivery:
        """Send already rendered messages (an outbox stored before sending), in order; stops at the
        first failure, since the rest would fail the same way. `before_each` runs before every message
        (a job renewing its lease). `first_claimed`: the first message's claim was made with the outbox
        (`queue_first_claim`), one round trip fewer before it goes."""
        if channel == ZNS:
            return self._zns(user_id, zns, template, key)
        if channel == TEMPLATE:
            return self._template(user_id, template, key)
        if channel != CS:
            return Delivery(OUTSIDE, UNREACHABLE)
        zalo = self._client()
        message_id = ""
        try:
            for index, message in enumerate(messages):
                before_each()
                sent = zalo.send_message(user_id, message, f"{key}:{index}", claimed=first_claimed and index == 0)
                message_id = str(sent.get("message_id") or "")
        except ZaloError as exc:
            delivery = _failure(exc, CS)
            if delivery.status == OUTSIDE and zns is not None:
                # Our record of the citizen's last interaction was stale: their phone may still reach them.
                return self._zns(user_id, zns, template, key)
            if delivery.status == OUTSIDE and template is not None:
                # Our record of the citizen's last interaction was stale: the template may still reach them.
                return self._template(user_id, template, key)
            return delivery
        return Delivery(SENT, CS, message_id=message_id)

    def _zns(self, user_id: str, zns: PhoneTemplate | None, template: Template | None, key: str) -> Delivery:
        """ZNS by phone; a number Zalo cannot deliver to falls back to the ZBS template by user id."""
        if zns is None or not zns.phone or not zns.template.template_id:
            return self._template(user_id, template, key)
        try:
            sent = self._client().send_zns(user_id, zns.phone, zns.template.template_id, zns.template.data,
                                           f"{key}:zns")
        except ZaloError as exc:
            delivery = _failure(exc, ZNS)
            if delivery.status == FAILED and exc.outcome is Outcome.RECIPIENT and template is not None:
                return self._template(user_id, template, key)
            return delivery
        return Delivery(SENT, ZNS, message_id=str(sent.get("msg_id") or sent.get("message_id") or ""))

    def _template(self, user_id: str, template: Template | None, key: str) -> Delivery:
        if template is None or not template.template_id:
            return Delivery(OUTSIDE, UNREACHABLE)
        try:
            sent = self._client().send_template(user_id, template.template_id, template.data, f"{key}:template")
        except ZaloError as exc:
            return _failure(exc, TEMPLATE)
        return Delivery(SENT, TEMPLATE, message_id=str(sent.get("message_id") or sent.get("msg_id") or ""))

    def _client(self) -> ZaloClient:
        if threading.current_thread() is self._main:
            return self.zalo
        if not hasattr(self._local, "zalo"):
            z = self.zalo
            self._local.zalo = type(z)(z.redis, z.settings, max_attempts=z.max_attempts,
                                          backoff_seconds=z.backoff_seconds, sleep=z.sleep)
        return self._local.zalo
