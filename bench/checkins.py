"""Check-in answers absorbed per second against a 20,000-recipient alert, beside the webhook's bare
acknowledgement rate in the same run.

    .venv/bin/python bench/checkins.py [--recipients 20000] [--answers 4000] [--concurrency 16] [--workers 1]

Runs the real stack (the Procfile's web under gunicorn and worker(s), the Zalo sandbox, an embedded
Redis). An alert's board holds `--recipients` followers (registered as the fan-out does); then
`--answers` of them tap "Tôi an toàn" or "Cần giúp" in one burst, every tenth delivery sent twice
(Zalo's resends). "Acknowledged" is the rate at which the web answered 200 (nothing waits for the
worker); "absorbed" is answers counted on the board per second, from the first post until the
board shows them all (each answer processed in order, counted once, and its reply sent to the
sandbox). The ratio says how far behind the webhook's pace the board runs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from bench.webhook import load as post_webhooks  # noqa: E402
from bot.broadcasts.areas import load_areas  # noqa: E402
from bot.broadcasts.cap import announcement_from_dict  # noqa: E402
from bot.broadcasts.checkins import CheckinStore  # noqa: E402
from bot.broadcasts.store import BroadcastStore  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.devtools.embedded_redis import EmbeddedRedis  # noqa: E402
from bot.devtools.stack import Stack  # noqa: E402
from tests.broadcast_helpers import announcement_json  # noqa: E402
from tests.helpers import SandboxControl, signed, text_event  # noqa: E402
from tests.test_broadcast_fanout import bulk  # noqa: E402

PREFIX = "bench:"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--answers", type=int, default=4_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    answers = min(args.answers, args.recipients)
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp) / "redis").start()
        stack = Stack(var_dir=Path(tmp) / "var", redis_url=server.url,
                      extra_env={"REDIS_KEY_PREFIX": PREFIX, "LOG_LEVEL": "WARNING", "WEB_CONCURRENCY": "2"})
        try:
            stack.start()
            for extra in range(1, args.workers):
                stack.start_process(f"worker{extra}", stack_worker_command())
            users = bulk(SandboxControl(stack.sandbox_url), args.recipients, "9")
            settings = Settings(redis_url=server.url, key_prefix=PREFIX)
            client = redis.Redis.from_url(server.url)
            store = BroadcastStore(client, settings)
            alert = store.create(announcement_from_dict(announcement_json(), load_areas()), "bench", status="done")
            store.update(alert.id, checkin_for=alert.id)
            checkins = CheckinStore(client, settings)
            for start in range(0, len(users), 2000):
                checkins.register(alert.id, [(u, "ap-1") for u in users[start:start + 2000]])
            secret, app_id = stack.env["ZALO_OA_SECRET_KEY"], stack.env["ZALO_APP_ID"]
            bodies = []
            for i, user in enumerate(users[:answers]):
                kind = "help" if i % 20 == 0 else "safe"
                body = signed(text_event(user, f"#checkin {alert.id} {kind}", app_id=app_id), secret, app_id)
                bodies.append(body)
                if i % 10 == 0:
                    bodies.append(body)  # a resend of the same delivery
            began = time.perf_counter()
            acked_rate, _ = post_webhooks(stack.web_port, bodies, args.concurrency)
            acked_in = len(bodies) / acked_rate
            while True:
                summary = checkins.summary(alert.id)
                if summary["safe"] + summary["help"] >= answers:
                    break
                if time.perf_counter() - began > 1800:
                    raise SystemExit(f"the board stopped at {summary}")
                time.sleep(0.05)
            absorbed_in = time.perf_counter() - began
        finally:
            stack.stop()
            server.stop()
    acked, absorbed = len(bodies) / acked_in, answers / absorbed_in
    print(f"{args.recipients} recipients, {answers} answers ({len(bodies)} deliveries incl. resends), "
          f"{args.concurrency} concurrent posters, gunicorn 2 workers, {args.workers} rq worker(s)")
    print(f"webhook acknowledged  {acked:8.0f} deliveries/s")
    print(f"board absorbed        {absorbed:8.0f} answers/s   (counted once each, reply sent)")
    print(f"absorbed / acknowledged = {absorbed / acked:.2f}x; final board {summary}")


def stack_worker_command() -> str:
    from bot.devtools.stack import procfile_commands

    return procfile_commands()["worker"]


if __name__ == "__main__":
    main()
