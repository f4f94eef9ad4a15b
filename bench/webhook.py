"""Webhook acknowledgement throughput and latency under concurrent load, against a bare Flask
endpoint served the same way (gunicorn, same workers and threads) in the same run.

    .venv/bin/python bench/webhook.py [--requests 4000] [--concurrency 16]

Prints requests/s, p50 and p99 for both, and the ratio. Every request is a distinct, correctly
signed `user_send_text` event, so each one goes through verify → dedupe → inbox → enqueue.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.devtools.embedded_redis import EmbeddedRedis, free_port  # noqa: E402
from bot.devtools.stack import wait_http  # noqa: E402
from tests.helpers import signed, text_event  # noqa: E402

GUNICORN = [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--log-level", "warning"]


def serve(app: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([*GUNICORN, "--bind", f"127.0.0.1:{port}", app], cwd=ROOT, env=env)
    wait_http(f"http://127.0.0.1:{port}/healthz" if app == "wsgi:app" else f"http://127.0.0.1:{port}/")
    return process


def load(port: int, bodies: list[tuple[bytes, dict[str, str]]], concurrency: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()
    index = iter(range(len(bodies)))
    errors: list[int] = []

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        while True:
            with lock:
                i = next(index, None)
            if i is None:
                break
            body, headers = bodies[i]
            start = time.perf_counter()
            conn.request("POST", "/webhook/zalo", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            if response.status != 200:
                errors.append(response.status)
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise SystemExit(f"{len(errors)} non-200 answers, e.g. {errors[:5]}")
    return len(bodies) / elapsed, latencies


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        redis_server = EmbeddedRedis(Path(tmp)).start()
        env = {**os.environ, "REDIS_URL": redis_server.url, "ZALO_APP_ID": "123",
               "ZALO_OA_SECRET_KEY": "oa_secret_key", "LOG_LEVEL": "WARNING", "REDIS_KEY_PREFIX": "bench:"}
        results = {}
        try:
            for name, app in (("bare Flask 200", "bench.bare_app:app"), ("webhook", "wsgi:app")):
                port = free_port()
                process = serve(app, port, env)
                try:
                    warm = [signed(text_event(str(i % 500), "warm up")) for i in range(200)]
                    load(port, warm, args.concurrency)
                    bodies = [signed(text_event(str(i % 500), f"câu hỏi số {i}")) for i in range(args.requests)]
                    results[name] = load(port, bodies, args.concurrency)
                finally:
                    process.terminate()
                    process.wait()
        finally:
            redis_server.stop()
    print(f"{args.requests} requests, {args.concurrency} concurrent clients, gunicorn 2 workers x 4 threads")
    print(f"{'endpoint':<16} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, (rps, lat) in results.items():
        print(f"{name:<16} {rps:8.0f} {percentile(lat, 50):8.2f} {percentile(lat, 99):8.2f}")
    base_rps = results["bare Flask 200"][0]
    hook_rps, hook_lat = results["webhook"]
    print(f"throughput ratio webhook/bare = {hook_rps / base_rps:.2f}x (target >= 0.5x); "
          f"webhook p99 = {percentile(hook_lat, 99):.2f} ms (target <= 20 ms)")


if __name__ == "__main__":
    main()
