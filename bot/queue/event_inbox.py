"""Per-citizen inboxes on Redis: accepted once, handled in order, never lost.

The web process accepts an event with one Lua script (deduplicate + append to the citizen's
inbox + mark the citizen pending), then enqueues a drain job on rq when fewer than DRAINERS_MAX
are queued or running. A drain job (a sweep) serves every pending citizen whose lock it can take:
it handles that citizen's inbox head to tail and removes each event only once handled, so a worker
killed mid-event leaves it at the head for the next drain. Several workers may run: the lock keeps
one citizen's events in order, while different citizens proceed in parallel; a citizen locked by
another drain is left to it (the holder looks at the inbox again before releasing).
"""

from __future__ import annotations

import json
import math
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis

from bot.config import Settings
from bot.conversation.privacy import redact_numbers
from bot.ingress.events import Event
from bot.stores.keys import KeyFamily
from bot.stores.lock import Lock
from bot.stores.scripts import execute_idempotent, queue_script, script
from bot.stores.values import texts

KEY_FAMILIES = (
    KeyFamily("seen:*", per_citizen=False, kept="DEDUPE_TTL_SECONDS (event digests)"),
    KeyFamily("attempts:*", per_citizen=False, kept="DEDUPE_TTL_SECONDS (event digests)"),
    KeyFamily("inbox:*", per_citizen=True, kept="until handled (the withdraw event itself is in it)",
              kept_after_withdraw=True),
    KeyFamily("inbox:pending", per_citizen=True, kept="until the citizen's inbox is empty", kept_after_withdraw=True),
    KeyFamily("lock:user:*", per_citizen=True, kept="USER_LOCK_TTL_SECONDS", kept_after_withdraw=True),
    KeyFamily("drain:*", per_citizen=True, kept="until the citizen's retry is due (a JOB_RETRY_INTERVALS step)",
              kept_after_withdraw=True),
    KeyFamily("drainers", per_citizen=False, kept="members expire a drainer lease after they were last seen"),
    KeyFamily("drainers:warm", per_citizen=False, kept="members expire a second after their drain job's last look"),
    KeyFamily("drainers:wake", per_citizen=True, kept="the last 16 citizens' ids; 10 seconds after the last event",
              kept_after_withdraw=True),
    KeyFamily("outbox:*", per_citizen=False,
              kept="while its event is in the inbox (deleted when popped); 7 days at most"),
    KeyFamily("replication:mark", per_citizen=False, kept="1 second (a write for WAIT to follow)"),
    KeyFamily("deadletter", per_citizen=True, kept="last 10,000; 30 days; long numbers masked",
              kept_after_withdraw=True),
)

# KEYS: dedupe key, inbox list, pending set, the citizen's retry mark, drainers (token → lease end), warm
# drainers (token → until when it looks at the pending set again).
# ARGV: dedupe ttl, event json, user id, now, drainer lease seconds, DRAINERS_MAX, a new drainer token.
# Returns {fresh, token or ''}. A drain job is enqueued only while fewer than DRAINERS_MAX are queued
# or running: a running one looks at the pending set again before it stops (drain_pending), so the
# event is served either way, and a burst of N citizens costs a few rq jobs, not N. None is enqueued
# either while a warm drain job (running, or waiting for work: drain_pending's `linger`) will look again
# within a second, unless the pending citizens outnumber WARM_SHARE for each: the warm one is woken
# (accept_event pushes a wake-up after this script, whatever the drainers, so that one about to wait
# does not wait), and no rq job's lifecycle comes between the event and its handling. A drainer whose
# job was lost (the web died before the enqueue, the worker was killed) frees its place when its lease
# ends, a warm one within a second. A new event also ends its citizen's back-off: the retry is tried at
# once, as a fresh drain would.
_ACCEPT = """
local fresh = 0
if redis.call('set', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('rpush', KEYS[2], ARGV[2])
  redis.call('sadd', KEYS[3], ARGV[3])
  redis.call('del', KEYS[4])
  fresh = 1
end
local drainer = ''
if redis.call('llen', KEYS[2]) > 0 then
  redis.call('zremrangebyscore', KEYS[6], '-inf', ARGV[4])
  local warm = redis.call('zcard', KEYS[6])
  if warm == 0 or redis.call('scard', KEYS[3]) > WARM_SHARE * warm then
    redis.call('zremrangebyscore', KEYS[5], '-inf', ARGV[4])
    if redis.call('zcard', KEYS[5]) < tonumber(ARGV[6]) then
      redis.call('zadd', KEYS[5], tonumber(ARGV[4]) + tonumber(ARGV[5]), ARGV[7])
      redis.call('expire', KEYS[5], ARGV[5])
      drainer = ARGV[7]
    end
  end
end
return {fresh, drainer}
"""
# Pending citizens a warm drain job takes alone; more, and other jobs (other workers) are called to help.
WARM_SHARE = 4
_ACCEPT = _ACCEPT.replace("WARM_SHARE", str(WARM_SHARE))

