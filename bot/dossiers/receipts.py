"""Receipt numbers (mã hồ sơ) found anywhere in a citizen's message. Pure.

Shape: `<agency identifier>-<YYMMDD>-<NNNN>` (Decision 20/2020/QĐ-TTg for the identifier,
Circular 01/2018/TT-VPCP art. 19 for the rest). Identifiers come in a full form
(`000.00.21.H12`, `000.A0.01.H26`) and short forms (`H56.14`, `38.98.H29`): two to four dotted
segments, one of them a province-style code (a letter and two digits). Citizens type them in
lower case, with spaces around the dashes, or with en/em dashes; we accept all of that and
return the canonical upper-case form. Social-insurance numbers (`03706/2026/07906`), procedure
codes (`1.001193`), phone and CCCD numbers have no such shape, so they never match.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# Hyphen-minus, hyphen, non-breaking hyphen, figure dash, en/em dash, horizontal bar, minus,
# small and full-width hyphen-minus.
_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_DASH = f"[ \\t]*[{_DASHES}][ \\t]*"
_SEGMENT = r"[A-Z0-9]{1,3}"
_PROVINCE = r"[A-Z]\d{2}"
# Two to four dotted segments, at least one of which looks like a province code (H56, G22, ...).
_AGENCY = rf"(?:{_SEGMENT}\.){{0,3}}{_PROVINCE}(?:\.{_SEGMENT}){{0,3}}"
_BODY = rf"(?P<agency>{_AGENCY}){_DASH}(?P<date>\d{{6}}){_DASH}(?P<seq>\d{{4}})"
# Not glued to a longer code on either side (a longer sequence, another dotted segment...).
_RECEIPT = re.compile(rf"(?<![A-Z0-9./]){_BODY}(?![0-9A-Z]|[.,/]\d)", re.IGNORECASE)
_EXACT = re.compile(rf"\s*{_BODY}\s*", re.IGNORECASE)


def _valid_date(yymmdd: str) -> bool:
    try:
        date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:]))
    except ValueError:
        return False
    return True


def _canonical(match: re.Match[str]) -> str | None:
    agency = match["agency"].upper()
    if not 2 <= agency.count(".") + 1 <= 4 or not _valid_date(match["date"]):
        return None
    return f"{agency}-{match['date']}-{match['seq']}"


def _normalise(text: str) -> str:
    # NFKC turns full-width letters, digits and dashes (some phone keyboards) into ASCII.
    return unicodedata.normalize("NFKC", text)


def find_receipts(text: str) -> list[str]:
    """Every receipt number in `text`, canonical and upper-case, in order, without repeats."""
    found: list[str] = []
    for match in _RECEIPT.finditer(_normalise(text)):
        receipt = _canonical(match)
        if receipt and receipt not in found:
            found.append(receipt)
    return found


def canonical_receipt(text: str) -> str | None:
    """The receipt if `text` is exactly one receipt number (as in an API path), else None."""
    match = _EXACT.fullmatch(_normalise(text))
    return _canonical(match) if match else None
