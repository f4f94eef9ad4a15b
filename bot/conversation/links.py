"""Which URLs may become links that staff click: http(s) only. Pure.

Attachment URLs come from Zalo events, i.e. from outside: a `javascript:` or `data:` URL rendered as
a link would run in the console's origin when clicked.
"""

from __future__ import annotations

from urllib.parse import urlsplit

LINK_SCHEMES = frozenset({"http", "https"})


def safe_link(url: object) -> str:
    """`url` when it is an absolute http(s) URL with a host, else "" (shown as no link at all)."""
    if not isinstance(url, str):
        return ""
    candidate = url.strip()
    if any(ord(ch) < 0x20 or ch in "\\\x7f" for ch in candidate):
        return ""
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return ""
    return candidate if parts.scheme.lower() in LINK_SCHEMES and parts.netloc else ""