# Wake-ups kept for drain jobs not yet waiting: each costs a drain job one look at the pending set. Older
# than a few seconds they wake nobody who needs it (a busy drain job looks at the pending set anyway).
WAKE_MAX = 16
WAKE_TTL_SECONDS = 10

# Dead letters hold a citizen's event (numbers masked): the last 10,000, gone 30 days after the last one.
DEAD_LETTER_MAX = 10_000
DEAD_LETTER_TTL_SECONDS = 30 * 24 * 3600

# A retry mark outlives its retry's due time by this much: the retry job, not a sweep, takes the citizen.
RETRY_MARK_SLACK_SECONDS = 5

# Pop the head only if it is still the event we handled (guards against a lock that expired), and drop
# its outbox (KEYS[2]) in the same step: once the event is gone nothing will read the outbox again, and
# while the event stays at the head its outbox must stay too (the retry sends it, not new replies).
_POP_IF_HEAD = """
if redis.call('lindex', KEYS[1], 0) == ARGV[1] then
  redis.call('del', KEYS[2])
  return redis.call('lpop', KEYS[1])
end
return false
"""

# A drain's first step. KEYS: retry mark, lock, inbox, pending · ARGV: lock token, lock ttl ms, user id,
# 'sweep' or ''. A sweep leaves a citizen backing off to its retry job ({3}); the retry job clears the mark.
# → {0, lock's pttl} someone else holds the citizen · {1, head} ours, the first event · {2} nothing to do
# (lock released and the citizen no longer pending, in the same step: nothing can slip in between).
_BEGIN = """
if ARGV[4] == 'sweep' then
  if redis.call('exists', KEYS[1]) == 1 then return {3} end
else
  redis.call('del', KEYS[1])
end
if not redis.call('set', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {0, redis.call('pttl', KEYS[2])}
end
local head = redis.call('lindex', KEYS[3], 0)
if head then return {1, head} end
redis.call('del', KEYS[2])
redis.call('srem', KEYS[4], ARGV[3])
return {2}
"""

# After an event was handled (or dead-lettered). KEYS: inbox, its outbox, lock, pending · ARGV: the event
# as read, lock token, lock ttl ms, user id. Pops the event if it is still the head and drops its outbox,
# then → {1, next head} (lock renewed) · {2} inbox empty: lock released, citizen no longer pending ·
# {0} the lock is someone else's now (ours expired and they took it): stop, they carry on. A lock that
# lapsed with nobody taking it is taken back: else the citizen would stay pending with nobody draining.
_NEXT = """
if redis.call('lindex', KEYS[1], 0) == ARGV[1] then
  redis.call('del', KEYS[2])
  redis.call('lpop', KEYS[1])
end
local holder = redis.call('get', KEYS[3])
if holder ~= ARGV[2] then
  if holder then return {0} end
  redis.call('set', KEYS[3], ARGV[2], 'PX', ARGV[3])
end
local head = redis.call('lindex', KEYS[1], 0)
if head then
  redis.call('pexpire', KEYS[3], ARGV[3])
  return {1, head}
end
redis.call('del', KEYS[3])
redis.call('srem', KEYS[4], ARGV[4])
return {2}
"""


