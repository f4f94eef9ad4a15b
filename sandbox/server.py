"""The sandbox's Flask app, its threaded server, and a background-thread runner for tests."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from sandbox.config import SandboxConfig
from sandbox.control import bp as control_bp
from sandbox.core import Sandbox
from sandbox.media import bp as media_bp
from sandbox.zalo_api import bp as zalo_bp

STATIC_DIR = Path(__file__).resolve().parent / "static"


def create_app(config: SandboxConfig) -> Flask:
    """The app; `app.extensions["sandbox"]` is the Sandbox (state, faults, webhook poster)."""
    app = Flask(__name__, static_folder=str(STATIC_DIR), static_url_path="/static")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["sandbox"] = Sandbox(config)
    app.register_blueprint(zalo_bp)
    app.register_blueprint(control_bp)
    app.register_blueprint(media_bp)
    return app


class QuietKeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1 keep-alive (a broadcast reuses its connections) and no line per request."""

    protocol_version = "HTTP/1.1"

    def make_environ(self):  # type: ignore[no-untyped-def]
        """Keep headers with underscores: Zalo's are literally `access_token` and `secret_key`
        (werkzeug drops them by default against spoofing behind proxies)."""
        environ = super().make_environ()
        for key, value in self.headers.items():
            if "_" in key:
                environ.setdefault("HTTP_" + key.upper().replace("-", "_"), value.replace("\r\n", ""))
        return environ

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


SHUTDOWN_POLL_SECONDS = 0.05


def build_server(config: SandboxConfig) -> tuple[BaseWSGIServer, Flask]:
    app = create_app(config)
    server = make_server(config.host, config.port, app, threaded=True, request_handler=QuietKeepAliveHandler)
    server.daemon_threads = True  # type: ignore[attr-defined]
    return server, app


class SandboxThread:
    """Runs the sandbox in a background thread: `base_url = SandboxThread(config).start()`.

    Port 0 picks a free port. `.sandbox` gives direct access to the state for assertions.
    """

    def __init__(self, config: SandboxConfig) -> None:
        self.config = replace(config)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.app: Flask | None = None
        self.base_url = ""

    @property
    def sandbox(self) -> Sandbox:
        assert self.app is not None, "start() first"
        return self.app.extensions["sandbox"]

    def start(self) -> str:
        self._server, self.app = build_server(self.config)
        self.config.port = self._server.server_port
        self.sandbox.config.port = self.config.port
        self.sandbox.start()
        # A short poll keeps stop() quick: shutdown() waits up to one poll interval (0.5 s by default).
        self._thread = threading.Thread(target=self._server.serve_forever, name="zalo-sandbox", daemon=True,
                                        kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS})
        self._thread.start()
        self.base_url = f"http://{self.config.host}:{self.config.port}"
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self.sandbox.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None


def serve_with_gunicorn(config: SandboxConfig, threads: int = 16) -> None:
    """The default for `python -m sandbox`: keep-alive connections, threaded, one process."""
    from sandbox.production_server import SandboxGunicorn

    base = f"http://{config.host}:{config.port}"
    print(f"Zalo sandbox: chat page {base}/  (API base {base}; webhook → {config.webhook_url or 'none'})",
          flush=True)
    SandboxGunicorn(config, threads).run()


def serve(config: SandboxConfig) -> None:
    """Run werkzeug's threaded server in the foreground until interrupted, printing the chat page's URL."""
    server, app = build_server(config)
    sandbox: Sandbox = app.extensions["sandbox"]
    sandbox.start()
    base = f"http://{config.host}:{server.server_port}"
    print(f"Zalo sandbox: chat page {base}/  (API base {base}; webhook → {config.webhook_url or 'none'})",
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sandbox.stop()
