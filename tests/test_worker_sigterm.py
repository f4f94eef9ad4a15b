"""SIGTERM (a deploy, `docker stop`, `systemctl stop`) to the real worker mid-job: it finishes the job it
has, then exits cleanly. Nothing is lost, nothing is sent twice, and a worker started after it carries on.
The SIGKILL counterparts are tests/test_broadcast_worker_kill.py and tests/test_e2e.py."""

from __future__ import annotations

import os
import signal
import uuid
from collections import Counter
from dataclasses import replace

from bot.app import create_app
from bot.queue.event_inbox import Keys
from tests.helpers import signed, start_worker, stop_worker, text_event
from tests.test_broadcast_worker_kill import PACING, start_paced_broadcast, wait_until


def sigterm(worker) -> int:
    os.killpg(worker.pid, signal.SIGTERM)
    return worker.wait(30)


def test_sigterm_while_a_reply_is_being_sent_finishes_it_once(redis_client, zalo_settings, sandbox, tmp_path) -> None:
    settings = replace(zalo_settings, queue_name=f"term-{uuid.uuid4().hex[:6]}")
    user = sandbox.create_user("Phạm Thị Dung")
    worker = start_worker(settings, sandbox.url, tmp_path / "worker.log")
    try:
        # Zalo answers the reply 2 s late: the SIGTERM lands while the worker waits for it.
        sandbox.fault(kind="delay", seconds=2, count=1, endpoint="message/cs")
        body, headers = signed(text_event(user, "cho em hỏi đăng ký khai sinh"))
        assert create_app(settings).test_client().post("/webhook/zalo", data=body, headers=headers).status_code == 200
        wait_until(lambda: sandbox.control("GET", "/_sandbox/faults")["faults"] == [], 30)
        assert sigterm(worker) == 0
        assert len(sandbox.messages(user)) == 1, "the job in hand was finished before exiting"
        assert redis_client.llen(Keys(settings).inbox(user)) == 0
        worker = start_worker(settings, sandbox.url, tmp_path / "worker.log")
        body, headers = signed(text_event(user, "cảm ơn"))
        create_app(settings).test_client().post("/webhook/zalo", data=body, headers=headers)
        wait_until(lambda: len(sandbox.messages(user)) == 2, 30)
    finally:
        stop_worker(worker)
    assert len(sandbox.messages(user)) == 2


def test_sigterm_mid_broadcast_finishes_the_batch_and_a_new_worker_sends_the_rest_once(
        redis_client, zalo_settings, sandbox, tmp_path) -> None:
    settings, ids, store, broadcast, worker = start_paced_broadcast(redis_client, zalo_settings, sandbox, tmp_path,
                                                                    "term", "77")
    try:
        wait_until(lambda: store.counts(broadcast.id)["sent"] >= 100, 30)
        assert sigterm(worker) == 0
        counts = store.counts(broadcast.id)
        assert counts["sent"] < 400
        # A warm stop leaves no send in doubt: what Zalo received is exactly what is recorded as sent.
        assert len(sandbox.messages()) == counts["sent"]
        assert counts["sent"] % int(PACING["BROADCAST_BATCH_SIZE"]) == 0, "the batch in hand was finished"
        worker = start_worker(settings, sandbox.url, tmp_path / "worker.log", PACING)
        wait_until(lambda: store.counts(broadcast.id)["queued"] == 0 and store.get(broadcast.id).status == "done", 60)
    finally:
        stop_worker(worker)
    per_user = Counter(m["user_id"] for m in sandbox.messages())
    assert set(per_user) == set(ids)
    assert [uid for uid, n in per_user.items() if n > 1] == []