class Keys:
    def __init__(self, settings: Settings) -> None:
        self.prefix = settings.key_prefix
        self.shared_prefix = settings.shared_prefix

    def dedupe(self, identity: str) -> str:
        return f"{self.prefix}seen:{identity}"

    def inbox(self, user_id: str) -> str:
        return f"{self.prefix}inbox:{user_id}"

    def lock(self, user_id: str) -> str:
        return f"{self.prefix}lock:user:{user_id}"

    def retry_mark(self, user_id: str) -> str:
        """Set while the citizen's head event waits for its retry: sweeps leave the citizen to that retry."""
        return f"{self.prefix}drain:{user_id}"

    @property
    def drainers(self) -> str:
        """The drain jobs queued or running (bot.queue.jobs.drain_pending): token → end of its lease."""
        return f"{self.prefix}drainers"

    @property
    def warm_drainers(self) -> str:
        """The drain jobs running or waiting for work that will look at the pending set again soon
        (drain_pending with `linger`): token → until when. An event wakes one rather than enqueue a job."""
        return f"{self.prefix}drainers:warm"

    @property
    def wake(self) -> str:
        """Wake-ups for drain jobs waiting for work: one list per deployment, so that a drain job of one
        commune waiting is woken by another's event too, and leaves for that commune's job."""
        return f"{self.shared_prefix}drainers:wake"

    def attempts(self, identity: str) -> str:
        return f"{self.prefix}attempts:{identity}"

    def outbox(self, identity: str) -> str:
        """The replies computed for an event (bot.queue.processing), until the event leaves the inbox."""
        return f"{self.prefix}outbox:{identity}"

    @property
    def pending(self) -> str:
        return f"{self.prefix}inbox:pending"

    @property
    def dead_letter(self) -> str:
        return f"{self.prefix}deadletter"


@dataclass(frozen=True)
class Acceptance:
    fresh: bool  # False: a resend of an event already accepted
    drainer: str  # not empty: enqueue a drain job with this token (bot.queue.jobs.enqueue_sweep)


def new_drainer_token() -> str:
    return secrets.token_hex(8)


def drainer_lease_seconds(settings: Settings) -> int:
    """How long a drainer counts towards DRAINERS_MAX unseen: a queued job waits, a running one renews it
    between citizens. A lease that ends too early costs one more job; a dead one's place frees itself."""
    return 2 * settings.user_lock_ttl_seconds


def accept_event(client: redis.Redis, settings: Settings, event: Event) -> Acceptance:
    """Record the event in its citizen's inbox, once however often Zalo resends it."""
    keys = Keys(settings)
    user_id = event.user_id
    pipe = client.pipeline(transaction=False)
    queue_script(pipe, _ACCEPT, [keys.dedupe(event.identity), keys.inbox(user_id), keys.pending,
                                 keys.retry_mark(user_id), keys.drainers, keys.warm_drainers],
                 [settings.dedupe_ttl_seconds, json.dumps(event.raw, ensure_ascii=False, separators=(",", ":")),
                  user_id, time.time(), drainer_lease_seconds(settings), settings.drainers_max, new_drainer_token()])
    # After the script (the event is pending by then): wake a drain job waiting for work, or one about to.
    pipe.lpush(keys.wake, user_id)
    pipe.ltrim(keys.wake, 0, WAKE_MAX - 1)
    pipe.expire(keys.wake, WAKE_TTL_SECONDS)
    (fresh, drainer), *_ = execute_idempotent(pipe)
    return Acceptance(fresh=bool(fresh), drainer=texts([drainer])[0] if drainer else "")


