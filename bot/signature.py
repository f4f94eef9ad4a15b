"""Zalo webhook signatures: sha256(app_id + raw_body + timestamp + oa_secret_key). Pure."""

from __future__ import annotations

import hashlib
import hmac


def expected_mac(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    digest = hashlib.sha256()
    digest.update(app_id.encode())
    digest.update(raw_body)  # exactly as received: never re-serialised JSON
    digest.update(timestamp.encode())
    digest.update(oa_secret_key.encode())
    return digest.hexdigest()


def parse_signature_header(header: str | None) -> str:
    """Accept `mac=<hex>`, tolerantly (case, spaces), or a bare hex digest."""
    value = (header or "").strip()
    if value.lower().startswith("mac="):
        value = value[4:].strip()
    return value.lower()


def signature_valid(header: str | None, app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> bool:
    given = parse_signature_header(header)
    if not given or not oa_secret_key:
        return False
    return hmac.compare_digest(given, expected_mac(app_id, raw_body, timestamp, oa_secret_key))
