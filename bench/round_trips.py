"""Redis round trips and commands per answered text message, in the job (the drain), and who makes them.

    .venv/bin/python bench/round_trips.py [--messages 200]

Runs the worker's real code in this process (accept as the webhook does, then drain with the
EventProcessor, the handlers and the one sender) against a real redis-server and the Zalo sandbox.
Round trips are counted on the client (one per request written to the socket: a pipeline or a script
call is one); commands on the server (INFO commandstats, commands run by scripts included). Each round
trip is charged to the first project function on the stack that made it, so the handoff's share (no
ticket open) shows. The questions are answered ones: procedure questions and office questions, from
followers. Figures are per message, averaged after a warm-up.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from bench.fixtures import redis_and_sandbox  # noqa: E402
from bot.ingress.events import parse_event  # noqa: E402
from bot.queue.event_inbox import accept_event, drain  # noqa: E402
from bot.queue.processing import EventProcessor  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.stores.followers import FollowerRegistry  # noqa: E402
from tests.helpers import text_event  # noqa: E402

QUESTIONS = ("làm giấy khai sinh cần giấy tờ gì", "đăng ký kết hôn cần gì", "cấp lại căn cước mất bao lâu",
             "mấy giờ làm việc", "thủ tục chứng thực bản sao", "đăng ký thường trú ở đâu")
PROJECT = (str(ROOT / "bot"), str(ROOT / "handlers"))


class Tally:
    """Round trips counted per calling site while `on` is True."""

    def __init__(self) -> None:
        self.on = False
        self.trips = 0
        self.by_site: Counter[str] = Counter()
        self.by_handler: Counter[str] = Counter()

    def record(self) -> None:
        if not self.on:
            return
        self.trips += 1
        stack = traceback.extract_stack()[:-2]
        self.by_site[_site(stack)] += 1
        self.by_handler[_handler(stack)] += 1


TALLY = Tally()


def _name(frame: traceback.FrameSummary) -> str:
    return frame.filename.removeprefix(str(ROOT) + "/").removesuffix(".py").replace("/", ".") + ":" + frame.name


def _site(stack: traceback.StackSummary) -> str:
    """The innermost project function on the stack (what asked Redis)."""
    for frame in reversed(stack):
        if frame.filename.startswith(PROJECT) and "/stores/scripts.py" not in frame.filename:
            return _name(frame)
    return "?"


def _handler(stack: traceback.StackSummary) -> str:
    """The outermost handler (or hook) on the stack; else the innermost project function."""
    for frame in stack:
        if frame.filename.startswith(str(ROOT / "handlers")) and not frame.filename.endswith(
                ("router.py", "__init__.py")):
            return _name(frame)
    return _site(stack)


class CountingConnection(redis.Connection):
    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        TALLY.record()
        super().send_packed_command(command, check_health)


def commands(client: redis.Redis) -> int:
    return sum(int(v["calls"]) for v in client.info("commandstats").values())


def cpu_per_question(matcher: Any, rounds: int = 50) -> tuple[float, float]:
    """Microseconds per question of the office-question scan (its cache bypassed) and of the matcher."""
    from bot.office.topics import _office_topics

    started = time.perf_counter()
    for _ in range(rounds):
        for question in QUESTIONS:
            _office_topics.__wrapped__(question)
    office = (time.perf_counter() - started) / (rounds * len(QUESTIONS)) * 1e6
    started = time.perf_counter()
    for _ in range(rounds):
        for question in QUESTIONS:
            matcher.match(question)
    return office, (time.perf_counter() - started) / (rounds * len(QUESTIONS)) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    with redis_and_sandbox("round-trips") as (server, sandbox, settings):
        pool = redis.ConnectionPool(connection_class=CountingConnection, host="127.0.0.1", port=server.port)
        client = redis.Redis(connection_pool=pool)
        stats = redis.Redis.from_url(server.url)
        from handlers import dispatch

        services = Services(client, settings)
        _ = services.matcher
        processor = EventProcessor(client, settings, services, dispatch)
        registry = FollowerRegistry(client, settings)
        users = [sandbox.sandbox.state.create_user(f"Người dân {n}", True, None, None).user_id
                 for n in range(args.messages + 10)]
        for user in users:
            registry.follow(user)

        def one(user: str, n: int) -> None:
            event = parse_event(text_event(user, QUESTIONS[n % len(QUESTIONS)], app_id="123"))
            accept_event(client, settings, event)
            TALLY.on = True
            drain(client, settings, event.user_id, processor.handle)
            TALLY.on = False

        for n, user in enumerate(users[:10]):  # warm-up: scripts loaded, tokens read, caches filled
            one(user, n)
        TALLY.trips, TALLY.by_site, TALLY.by_handler = 0, Counter(), Counter()
        before = commands(stats)
        for n, user in enumerate(users[10:]):
            one(user, n)
        # INFO commandstats counts every command; our accept_event calls (EVALSHA + its 5 inner commands
        # at most) are outside the job: subtract them as the webhook's.
        accept_commands = 1 + 5
        job_commands = (commands(stats) - before - 1) / args.messages - accept_commands
        answered = len({m.user_id for m in sandbox.sandbox.state.messages} & set(users[10:]))
        office_us, matcher_us = cpu_per_question(services.matcher)
    n = args.messages
    print(f"{n} answered text messages ({answered} answered), in the job (drain):")
    print(f"  round trips per message: {TALLY.trips / n:.1f}")
    print(f"  commands per message:    {job_commands:.1f} (server side, scripts' own commands included)")
    handoff = sum(count for site, count in TALLY.by_handler.items() if site.startswith("handlers.handoff"))
    print(f"  of which the handoff (no ticket open): {handoff / n:.1f} round trips")
    print(f"  CPU per question: office-question scan {office_us:.0f} µs (uncached; a message's later scans hit "
          f"the cache), procedure matcher {matcher_us:.0f} µs")
    print("  by handler or hook (round trips per message):")
    for site, count in TALLY.by_handler.most_common(args.top):
        print(f"    {count / n:5.2f}  {site}")
    print("  by the function that asked Redis:")
    for site, count in TALLY.by_site.most_common(args.top):
        print(f"    {count / n:5.2f}  {site}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
