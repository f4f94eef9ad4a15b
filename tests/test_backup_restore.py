"""A Redis backup restores into a working bot, on real redis-servers with the documented scripts.

State is built through the product's own paths (followers, a citizen's open ticket, a dossier put through the
API with a subscriber, a broadcast sent through the sandbox), backed up with scripts/backup.sh
(`redis-cli --rdb`), wiped (FLUSHALL, server stopped), restored with scripts/restore.sh into a fresh data
directory, and a fresh redis-server (AOF on, as in production) starts from it. Then the real worker carries
on: the ticket is still open and keeps the bot silent, a status change reaches the subscriber once, and the
broadcast's report is what it was.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from bot.api.tokens import create_token
from bot.app import create_app
from bot.broadcasts.report import csv_lines
from bot.broadcasts.store import BroadcastStore
from bot.config import ROOT, Settings
from bot.devtools.embedded_redis import EmbeddedRedis, find_redis_server
from bot.dossiers.store import RedisDossierStore
from bot.dossiers.subscriptions import Subscriptions
from bot.stores.followers import FollowerRegistry
from bot.tickets.store import TicketStore
from tests.broadcast_helpers import add_followers
from tests.helpers import signed, start_worker, stop_worker, text_event
from tests.test_broadcast_fanout import bulk, run_all, start
from tests.test_broadcast_worker_kill import wait_until

RECEIPT = "H56.14-240823-0001"
DOSSIER = {"procedure_code": "1.001193", "procedure_name": "Đăng ký khai sinh", "applicant_id": "079123456789",
           "status": 4, "received_at": "2024-08-23T08:00:00+07:00", "due_at": "2099-08-26T17:00:00+07:00",
           "channel": "direct", "return_method": "desk"}


def script(name: str, *args: str, **env: str) -> str:
    done = subprocess.run(["bash", str(ROOT / "scripts" / name), *args], capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", **env})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def build_state(client: redis.Redis, settings: Settings, sandbox, asker: str, subscriber: str) -> dict:
    """Followers, the asker's open ticket, the subscriber's dossier subscription, a finished broadcast."""
    followers = bulk(sandbox, 5, "91")
    add_followers(client, settings, [*followers, asker, subscriber])
    ticket, _ = TicketStore(client, settings).open(asker, datetime.now(UTC), reason="staff_request",
                                                   context={}, history=[])
    token = create_token(client, settings, "mot-cua-tinh")
    api = create_app(settings).test_client()
    assert api.put(f"/api/v1/dossiers/{RECEIPT}", json=DOSSIER,
                   headers={"Authorization": f"Bearer {token}"}).status_code in (200, 201)
    Subscriptions(client, settings).subscribe(RECEIPT, subscriber,
                                              RedisDossierStore(client, settings).latest_version(RECEIPT))
    broadcast_id, queue = start(client, settings)
    run_all(queue, client, settings)
    store = BroadcastStore(client, settings)
    assert store.get(broadcast_id).status == "done"
    return {"ticket": ticket.id, "token": token, "broadcast": broadcast_id, "counts": store.counts(broadcast_id),
            "report": sorted(csv_lines(store.deliveries(broadcast_id))),
            "followers": FollowerRegistry(client, settings).count(), "keys": client.dbsize()}


@pytest.mark.skipif(shutil.which("redis-cli") is None, reason="redis-cli (Debian's redis-tools) is not installed")
def test_backup_wipe_restore_and_the_bot_carries_on(zalo_settings, sandbox, tmp_path: Path) -> None:
    original = EmbeddedRedis(tmp_path / "original").start()
    settings = replace(zalo_settings, redis_url=original.url, queue_name="restore-events")
    client = redis.Redis.from_url(original.url)
    asker, subscriber = sandbox.create_user("Lê Thị Hoa"), sandbox.create_user("Võ Văn Nam")
    before = build_state(client, settings, sandbox, asker, subscriber)
    sent_before = len(sandbox.messages())
    asker_had, subscriber_had = len(sandbox.messages(asker)), len(sandbox.messages(subscriber))  # the broadcast

    backup = script("backup.sh", str(tmp_path / "backups"), REDIS_URL=original.url)
    assert Path(backup).stat().st_size > 0
    client.flushall()
    client.close()
    original.stop()

    restored_dir = tmp_path / "restored"
    assert "restored" in script("restore.sh", backup, str(restored_dir), REDIS_SERVER=find_redis_server())
    fresh = EmbeddedRedis(restored_dir).start()  # AOF on, as production runs it: loads what restore wrote
    worker = None
    try:
        settings = replace(settings, redis_url=fresh.url)
        client = redis.Redis.from_url(fresh.url)
        assert client.dbsize() == before["keys"]
        assert FollowerRegistry(client, settings).count() == before["followers"]
        broadcasts = BroadcastStore(client, settings)
        assert broadcasts.get(before["broadcast"]).status == "done"
        assert broadcasts.counts(before["broadcast"]) == before["counts"]
        assert sorted(csv_lines(broadcasts.deliveries(before["broadcast"]))) == before["report"]

        worker = start_worker(settings, sandbox.url, tmp_path / "worker.log")
        web = create_app(settings).test_client()
        # The asker's ticket is still open: their message joins it and the bot stays silent.
        body, headers = signed(text_event(asker, "cán bộ ơi, còn đó không ạ"))
        assert web.post("/webhook/zalo", data=body, headers=headers).status_code == 200
        tickets = TicketStore(client, settings)
        wait_until(lambda: any("còn đó không" in e.text for e in tickets.log(before["ticket"])), 30)
        assert tickets.active_for(asker).id == before["ticket"]
        # A status change still reaches the subscriber, through the API, the worker and Zalo, once.
        changed = {**DOSSIER, "status": 9}
        assert web.put(f"/api/v1/dossiers/{RECEIPT}", json=changed,
                       headers={"Authorization": f"Bearer {before['token']}"}).status_code == 200
        wait_until(lambda: len(sandbox.messages(subscriber)) == subscriber_had + 1, 30)
        assert RECEIPT in sandbox.messages(subscriber)[-1]["payload"]["message"]["text"]
        time.sleep(1.5)
        assert len(sandbox.messages(subscriber)) == subscriber_had + 1
        assert len(sandbox.messages(asker)) == asker_had
        assert len(sandbox.messages()) == sent_before + 1
    finally:
        if worker is not None:
            stop_worker(worker)
        fresh.stop()
