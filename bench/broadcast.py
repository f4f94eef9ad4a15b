"""Broadcast fan-out throughput against the Zalo sandbox, beside a bare `requests` loop in the same run.

    .venv/bin/python bench/broadcast.py [--followers 100000] [--batch 500]

No rate limit (BROADCAST_RATE_PER_SECOND=0). The bare loop posts the same consultation message
to every follower with one requests.Session; the fan-out runs the real code a worker runs
(prepare → batches → BatchSender with delivery records, idempotency keys and the Zalo client),
in one process, so one worker's throughput is compared with a loop that records nothing.
Prints both rates, their ratio (target ≥ 0.8×) and peak memory (this process and Redis).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
import requests  # noqa: E402

from bot.broadcasts.areas import load_areas  # noqa: E402
from bot.broadcasts.cap import announcement_from_dict  # noqa: E402
from bot.broadcasts.compose import consultation_reply  # noqa: E402
from bot.broadcasts.fanout import BatchSender, prepare, request_send  # noqa: E402
from bot.broadcasts.store import BroadcastStore  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.devtools.embedded_redis import EmbeddedRedis, free_port  # noqa: E402
from bot.devtools.stack import wait_http  # noqa: E402
from bot.zalo.client import ZaloClient  # noqa: E402
from bot.zalo.sender import Sender  # noqa: E402
from tests.broadcast_helpers import InlineQueue, announcement_json  # noqa: E402

TOKEN = "bench-access"


def start_sandbox(port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SANDBOX_PORT": str(port), "SANDBOX_WEBHOOK_URL": "", "ZALO_APP_ID": "123",
           "ZALO_ACCESS_TOKEN": TOKEN, "ZALO_REFRESH_TOKEN": "bench-refresh", "SANDBOX_ECHO": "0"}
    process = subprocess.Popen([sys.executable, "-m", "sandbox", "--no-echo"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_http(f"http://127.0.0.1:{port}/_sandbox/stats")
    return process


def register_followers(client: redis.Redis, settings: Settings, ids: list[str]) -> None:
    now = time.time()
    for start in range(0, len(ids), 5000):
        pipe = client.pipeline(transaction=False)
        for uid in ids[start:start + 5000]:
            pipe.hset(f"{settings.key_prefix}follower:{uid}", mapping={"status": "following", "last_interaction": now})
        pipe.sadd(f"{settings.key_prefix}followers:active", *ids[start:start + 5000])
        pipe.execute()


def bare_loop(base: str, ids: list[str], message: dict) -> float:
    session = requests.Session()
    started = time.perf_counter()
    for uid in ids:
        body = session.post(f"{base}/v3.0/oa/message/cs", headers={"access_token": TOKEN},
                            json={"recipient": {"user_id": uid}, "message": message}, timeout=10).json()
        assert body["error"] == 0, body
    return time.perf_counter() - started


def fan_out(client: redis.Redis, settings: Settings) -> tuple[float, dict[str, int]]:
    store = BroadcastStore(client, settings)
    broadcast = store.create(announcement_from_dict(announcement_json(), load_areas()), "bench")
    queue = InlineQueue()
    started = time.perf_counter()
    request_send(client, settings, broadcast.id, "bench", queue=queue)  # type: ignore[arg-type]
    prepare(client, settings, broadcast.id, queue=queue)  # type: ignore[arg-type]
    sender = BatchSender(client, settings, Sender(ZaloClient(client, settings)))
    for _, (broadcast_id, batch) in queue.jobs[1:]:
        sender.run(broadcast_id, batch)
    return time.perf_counter() - started, store.counts(broadcast.id)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--followers", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp)).start()
        sandbox = start_sandbox(port)
        try:
            client = redis.Redis.from_url(server.url)
            settings = replace(Settings.from_env(), redis_url=server.url, key_prefix="bench:", zalo_api_base=base,
                               zalo_oauth_base=base, zalo_access_token=TOKEN, zalo_refresh_token="bench-refresh",
                               broadcast_rate_per_second=0, broadcast_batch_size=args.batch)
            made = requests.post(f"{base}/_sandbox/followers/bulk", json={"count": args.followers, "prefix": "88"},
                                 timeout=600).json()
            width = len(str(args.followers))
            first = made["users"] - args.followers
            ids = [f"88{first + i:0{width}d}" for i in range(args.followers)]
            register_followers(client, settings, ids)
            message = Sender.render([consultation_reply(announcement_from_dict(announcement_json(), load_areas()),
                                                        settings.commune_name)])[0]
            bare = bare_loop(base, ids, message)
            fanned, counts = fan_out(client, settings)
            redis_peak = client.info("memory")["used_memory_peak_human"]
        finally:
            sandbox.terminate()
            sandbox.wait(10)
            server.stop()
    n = args.followers
    print(f"followers            {n}")
    print(f"bare requests loop   {n / bare:8.0f} msg/s  ({bare:.1f} s)")
    print(f"broadcast fan-out    {n / fanned:8.0f} msg/s  ({fanned:.1f} s, including the recipient snapshot)")
    print(f"ratio                {bare / fanned:8.2f}x  (target >= 0.8x)")
    print(f"delivered            sent={counts['sent']} failed={counts['failed']} queued={counts['queued']}")
    print(f"peak memory          {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (this process), "
          f"Redis peak {redis_peak}")
    return 0 if counts["sent"] == n else 1


if __name__ == "__main__":
    raise SystemExit(main())
