"""A receipt number from a photo's URL: download (strict limits) then read, in the worker. I/O edge."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from bot.config import Settings
from bot.media.download import MediaRefused, fetch_image
from bot.media.receipt_photo import PhotoReading, UnreadableImage, read_receipt_photo

log = logging.getLogger(__name__)


def receipt_in_photo(url: str, settings: Settings) -> PhotoReading:
    """What the photo at `url` says; PhotoReading(None, "refused"/"unreadable") when it cannot be read.
    The bytes are dropped when this returns: the photo is not kept."""
    try:
        data = fetch_image(url, settings.media, settings.zalo_api_base)
    except MediaRefused as exc:
        # The host only: a media URL may carry access tokens in its query.
        log.info("photo not downloaded", extra={"reason": exc.reason, "host": _host(url)})
        return PhotoReading(None, "refused")
    try:
        return read_receipt_photo(data, settings.media.ocr_languages)
    except UnreadableImage:
        return PhotoReading(None, "unreadable")


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""
