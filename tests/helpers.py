"""Small builders shared by tests: signed Zalo webhook requests, the Procfile's worker process, console forms."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
import requests

from bot.config import ROOT, Settings
from bot.ingress.signature import expected_mac


def text_event(user_id: str, text: str, app_id: str = "123", msg_id: str | None = None,
               timestamp_ms: int | None = None) -> dict[str, Any]:
    return {
        "app_id": app_id,
        "user_id_by_app": "9" + user_id,
        "event_name": "user_send_text",
        "timestamp": str(timestamp_ms or int(time.time() * 1000)),
        "sender": {"id": user_id},
        "recipient": {"id": "4024926008133882615"},
        "message": {"msg_id": msg_id or uuid.uuid4().hex, "text": text},
    }


def signed(event: dict[str, Any], secret: str = "oa_secret_key", app_id: str = "123") -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event, separators=(",", ":")).encode()
    mac = expected_mac(app_id, body, str(event["timestamp"]), secret)
    return body, {"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"}


def start_worker(settings: Settings, sandbox_url: str, log_path: Path,
                 env: dict[str, str] | None = None) -> subprocess.Popen:
    """The Procfile's `python -m bot.queue.worker`, on the test's Redis, key prefix, queue, Zalo sandbox and
    broadcast pacing.

    `env` adds or overrides environment variables. The worker gets its own process group so that
    stop_worker (or a test's SIGKILL) reaches it and nothing else.
    """
    worker_env = {
        **os.environ,
        "REDIS_URL": settings.redis_url, "REDIS_KEY_PREFIX": settings.key_prefix,
        "QUEUE_NAME": settings.queue_name,
        "ZALO_APP_ID": settings.zalo_app_id, "ZALO_APP_SECRET": settings.zalo_app_secret,
        "ZALO_OA_SECRET_KEY": settings.zalo_oa_secret_key, "ZALO_OA_ID": settings.zalo_oa_id,
        "ZALO_ACCESS_TOKEN": settings.zalo_access_token, "ZALO_REFRESH_TOKEN": settings.zalo_refresh_token,
        "ZALO_API_BASE": sandbox_url, "ZALO_OAUTH_BASE": sandbox_url, "ZALO_ZNS_API_BASE": sandbox_url,
        "LOG_LEVEL": "WARNING",
        "BROADCAST_RATE_PER_SECOND": str(settings.broadcast_rate_per_second),
        "BROADCAST_BATCH_SIZE": str(settings.broadcast_batch_size),
        **(env or {}),
    }
    with log_path.open("ab") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([sys.executable, "-m", "bot.queue.worker"], cwd=ROOT, env=worker_env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop_worker(worker: subprocess.Popen) -> None:
    """SIGTERM the worker's process group (rq finishes its current job) and wait for it to exit."""
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
    worker.wait(10)


@dataclass
class SandboxControl:
    """The Zalo sandbox's control API (/_sandbox/...), as tests drive it."""

    url: str

    def control(self, method: str, path: str, **kwargs: object) -> dict:
        response = requests.request(method, f"{self.url}{path}", timeout=15, **kwargs)  # type: ignore[arg-type]
        response.raise_for_status()
        return response.json()

    def create_user(self, name: str = "Nguyễn Văn An", **fields: object) -> str:
        return self.control("POST", "/_sandbox/users", json={"display_name": name, **fields})["user_id"]

    def fault(self, **spec: object) -> None:
        self.control("POST", "/_sandbox/faults", json=spec)

    def messages(self, user_id: str | None = None) -> list[dict]:
        params = {"user_id": user_id} if user_id else {}
        return self.control("GET", "/_sandbox/messages", params=params)["messages"]

    def stats(self) -> dict:
        return self.control("GET", "/_sandbox/stats")



def send_queued_staff_replies(client: redis.Redis, settings: Settings) -> int:
    """Play the worker: send the staff replies the web process queued (real courier, sender and Zalo
    client, against the sandbox), as a worker does when it starts."""
    from bot.tickets.desk import ReplyCourier, recover_staff_replies
    from bot.tickets.store import TicketStore
    from bot.zalo.client import ZaloClient
    from bot.zalo.sender import Sender

    courier = ReplyCourier(TicketStore(client, settings), Sender(ZaloClient(client, settings)), settings)
    return recover_staff_replies(client, settings, courier.deliver)


def csrf_of(html: str) -> str:
    """The CSRF token of a console page's form."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)



def eventually(check: Callable[[], bool], timeout: float = 20.0, every: float = 0.1) -> None:
    """Wait until `check()` holds; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise AssertionError("condition not met in time")


def citizen_ticket(api: requests.Session, web_url: str, user_id: str) -> dict[str, Any]:
    """The citizen's ticket as the tickets API lists it, once the handoff has opened it."""
    found: list[dict[str, Any]] = []

    def opened() -> bool:
        found[:] = [t for t in api.get(f"{web_url}/api/v1/tickets", timeout=10).json()["tickets"]
                    if t["user_id"] == user_id]
        return bool(found)

    eventually(opened)
    return found[0]
