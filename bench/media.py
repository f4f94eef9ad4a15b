"""Reading a receipt photo on this machine, beside the webhook's acknowledgement measured in the same run.

    .venv/bin/python bench/media.py [--runs 5] [--requests 1000] [--concurrency 8]

1. Photo reading, as the worker does it (bot.media.reading: the strict download from the sandbox's
   media host, then QR with zxing-cpp, else OCR with Tesseract): p50 / max per kind of photo, for a
   receipt page with a QR code, one with printed text only, and a photo with no receipt (QR and OCR
   both tried). Baseline in the same run: reading the same receipt number from typed text
   (bot.dossiers.receipts.find_receipts), and the webhook's p50 acknowledgement.
2. The webhook's acknowledgement (real gunicorn, as bench/webhook.py serves it) for typed-text events
   and for image events carrying a photo URL: the ratio shows the acknowledgement is unchanged,
   since the webhook never downloads anything (reading runs in the worker).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench.webhook import load, percentile, serve  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.devtools.embedded_redis import EmbeddedRedis, free_port  # noqa: E402
from bot.dossiers.receipts import find_receipts  # noqa: E402
from bot.media.reading import receipt_in_photo  # noqa: E402
from sandbox.config import SandboxConfig  # noqa: E402
from sandbox.receipt_samples import plain_photo, receipt_page  # noqa: E402
from sandbox.server import SandboxThread  # noqa: E402
from tests.helpers import signed, text_event  # noqa: E402

RECEIPT = "H56.14-240823-0001"


def timed(action: Callable[[], object], runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - started)
    return seconds


def image_event(user_id: str, url: str) -> dict:
    event = text_event(user_id, "")
    event["event_name"] = "user_send_image"
    event["message"] = {"msg_id": uuid.uuid4().hex, "attachments": [{"type": "image",
                                                                     "payload": {"url": url, "thumbnail": url}}]}
    return event


def photo_reading(runs: int) -> dict[str, list[float]]:
    sandbox = SandboxThread(SandboxConfig(port=0, webhook_url="", echo=False))
    base = sandbox.start()
    try:
        settings = replace(Settings(), zalo_api_base=base)
        photos = {"receipt with QR": receipt_page(), "printed text only": receipt_page(with_qr=False),
                  "no receipt (QR+OCR)": plain_photo()}
        results = {}
        for name, data in photos.items():
            url = requests.post(f"{base}/_sandbox/media", data=data, headers={"Content-Type": "image/jpeg"},
                                timeout=10).json()["url"]
            expected = None if name.startswith("no receipt") else RECEIPT
            assert receipt_in_photo(url, settings).receipt == expected, name
            results[name] = timed(lambda url=url: receipt_in_photo(url, settings), runs)
        text = f"cho hỏi hồ sơ {RECEIPT.lower()} của tôi tới đâu rồi"
        results["typed receipt (baseline)"] = timed(lambda: find_receipts(text), max(runs, 100))
        return results
    finally:
        sandbox.stop()


def acknowledgements(requests_count: int, concurrency: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        redis_server = EmbeddedRedis(Path(tmp)).start()
        env = {**os.environ, "REDIS_URL": redis_server.url, "ZALO_APP_ID": "123",
               "ZALO_OA_SECRET_KEY": "oa_secret_key", "LOG_LEVEL": "WARNING", "REDIS_KEY_PREFIX": "bench:"}
        port = free_port()
        process = serve("wsgi:app", port, env)
        try:
            load(port, [signed(text_event(str(i % 200), "warm up")) for i in range(200)], concurrency)
            photo = "https://photo-talk.zadn.vn/receipt.jpg"
            text_bodies = [signed(text_event(str(i % 500), f"câu hỏi số {i}")) for i in range(requests_count)]
            image_bodies = [signed(image_event(str(i % 500), photo)) for i in range(requests_count)]
            latencies: dict[str, list[float]] = {"typed text": [], "photo": []}
            half = requests_count // 2
            for start in (0, half):  # alternate, so neither kind gets the warmer half of the run
                latencies["typed text"] += load(port, text_bodies[start:start + half], concurrency)[1]
                latencies["photo"] += load(port, image_bodies[start:start + half], concurrency)[1]
            return latencies
        finally:
            process.terminate()
            process.wait()
            redis_server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    reading = photo_reading(args.runs)
    acks = acknowledgements(args.requests, args.concurrency)
    ack_p50 = percentile(acks["typed text"], 50)
    print(f"Reading a receipt photo in the worker ({args.runs} runs each; download from the sandbox included)")
    print(f"{'photo':<26} {'p50 ms':>9} {'max ms':>9} {'x webhook ack p50':>18}")
    for name, seconds in reading.items():
        p50, worst = statistics.median(seconds) * 1000, max(seconds) * 1000
        print(f"{name:<26} {p50:9.3f} {worst:9.3f} {p50 / ack_p50:17.3g}x")
    print(f"\nWebhook acknowledgement, {args.requests} events each, {args.concurrency} concurrent clients "
          "(gunicorn 2 workers x 4 threads)")
    print(f"{'event':<26} {'p50 ms':>9} {'p99 ms':>9}")
    for name, latencies in acks.items():
        print(f"{name:<26} {percentile(latencies, 50):9.2f} {percentile(latencies, 99):9.2f}")
    ratio = percentile(acks["photo"], 50) / ack_p50
    print(f"photo / typed-text acknowledgement p50 = {ratio:.2f}x (unchanged: the webhook does not download)")


if __name__ == "__main__":
    main()
