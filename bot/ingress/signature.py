"""Zalo webhook signatures: sha256(app_id + raw_body + timestamp + oa_secret_key). Pure."""

from __future__ import annotations

import hashlib
import hmac
import re

# `mac=<hex>`, `MAC = <hex>` (as Zalo's docs typeset it), or a bare digest; ASCII hex only, so that
# compare_digest never meets a non-ASCII str (it raises TypeError on those).
_HEADER = re.compile(r"\s*(?:mac\s*=\s*)?([0-9a-f]{64})\s*", re.IGNORECASE | re.ASCII)


def expected_mac(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    digest = hashlib.sha256()
    digest.update(app_id.encode())
    digest.update(raw_body)  # exactly as received: never re-serialised JSON
    digest.update(timestamp.encode())
    digest.update(oa_secret_key.encode())
    return digest.hexdigest()


def parse_signature_header(header: str | None) -> str:
    """The lower-case hex digest of `mac=<hex>` (any case, spaces around `=`) or a bare digest; else ""."""
    match = _HEADER.fullmatch(header or "")
    return match.group(1).lower() if match else ""


def signature_valid(header: str | None, app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> bool:
    given = parse_signature_header(header)
    if not given or not oa_secret_key:
        return False
    return hmac.compare_digest(given, expected_mac(app_id, raw_body, timestamp, oa_secret_key))
