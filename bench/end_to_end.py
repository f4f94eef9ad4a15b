"""End to end against a minimal echo bot on the same stack, in the same run: throughput, latency, and
Redis commands and worker CPU per message.

    .venv/bin/python bench/end_to_end.py [--citizens 200] [--messages 600] [--seconds 20] [--rate R]
                                         [--slices 4] [--profile stacks.txt]

Starts the Zalo sandbox and the product's Procfile `web` (gunicorn) and `worker` (bot.devtools.stack),
and beside them the echo bot (bench/echo_bot.py) under the same gunicorn command, with its own rq
SimpleWorker; each bot has its own embedded redis-server (AOF on, as the demo's, on tmpfs). The sandbox
sends signed `user_send_text` events from N citizens (who followed first and asked once, the warm-up),
questions the product answers from the catalogue. The bots take turns, `--slices` turns a phase, so
that the machine's other load falls on both alike:

- throughput: `--messages` events a bot, posted as fast as `--concurrency` senders can; messages fully
  answered per second (first event posted → last reply received by the sandbox, summed over slices);
- steady-rate latency: `--seconds` a bot at `--rate` events a second (default half the slower bot's
  throughput, at most 60); p50/p95/p99 from the sandbox creating the signed event to the bot's last
  reply to it reaching the sandbox (a citizen's events are citizens/rate seconds apart, so each reply
  belongs to its citizen's latest event);
- per message in the throughput phase: Redis commands (INFO commandstats, scripts' inner commands
  included), worker CPU (its /proc times) and web CPU (gunicorn's master and workers).

Prints both bots' figures and the ratios product/echo. The machine's other load still shows in the
spread across runs: run it several times.
"""

from __future__ import annotations

import argparse
import bisect
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
import requests  # noqa: E402

from bench.round_trips import QUESTIONS  # noqa: E402
from bot.devtools.embedded_redis import EmbeddedRedis, free_port  # noqa: E402
from bot.devtools.stack import Stack, procfile_commands, wait_http  # noqa: E402

CLOCK_TICKS = 100  # os.sysconf("SC_CLK_TCK") on Linux


def cpu_seconds(pid: int, with_children: bool = False) -> float:
    """User + system CPU of a process (and of its live child processes: gunicorn's workers)."""
    pids = [pid]
    if with_children:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(child) for child in children]
    total = 0
    for one in pids:
        fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / CLOCK_TICKS


def redis_commands(client: redis.Redis) -> int:
    return sum(int(stat["calls"]) for stat in client.info("commandstats").values())


@dataclass
class Bot:
    name: str
    webhook_url: str
    web_pid: int
    worker_pid: int
    redis: redis.Redis


@dataclass
class Sent:
    seq: int
    user_id: str
    at_ms: int