def reached_replicas(client: redis.Redis, settings: Settings) -> bool:
    """Whether every write made so far (the event, its drain job) reached REDIS_WAIT_REPLICAS replicas
    within REDIS_WAIT_TIMEOUT_MS; True when no replica is asked for.

    WAIT follows the writes of its own connection, and a pool may have lent the webhook's writes other
    connections: a marker written on WAIT's connection comes after them all in the one replication
    stream, so once it reached a replica they did too."""
    wanted = settings.redis_wait_replicas
    if wanted <= 0:
        return True
    pipe = client.pipeline(transaction=False)
    pipe.set(f"{settings.key_prefix}replication:mark", "1", px=1000)
    pipe.execute_command("WAIT", wanted, settings.redis_wait_timeout_ms)
    return int(pipe.execute()[-1]) >= wanted


class RetryLater(Exception):
    """Handling failed transiently: leave the event at the head and drain again after `delay`."""

    def __init__(self, delay_seconds: float) -> None:
        super().__init__(f"retry in {delay_seconds}s")
        self.delay_seconds = delay_seconds


@dataclass
class DrainResult:
    handled: int = 0
    dead_lettered: int = 0
    # When set, the drain stopped early and wants to run again after this many seconds.
    again_after: float | None = None
    # Another drain holds the citizen (again_after is then its lock's remaining life).
    busy: bool = False
    # This drain took the citizen's lock (it handled, retried or lost it).
    took: bool = False


EventHandler = Callable[[Event, Callable[[], None]], None]


# A drain's start, as _begin queued it: the citizen's lock (not yet taken) and _BEGIN's answer.
Begun = tuple[Lock, list[Any]]


def _begin(client: redis.Redis, settings: Settings, user_id: str, sweep: bool,
           pipe: redis.client.Pipeline | None = None) -> tuple[Lock, list[Any] | None]:
    """_BEGIN for the citizen, at once, or queued on `pipe` (its answer: that pipeline's, then None)."""
    keys = Keys(settings)
    # Renewed while handling at most every third of its life: a quick event costs no renewal.
    ttl = settings.user_lock_ttl_seconds
    lock = Lock(client, keys.lock(user_id), ttl, renew_every=ttl / 3)
    script_keys = [keys.retry_mark(user_id), lock.key, keys.inbox(user_id), keys.pending]
    args: list[str | int] = [lock.token, lock.ttl_ms, user_id, "sweep" if sweep else ""]
    if pipe is not None:
        queue_script(pipe, _BEGIN, script_keys, args)
        return lock, None
    return lock, script(client, _BEGIN)(keys=script_keys, args=args)


