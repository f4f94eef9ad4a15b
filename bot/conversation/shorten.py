"""Shortening text for a phone screen without cutting a word (pure).

A long line is cut at the last clause boundary (";", ",", ".", ":", an opening bracket, " – ") that
keeps at least part of the limit, else at the last space; the cut is marked with "…". Words are never
split, so what the citizen reads is always the source's own words.
"""

from __future__ import annotations

import re

ELLIPSIS = "…"
# A clause ends before one of these; the cut keeps the text up to (not including) the separator.
_CLAUSE_BREAK = re.compile(r"[;,.:!?](?=\s)|\s[–(-]\s?|\s\(")
_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+(?=\S)")


def shorten(text: str, limit: int, *, min_keep: float = 0.45, first_clause: int = 0) -> str:
    """`text` when it fits, else its longest prefix ending at a clause boundary (or a space) + "…".

    `first_clause` > 0 prefers the first clause of at least that many characters (a document's name
    before its explanations: "Giấy chứng sinh; trường hợp…" -> "Giấy chứng sinh…").
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    room = text[: limit - len(ELLIPSIS) + 1]  # +1: a separator right after the last fitting character counts
    breaks = [m.start() for m in _CLAUSE_BREAK.finditer(room) if m.start() <= limit - len(ELLIPSIS)]
    # The first clause ends at a strong break (";", ".", "(", a dash); a comma often splits a name and a
    # colon introduces what matters ("Một trong các giấy tờ sau: Căn cước điện tử; …").
    early = [b for b in breaks if first_clause and b >= first_clause and text[b] not in ",:"]
    cut = early[0] if early else (breaks[-1] if breaks else -1)
    if not early and cut < int(limit * min_keep):
        cut = room.rfind(" ", 0, limit - len(ELLIPSIS) + 1)
    if cut <= 0:  # one enormous word (a URL): nothing sensible to keep but the start of it
        return text[: limit - len(ELLIPSIS)] + ELLIPSIS
    return text[:cut].rstrip(" ,;:.–-(") + ELLIPSIS


def first_sentence(text: str, ends: str = ".;!?") -> str:
    """The text up to its first sentence end (one of `ends` followed by a space)."""
    parts = re.split(rf"(?<=[{re.escape(ends)}])\s+(?=\S)", " ".join(text.split()), maxsplit=1)
    return parts[0] if parts else ""


def split_long(text: str, limit: int) -> list[str]:
    """Cut an over-long text into parts of at most `limit` characters at sentence ends, then clause
    boundaries, then spaces: nothing is dropped, no word is split."""
    text = " ".join(text.split())
    parts: list[str] = []
    while len(text) > limit:
        room = text[:limit]
        cut = max((m.end() for m in _SENTENCE_END.finditer(room)), default=-1)
        if cut < limit // 3:
            cut = max((m.end() for m in re.finditer(r"[;,:]\s", room)), default=-1)
        if cut < limit // 3:
            cut = room.rfind(" ") + 1
        if cut <= 0:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


def is_word_cut(shown: str, original: str) -> bool:
    """True when `shown` (a possibly shortened rendering of `original`) ends in the middle of a word."""
    shown = " ".join(shown.split())
    original = " ".join(original.split())
    if not shown.endswith(ELLIPSIS):
        return False
    kept = shown[: -len(ELLIPSIS)]
    if not original.startswith(kept):
        return False  # not a prefix: not a cut of this text
    rest = original[len(kept):]
    return bool(kept) and bool(rest) and kept[-1].isalnum() and rest[0].isalnum()
