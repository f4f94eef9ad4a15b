"""Fan-out on the worker: fix the recipients, then send them in batches, one rq job per batch.

Exactly-once per recipient rests on two things: each delivery record leaves "queued" once
(store.finish), and every send carries the idempotency key `bc:<id>:<user_id>`, so a worker
killed between Zalo's answer and our record re-sends nothing when the batch runs again. A batch
is held by one job at a time (a lease renewed while it runs); `recover_broadcasts` (at worker
start, and when a batch ends) re-enqueues batches whose holder died.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis
from rq import Queue

from bot.broadcasts.checkins import CheckinStore
from bot.broadcasts.compose import consultation_reply, template_data
from bot.broadcasts.followup import audience_recipients, checkin_board_of
from bot.broadcasts.ratelimit import TokenBucket
from bot.broadcasts.retention import mark_finished
from bot.broadcasts.store import Broadcast, BroadcastStore
from bot.broadcasts.targeting import CS, TEMPLATE, UNREACHABLE, ZNS, Recipient, recipients
from bot.config import Settings
from bot.office.current import effective_settings
from bot.queue.delayed import DelayedSet
from bot.queue.jobs import make_queue
from bot.stores.lock import Lock
from bot.stores.phones import PhoneStore
from bot.stores.values import texts
from bot.zalo.sender import CONFIG, OUTSIDE, RETRY, PhoneTemplate, Sender, Template

log = logging.getLogger(__name__)

RETRY_PAUSES = (1.0, 3.0)  # extra passes over transient failures, after the client's own retries
JOB_TIMEOUT = 6 * 3600
# Sends in flight per batch job: Zalo's latency, not our CPU, bounds one sender; the shared token
# bucket still caps the total rate.
SENDERS_PER_BATCH = 4


def idempotency_key(broadcast_id: str, user_id: str) -> str:
    return f"bc:{broadcast_id}:{user_id}"


# -- the web side: ask for a send ---------------------------------------------------------------


def request_send(client: redis.Redis, settings: Settings, broadcast_id: str, approver: str,
                 at: datetime | None = None, queue: Queue | None = None, enqueue: bool = True) -> None:
    """Approve a draft: prepare now, or at `at` (the worker's scheduler releases it then; a worker's
    start also starts overdue ones). `enqueue=False`: the caller starts the preparation itself (a
    province-wide alert, bot.tenants.province)."""
    store = BroadcastStore(client, settings)
    queue = queue or make_queue(client, settings)
    fields: dict[str, object] = {"approved_by": approver, "status": "scheduled" if at else "preparing"}
    if at:
        fields["scheduled_at"] = at.timestamp()
    store.update(broadcast_id, **fields)
    client.sadd(f"{store.p}running", broadcast_id)
    if not enqueue:
        return
    if at:
        scheduled_broadcasts(client, settings).defer(broadcast_id, at.timestamp() - time.time())
    else:
        queue.enqueue(prepare_job, broadcast_id, job_timeout=JOB_TIMEOUT, result_ttl=0)


def scheduled_broadcasts(client: redis.Redis, settings: Settings) -> DelayedSet:
    """Broadcasts approved for later, by due time (released by bot.queue.worker's scheduler)."""
    return DelayedSet(client, f"{settings.key_prefix}bc:scheduled")


def stop(client: redis.Redis, settings: Settings, broadcast_id: str, reason: str = "") -> bool:
    """Stop what has not gone yet: running batches see the flag and record the rest as cancelled."""
    store = BroadcastStore(client, settings)
    broadcast = store.get(broadcast_id)
    if broadcast is None or broadcast.status in ("done", "stopped"):
        return False
    store.update(broadcast_id, status="stopped", reason=reason or "stopped")
    if broadcast.status in ("draft", "scheduled"):
        store.unpublish(broadcast_id)
    return True


# -- the worker side ----------------------------------------------------------------------------


def prepare(client: redis.Redis, settings: Settings, broadcast_id: str, queue: Queue | None = None,
            enqueue_batches: bool = True, keep_alive: Callable[[], object] = lambda: None) -> int:
    """Fix the recipient list (restartable: a half-written list is rebuilt), then enqueue the batches
    (unless the caller interleaves them with other communes' batches: `enqueue_batches=False`; its own
    lease is then renewed through `keep_alive` as the list is written)."""
    store = BroadcastStore(client, settings)
    broadcast = store.get(broadcast_id)
    if broadcast is None or broadcast.status not in ("preparing", "scheduled"):
        return 0
    if not broadcast.announcement.reaches_citizens:  # a Test or Exercise never reaches anyone
        store.update(broadcast_id, status="recorded", reason=f"status {broadcast.announcement.status}")
        client.srem(f"{store.p}running", broadcast_id)
        return 0
    lease = _lease(client, settings, store.key(broadcast_id, "lease:prepare"))
    if not lease.acquire():
        return 0
    if enqueue_batches:  # a province alert's part is recovered with its group (bot.tenants.province)
        client.sadd(store.key(broadcast_id, "started"), "prepare")
    store.update(broadcast_id, status="preparing")
    client.delete(store.key(broadcast_id, "rcpt"), store.key(broadcast_id, "d"), store.key(broadcast_id, "n"),
                  store.key(broadcast_id, "done"), store.key(broadcast_id, "invite"))
    total, opted_out = _fix_recipients(client, settings, store, broadcast, lease, keep_alive)
    size = max(1, settings.broadcast_batch_size)
    batches = (total + size - 1) // size
    store.update(broadcast_id, status="sending", total=total, batches=batches, started_at=time.time(),
                 opted_out=opted_out)
    store.publish(store.get(broadcast_id))  # type: ignore[arg-type]
    for ref in broadcast.announcement.references:
        if broadcast.announcement.msg_type == "Cancel":
            stop(client, settings, ref, reason="cancelled")  # an all-clear stops the original's sending
    if batches == 0:
        _finish_broadcast(store, broadcast_id)
    queue = queue or make_queue(client, settings)
    for batch in range(batches if enqueue_batches else 0):
        enqueue_batch(queue, broadcast_id, batch)
    client.srem(store.key(broadcast_id, "started"), "prepare")
    lease.release()
    return total


def _fix_recipients(client: redis.Redis, settings: Settings, store: BroadcastStore, broadcast: Broadcast,
                    lease: Lock, keep_alive: Callable[[], object]) -> tuple[int, int]:
    """Write the recipient list (and the check-in board's recipients); (total, opted out)."""
    broadcast_id = broadcast.id
    chunk: list[tuple[str, str]] = []
    invites: list[str] = []
    placed: list[tuple[str, str]] = []
    total = opted_out = 0
    board = checkin_board_of(store, broadcast)
    checkins = CheckinStore(client, settings)
    if board:
        store.update(broadcast_id, checkin_for=board)
    for recipient in _recipients_of(client, settings, broadcast):
        lease.renew()
        keep_alive()
        if recipient is None:
            opted_out += 1
            continue
        chunk.append((recipient.user_id, recipient.channel))
        if recipient.channel != UNREACHABLE:
            placed.append((recipient.user_id, recipient.area))
        if recipient.invite:
            invites.append(recipient.user_id)
        if len(chunk) >= 2000:
            store.add_recipients(broadcast_id, chunk)
            store.add_invites(broadcast_id, invites)
            if board:
                checkins.register(board, placed)
            total += len(chunk)
            chunk, invites, placed = [], [], []
    store.add_recipients(broadcast_id, chunk)
    store.add_invites(broadcast_id, invites)
    if board:
        checkins.register(board, placed)
    total += len(chunk)
    return total, opted_out


def _recipients_of(client: redis.Redis, settings: Settings, broadcast: Broadcast) -> Iterator[Recipient | None]:
    """The alert's targets, or, for a follow-up to part of a check-in board, that part."""
    if broadcast.audience and broadcast.checkin_for:
        return audience_recipients(client, settings, broadcast.checkin_for, broadcast.audience, time.time())
    return recipients(client, settings, broadcast.announcement, time.time())


def enqueue_batch(queue: Queue, broadcast_id: str, batch: int, pipeline: redis.client.Pipeline | None = None) -> None:
    """One batch's job; with `pipeline`, written only when the caller executes it (with its own changes)."""
    if pipeline is None:
        queue.enqueue(send_batch_job, broadcast_id, batch, job_timeout=JOB_TIMEOUT, result_ttl=0)
        return
    queue.enqueue_many([Queue.prepare_data(send_batch_job, (broadcast_id, batch), timeout=JOB_TIMEOUT,
                                           result_ttl=0)], pipeline=pipeline)


@dataclass
class _Transient(Exception):
    code: int | None


class _ConfigProblem(Exception):
    pass


class BatchSender:
    """Sends one batch of one broadcast; the unit an rq job runs."""

    def __init__(self, client: redis.Redis, settings: Settings, sender: Sender,
                 sleep: Callable[[float], None] = time.sleep, concurrency: int = SENDERS_PER_BATCH) -> None:
        self.redis = client
        self.concurrency = concurrency
        self.settings = settings
        self.sender = sender
        self.sleep = sleep
        self.store = BroadcastStore(client, settings)
        # Zalo's limit is per app, shared by every OA (tenant) of it: one bucket per app id.
        self.bucket = TokenBucket(client, app_rate_key(settings), settings.broadcast_rate_per_second, sleep=sleep)

    def run(self, broadcast_id: str, batch: int) -> dict[str, int]:
        broadcast = self.store.get(broadcast_id)
        if broadcast is None or broadcast.status not in ("sending", "stopped"):
            return {}
        lease = _lease(self.redis, self.settings, self.store.key(broadcast_id, f"lease:{batch}"))
        if not lease.acquire():
            return {}  # another job holds this batch
        self.redis.sadd(self.store.key(broadcast_id, "started"), batch)
        try:
            outcome = self._send_batch(broadcast, batch, lease)
            if self.store.mark_batch_done(broadcast_id, batch) >= broadcast.batches:
                _finish_broadcast(self.store, broadcast_id)
            return outcome
        finally:
            lease.release()

    def _send_batch(self, broadcast: Broadcast, batch: int, lease: Lock) -> dict[str, int]:
        size = max(1, self.settings.broadcast_batch_size)
        rows = self.store.recipients_slice(broadcast.id, batch * size, (batch + 1) * size)
        states = self.store.states(broadcast.id, [uid for uid, _ in rows])
        pending = [(uid, channel) for (uid, channel), state in zip(rows, states, strict=True) if state == "queued"]
        current = effective_settings(self.redis, self.settings)  # as officials set it in the console
        commune = current.commune_name
        board = broadcast.checkin_board
        messages = {invite: self.sender.render([consultation_reply(broadcast.announcement, commune, invite, board)])
                    for invite in (False, True)}
        template = Template(current.broadcast_template_id, template_data(broadcast.announcement, commune))
        invited = self.store.invited(broadcast.id, [uid for uid, _ in pending])
        stats = {"sent": 0, "failed": 0, "unreachable": 0, "cancelled": 0}
        stopped = _StopCheck(self.store, broadcast.id)
        last_code: int | None = None
        for pause in (0.0, *RETRY_PAUSES):
            if pause and pending:
                self.sleep(pause)
            retry: list[tuple[str, str]] = []

            def one(recipient: tuple[str, str], retry: list[tuple[str, str]] = retry) -> None:
                nonlocal last_code
                uid, channel = recipient
                lease.renew()
                if stopped():
                    stats["cancelled"] += self.store.finish(broadcast.id, uid, "cancelled")
                    return
                try:
                    state = self._deliver(broadcast.id, uid, channel, messages[uid in invited], template)
                except _Transient as exc:
                    retry.append(recipient)
                    last_code = exc.code
                    return
                except _ConfigProblem as exc:
                    stop(self.redis, self.settings, broadcast.id, reason=str(exc))
                    self.store.finish(broadcast.id, uid, f"failed {channel} {exc}")
                    return
                kind = state.split(" ", 1)[0]
                counter = f"sent_{state.split()[1]}" if kind == "sent" else ""
                if self.store.finish(broadcast.id, uid, state, counter):
                    stats[kind] += 1

            if self.concurrency > 1 and len(pending) > 1:
                with ThreadPoolExecutor(self.concurrency, thread_name_prefix="bc-send") as pool:
                    list(pool.map(one, pending))
            else:
                for recipient in pending:
                    one(recipient)
            pending = retry
        for uid, channel in pending:  # still failing after every pass: recorded with the last code
            code = last_code if last_code is not None else "network"
            stats["failed"] += self.store.finish(broadcast.id, uid, f"failed {channel} {code}")
        return stats

    def _deliver(self, broadcast_id: str, uid: str, channel: str, messages: list[dict[str, Any]],
                 template: Template) -> str:
        """The recipient's delivery state; the channel chosen at prepare time is the sender's first
        choice (it falls back to the template when Zalo says the window has closed)."""
        if channel not in (CS, TEMPLATE, ZNS):
            return "unreachable"
        self.bucket.acquire()
        delivery = self.sender.send_rendered(uid, messages, idempotency_key(broadcast_id, uid),
                                             template=template if template.template_id else None, channel=channel,
                                             zns=self._by_phone(uid, template))
        if delivery.ok:
            return f"sent {delivery.channel} {delivery.message_id or '-'}"
        if delivery.status == RETRY:
            raise _Transient(delivery.code)
        if delivery.status == CONFIG:
            raise _ConfigProblem(str(delivery.code))
        if delivery.status == OUTSIDE and delivery.channel != TEMPLATE:
            return "unreachable"
        return f"failed {delivery.channel} {delivery.code}"


    def _by_phone(self, uid: str, template: Template) -> PhoneTemplate | None:
        """ZNS to the number the citizen shared, when a ZNS broadcast template is configured."""
        template_id = self.settings.reach.broadcast_zns_template_id
        if not template_id:
            return None
        phone = PhoneStore(self.redis, self.settings).phone(uid)
        return PhoneTemplate(phone, Template(template_id, template.data)) if phone else None


class _StopCheck:
    """Reads the broadcast's status at most every half second, not once per recipient."""

    def __init__(self, store: BroadcastStore, broadcast_id: str) -> None:
        self.store, self.id, self.checked_at, self.stopped = store, broadcast_id, 0.0, False
        self()  # the first answer before any sender thread asks
    def __call__(self) -> bool:
        if not self.stopped and time.monotonic() - self.checked_at > 0.5:
            self.checked_at = time.monotonic()
            self.stopped = self.store.redis.hget(self.store.key(self.id), "status") == b"stopped"
        return self.stopped


def app_rate_key(settings: Settings) -> str:
    """The send-rate bucket of the Zalo app this tenant's OA belongs to, under the deployment's prefix."""
    return f"{settings.shared_prefix}bc:rate:{settings.zalo_app_id}"


def _lease(client: redis.Redis, settings: Settings, key: str) -> Lock:
    """A batch or preparation lease: renewed at most every quarter of its life while work goes on."""
    seconds = settings.broadcast_lease_seconds
    return Lock(client, key, seconds, renew_every=seconds / 4)


def _finish_broadcast(store: BroadcastStore, broadcast_id: str) -> None:
    broadcast = store.get(broadcast_id)
    if broadcast and broadcast.status == "sending":
        store.update(broadcast_id, status="done", finished_at=time.time())
    elif broadcast and broadcast.status == "stopped":
        store.update(broadcast_id, finished_at=time.time())
    pipe = store.redis.pipeline()
    pipe.srem(f"{store.p}running", broadcast_id)
    mark_finished(store, broadcast_id, pipe)  # its report is archived, then its records expire
    pipe.execute()


def recover_broadcasts(client: redis.Redis, settings: Settings, queue: Queue | None = None,
                       at_start: bool = True) -> int:
    """Re-enqueue what a dead worker left: work that was started, is unfinished and whose lease lapsed.

    Work never started is still on the queue, so it is left alone (no duplicates); at a worker's
    start, overdue scheduled broadcasts are started too. Safe to call often (every few seconds).
    """
    store = BroadcastStore(client, settings)
    queue = queue or make_queue(client, settings)
    enqueued = 0
    for broadcast_id in texts(client.smembers(f"{store.p}running")):
        broadcast = store.get(broadcast_id)
        if broadcast is None:
            continue
        started_key = store.key(broadcast.id, "started")
        if at_start and broadcast.status == "scheduled" and broadcast.scheduled_at <= time.time():
            queue.enqueue(prepare_job, broadcast.id, job_timeout=JOB_TIMEOUT, result_ttl=0)
            enqueued += 1
            continue
        done = store.done_batches(broadcast.id)
        for part in texts(client.smembers(started_key)):
            if client.exists(store.key(broadcast.id, f"lease:{part}")):
                continue  # its holder is alive
            client.srem(started_key, part)
            if part == "prepare":
                if broadcast.status == "preparing":
                    queue.enqueue(prepare_job, broadcast.id, job_timeout=JOB_TIMEOUT, result_ttl=0)
                    enqueued += 1
            elif int(part) not in done:
                queue.enqueue(send_batch_job, broadcast.id, int(part), job_timeout=JOB_TIMEOUT, result_ttl=0)
                enqueued += 1
    return enqueued


# -- rq job entry points (run inside `python -m bot.queue.worker`) ------------------------------------


def prepare_job(broadcast_id: str) -> int:
    from bot.runtime import current

    rt = current()
    return prepare(rt.redis, rt.settings, broadcast_id, rt.queue)


def send_batch_job(broadcast_id: str, batch: int) -> dict[str, int]:
    from bot.runtime import current

    rt = current()
    return BatchSender(rt.redis, rt.settings, rt.sender).run(broadcast_id, batch)
