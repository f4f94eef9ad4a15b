"""Media URLs, as Zalo's CDN serves the photos, files and voice notes citizens send.

Tests upload bytes (`POST /_sandbox/media` with their Content-Type) and put the returned URL in an
event; `/media/stream/<bytes>` streams that many bytes as a JPEG with no Content-Length (what a
hostile or broken host does); `/media/redirect?to=` bounces elsewhere; `/media/sample-receipt.jpg`
is the chat page's sample photo.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from functools import lru_cache

from flask import Blueprint, Response, abort, request

from sandbox.receipt_samples import receipt_page

bp = Blueprint("sandbox_media", __name__)

MAX_UPLOAD_BYTES = 32 * 1024 * 1024
MAX_STREAM_BYTES = 64 * 1024 * 1024
MAX_KEPT = 200

_lock = threading.Lock()
_media: dict[str, tuple[str, bytes]] = {}


@bp.post("/_sandbox/media")
def upload() -> Response:
    data = request.get_data()
    if not data or len(data) > MAX_UPLOAD_BYTES:
        return Response('{"error": "a body of 1 byte to 32 MB is required"}', 400, mimetype="application/json")
    media_id = secrets.token_hex(8)
    with _lock:
        if len(_media) >= MAX_KEPT:
            _media.pop(next(iter(_media)))
        _media[media_id] = (request.content_type or "application/octet-stream", data)
    url = f"{request.host_url}media/{media_id}"
    return Response(f'{{"url": "{url}"}}', 201, mimetype="application/json")


@bp.get("/media/<media_id>")
def serve(media_id: str) -> Response:
    with _lock:
        found = _media.get(media_id)
    if found is None:
        abort(404)
    content_type, data = found
    return Response(data, mimetype=content_type)


@bp.get("/media/stream/<int:size>")
def stream(size: int) -> Response:
    size = min(size, MAX_STREAM_BYTES)

    def chunks() -> Iterator[bytes]:
        block = b"\xff" * 65536
        sent = 0
        while sent < size:
            piece = block[: min(len(block), size - sent)]
            sent += len(piece)
            yield piece

    return Response(chunks(), mimetype="image/jpeg", direct_passthrough=True)


@bp.get("/media/redirect")
def redirect_elsewhere() -> Response:
    """A 302 to `to`: a media host that bounces the fetch somewhere else (the bot must check each hop)."""
    return Response(status=302, headers={"Location": request.args.get("to", "/")})


@lru_cache(maxsize=1)
def _sample_receipt() -> bytes:
    return receipt_page()


@bp.get("/media/sample-receipt.jpg")
def sample_receipt() -> Response:
    return Response(_sample_receipt(), mimetype="image/jpeg")
