"""Zalo's webhook signature, as Zalo computes it (shared/zalo-oa-api.md, section 1). Pure.

Plain SHA-256 (not HMAC) over app_id + the raw body + the body's timestamp + the OA secret key.
"""

from __future__ import annotations

import hashlib

SIGNATURE_HEADER = "X-ZEvent-Signature"


def sign(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """The 64-hex digest; the header value is `mac=<digest>`."""
    digest = hashlib.sha256()
    digest.update(app_id.encode("utf-8"))
    digest.update(raw_body)
    digest.update(timestamp.encode("utf-8"))
    digest.update(oa_secret_key.encode("utf-8"))
    return digest.hexdigest()


def signature_header(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    return "mac=" + sign(app_id, raw_body, timestamp, oa_secret_key)
