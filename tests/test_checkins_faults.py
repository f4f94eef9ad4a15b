"""Check-in counts under faults, end to end (real web and worker, the sandbox, a real Redis): answers in
bursts, every webhook delivered twice, some citizens changing their answer, and the worker SIGKILLed
mid-burst then restarted. The board must equal the last answer of each citizen, exactly."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
import requests

from bot.broadcasts.areas import load_areas
from bot.broadcasts.cap import announcement_from_dict
from bot.broadcasts.checkins import CheckinStore
from bot.broadcasts.store import BroadcastStore
from bot.config import Settings
from bot.devtools.embedded_redis import EmbeddedRedis
from bot.devtools.stack import Stack
from tests.broadcast_helpers import announcement_json
from tests.helpers import SandboxControl, signed, text_event
from tests.test_broadcast_fanout import bulk

pytestmark = pytest.mark.e2e

RECIPIENTS, SAFE, HELP, SWITCH = 500, 300, 100, 50  # 100 never answer; 50 of the safe then ask for help


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    server = EmbeddedRedis(Path(tmp_path_factory.mktemp("faults-redis"))).start()
    running = Stack(var_dir=Path(tmp_path_factory.mktemp("faults-var")), redis_url=server.url,
                    extra_env={"REDIS_KEY_PREFIX": "faults:", "USER_LOCK_TTL_SECONDS": "3",
                               "JOB_RETRY_INTERVALS": "1,2", "ZALO_TIMEOUT_SECONDS": "2", "WEB_CONCURRENCY": "2"})
    try:
        yield running.start()
    finally:
        running.stop()
        server.stop()


def board_with_recipients(stack: Stack, users: list[str]) -> tuple[redis.Redis, Settings, str]:
    """A Severe alert already delivered to `users` (its board registered as the fan-out does)."""
    settings = Settings(redis_url=stack.env["REDIS_URL"], key_prefix="faults:")
    client = redis.Redis.from_url(settings.redis_url)
    store = BroadcastStore(client, settings)
    broadcast = store.create(announcement_from_dict(announcement_json(), load_areas()), "chutich", status="done")
    store.update(broadcast.id, checkin_for=broadcast.id)
    CheckinStore(client, settings).register(broadcast.id, [(u, "ap-1" if i % 3 else "") for i, u in enumerate(users)])
    return client, settings, broadcast.id


def post_twice(stack: Stack, events: list[dict]) -> None:
    """Each event delivered twice (Zalo resends when the first answer is slow), 16 at a time."""
    secret, app_id = stack.env["ZALO_OA_SECRET_KEY"], stack.env["ZALO_APP_ID"]
    session = requests.Session()

    def post(event: dict) -> None:
        body, headers = signed(event, secret, app_id)
        for _ in range(2):
            assert session.post(f"{stack.web_url}/webhook/zalo", data=body, headers=headers, timeout=10).ok

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(post, events))


def test_counts_stay_exact_with_duplicates_bursts_and_a_killed_worker(stack: Stack) -> None:
    users = bulk(SandboxControl(stack.sandbox_url), RECIPIENTS, "81")
    client, settings, board = board_with_recipients(stack, users)
    app_id = stack.env["ZALO_APP_ID"]
    now_ms = int(time.time() * 1000)
    first = [text_event(u, f"#checkin {board} {'safe' if i < SAFE else 'help'}", app_id=app_id, timestamp_ms=now_ms)
             for i, u in enumerate(users[:SAFE + HELP])]
    later = [text_event(u, f"#checkin {board} help", app_id=app_id, timestamp_ms=now_ms + 5000)
             for u in users[:SWITCH]]
    checkins = CheckinStore(client, settings)

    post_twice(stack, first[: len(first) // 2])
    deadline = time.monotonic() + 60
    while checkins.summary(board)["safe"] < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    stack.kill("worker")  # SIGKILL mid-burst
    post_twice(stack, first[len(first) // 2:])
    stack.start_process("worker")
    time.sleep(1)
    post_twice(stack, later)

    expected = {"safe": SAFE - SWITCH, "help": HELP + SWITCH, "no_answer": RECIPIENTS - SAFE - HELP}
    deadline = time.monotonic() + 180
    while checkins.summary(board) != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    assert checkins.summary(board) == expected
    time.sleep(2)  # nothing late moves them again
    assert checkins.summary(board) == expected
    rows = {row.area: row for row in checkins.counts(board)}
    assert sum(row.total for row in rows.values()) == RECIPIENTS
    answers = {a.user_id: a.kind for a in checkins.answers(board)}
    assert all(answers[u] == "help" for u in users[:SWITCH])
    # Every safe answer got exactly one reply, despite the duplicates and the kill.
    replies = requests.get(f"{stack.sandbox_url}/_sandbox/messages", params={"limit": 10000}, timeout=30).json()
    thanks = [m["user_id"] for m in replies["messages"] if "báo an toàn" in json.dumps(m, ensure_ascii=False)]
    assert sorted(thanks) == sorted(users[:SAFE])
