"""A real worker (the Procfile's) SIGKILLed mid-broadcast, then restarted: nobody skipped and
nobody sent twice. The sends in flight at the kill are settled against the citizen's
conversation history before anything is sent again (bot.zalo.client)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import replace

from bot.broadcasts.areas import load_areas
from bot.broadcasts.cap import announcement_from_dict
from bot.broadcasts.fanout import request_send
from bot.broadcasts.store import BroadcastStore
from bot.config import ROOT
from bot.jobs import make_queue
from tests.broadcast_helpers import add_followers, announcement_json
from tests.test_broadcast_fanout import bulk


def start_worker(settings, sandbox_url: str, log_path) -> subprocess.Popen:  # noqa: ANN001
    env = {**os.environ, "REDIS_URL": settings.redis_url, "REDIS_KEY_PREFIX": settings.key_prefix,
           "QUEUE_NAME": settings.queue_name, "ZALO_APP_ID": "123", "ZALO_APP_SECRET": "app-secret",
           "ZALO_OA_SECRET_KEY": "oa_secret_key", "ZALO_ACCESS_TOKEN": "initial-access",
           "ZALO_REFRESH_TOKEN": "initial-refresh", "ZALO_API_BASE": sandbox_url, "ZALO_OAUTH_BASE": sandbox_url,
           "BROADCAST_RATE_PER_SECOND": "150", "BROADCAST_BATCH_SIZE": "40", "LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "-m", "bot.worker"], cwd=ROOT, env=env,
                            stdout=log_path.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)


def wait_until(condition, timeout: float) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_sigkill_mid_broadcast_then_restart_sends_everyone_once(redis_client, zalo_settings, sandbox,
                                                               tmp_path) -> None:  # noqa: ANN001
    settings = replace(zalo_settings, queue_name=f"bc-{uuid.uuid4().hex[:6]}")
    ids = bulk(sandbox, 400, "66")
    add_followers(redis_client, settings, ids)
    store = BroadcastStore(redis_client, settings)
    broadcast = store.create(announcement_from_dict(announcement_json(), load_areas()), "chutich")
    request_send(redis_client, settings, broadcast.id, "chutich", queue=make_queue(redis_client, settings))
    worker = start_worker(settings, sandbox.url, tmp_path / "worker.log")
    try:
        wait_until(lambda: store.counts(broadcast.id)["sent"] >= 100, 30)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        sent_at_kill = store.counts(broadcast.id)["sent"]
        assert sent_at_kill < 400
        worker = start_worker(settings, sandbox.url, tmp_path / "worker.log")
        wait_until(lambda: store.counts(broadcast.id)["queued"] == 0 and store.get(broadcast.id).status == "done", 60)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(10)
    per_user = Counter(m["user_id"] for m in sandbox.messages())
    assert set(per_user) == set(ids)  # nobody skipped
    twice = [uid for uid, n in per_user.items() if n > 1]
    assert twice == []
    counts = store.counts(broadcast.id)
    assert (counts["sent"], counts["queued"], counts["failed"]) == (400, 0, 0)
