"""A desk closure's effect on dossiers: due dates inside it move, and each subscribed citizen is told once.

Run on the worker (`closure_notices_job`), restartable at every step:
1. every subscribed dossier still in progress and due during the closure gets its new due date in
   the embedded store (marked with the closure's id, so a second run moves nothing again), and its
   subscribers are recorded as affected;
2. each affected citizen gets one message, listing their dossiers, through the one sender with the
   idempotency key `closure:<id>:<citizen>`, and is marked told; a worker killed between Zalo's
   answer and the mark re-sends nothing (the sender settles the send in flight first).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import redis

from bot.broadcasts.audit import AuditLog
from bot.config import Settings
from bot.conversation.replies import Reply
from bot.dossiers.model import Dossier
from bot.dossiers.status import IN_PROGRESS, format_date, template_data
from bot.dossiers.store import RedisDossierStore
from bot.dossiers.subscriptions import Subscriptions
from bot.logs import hash_user
from bot.office.closures import Closure, ClosureStore, closure_line, new_due, office_hours_now, parse_closure
from bot.stores.lock import Lock
from bot.zalo.sender import RETRY, Sender, Template

log = logging.getLogger(__name__)
MAX_LISTED = 5
LOCK_SECONDS = 60


def move_due_dates(client: redis.Redis, settings: Settings, closure: Closure, now: datetime) -> dict[str, list[str]]:
    """Step 1: the dossiers due during the closure, moved; {citizen: [receipts]} recorded and returned."""
    dossiers = RedisDossierStore(client, settings)
    subscriptions = Subscriptions(client, settings)
    closures = ClosureStore(client, settings)
    hours = office_hours_now(client, settings)
    affected: dict[str, list[str]] = defaultdict(list)
    for receipt in subscriptions.subscribed_receipts():
        dossier = dossiers.get(receipt)
        if dossier is None or not _due_during(dossier, closure):
            continue
        if dossier.due_moved_by != closure.id:
            assert dossier.due_at is not None
            moved = replace(dossier, due_at=new_due(dossier.due_at, closure, hours), due_moved_from=dossier.due_at,
                            due_moved_reason=closure.reason, due_moved_by=closure.id)
            dossiers.upsert(moved, now)
        for user_id in subscriptions.last_pushed(receipt):
            affected[user_id].append(receipt)
    for user_id, receipts in affected.items():
        closures.record_affected(closure.id, user_id, receipts)
    return dict(affected)


def _due_during(dossier: Dossier, closure: Closure) -> bool:
    if dossier.status not in IN_PROGRESS:
        return False
    if dossier.due_moved_by == closure.id:
        return True  # moved by an earlier run of this job: its citizens may still wait for the message
    return dossier.due_at is not None and closure.covers(dossier.due_at)


def notice(closure: Closure, dossiers: list[Dossier]) -> Reply:
    """The one message a citizen gets: the desk is closed, and when each result is due now."""
    lines = [closure_line(closure), "Hồ sơ của Anh/Chị có hẹn trả trong thời gian này được dời lịch:"]
    for dossier in dossiers[:MAX_LISTED]:
        due = format_date(dossier.due_at) if dossier.due_at else "sẽ báo sau"
        lines.append(f"• {dossier.receipt}: hẹn trả mới {due}")
    if len(dossiers) > MAX_LISTED:
        lines.append(f"• … và {len(dossiers) - MAX_LISTED} hồ sơ khác")
    lines.append("Anh/Chị không cần đến trong thời gian tạm nghỉ. Xin lỗi Anh/Chị vì sự bất tiện.")
    return Reply("\n".join(lines))


def send_notices(client: redis.Redis, settings: Settings, closure: Closure, sender: Sender,
                 template_id: str = "", still_mine: Callable[[], object] = lambda: True) -> dict[str, int]:
    """Step 2: one message per affected citizen who was not told yet. Transient errors propagate
    (the job is retried and sends only what did not go)."""
    closures = ClosureStore(client, settings)
    dossiers = RedisDossierStore(client, settings)
    told = closures.notified(closure.id)
    report = {"sent": 0, "failed": 0}
    for user_id, receipts in sorted(closures.affected(closure.id).items()):
        if user_id in told:
            continue
        still_mine()
        theirs = [d for d in (dossiers.get(r) for r in receipts) if d is not None]
        if not theirs:
            continue
        template = Template(template_id, template_data(theirs[0])) if template_id else None
        delivery = sender.send(user_id, [notice(closure, theirs)], f"closure:{closure.id}:{user_id}",
                               template=template)
        if delivery.status == RETRY and delivery.error is not None:
            raise delivery.error
        closures.mark_notified(closure.id, user_id)  # sent, or failed for good: either way once
        report["sent" if delivery.ok else "failed"] += 1
        if not delivery.ok:
            log.warning("closure notice not sent", extra={"user": hash_user(user_id, settings),
                                                          "code": delivery.code})
    return report


def apply_closure(client: redis.Redis, settings: Settings, closure_id: str, sender: Sender,
                  now: datetime | None = None) -> dict[str, int]:
    """Both steps, by one worker at a time; the closure stops being pending once every citizen is told."""
    closures = ClosureStore(client, settings)
    closure = closures.get(closure_id)
    if closure is None:
        closures.done(closure_id)
        return {}
    lock = Lock(client, closures.lock_key(closure_id), LOCK_SECONDS, renew_every=LOCK_SECONDS / 4)
    if not lock.acquire():
        return {}  # another worker is on it
    try:
        move_due_dates(client, settings, closure, now or datetime.now(UTC))
        report = send_notices(client, settings, closure, sender, settings.dossier.template_id, lock.renew)
        closures.done(closure_id)
        return report
    finally:
        lock.release()


def recover_closures(client: redis.Redis, settings: Settings, enqueue: Callable[[str], object]) -> int:
    """At worker start: re-run the closures a dead worker left half told (nobody is told twice)."""
    pending = ClosureStore(client, settings).pending()
    for closure_id in pending:
        enqueue(closure_id)
    return len(pending)


def closure_notices_job(closure_id: str) -> dict[str, int]:
    """rq job (worker): move the due dates and tell the citizens."""
    from bot.runtime import current

    rt = current()
    return apply_closure(rt.redis, rt.settings, closure_id, rt.sender)


def declare_closure(client: redis.Redis, settings: Settings, data: dict[str, object], actor: str,
                    queue: Any, now: datetime | None = None) -> Closure:
    """Store a closure the console or the API declared, audit it, and queue the notices (the worker
    sends them, so no web request waits for Zalo). Raises ClosureError on bad input."""
    closure = parse_closure(data, actor, now or datetime.now(UTC))
    ClosureStore(client, settings).add(closure)
    moved_to = closure.results_on.strftime("%d/%m/%Y") if closure.results_on else "ngày làm việc kế tiếp"
    AuditLog(client, settings).record(actor, "closed", f"closure:{closure.id}",
                                      f"{closure_line(closure)} Kết quả dời sang {moved_to}.")
    queue.enqueue(closure_notices_job, closure.id, result_ttl=0)
    return closure
