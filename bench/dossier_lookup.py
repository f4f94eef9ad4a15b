"""Dossier look-up latency through the whole product: webhook → queue → worker → embedded store
→ Zalo sandbox, for a verified citizen sending a receipt number. Beside it, the same round trip
for the menu command (no look-up), measured in the same run, as the baseline.

    .venv/bin/python bench/dossier_lookup.py [--rounds 100]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.devtools.embedded_redis import EmbeddedRedis  # noqa: E402
from bot.devtools.stack import Stack  # noqa: E402

RECEIPT = "000.00.21.H12-240105-0012"
APPLICANT = "001203004567"


def round_trip(stack: Stack, user: str, text: str, seen: int) -> float:
    start = time.perf_counter()
    requests.post(f"{stack.sandbox_url}/_sandbox/citizen/{user}/text", json={"text": text}, timeout=10)
    while True:
        messages = requests.get(f"{stack.sandbox_url}/_sandbox/messages", params={"user_id": user, "since": seen},
                                timeout=10).json()["messages"]
        if messages:
            return time.perf_counter() - start
        time.sleep(0.002)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        redis_server = EmbeddedRedis(Path(tmp) / "redis").start()
        stack = Stack(var_dir=Path(tmp), redis_url=redis_server.url,
                      extra_env={"LOG_LEVEL": "WARNING", "SANDBOX_ECHO": "0"}).start()
        try:
            token = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "token", "create", "bench"],
                                   env=stack.env, capture_output=True, text=True, check=True).stdout.split()[-1]
            requests.put(f"{stack.web_url}/api/v1/dossiers/{RECEIPT}", headers={"Authorization": f"Bearer {token}"},
                         json={"procedure_code": "1.001193", "procedure_name": "Đăng ký khai sinh",
                               "applicant_id": APPLICANT, "status": 4, "received_at": "2024-01-05T08:00:00+07:00",
                               "due_at": "2099-01-08T17:00:00+07:00"}, timeout=10).raise_for_status()
            user = requests.post(f"{stack.sandbox_url}/_sandbox/users", json={"display_name": "Bench"},
                                 timeout=10).json()["user_id"]

            def last_seq() -> int:
                return requests.get(f"{stack.sandbox_url}/_sandbox/messages", params={"user_id": user},
                                    timeout=10).json()["last_seq"]

            round_trip(stack, user, RECEIPT, last_seq())  # asks for the ID
            round_trip(stack, user, APPLICANT, last_seq())  # verified and linked
            results: dict[str, list[float]] = {"menu command (baseline)": [], "dossier look-up": []}
            for _ in range(args.rounds):
                for name, text in (("menu command (baseline)", "#menu"), ("dossier look-up", RECEIPT)):
                    results[name].append(round_trip(stack, user, text, last_seq()))
        finally:
            stack.stop()
            redis_server.stop()
    print(f"{args.rounds} rounds each, webhook → worker → sandbox, one citizen, embedded Redis store")
    print(f"{'round trip':<26} {'p50 ms':>8} {'p99 ms':>8}")
    for name, values in results.items():
        q = statistics.quantiles(values, n=100)
        print(f"{name:<26} {q[49] * 1000:8.1f} {q[98] * 1000:8.1f}")
    base = statistics.median(results["menu command (baseline)"])
    print(f"look-up / baseline (p50) = {statistics.median(results['dossier look-up']) / base:.2f}x")


if __name__ == "__main__":
    main()
