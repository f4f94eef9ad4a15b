"""Redis Sentinel failover: a real primary, replica and sentinel, the real web and worker processes.

Events are acknowledged to "Zalo" only once a replica has them (REDIS_WAIT_REPLICAS=1). With the worker
paused and events queued, the primary is killed: the sentinel promotes the replica, the web and the
worker find it through the sentinel, every acknowledged event is handled once, and later events too
(acknowledged once the restarted old primary has become the new primary's replica, or the
sentinel has failed back to it with the other as its replica).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests

from bot.devtools.embedded_redis import EmbeddedRedis, find_redis_server, free_port, redis_answers
from bot.devtools.stack import Stack
from bot.tickets.model import TranscriptEntry
from tests.helpers import SandboxControl, signed, text_event

pytestmark = pytest.mark.e2e

MASTER = "mymaster"
PREFIX = f"fo{uuid.uuid4().hex[:6]}:"


def _wait(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out: {what}")


def _server(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([find_redis_server(), *args, "--logfile", str(log)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@dataclass
class Topology:
    primary: EmbeddedRedis
    replica_port: int
    sentinel_port: int
    processes: list[subprocess.Popen[bytes]]

    def replicated(self) -> bool:
        """The sentinel's primary has the other server as its replica, in sync."""
        master = self.master_port()
        other = self.replica_port if master == self.primary.port else self.primary.port
        try:
            replication = redis.Redis(port=other, socket_timeout=1).info("replication")
        except redis.RedisError:
            return False
        return (master is not None and replication.get("master_port") == master
                and replication.get("master_link_status") == "up")

    def master_port(self) -> int | None:
        try:
            answer = redis.Redis(port=self.sentinel_port, socket_timeout=1).sentinel_get_master_addr_by_name(MASTER)
        except redis.RedisError:
            return None
        return int(answer[1]) if answer else None


@pytest.fixture
def topology(tmp_path: Path) -> Iterator[Topology]:
    primary = EmbeddedRedis(tmp_path / "primary").start()
    replica_port, sentinel_port = free_port(), free_port()
    (tmp_path / "replica").mkdir()
    replica = _server(["--port", str(replica_port), "--bind", "127.0.0.1", "--dir", str(tmp_path / "replica"),
                       "--appendonly", "yes", "--appendfsync", "always", "--save", "",
                       "--replicaof", "127.0.0.1", str(primary.port)], tmp_path / "replica" / "redis.log")
    replica_url = f"redis://127.0.0.1:{replica_port}/0"
    _wait(lambda: redis_answers(replica_url)
          and redis.Redis.from_url(replica_url).info("replication").get("master_link_status") == "up",
          20, "the replica in sync")
    conf = tmp_path / "sentinel.conf"
    conf.write_text(f"port {sentinel_port}\nbind 127.0.0.1\ndir {tmp_path}\n"
                    f"sentinel monitor {MASTER} 127.0.0.1 {primary.port} 1\n"
                    f"sentinel down-after-milliseconds {MASTER} 3000\n"
                    f"sentinel failover-timeout {MASTER} 10000\n"
                    f"sentinel parallel-syncs {MASTER} 1\n")
    sentinel = _server([str(conf), "--sentinel"], tmp_path / "sentinel.log")
    running = Topology(primary, replica_port, sentinel_port, [replica, sentinel])
    _wait(lambda: running.master_port() == primary.port, 20, "the sentinel watching the primary")
    _wait(lambda: int(redis.Redis(port=sentinel_port).sentinel_master(MASTER).get("num-slaves", 0)) >= 1,
          20, "the sentinel knowing the replica")
    yield running
    primary.stop(kill=True)
    for process in running.processes:
        process.kill()
        process.wait(10)


def _post_until_acknowledged(stack: Stack, event: dict, timeout: float = 40.0) -> int:
    """Post as Zalo does: again and again until the bot answers 200. How many posts it took."""
    body, headers = signed(event, secret=stack.env["ZALO_OA_SECRET_KEY"], app_id=stack.env["ZALO_APP_ID"])
    deadline, posts = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        posts += 1
        try:
            answer = requests.post(f"{stack.web_url}/webhook/zalo", data=body, headers=headers, timeout=15)
            if answer.status_code == 200:
                return posts
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError("the event was never acknowledged")


def test_killing_the_primary_loses_nothing_acknowledged(topology: Topology, tmp_path: Path) -> None:
    stack = Stack(var_dir=tmp_path / "var", redis_url=topology.primary.url, extra_env={
        "REDIS_KEY_PREFIX": PREFIX, "REDIS_SENTINELS": f"127.0.0.1:{topology.sentinel_port}",
        "REDIS_SENTINEL_MASTER": MASTER, "REDIS_WAIT_REPLICAS": "1", "REDIS_WAIT_TIMEOUT_MS": "1000",
        "WEB_CONCURRENCY": "1", "USER_LOCK_TTL_SECONDS": "3", "JOB_RETRY_INTERVALS": "1,2",
        "HANDOFF_TRANSCRIPT_SIZE": "200"}).start()
    try:
        control = SandboxControl(stack.sandbox_url)
        app_id = stack.env["ZALO_APP_ID"]
        users = [control.create_user(f"Người dân {n}") for n in range(3)]
        texts: dict[str, list[str]] = {user: [] for user in users}

        def say(user: str, n: int) -> None:
            text = f"cho hỏi mấy giờ làm việc, lần {n}"
            _post_until_acknowledged(stack, text_event(user, text, app_id=app_id))
            texts[user].append(text)

        worker = stack.processes["worker"]
        os.killpg(worker.pid, signal.SIGSTOP)  # events queue up, unhandled
        for n in range(4):
            for user in users:
                say(user, n)
        topology.primary.stop(kill=True)
        _wait(lambda: topology.master_port() == topology.replica_port, 40, "the replica promoted")
        os.killpg(worker.pid, signal.SIGCONT)
        # The old primary comes back (as its service manager restarts it) and the sentinel makes it the
        # new primary's replica: events are acknowledged again once it has them. Until then the web
        # answers 503 and Zalo resends. (On a loaded machine the sentinel may instead find the new primary
        # unresponsive and fail back to the returned one: either way, a primary with a replica in sync.)
        # A sentinel converts a returning old primary only after its failover has ended (failover-timeout)
        # and two INFO rounds ten seconds apart have seen it claim to be primary: 30 s or so, more on a
        # loaded machine.
        topology.primary.start()
        _wait(topology.replicated, 120, "a primary with its replica in sync again")
        for n in range(4, 6):  # after the failover: the web finds the new primary through the sentinel
            for user in users:
                say(user, n)

        promoted = redis.Redis(port=topology.master_port())

        def handled(user: str) -> list[str]:
            lines = [TranscriptEntry.loads(raw) for raw in promoted.lrange(f"{PREFIX}handoff:transcript:{user}", 0, -1)]
            return [line.text for line in lines if line.who == "citizen"]

        _wait(lambda: all(len(handled(user)) >= len(texts[user]) for user in users), 60,
              "every acknowledged event handled")
        for user in users:
            assert handled(user) == texts[user]  # each once, in order
            assert len(control.messages(user)) >= len(texts[user])  # and answered
        assert stack.processes["worker"].poll() is None  # the same worker carried on
    finally:
        stack.stop()
