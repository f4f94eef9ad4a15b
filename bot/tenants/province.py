"""A province official's alert to many communes at once: one broadcast per commune (in its own namespace,
so each commune's console and report show it), started by one job that prepares every commune's
recipients and then enqueues their batches interleaved (A0 B0 C0 A1 B1 …), so that under the app-wide
rate (bot.broadcasts.fanout.app_rate_key) no commune waits for another's whole alert."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rq import Queue

from bot.broadcasts.fanout import JOB_TIMEOUT, enqueue_batch, prepare
from bot.broadcasts.report import progress
from bot.broadcasts.service import Accepted, Broadcasts
from bot.broadcasts.store import BroadcastStore
from bot.config import Settings
from bot.stores.keys import KeyFamily
from bot.tenants.runtimes import TenantRuntimes

KEY_FAMILIES = (
    KeyFamily("province:bc:*", per_citizen=False, kept="30 days (a province alert's broadcast per commune)"),
)
GROUP_TTL_SECONDS = 30 * 24 * 3600
GROUP_PREFIX = "p-"


@dataclass(frozen=True)
class Part:
    tenant: str  # "" = the environment's commune
    commune: str
    broadcast_id: str


def _group_key(settings: Settings, group_id: str) -> str:
    return f"{settings.shared_prefix}province:bc:{group_id}"


def is_group(broadcast_id: str) -> bool:
    return broadcast_id.startswith(GROUP_PREFIX)


def send_to_communes(tenants: TenantRuntimes, accept: Callable[[Broadcasts], Accepted], actor: str,
                     send: bool, communes: Iterable[str] | None = None) -> tuple[str, list[Part]]:
    """Accept the alert in every enabled commune (or those named, by slug or name; "" or the commune's
    name for the environment's), approve it when `send`, and start the interleaved fan-out."""
    wanted = None if communes is None else {c.strip() for c in communes}
    parts: list[Part] = []
    for rt in tenants.active():
        settings = rt.settings
        if wanted is not None and not wanted & {settings.tenant, settings.commune_name}:
            continue
        service = Broadcasts(rt.redis, settings, rt.queue)
        accepted = accept(service)
        if send and accepted.created and accepted.broadcast.status == "draft":
            service.approve(accepted.broadcast.id, actor, enqueue=False)
        parts.append(Part(settings.tenant, settings.commune_name, accepted.broadcast.id))
    group_id = GROUP_PREFIX + secrets.token_hex(8)
    base = tenants.base
    key = _group_key(base.settings, group_id)
    base.redis.set(key, json.dumps([p.__dict__ for p in parts], ensure_ascii=False), ex=GROUP_TTL_SECONDS)
    if send and parts:
        base.queue.enqueue(prepare_province_job, group_id, job_timeout=JOB_TIMEOUT, result_ttl=0)
    return group_id, parts


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


def prepare_province_job(group_id: str) -> int:
    """The worker's side: prepare every commune's recipients, then enqueue all batches interleaved."""
    from bot.runtime import current

    tenants = TenantRuntimes(current())
    batches: dict[str, int] = {}
    queues: dict[str, Queue] = {}
    total = 0
    for part in group_parts(tenants, group_id) or []:
        rt = tenants.get(part.tenant)
        if rt is None:
            continue
        total += prepare(rt.redis, rt.settings, part.broadcast_id, rt.queue, enqueue_batches=False)
        broadcast = BroadcastStore(rt.redis, rt.settings).get(part.broadcast_id)
        if broadcast is not None and broadcast.status == "sending":
            batches[part.broadcast_id], queues[part.broadcast_id] = broadcast.batches, rt.queue
    for broadcast_id, batch in interleave(batches):
        enqueue_batch(queues[broadcast_id], broadcast_id, batch)
    return total
