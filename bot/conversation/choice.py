"""Reading a citizen's pick among offered options: "2", "số 2", "cái thứ hai", "cái cuối". Pure."""

from __future__ import annotations

import re

from bot.procedures.textnorm import fold, tokenize

_ORDINALS = {
    "mot": 1, "nhat": 1, "dau": 1, "dau tien": 1,
    "hai": 2, "nhi": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5,
}
# Words that may surround a pick without changing it.
_FILLER = r"(?:(?:chon|lay|xem|cho|em|toi|minh|anh|chi|can|muon)\s+)*"
_PICK = re.compile(
    rf"^{_FILLER}(?:(?:cai|muc|so|phuong an|lua chon|y|thu tuc)\s+)?(?:thu\s+)?"
    r"(?P<what>\d{1,2}|mot|nhat|dau tien|dau|hai|nhi|ba|bon|tu|nam|cuoi|cuoi cung)"
    r"(?:\s+(?:nhe|nha|a|ạ|di|do|ha|thoi))*$"
)


def _pick(text: str) -> re.Match[str] | None:
    folded = fold(" ".join(tokenize(text))).strip()
    return _PICK.match(re.sub(r"^#", "", folded))


def looks_like_choice(text: str) -> bool:
    """The text has the shape of a pick ("2", "cái thứ hai"), whatever was offered."""
    return _pick(text) is not None


def parse_choice(text: str, count: int) -> int | None:
    """The 0-based index of the option picked among `count`, or None if the text is not a pick."""
    match = _pick(text)
    if not match:
        return None
    what = match.group("what")
    if what.startswith("cuoi"):
        number = count
    elif what.isdigit():
        number = int(what)
    else:
        number = _ORDINALS[what]
    return number - 1 if 1 <= number <= count else None