def drain(
    client: redis.Redis,
    settings: Settings,
    user_id: str,
    handle: EventHandler,
    on_dead: Callable[[Event, str], None] | None = None,
    sweep: bool = False,
    begun: Begun | None = None,
) -> DrainResult:
    """Handle the citizen's inbox in order. `handle(event, keep_alive)` must be idempotent.

    Transient failures count attempts per event; past `job_max_attempts` the event goes to
    the dead-letter list and the drain moves on, so one poisoned event never blocks a citizen.
    A sweep (`sweep=True`) leaves a citizen waiting for its retry alone. `begun`: its start, already
    made in the sweep's round trip (`_begin` with a pipeline).
    """
    keys = Keys(settings)
    result = DrainResult()
    lock, answer = begun or _begin(client, settings, user_id, sweep)
    assert answer is not None
    state, *value = answer
    if state == 0:
        # A live holder looks at the inbox again before releasing; a dead one's lock runs out.
        result.again_after = max(int(value[0]), 0) / 1000 + 0.1
        result.busy = True
        return result
    if state in (2, 3):
        return result
    lock.assume_acquired()
    result.took = True
    raw: bytes = value[0]
    held = True

    def keep_alive() -> None:
        lock.renew()  # a lost lock is seen by the script after the event; the handler needs no answer

    try:
        while True:
            event = Event(json.loads(raw))
            try:
                handle(event, keep_alive)
            except Exception as exc:  # any failure is retried, then dead-lettered
                attempts = int(client.incr(keys.attempts(event.identity)))
                client.expire(keys.attempts(event.identity), settings.dedupe_ttl_seconds)
                if attempts < settings.job_max_attempts:
                    intervals = settings.job_retry_intervals or (5,)
                    delay = exc.delay_seconds if isinstance(exc, RetryLater) else intervals[
                        min(attempts - 1, len(intervals) - 1)
                    ]
                    result.again_after = float(delay)
                    client.set(keys.retry_mark(user_id), "1", px=int((delay + RETRY_MARK_SLACK_SECONDS) * 1000))
                    return result
                _dead_letter(client, keys, event, raw, exc)
                if on_dead is not None:
                    on_dead(event, type(exc).__name__)
                result.dead_lettered += 1
            else:
                result.handled += 1
            state, *value = script(client, _NEXT)(
                keys=[keys.inbox(user_id), keys.outbox(event.identity), lock.key, keys.pending],
                args=[raw, lock.token, lock.ttl_ms, user_id])
            if state != 1:
                held = False  # released by the script, or someone else's
                return result
            raw = value[0]
    finally:
        if held:
            lock.release()


def _dead_letter(client: redis.Redis, keys: Keys, event: Event, raw: bytes | str, exc: Exception) -> None:
    kept = json.loads(raw)
    # A citizen's text may carry ID, phone or account numbers: dead letters keep no copy.
    if isinstance(kept.get("message"), dict) and isinstance(kept["message"].get("text"), str):
        kept["message"]["text"] = redact_numbers(kept["message"]["text"])
    record = {
        "at": time.time(),
        "identity": event.identity,
        "event_name": event.name,
        "error": type(exc).__name__,
        "event": kept,
    }
    pipe = client.pipeline()
    pipe.rpush(keys.dead_letter, json.dumps(record, ensure_ascii=False))
    pipe.ltrim(keys.dead_letter, -DEAD_LETTER_MAX, -1)
    pipe.expire(keys.dead_letter, DEAD_LETTER_TTL_SECONDS)
    script(client, _POP_IF_HEAD)(keys=[keys.inbox(event.user_id), keys.outbox(event.identity)], args=[raw],
                                 client=pipe)
    pipe.execute()


def pending_users(client: redis.Redis, settings: Settings) -> list[str]:
    return texts(client.smembers(Keys(settings).pending))


@dataclass
class SweepResult:
    handled: int = 0
    # Citizens whose head event failed, and the seconds until their retry (a drain_user job).
    retries: dict[str, float] = field(default_factory=dict)
    # Some citizen was held by another drain at the last look: look again after this long, in case
    # its holder died (a live holder serves what is left before releasing).
    busy_for: float | None = None
    # The sweep ran its time and stopped with citizens possibly left: a new sweep job takes over.
    handed_over: bool = False


# A sweep stops after this long and hands over to a new job: under steady traffic it would otherwise
# never end, and a worker asked to stop (SIGTERM) waits for its job before exiting.
SWEEP_MAX_SECONDS = 5.0
# A warm drain job vouches for its next look at the pending set this long ahead (renewed each round, and
# for the length of a wait): one killed holds back new drain jobs no longer than that, and one held up
# (a slow send) lets new jobs be enqueued again after it.
WARM_SECONDS = 1.0