class Sandbox:
    """The sandbox's control API, one keep-alive session per thread."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self._session().request(method, f"{self.url}{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json()

    def send_text(self, user_id: str, text: str) -> Sent:
        answer = self.call("POST", f"/_sandbox/citizen/{user_id}/text", json={"text": text})
        if answer["status"] != 200:
            raise RuntimeError(f"the webhook answered {answer['status']} ({answer['error']})")
        return Sent(answer["seq"], user_id, int(answer["event"]["timestamp"]))

    def replies(self, since: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            page = self.call("GET", "/_sandbox/messages", params={"since": since, "limit": 10_000})
            found += page["messages"]
            if not page["messages"]:
                return found
            since = page["last_seq"]

    def now(self) -> int:
        """The seq of the last message the OA sent so far (replies after it are new)."""
        seq = 0
        while True:
            page = self.call("GET", "/_sandbox/messages", params={"since": seq, "limit": 10_000})
            if not page["messages"]:
                return seq
            seq = page["last_seq"]


def send_all(jobs: list[tuple[float, str, str]], sandbox: Sandbox, concurrency: int) -> list[Sent]:
    """Send (at, user, text) events, each not before `at` seconds from now, from `concurrency` threads."""
    sent: list[Sent] = []
    lock = threading.Lock()
    position = iter(range(len(jobs)))
    errors: list[BaseException] = []
    start = time.perf_counter()

    def sender() -> None:
        mine: list[Sent] = []
        while not errors:
            with lock:
                index = next(position, None)
            if index is None:
                break
            at, user, text = jobs[index]
            pause = start + at - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            try:
                mine.append(sandbox.send_text(user, text))
            except BaseException as exc:  # stop the run with the first failure
                errors.append(exc)
        with lock:
            sent.extend(mine)

    threads = [threading.Thread(target=sender) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return sent


def wait_quiet(sandbox: Sandbox, since: int, wanted: Callable[[list[dict[str, Any]]], bool],
               quiet_seconds: float = 1.5, timeout: float = 120.0) -> list[dict[str, Any]]:
    """The replies after `since`, once `wanted(replies)` holds (or none came for `quiet_seconds`)."""
    deadline = time.monotonic() + timeout
    replies: list[dict[str, Any]] = []
    last_change = time.monotonic()
    while time.monotonic() < deadline:
        more = sandbox.replies(since if not replies else replies[-1]["seq"])
        if more:
            replies += more
            last_change = time.monotonic()
        elif wanted(replies) or time.monotonic() - last_change > quiet_seconds:
            return replies
        time.sleep(0.2)
    return replies


def answered(sent: list[Sent], replies: list[dict[str, Any]]) -> dict[int, tuple[int, int]]:
    """Per event seq: (its first reply's time, its last reply's time), each reply charged to the latest
    event its citizen sent before it."""
    by_user: dict[str, list[Sent]] = defaultdict(list)
    for event in sorted(sent, key=lambda s: s.seq):
        by_user[event.user_id].append(event)
    times: dict[int, tuple[int, int]] = {}
    for reply in replies:
        events = by_user.get(reply["user_id"], [])
        index = bisect.bisect_left([e.seq for e in events], reply["seq"]) - 1
        if index < 0:
            continue
        seq = events[index].seq
        first, _ = times.get(seq, (reply["sent_time"], 0))
        times[seq] = (first, reply["sent_time"])
    return times


def percentile(values: Sequence[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


@dataclass
class Result:
    """One bot's figures, summed over the run's slices."""

    messages: int = 0
    seconds: float = 0.0  # first event posted → last reply received, per throughput slice
    replies: int = 0
    unanswered: int = 0
    commands: int = 0
    worker_cpu: float = 0.0
    web_cpu: float = 0.0
    latencies: list[float] = field(default_factory=list)  # ms, to the event's last reply
    firsts: list[float] = field(default_factory=list)  # ms, to its first reply
    steady_unanswered: int = 0

    @property
    def throughput(self) -> float:
        return self.messages / max(self.seconds, 1e-3)

    def per_message(self, total: float) -> float:
        return total / max(self.messages, 1)

    def latency(self, q: int, firsts: bool = False) -> float:
        values = self.firsts if firsts else self.latencies
        return percentile(values, q) if values else float("nan")


def questions(n: int, start: int = 0) -> list[str]:
    return [QUESTIONS[(start + i) % len(QUESTIONS)] for i in range(n)]


def warm_up(bot: Bot, sandbox: Sandbox, citizens: list[str], concurrency: int) -> None:
    since = sandbox.now()
    for user in citizens:
        sandbox.call("POST", f"/_sandbox/citizen/{user}/follow")
    sent = send_all([(0.0, user, text) for user, text in zip(citizens, questions(len(citizens)), strict=True)],
                    sandbox, concurrency)
    wait_quiet(sandbox, since, lambda replies: len(answered(sent, replies)) >= len(sent))


def throughput(bot: Bot, sandbox: Sandbox, citizens: list[str], messages: int, concurrency: int,
               result: Result) -> None:
    """`messages` events as fast as they are taken; Redis commands and CPU counted meanwhile."""
    since = sandbox.now()
    commands, worker, web = redis_commands(bot.redis), cpu_seconds(bot.worker_pid), cpu_seconds(bot.web_pid, True)
    jobs = [(0.0, citizens[i % len(citizens)], text) for i, text in enumerate(questions(messages, 1))]
    sent = send_all(jobs, sandbox, concurrency)
    # Each citizen's events are answered in order: all its events are answered once its last one is.
    last_by_user = {s.user_id: s for s in sorted(sent, key=lambda s: s.seq)}
    replies = wait_quiet(sandbox, since, lambda replies: set(answered(list(last_by_user.values()), replies))
                         >= {s.seq for s in last_by_user.values()})
    result.commands += redis_commands(bot.redis) - commands - 1  # not counting this INFO
    result.worker_cpu += cpu_seconds(bot.worker_pid) - worker
    result.web_cpu += cpu_seconds(bot.web_pid, True) - web
    done = answered(list(last_by_user.values()), replies)
    result.unanswered += sum(1 for s in last_by_user.values() if s.seq not in done)
    first_ms = min(s.at_ms for s in sent)
    last_ms = max((r["sent_time"] for r in replies), default=first_ms)
    result.messages += messages
    result.seconds += (last_ms - first_ms) / 1000
    result.replies += len(replies)


def steady(bot: Bot, sandbox: Sandbox, citizens: list[str], rate: float, seconds: float, concurrency: int,
           result: Result, offset: int) -> None:
    """Events at `rate` a second for `seconds`; latency from each event's creation to its replies."""
    since = sandbox.now()
    count = int(rate * seconds)
    # Citizens in turn from `offset`: each citizen's events stay len(citizens)/rate seconds apart across slices.
    jobs = [(i / rate, citizens[(offset + i) % len(citizens)], text) for i, text in enumerate(questions(count, 2))]
    sent = send_all(jobs, sandbox, concurrency)
    replies = wait_quiet(sandbox, since, lambda replies: len(answered(sent, replies)) >= len(sent))
    done = answered(sent, replies)
    result.latencies += [done[s.seq][1] - s.at_ms for s in sent if s.seq in done]
    result.firsts += [done[s.seq][0] - s.at_ms for s in sent if s.seq in done]
    result.steady_unanswered += len(sent) - len(done)


