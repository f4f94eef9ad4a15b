"""Levels ("Cấp xã, Cấp tỉnh") to the catalogue's ascii tokens (pure)."""

from __future__ import annotations

import re
import unicodedata

_TOKENS = (
    ("xa", re.compile(r"cấp xã|cấp phường|cấp cơ sở")),
    ("huyen", re.compile(r"cấp huyện")),
    ("tinh", re.compile(r"cấp tỉnh")),
    ("trung_uong", re.compile(r"cấp bộ|cấp trung ương|cấp bộ/ngành|cấp ngành")),
)
# Agencies named without the word "cấp" still reveal the level (used only for the names-only list).
_AGENCY_TOKENS = (
    ("xa", re.compile(r"cấp xã|ủy ban nhân dân xã|ubnd xã|công an xã|uỷ ban nhân dân cấp xã")),
    ("huyen", re.compile(r"cấp huyện")),
    ("tinh", re.compile(r"cấp tỉnh|ubnd tỉnh|ủy ban nhân dân tỉnh|sở |văn phòng đăng ký đất đai")),
    ("trung_uong", re.compile(r"^bộ |^cục |tổng cục|bộ trưởng|thủ tướng|chính phủ")),
)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold().replace("uỷ", "ủy")


def parse_levels(text: str | None) -> tuple[str, ...]:
    """"Cấp bộ, Cấp tỉnh, Cấp xã" -> ("trung_uong", "tinh", "xa"), in the source's order.

    "Cơ quan khác" has no token: it says nothing a commune bot can prefer on.
    """
    found: list[str] = []
    for part in re.split(r"[,;]", _fold(text or "")):
        for token, pattern in _TOKENS:
            if pattern.search(part) and token not in found:
                found.append(token)
    return tuple(found)


def levels_from_agencies(agencies: tuple[str, ...]) -> tuple[str, ...]:
    found: list[str] = []
    for agency in agencies:
        folded = _fold(agency)
        for token, pattern in _AGENCY_TOKENS:
            if pattern.search(folded) and token not in found:
                found.append(token)
    return tuple(found)
