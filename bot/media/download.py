"""Fetching a photo a citizen sent: the one place the bot downloads a URL that came from outside.

Strict, because the URL is whatever the event says: only http(s) to Zalo's media hosts (or to the
host of ZALO_API_BASE, so the sandbox works), names that resolve to public addresses only and a
connection that really reached a public address (a name that resolves differently the second time,
DNS rebinding, is caught before the body is read), every redirect checked as a new request (never
followed blindly), an image content type, a size cap enforced while streaming, and a deadline for
the whole download. Runs in the worker only.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from bot.config import MediaConfig

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp", "image/tiff"})
MAX_REDIRECTS = 3
CHUNK_BYTES = 64 * 1024

Resolver = Callable[[str], list[str]]


class MediaRefused(Exception):
    """The download was refused or failed; `reason` says why (for logs, never for citizens)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _resolve(host: str) -> list[str]:
    try:
        return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None)})
    except OSError as exc:
        raise MediaRefused(f"cannot resolve host: {exc}") from exc


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


def _is_api_host(url: str, api_base: str) -> bool:
    return _origin(url) == _origin(api_base)


def check_address(address: str) -> None:
    """Raise MediaRefused unless `address` (an IP, maybe with a zone) is a public one."""
    if not ipaddress.ip_address(address.split("%")[0]).is_global:
        raise MediaRefused(f"host resolves to a non-public address: {address}")


def peer_address(response: requests.Response) -> str | None:
    """The IP the streamed response's connection reached (http.client's socket), None if unknown."""
    raw: Any = response.raw
    try:
        return str(raw._fp.fp.raw._sock.getpeername()[0])
    except (AttributeError, OSError, IndexError, TypeError):
        return None


def check_url(url: str, config: MediaConfig, api_base: str, resolve: Resolver = _resolve) -> None:
    """Raise MediaRefused unless `url` may be fetched (see the module's docstring)."""
    try:
        scheme, host, port = _origin(url)
    except ValueError as exc:
        raise MediaRefused("unreadable URL") from exc
    if scheme not in ("http", "https") or not host:
        raise MediaRefused("not an http(s) URL")
    if _is_api_host(url, api_base):
        return  # Zalo's API host as configured (the sandbox in tests and the demo): trusted as configured
    if scheme != "https":
        raise MediaRefused("media hosts are reached over https only")
    if not any(host == allowed or host.endswith("." + allowed) for allowed in config.allowed_hosts):
        raise MediaRefused(f"host not allowed: {host}")
    if port not in (None, 443):
        raise MediaRefused("unexpected port")
    for address in resolve(host):
        check_address(address)


def fetch_image(url: str, config: MediaConfig, api_base: str, session: requests.Session | None = None,
                resolve: Resolver = _resolve) -> bytes:
    """The image's bytes, or MediaRefused (host, redirect, status, type, size, time)."""
    own_session = session is None
    http = session or requests.Session()
    http.trust_env = False  # no proxy or .netrc from the environment for outside URLs
    deadline = time.monotonic() + config.timeout_seconds
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            check_url(url, config, api_base, resolve)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise MediaRefused("timed out")
            try:
                response = http.get(url, stream=True, allow_redirects=False, timeout=(min(remaining, 5.0), remaining),
                                    headers={"Accept": "image/*"})
            except requests.RequestException as exc:
                raise MediaRefused(f"download failed: {type(exc).__name__}") from exc
            with response:
                if not _is_api_host(url, api_base):
                    # The name was checked before connecting; the connection itself is checked too.
                    peer = peer_address(response)
                    if peer is None:
                        raise MediaRefused("cannot tell which address answered")
                    check_address(peer)
                if response.is_redirect:
                    url = urljoin(url, response.headers.get("Location", ""))
                    continue
                return _read_body(response, config, deadline)
        raise MediaRefused("too many redirects")
    finally:
        if own_session:
            http.close()


def _read_body(response: requests.Response, config: MediaConfig, deadline: float) -> bytes:
    if response.status_code != 200:
        raise MediaRefused(f"HTTP {response.status_code}")
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type not in IMAGE_TYPES:
        raise MediaRefused(f"not an image: {content_type or 'no content type'}")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > config.max_bytes:
        raise MediaRefused(f"too large: {declared} bytes declared")
    body = bytearray()
    try:
        for chunk in response.iter_content(CHUNK_BYTES):
            body.extend(chunk)
            if len(body) > config.max_bytes:
                raise MediaRefused(f"too large: more than {config.max_bytes} bytes")
            if time.monotonic() > deadline:
                raise MediaRefused("timed out")
    except requests.RequestException as exc:
        raise MediaRefused(f"download failed: {type(exc).__name__}") from exc
    return bytes(body)