def drain_pending(client: redis.Redis, settings: Settings, token: str, handle: EventHandler,
                  on_dead: Callable[[Event, str], None] | None = None,
                  max_seconds: float = SWEEP_MAX_SECONDS, linger: float = 0.0, other_work: str = "") -> SweepResult:
    """A drain job's work: every pending citizen whose lock is free, again while any was served; then
    (with `linger`) wait up to that long for a new event, woken through the wake-up list, unless the rq
    queue `other_work` holds jobs, and serve it the same way; then leave the drainers and look once
    more, for an event accepted while this job counted as running (it enqueued no job of its own), and
    stop when that look finds nobody to serve. While it may wait, it is a warm drainer: new events
    wake it rather than enqueue drain jobs."""
    keys = Keys(settings)
    result = SweepResult()
    registered = True  # the webhook's script counted this job; a job without a token counts itself now
    deadline = time.monotonic() + max_seconds
    woken_for = ""  # the citizen whose event woke this job: its drain starts in the round's round trip
    while True:
        pipe = client.pipeline(transaction=False)
        if registered:  # renew the lease between citizens: a long sweep keeps its place
            pipe.zadd(keys.drainers, {token: time.time() + drainer_lease_seconds(settings)})
            pipe.expire(keys.drainers, drainer_lease_seconds(settings))
            if linger > 0:
                _queue_warm(pipe, keys, token, WARM_SECONDS)
        pipe.smembers(keys.pending)
        first = _begin(client, settings, woken_for, True, pipe)[0] if woken_for else None
        answers = execute_idempotent(pipe)
        users = [user for user in texts(answers[-2 if first is not None else -1]) if user != woken_for]
        random.shuffle(users)  # several drainers meet fewer of each other's locks
        begun = {woken_for: (first, answers[-1])} if first is not None else {}
        woken_for = ""
        served, result.busy_for = False, None
        for user_id in [*begun, *users]:
            if served and time.monotonic() > deadline:
                break
            drained = drain(client, settings, user_id, handle, on_dead, sweep=True, begun=begun.get(user_id))
            result.handled += drained.handled
            served = served or drained.took
            if drained.busy:
                assert drained.again_after is not None
                result.busy_for = min(result.busy_for or drained.again_after, drained.again_after)
            elif drained.again_after is not None:
                result.retries[user_id] = drained.again_after
        if served and time.monotonic() > deadline:
            _leave(client, keys, token)
            result.handed_over = True
            return result
        if served:
            registered = True
            continue
        if not registered:
            return result
        left = min(linger, deadline - time.monotonic())
        woken_for = _woken(client, keys, token, left, other_work) if left > 0 else ""
        if woken_for:
            continue
        linger = 0.0  # nothing came: leave, and look once more
        _leave(client, keys, token)
        registered = False


def _queue_warm(pipe: redis.client.Pipeline, keys: Keys, token: str, seconds: float) -> None:
    """This drain job looks at the pending set again within `seconds` (queued on `pipe`)."""
    pipe.zadd(keys.warm_drainers, {token: time.time() + seconds})
    pipe.expire(keys.warm_drainers, math.ceil(seconds))


def _leave(client: redis.Redis, keys: Keys, token: str) -> None:
    """No longer a drainer, warm or not."""
    pipe = client.pipeline(transaction=False)
    pipe.zrem(keys.warm_drainers, token)
    pipe.zrem(keys.drainers, token)
    pipe.execute()


def _woken(client: redis.Redis, keys: Keys, token: str, seconds: float, other_work: str) -> str:
    """Wait, warm, up to `seconds` for a wake-up (accept_event pushes one per event, naming its citizen);
    that citizen, or "" when none came, and at once when the rq queue `other_work` holds jobs: they run
    rather than wait for this one."""
    pipe = client.pipeline(transaction=False)
    _queue_warm(pipe, keys, token, seconds + WARM_SECONDS)
    if other_work:
        pipe.llen(other_work)
    answers = pipe.execute()
    if other_work and answers[-1]:
        return ""
    woken = client.blpop([keys.wake], timeout=seconds)
    return texts([woken[1]])[0] if woken else ""
