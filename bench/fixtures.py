"""What several benchmarks start alike: a private redis-server and a Zalo sandbox, with settings for both."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.devtools.embedded_redis import EmbeddedRedis
from sandbox.config import SandboxConfig
from sandbox.server import SandboxThread


@contextmanager
def redis_and_sandbox(name: str, **overrides: Any) -> Iterator[tuple[EmbeddedRedis, SandboxThread, Settings]]:
    """A fresh redis-server and sandbox (no webhooks, no echoes), and settings pointing at both with a
    fresh key prefix; `overrides` are further settings. Both are stopped on leaving."""
    server = EmbeddedRedis(Path(tempfile.mkdtemp(prefix=f"{name}-"))).start()
    sandbox = SandboxThread(SandboxConfig(port=0, webhook_url="", app_id="123", oa_secret_key="oa_secret_key",
                                          app_secret="app-secret", access_token="bench-access",
                                          refresh_token="bench-refresh", echo=False))
    url = sandbox.start()
    try:
        yield server, sandbox, Settings.from_env(
            redis_url=server.url, key_prefix=f"{name[0]}{uuid.uuid4().hex[:6]}:", zalo_app_id="123",
            zalo_app_secret="app-secret", zalo_oa_secret_key="oa_secret_key", zalo_access_token="bench-access",
            zalo_refresh_token="bench-refresh", zalo_api_base=url, zalo_oauth_base=url, log_level="WARNING",
            **overrides)
    finally:
        sandbox.stop()
        server.stop()
