"""A province official's alert to many communes at once: one broadcast per commune (in its own namespace,
so each commune's console and report show it), started by one job that prepares every commune's
recipients and then enqueues their batches interleaved (A0 B0 C0 A1 B1 …), so that under the app-wide
rate (bot.broadcasts.fanout.app_rate_key) no commune waits for another's whole alert."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import redis
from rq import Queue

from bot.broadcasts.cap import CapError
from bot.broadcasts.errors import UnknownReference
from bot.broadcasts.fanout import JOB_TIMEOUT, enqueue_batch, prepare
from bot.broadcasts.report import progress
from bot.broadcasts.service import Accepted, Broadcasts, Checked
from bot.broadcasts.store import Broadcast, BroadcastStore
from bot.config import Settings
from bot.stores.keys import KeyFamily
from bot.stores.lock import Lock
from bot.stores.values import texts
from bot.tenants.runtimes import TenantRuntimes

KEY_FAMILIES = (
    KeyFamily("province:bc:*", per_citizen=False, kept="30 days (a province alert's broadcast per commune)"),
    KeyFamily("province:bc:running", per_citizen=False, kept="alerts until their batches are enqueued"),
    KeyFamily("province:bc:started", per_citizen=False, kept="alerts being prepared, until their batches are enqueued"),
    KeyFamily("province:bc:*:lease", per_citizen=False, kept="the preparing job's lease, BROADCAST_LEASE_SECONDS"),
)
GROUP_TTL_SECONDS = 30 * 24 * 3600
# Each commune has its own areas: an alert for areas (names, ids, shapes) that are not a commune's is
# refused by that commune's parser on these fields, and goes only to the communes whose areas it names.
ELSEWHERE_FIELDS = ("area", "target")
GROUP_PREFIX = "p-"


@dataclass(frozen=True)
class Part:
    tenant: str  # "" = the environment's commune
    commune: str
    broadcast_id: str


def _group_key(settings: Settings, group_id: str, part: str = "") -> str:
    return f"{settings.shared_prefix}province:bc:{group_id}{':' + part if part else ''}"


def _running_key(settings: Settings, which: str = "running") -> str:
    """Alerts whose batches are not enqueued yet ("running"), and those whose preparing job began ("started")."""
    return f"{settings.shared_prefix}province:bc:{which}"


def _group_lease(client: redis.Redis, settings: Settings, group_id: str) -> Lock:
    seconds = settings.broadcast_lease_seconds
    return Lock(client, _group_key(settings, group_id, "lease"), seconds, renew_every=seconds / 4)


def is_group(broadcast_id: str) -> bool:
    return broadcast_id.startswith(GROUP_PREFIX)


@dataclass(frozen=True)
class Skipped:
    tenant: str
    commune: str
    reason: str  # why this commune's part was left out (an alert it does not have)


@dataclass(frozen=True)
class ProvinceAlert:
    group_id: str
    parts: list[Part]
    skipped: list[Skipped]


def send_to_communes(tenants: TenantRuntimes, check: Callable[[Broadcasts], Checked], actor: str, via: str,
                     send: bool, communes: Iterable[str] | None = None) -> ProvinceAlert:
    """Accept the alert in every enabled commune (or those named, by slug or name; "" or the commune's
    name for the environment's) whose areas it covers, approve it when `send`, and start the
    interleaved fan-out.

    Every commune's part is checked (`check`: parsing, its areas, its references) before any is
    recorded, so an alert refused by one commune leaves nothing behind in the others. A commune is left
    out when the alert's areas are not its own, or when a reference names one of our broadcast ids
    that it does not have. Skipped rather than refused, because each commune's broadcast has its own
    id: a province's Update or Cancel of an alert that went to some communes names those communes'
    ids, and should reach exactly those; the answer says which communes were skipped. (A CAP triple
    a commune never received keeps CAP's rule there: an Update is news, an Alert; a Cancel is
    recorded, never sent.) An alert no chosen commune takes is refused with nothing recorded: a
    missing reference's CapError if there was one, else the areas'."""
    wanted = None if communes is None else {c.strip() for c in communes}
    checked: list[tuple[Broadcasts, Checked]] = []
    skipped: list[Skipped] = []
    refused: CapError | None = None
    for rt in tenants.active():
        settings = rt.settings
        if wanted is not None and not wanted & {settings.tenant, settings.commune_name}:
            continue
        service = Broadcasts(rt.redis, settings, rt.queue)
        try:
            checked.append((service, check(service)))
        except UnknownReference as exc:
            refused = exc
            skipped.append(Skipped(settings.tenant, settings.commune_name, exc.message))
        except CapError as exc:
            if exc.field not in ELSEWHERE_FIELDS:
                raise
            refused = refused or exc  # the alert's areas are not this commune's: it is left out
    if not checked and refused is not None:
        raise refused
    parts: list[Part] = []
    for service, part in checked:
        accepted = Accepted(part, False) if isinstance(part, Broadcast) else service.record(part, actor, via)
        if send and accepted.created and accepted.broadcast.status == "draft":
            service.approve(accepted.broadcast.id, actor, enqueue=False)
        parts.append(Part(service.settings.tenant, service.settings.commune_name, accepted.broadcast.id))
    group_id = GROUP_PREFIX + secrets.token_hex(8)
    base = tenants.base
    key = _group_key(base.settings, group_id)
    base.redis.set(key, json.dumps([p.__dict__ for p in parts], ensure_ascii=False), ex=GROUP_TTL_SECONDS)
    if send and parts:
        base.redis.sadd(_running_key(base.settings), group_id)
        _enqueue_prepare(tenants, group_id)
    return ProvinceAlert(group_id, parts, skipped)


def areas_by_commune(choices: Iterable[str]) -> dict[str, list[str]]:
    """"<slug>/<area id>" choices ("" is the environment's commune) → each commune's area ids. Pure."""
    picked: dict[str, list[str]] = {}
    for choice in choices:
        slug, sep, area = choice.partition("/")
        if sep and area:
            picked.setdefault(slug, []).append(area)
    return picked


def group_parts(tenants: TenantRuntimes, group_id: str) -> list[Part] | None:
    raw = tenants.base.redis.get(_group_key(tenants.base.settings, group_id))
    return None if raw is None else [Part(**row) for row in json.loads(raw)]


def group_progress(tenants: TenantRuntimes, group_id: str) -> list[dict[str, object]] | None:
    """Each commune's progress (the same figures as one commune's report)."""
    parts = group_parts(tenants, group_id)
    if parts is None:
        return None
    rows: list[dict[str, object]] = []
    for part in parts:
        rt = tenants.get(part.tenant)
        broadcast = None if rt is None else BroadcastStore(rt.redis, rt.settings).get(part.broadcast_id)
        if rt is None or broadcast is None:
            rows.append({"tenant": part.tenant, "commune": part.commune, "id": part.broadcast_id, "status": "gone"})
            continue
        counts = BroadcastStore(rt.redis, rt.settings).counts(part.broadcast_id)
        rows.append({"tenant": part.tenant, "commune": part.commune, **progress(broadcast, counts)})
    return rows


def interleave(batches: dict[str, int]) -> list[tuple[str, int]]:
    """(key, batch) in round-robin order: every commune's batch 0, then every batch 1, … Pure."""
    order: list[tuple[str, int]] = []
    for index in range(max(batches.values(), default=0)):
        order += [(key, index) for key, count in batches.items() if index < count]
    return order


def _enqueue_prepare(tenants: TenantRuntimes, group_id: str) -> None:
    tenants.base.queue.enqueue(prepare_province_job, group_id, job_timeout=JOB_TIMEOUT, result_ttl=0)


def prepare_province_job(group_id: str) -> int:
    """The worker's side (an rq job)."""
    from bot.runtime import current

    return prepare_group(TenantRuntimes(current()), group_id)


def prepare_group(tenants: TenantRuntimes, group_id: str) -> int:
    """Prepare every commune's recipients, then enqueue all batches interleaved, in one transaction with
    the alert leaving the running set: a worker killed before that commit leaves the alert "started"
    with its lease lapsing, and `recover_province_alerts` runs this again. Each commune's preparation
    is restartable and one already done is kept, so the rerun loses and repeats nobody."""
    client, settings = tenants.base.redis, tenants.base.settings
    lease = _group_lease(client, settings, group_id)
    if not client.sismember(_running_key(settings), group_id) or not lease.acquire():
        return 0  # already enqueued, or another worker is preparing it
    client.sadd(_running_key(settings, "started"), group_id)
    batches: dict[str, int] = {}
    queues: dict[str, Queue] = {}
    total = 0
    for part in group_parts(tenants, group_id) or []:
        rt = tenants.get(part.tenant)
        if rt is None:
            continue
        total += prepare(rt.redis, rt.settings, part.broadcast_id, rt.queue, enqueue_batches=False,
                         keep_alive=lease.renew)  # held while a large commune's list is written
        broadcast = BroadcastStore(rt.redis, rt.settings).get(part.broadcast_id)
        if broadcast is not None and broadcast.status == "sending":
            batches[part.broadcast_id], queues[part.broadcast_id] = broadcast.batches, rt.queue
    pipe = client.pipeline()
    for broadcast_id, batch in interleave(batches):
        enqueue_batch(queues[broadcast_id], broadcast_id, batch, pipe)
    pipe.srem(_running_key(settings), group_id)
    pipe.srem(_running_key(settings, "started"), group_id)
    pipe.execute()
    lease.release()
    return total


def recover_province_alerts(tenants: TenantRuntimes) -> int:
    """Re-enqueue the preparation of alerts whose preparing worker died (started, lease lapsed), as
    bot.broadcasts.fanout.recover_broadcasts does for one commune's; at worker start and every few
    seconds. Enqueued before it is unmarked: a crash in between costs a second job, which finds the
    alert done or leased and does nothing."""
    client, settings = tenants.base.redis, tenants.base.settings
    recovered = 0
    for group_id in texts(client.smembers(_running_key(settings, "started"))):
        if client.exists(_group_key(settings, group_id, "lease")):
            continue  # its worker is alive
        _enqueue_prepare(tenants, group_id)
        client.srem(_running_key(settings, "started"), group_id)
        recovered += 1
    return recovered
