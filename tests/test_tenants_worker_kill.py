"""A province alert's preparing worker (the Procfile's) SIGKILLed while it fixes the communes' recipients,
then restarted: the preparation is taken over once its lease lapses, and every commune's alert reaches
each of its followers once. The followers last wrote 30 days ago and no template is set, so each is
recorded as unreachable without a call to Zalo: the preparation is the long part."""

from __future__ import annotations

import os
import signal
import time
import uuid
from dataclasses import replace

import redis

from bot.app import create_app
from bot.broadcasts.service import Broadcasts, Resolution
from bot.broadcasts.store import BroadcastStore
from bot.config import Settings
from bot.stores.followers import FollowerRegistry
from bot.tenants.model import tenant_settings
from bot.tenants.province import group_parts, send_to_communes
from bot.tenants.registry import TenantRegistry
from tests.broadcast_helpers import announcement_json
from tests.conftest import RunningSandbox
from tests.helpers import eventually, start_worker, stop_worker

FOLLOWERS = 20_000  # per commune: a preparation long enough to be killed in
PACING = {"BROADCAST_BATCH_SIZE": "2000", "BROADCAST_LEASE_SECONDS": "4", "BROADCAST_RATE_PER_SECOND": "0"}


def test_a_province_alerts_preparation_survives_a_sigkill(zalo_settings: Settings, sandbox: RunningSandbox,
                                                           redis_client: redis.Redis, tmp_path) -> None:
    settings = replace(zalo_settings, queue_name=f"prov-{uuid.uuid4().hex[:6]}")
    registry = TenantRegistry(redis_client, settings)
    communes = [settings] + [
        tenant_settings(settings, registry.add(name, oa, "123", "s", "app-secret"))
        for name, oa in (("UBND xã Tân Phú", "1190000000000000001"), ("UBND xã Hòa Bình", "1190000000000000002"))]
    month_ago = time.time() - 30 * 86400
    for index, commune in enumerate(communes):
        ids = [f"{index + 5}{n:06d}" for n in range(FOLLOWERS)]
        FollowerRegistry(redis_client, commune).follow_many(ids, source="sync", last_interaction=month_ago)
    app = create_app(settings)

    def check(service: Broadcasts) -> Resolution:
        return service.check(service.parse(announcement_json(headline="Vỡ đê sông Cầu")))

    with app.app_context():
        group_id = send_to_communes(app.extensions["tenants"], check, "so-tnmt", "console", send=True).group_id
        parts = group_parts(app.extensions["tenants"], group_id)
    assert parts is not None and len(parts) == 3
    by_slug = {commune.tenant: commune for commune in communes}
    stores = [(BroadcastStore(redis_client, by_slug[part.tenant]), part.broadcast_id) for part in parts]
    first_store, first_id = stores[0]

    worker = start_worker(settings, sandbox.url, tmp_path / "worker.log", PACING)
    try:
        # Killed once the first commune's recipients are being written, before any commune is sending.
        eventually(lambda: redis_client.llen(first_store.key(first_id, "rcpt")) > 0, 60, every=0.005)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        assert all(store.get(broadcast_id).status == "preparing" for store, broadcast_id in stores)  # type: ignore[union-attr]
        worker = start_worker(settings, sandbox.url, tmp_path / "worker.log", PACING)
        eventually(lambda: all(store.get(broadcast_id).status == "done"  # type: ignore[union-attr]
                               for store, broadcast_id in stores), 120, every=0.2)
    finally:
        stop_worker(worker)
    for store, broadcast_id in stores:
        counts = store.counts(broadcast_id)
        assert (counts["unreachable"], counts["queued"], counts["sent"]) == (FOLLOWERS, 0, 0), counts
        assert redis_client.llen(store.key(broadcast_id, "rcpt")) == FOLLOWERS  # rebuilt, not appended to
    assert sandbox.messages() == []
