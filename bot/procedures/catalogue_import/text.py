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


# A document sign's last part ("NĐ-CP", "TT-BCA", "QĐ-TTg") run straight into the next word of the
# name: the page lost a space ("53/2025/TT-BCAngày 01/7/2025"). Parts are capitals and digits, except
# the Prime Minister's "TTg"; possessive, so a match ends only where the whole sign ends.
_SIGN_BEFORE_LETTER = re.compile(r"/\d{4}/(?:[A-ZĐ0-9]++-)*+(?:TTg|[A-ZĐ0-9]{2,}+)(?=[^\W\d_])")


def space_after_document_sign(text: str) -> str:
    """ "…/TT-BCAngày 01/7/2025" -> "…/TT-BCA ngày 01/7/2025"; a capital after the sign is left alone."""
    return _SIGN_BEFORE_LETTER.sub(
        lambda sign: sign.group() + " " if text[sign.end()].islower() else sign.group(), text)
