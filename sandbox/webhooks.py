"""Posting signed events to the bot's webhook, as Zalo does: now (citizen events) or in the background
(echoes of the OA's own messages, which must not slow the send path)."""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass
from typing import Any

import requests

from sandbox.config import SandboxConfig
from sandbox.signing import SIGNATURE_HEADER, signature_header


@dataclass(slots=True)
class Delivery:
    event_name: str
    status: int | None  # the bot's HTTP status; None when it could not be reached
    elapsed_ms: float
    error: str | None = None
    resend: bool = False


class WebhookPoster:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self._local = threading.local()
        self._lock = threading.Lock()
        self.log: deque[dict[str, Any]] = deque(maxlen=500)
        self.statuses: Counter[str] = Counter()
        self.last_body: tuple[str, bytes] | None = None  # (event_name, body) of the last citizen event
        self._echoes: queue.Queue[tuple[str, bytes, str, str | None] | None] = queue.Queue()
        self._workers: list[threading.Thread] = []
        self._unfinished_echoes = 0

    # --- synchronous posting ---------------------------------------------------------------------

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def post(self, event_name: str, body: bytes, timestamp: str, *, signature: str | None = None,
             resend: bool = False, remember: bool = True, secret: str | None = None) -> Delivery:
        """Sign (with `secret`, the OA's; the configured OA's by default) and POST `body`; `signature`
        overrides the header (to test rejection)."""
        url = self.config.webhook_url
        if not url:
            return self._record(Delivery(event_name, None, 0.0, "no webhook url configured", resend))
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature
            if signature is not None
            else signature_header(self.config.app_id, body, timestamp, secret or self.config.oa_secret_key),
            "User-Agent": "ZaloSandbox/1.0",
        }
        if resend:
            headers["num_retry"] = "1"
        if remember:
            self.last_body = (event_name, body)
        started = time.perf_counter()
        try:
            response = self._session().post(url, data=body, headers=headers,
                                            timeout=self.config.webhook_timeout_seconds)
            status, error = response.status_code, None
        except requests.RequestException as exc:
            status, error = None, type(exc).__name__
        return self._record(Delivery(event_name, status, (time.perf_counter() - started) * 1000, error, resend))

    def _record(self, delivery: Delivery) -> Delivery:
        with self._lock:
            self.statuses[str(delivery.status)] += 1
            self.log.append(asdict(delivery))
        return delivery

    # --- background echoes -----------------------------------------------------------------------

    def start(self) -> None:
        """Start the echo threads (also done lazily, so that a forking server starts them in its worker)."""
        if self._workers:
            return
        for index in range(max(1, self.config.echo_threads)):
            worker = threading.Thread(target=self._echo_loop, name=f"sandbox-echo-{index}", daemon=True)
            worker.start()
            self._workers.append(worker)

    def stop(self) -> None:
        for _ in self._workers:
            self._echoes.put(None)
        for worker in self._workers:
            worker.join(timeout=2)
        self._workers.clear()

    def enqueue_echo(self, event_name: str, body: bytes, timestamp: str, secret: str | None = None) -> None:
        if self.config.echo and self.config.webhook_url:
            if not self._workers:
                with self._lock:
                    self.start()
            with self._lock:
                self._unfinished_echoes += 1
            self._echoes.put((event_name, body, timestamp, secret))

    def pending_echoes(self) -> int:
        """Echoes queued or being posted (the bot has not answered them yet)."""
        with self._lock:
            return self._unfinished_echoes

    def _echo_loop(self) -> None:
        while True:
            item = self._echoes.get()
            if item is None:
                return
            event_name, body, timestamp, secret = item
            try:
                self.post(event_name, body, timestamp, remember=False, secret=secret)
            finally:
                with self._lock:
                    self._unfinished_echoes -= 1

    def summary(self) -> dict[str, Any]:
        with self._lock:
            return {"by_status": dict(self.statuses), "echoes_pending": self._unfinished_echoes,
                    "recent": list(self.log)[-20:]}
