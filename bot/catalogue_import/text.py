"""Small text helpers shared by the parsers (pure)."""

from __future__ import annotations

import re
import unicodedata

NO_INFO = "Không có thông tin"
_SPACES = re.compile(r"[ \t\u00a0\u200b]+")
_NEWLINES = re.compile(r"\s*\n\s*")


def nfc(text: str | None) -> str:
    """NFC, non-breaking spaces folded, runs of blanks collapsed, ends trimmed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    return _NEWLINES.sub("\n", text).strip()


def one_line(text: str | None) -> str:
    return nfc(text).replace("\n", " ")


def is_blank(text: str | None) -> bool:
    """Empty, or the portal's own "no information" placeholder."""
    cleaned = one_line(text).strip(" .-")
    return not cleaned or cleaned.casefold() == NO_INFO.casefold()


def unique(items: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for item in items:
        if item and item not in seen:
            seen[item] = None
    return tuple(seen)
