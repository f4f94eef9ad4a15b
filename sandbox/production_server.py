"""Serving the sandbox with gunicorn (gthread, one worker): HTTP keep-alive, so a broadcast of
100,000 sends is not slowed by a new connection per request as with werkzeug's server.

One worker only: the sandbox keeps its state in that process's memory.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from sandbox.config import SandboxConfig


class SandboxGunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, config: SandboxConfig, threads: int = 16) -> None:
        self.sandbox_config = config
        self.threads = threads
        super().__init__()

    def load_config(self) -> None:
        settings: dict[str, Any] = {
            "bind": f"{self.sandbox_config.host}:{self.sandbox_config.port}",
            "workers": 1,
            "worker_class": "gthread",
            "threads": self.threads,
            "keepalive": 30,
            "timeout": 120,
            # Zalo's headers are literally `access_token` and `secret_key`: keep underscores.
            "header_map": "dangerous",
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
        }
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        from sandbox.server import create_app

        return create_app(self.sandbox_config)
