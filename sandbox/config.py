"""The sandbox's configuration: command-line options with environment-variable defaults."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass

# Demo defaults shaped like Zalo's (ids are large-integer strings); .env values win when present.
DEFAULT_APP_ID = "3349222483842580322"
DEFAULT_OA_ID = "4024926008133882615"


@dataclass
class SandboxConfig:
    host: str = "127.0.0.1"
    port: int = 8090
    # Where citizen events (and echoes) are posted: the bot's webhook. Empty: events are not posted.
    webhook_url: str = "http://127.0.0.1:8000/webhook/zalo"
    app_id: str = DEFAULT_APP_ID
    oa_id: str = DEFAULT_OA_ID
    oa_secret_key: str = "sandbox-oa-secret-key"
    app_secret: str = "sandbox-app-secret"
    access_token: str = "sandbox-access-token"
    refresh_token: str = "sandbox-refresh-token"
    access_token_ttl_seconds: int = 90000  # about 25 hours, as Zalo
    interaction_window_days: int = 7  # consultation messages allowed this long after an interaction
    # Zalo posts an `oa_send_*` echo of every message the OA sends, ours included.
    echo: bool = True
    echo_threads: int = 2
    webhook_timeout_seconds: float = 5.0
    # The hour (0-23) the ZNS night ban reads instead of the real Vietnam time (None: the real hour), so
    # tests can be day or night whenever they run.
    vietnam_hour: int | None = None
    # Zalo's app-wide limit is about 4,000 a minute; 0 turns the limit off (benchmarks).
    rate_limit_per_minute: int = 0
    # `python -m sandbox` serves with gunicorn (keep-alive) by default; werkzeug's server is the fallback.
    server: str = "gunicorn"
    threads: int = 16


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def parse_args(argv: Sequence[str] | None = None) -> SandboxConfig:
    """Options from the command line; each falls back to its environment variable, then a demo default."""
    d = SandboxConfig()
    p = argparse.ArgumentParser(prog="python -m sandbox", description="Loopback Zalo OA API sandbox")
    p.add_argument("--host", default=_env("SANDBOX_HOST", d.host))
    p.add_argument("--port", type=int, default=int(_env("SANDBOX_PORT", str(d.port))))
    p.add_argument("--webhook-url", default=_env("SANDBOX_WEBHOOK_URL", d.webhook_url))
    p.add_argument("--app-id", default=_env("ZALO_APP_ID", d.app_id))
    p.add_argument("--oa-id", default=_env("ZALO_OA_ID", d.oa_id))
    p.add_argument("--oa-secret-key", default=_env("ZALO_OA_SECRET_KEY", d.oa_secret_key))
    p.add_argument("--app-secret", default=_env("ZALO_APP_SECRET", d.app_secret))
    p.add_argument("--access-token", default=_env("ZALO_ACCESS_TOKEN", d.access_token))
    p.add_argument("--refresh-token", default=_env("ZALO_REFRESH_TOKEN", d.refresh_token))
    p.add_argument("--no-echo", action="store_true", default=_env("SANDBOX_ECHO", "1") in ("0", "false", "no"),
                   help="do not post oa_send_* echoes to the webhook")
    p.add_argument("--rate-limit-per-minute", type=int,
                   default=int(_env("SANDBOX_RATE_LIMIT_PER_MINUTE", "0")))
    p.add_argument("--server", choices=("gunicorn", "werkzeug"), default=_env("SANDBOX_SERVER", d.server))
    p.add_argument("--threads", type=int, default=int(_env("SANDBOX_THREADS", str(d.threads))))
    a = p.parse_args(argv)
    return SandboxConfig(
        host=a.host, port=a.port, webhook_url=a.webhook_url, app_id=a.app_id, oa_id=a.oa_id,
        oa_secret_key=a.oa_secret_key, app_secret=a.app_secret, access_token=a.access_token,
        refresh_token=a.refresh_token, echo=not a.no_echo, rate_limit_per_minute=a.rate_limit_per_minute,
        server=a.server, threads=a.threads,
    )