def start_echo_bot(stack: Stack, redis_url: str) -> tuple[str, int, int]:
    """The echo bot's web under the Procfile's own gunicorn command, and its worker, on `redis_url`."""
    port = free_port()
    web = procfile_commands()["web"].replace("wsgi:app", "bench.echo_bot:app").replace("${PORT:-8000}", str(port))
    stack.start_process("echo-web", f"env REDIS_URL={redis_url} {web}")
    stack.start_process("echo-worker", f"env REDIS_URL={redis_url} {sys.executable} -m bench.echo_bot")
    wait_http(f"http://127.0.0.1:{port}/")
    return f"http://127.0.0.1:{port}/webhook/zalo", stack.processes["echo-web"].pid, stack.processes[
        "echo-worker"].pid


def use(sandbox: Sandbox, bot: Bot) -> None:
    """The sandbox posts citizens' events to this bot's webhook from now on."""
    sandbox.call("POST", "/_sandbox/config", json={"webhook_url": bot.webhook_url})


def profile(pid: int, path: str) -> subprocess.Popen[bytes]:
    """py-spy sampling the worker until interrupted; the stacks go to `path` (folded, one line each)."""
    profiler = subprocess.Popen(["py-spy", "record", "--pid", str(pid), "--rate", "250", "--format", "raw",
                                 "--output", path, "--nonblocking", "--idle"], stdout=subprocess.DEVNULL)
    time.sleep(1.0)  # attached before the first event
    return profiler


