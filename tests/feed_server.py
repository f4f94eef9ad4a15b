"""A CAP Atom feed served from 127.0.0.1, as a province's or a weather service's would be: entries that
link to CAP messages, an ETag, 304 to a conditional GET. Tests change its entries while it runs."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape


@dataclass
class FeedServer:
    alerts: dict[str, bytes] = field(default_factory=dict)  # name → CAP XML, listed newest first
    requests: list[dict[str, str]] = field(default_factory=list)  # path and conditional headers seen
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_port}"

    def feed(self) -> bytes:
        entries = "".join(
            f"<entry><id>{escape(self.url)}/alerts/{name}</id><title>{escape(name)}</title>"
            f"<updated>2026-09-15T08:00:00+07:00</updated>"
            f'<link rel="alternate" type="application/cap+xml" href="/alerts/{name}.xml"/></entry>'
            for name in reversed(list(self.alerts)))
        return ('<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
                f"<id>{escape(self.url)}/feed.atom</id><title>Cảnh báo thiên tai tỉnh</title>"
                f"<updated>2026-09-15T08:00:00+07:00</updated>{entries}</feed>").encode()

    def start(self) -> FeedServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return None

            def do_GET(self) -> None:  # http.server's name
                owner.requests.append({"path": self.path, "if_none_match": self.headers.get("If-None-Match", ""),
                                       "if_modified_since": self.headers.get("If-Modified-Since", "")})
                if self.path == "/feed.atom":
                    body = owner.feed()
                    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                    if self.headers.get("If-None-Match") == etag:
                        self.send_response(304)
                        self.send_header("ETag", etag)
                        self.end_headers()
                        return
                    self._send(body, "application/atom+xml", etag)
                elif self.path.startswith("/alerts/") and self.path[8:-4] in owner.alerts:
                    self._send(owner.alerts[self.path[8:-4]], "application/cap+xml")
                else:
                    self.send_error(404)

            def _send(self, body: bytes, mimetype: str, etag: str = "") -> None:
                self.send_response(200)
                self.send_header("Content-Type", mimetype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Last-Modified", "Tue, 15 Sep 2026 01:00:00 GMT")
                if etag:
                    self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # shutdown() waits up to one poll interval: the default 0.5 s would cost each test that much.
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
