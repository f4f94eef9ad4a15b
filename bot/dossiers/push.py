"""Status pushes: every subscribed citizen gets exactly one message per status change, in order.

The record of what was sent is the subscriber's last pushed version (bot.dossiers.subscriptions),
moved forward right after each successful send. A worker that dies mid-way leaves the versions
it did not mark, and the retried job sends exactly those. Each send also carries an idempotency
key (receipt, version, citizen), so even a death between Zalo's "sent" and our mark does not
send twice through the Zalo client.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

import redis

from bot.config import Settings
from bot.dossiers.status import compose_change_notice, template_data
from bot.dossiers.store import Change, RedisDossierStore
from bot.dossiers.subscriptions import Subscriptions
from bot.logs import hash_user
from bot.ops.metrics import dossier_push
from bot.queue.delayed import DelayedSet
from bot.stores.lock import Lock
from bot.stores.phones import PhoneStore
from bot.zalo.errors import ZNS_NIGHT_BAN, seconds_until_morning
from bot.zalo.sender import LATER, RETRY, TEMPLATE, ZNS, PhoneTemplate, Sender, Template

log = logging.getLogger(__name__)

LOCK_SECONDS = 120
BUSY_RETRY_SECONDS = 5.0
RESCHEDULE_SECONDS = 15 * 60.0


class PushDeferred(Exception):
    """Try this receipt's pushes again later (quota, night ban, another worker busy with it)."""

    def __init__(self, retry_after: float, reason: str) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


@dataclass(frozen=True)
class PendingPush:
    user_id: str
    change: Change


@dataclass
class PushReport:
    sent: int = 0
    by_template: int = 0
    by_zns: int = 0
    failed: list[tuple[str, int, int | None]] = field(default_factory=list)  # (user, version, code)


def pending_pushes(client: redis.Redis, settings: Settings, receipt: str) -> list[PendingPush]:
    """Every (subscriber, change) still to send, each subscriber's in version order."""
    store = RedisDossierStore(client, settings)
    last = Subscriptions(client, settings).last_pushed(receipt)
    if not last:
        return []
    changes = store.changes_since(receipt, min(last.values()))
    return [
        PendingPush(user, change)
        for user, version in sorted(last.items())
        for change in changes
        if change.version > version
    ]


def mark_pushed(client: redis.Redis, settings: Settings, receipt: str, user_id: str, version: int) -> bool:
    return Subscriptions(client, settings).mark_pushed(receipt, user_id, version)


def idempotency_key(receipt: str, version: int, user_id: str) -> str:
    return f"dossier-push:{receipt}:{version}:{user_id}"


def push_status_changes(
    client: redis.Redis,
    settings: Settings,
    receipt: str,
    sender: Sender,
    template_id: str = "",
    now: datetime | None = None,
) -> PushReport:
    """Send what is pending for `receipt` through the sender (outside Zalo's window, the template
    `template_id` when there is one). Transient Zalo errors propagate (retry the job: nothing is
    sent twice); quota and night bans raise PushDeferred; permanent failures are recorded per
    subscriber and that change is skipped for them, so nothing loops."""
    lock_key = f"{settings.key_prefix}dossier:push-lock:{receipt}"
    lock = Lock(client, lock_key, LOCK_SECONDS)
    if not lock.acquire():
        raise PushDeferred(BUSY_RETRY_SECONDS, "another worker is pushing this dossier")
    try:
        return _push_pending(client, settings, receipt, sender, template_id, now or datetime.now(UTC))
    finally:
        lock.release()


def _push_pending(
    client: redis.Redis,
    settings: Settings,
    receipt: str,
    sender: Sender,
    template_id: str,
    now: datetime,
) -> PushReport:
    subscriptions = Subscriptions(client, settings)
    report = PushReport()
    given_up: set[str] = set()
    pending = pending_pushes(client, settings, receipt)
    latest = {push.user_id: push.change.version for push in pending}  # in version order: the last wins
    for push in pending:
        if push.user_id in given_up:
            continue
        version, key = push.change.version, idempotency_key(receipt, push.change.version, push.user_id)
        template = Template(template_id, template_data(push.change.dossier)) if template_id else None
        delivery = sender.send(push.user_id, compose_change_notice(push.change.dossier, now), key,
                               template=template, zns=_by_phone(client, settings, push))
        dossier_push(delivery)
        if delivery.status == RETRY and delivery.error is not None:
            raise delivery.error
        if delivery.status == LATER:
            # ZNS's night ban lifts at 06:00: no point asking every 15 minutes until then.
            wait = seconds_until_morning(now) if delivery.code == ZNS_NIGHT_BAN else RESCHEDULE_SECONDS
            raise PushDeferred(wait, f"zalo {delivery.code}") from delivery.error
        if not delivery.ok:
            # Permanent for this citizen now: record it, skip their remaining changes in this run.
            subscriptions.record_failure(receipt, push.user_id, version, delivery.code)
            report.failed.append((push.user_id, version, delivery.code))
            subscriptions.mark_pushed(receipt, push.user_id, latest[push.user_id])
            given_up.add(push.user_id)
            log.warning(
                "dossier push failed", extra={"user": hash_user(push.user_id, settings), "code": delivery.code}
            )
            continue
        subscriptions.mark_pushed(receipt, push.user_id, version)
        if delivery.channel == TEMPLATE:
            report.by_template += 1
        elif delivery.channel == ZNS:
            report.by_zns += 1
        else:
            report.sent += 1
    return report


def _by_phone(client: redis.Redis, settings: Settings, push: PendingPush) -> PhoneTemplate | None:
    """ZNS to the number the citizen shared, when a ZNS status template is configured."""
    template_id = settings.reach.dossier_zns_template_id
    if not template_id:
        return None
    phone = PhoneStore(client, settings).phone(push.user_id)
    return PhoneTemplate(phone, Template(template_id, template_data(push.change.dossier))) if phone else None


# -- delayed pushes (quota, night ban, busy): a sorted set the worker's poll loop releases --------


def delayed_pushes(client: redis.Redis, settings: Settings) -> DelayedSet:
    return DelayedSet(client, f"{settings.shared_prefix}dossier:push-delayed")  # the deployment's, every tenant's


def defer_push(client: redis.Redis, settings: Settings, receipt: str, delay_seconds: float) -> None:
    from bot.queue.jobs import tenant_member

    delayed_pushes(client, settings).defer(tenant_member(settings, receipt), delay_seconds)