def report(results: dict[str, Result], args: argparse.Namespace, rate: float) -> None:
    product, echo = results["product"], results["echo"]
    print(f"{args.citizens} citizens; throughput: {product.messages} messages a bot from {args.concurrency} "
          f"senders; steady: {rate:.0f} msg/s for {args.seconds:.0f} s a bot; {args.slices} slices a phase, "
          "the bots in turn")
    print(f"{'':<9}{'msg/s':>7}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'replies':>8}{'Redis cmd':>10}"
          f"{'worker CPU':>11}{'web CPU':>9}   (replies, commands, CPU: per message)")
    for name, r in results.items():
        print(f"{name:<9}{r.throughput:7.1f}{r.latency(50):8.1f}{r.latency(95):8.1f}{r.latency(99):8.1f}"
              f"{r.per_message(r.replies):8.2f}{r.per_message(r.commands):10.1f}"
              f"{r.per_message(r.worker_cpu) * 1000:9.2f}ms{r.per_message(r.web_cpu) * 1000:7.2f}ms")
        if r.unanswered or r.steady_unanswered:
            print(f"  {name}: {r.unanswered} citizens' last events (throughput) and {r.steady_unanswered} "
                  "steady-rate events had no reply")
    print(f"ratios product/echo: throughput {product.throughput / echo.throughput:.2f}x (target >= 0.8x), "
          f"p95 latency {product.latency(95) / echo.latency(95):.2f}x (target <= 1.3x), "
          f"Redis commands {product.commands / product.messages / (echo.commands / echo.messages):.2f}x, "
          f"worker CPU {product.worker_cpu / product.messages / (echo.worker_cpu / echo.messages):.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--messages", type=int, default=600, help="events in the throughput phase")
    parser.add_argument("--rate", type=float, default=0.0,
                        help="events per second in the steady phase (default: half the slower bot's throughput, "
                             "at most 60)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of a bot's steady phase")
    parser.add_argument("--slices", type=int, default=4, help="turns each bot takes in each phase")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent senders")
    parser.add_argument("--redis-dir", default="/dev/shm" if Path("/dev/shm").is_dir() else None,
                        help="where both redis-servers keep their AOF; tmpfs by default, so that the disk's fsync "
                             "(appendfsync always) does not set both bots' pace")
    parser.add_argument("--profile", metavar="FILE",
                        help="record the product's worker with py-spy (pip install py-spy), idle time included, "
                             "during its throughput and steady phases, as collapsed stacks in FILE")
    parser.add_argument("--zalo-echoes", action="store_true",
                        help="the sandbox posts oa_send_* echoes of every reply back to the webhook, as Zalo does")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="end-to-end-") as tmp, \
            tempfile.TemporaryDirectory(prefix="end-to-end-redis-", dir=args.redis_dir) as redis_dir:
        product_redis = EmbeddedRedis(Path(redis_dir) / "product").start()
        echo_redis = EmbeddedRedis(Path(redis_dir) / "echo").start()
        stack = Stack(var_dir=Path(tmp), redis_url=product_redis.url,
                      extra_env={"LOG_LEVEL": "WARNING", "SANDBOX_ECHO": "1" if args.zalo_echoes else "0"})
        try:
            stack.start()
            echo_url, echo_web, echo_worker = start_echo_bot(stack, echo_redis.url)
            bots = [
                Bot("echo", echo_url, echo_web, echo_worker, redis.Redis.from_url(echo_redis.url)),
                Bot("product", f"{stack.web_url}/webhook/zalo", stack.processes["web"].pid,
                    stack.processes["worker"].pid, redis.Redis.from_url(product_redis.url)),
            ]
            sandbox = Sandbox(stack.sandbox_url)
            citizens = [sandbox.call("POST", "/_sandbox/users", json={"display_name": f"Người dân {n}"})["user_id"]
                        for n in range(args.citizens)]
            results = {bot.name: Result() for bot in bots}
            for bot in bots:
                use(sandbox, bot)
                warm_up(bot, sandbox, citizens, args.concurrency)
            profiler = profile(bots[1].worker_pid, args.profile) if args.profile else None
            # The bots take turns, slice by slice, so that the machine's other load falls on both alike.
            for _ in range(args.slices):
                for bot in bots:
                    use(sandbox, bot)
                    throughput(bot, sandbox, citizens, args.messages // args.slices, args.concurrency,
                               results[bot.name])
            slowest = min(result.throughput for result in results.values())
            rate = args.rate or min(60.0, round(slowest / 2))
            for index in range(args.slices):
                for bot in bots:
                    use(sandbox, bot)
                    steady(bot, sandbox, citizens, rate, args.seconds / args.slices, args.concurrency,
                           results[bot.name], offset=int(index * rate * args.seconds / args.slices))
            if profiler:
                profiler.send_signal(signal.SIGINT)
                profiler.wait(30)
        finally:
            stack.stop()
            product_redis.stop()
            echo_redis.stop()
    report(results, args, rate)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
