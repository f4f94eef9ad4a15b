"""The staff queue's views and search, on ticket rows (bot.tickets.web.ticket_row plus the inbox's fields). Pure.

Search folds case and diacritics ("tran thi binh" finds "Trần Thị Bình"), and looks at the citizen's
Zalo name, the receipt number, the procedure, the ticket number and, when given, the messages' text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.procedures.textnorm import fold

VIEWS = {
    "waiting": "Đang chờ",
    "mine": "Của tôi",
    "unassigned": "Chưa ai nhận",
    "overdue": "Quá hạn",
    "sos": "Khẩn cấp (SOS)",
    "resolved": "Đã giải quyết",
}
SOS = "sos"  # a ticket kind (check-in SOS tickets); tickets without a kind are ordinary


def in_view(row: Mapping[str, Any], view: str, me: str) -> bool:
    """Whether a waiting (or, for "resolved", a resolved) ticket belongs to the view."""
    if view == "mine":
        return row.get("assignee") == me
    if view == "unassigned":
        return not row.get("assignee")
    if view == "overdue":
        return row.get("sla_colour") == "red"
    if view == "sos":
        return row.get("kind") == SOS
    return True


def _haystack(row: Mapping[str, Any]) -> str:
    fields = ("citizen_name", "receipt", "procedure_name", "procedure_code", "id", "area_name")
    return fold(" ".join(str(row.get(name) or "") for name in fields))


def matches(row: Mapping[str, Any], query: str, texts: Iterable[str] = ()) -> bool:
    """Every word of the query in the row's fields or in one of its messages."""
    words = fold(query).split()
    if not words:
        return True
    haystack = _haystack(row) + " " + fold(" ".join(texts))
    return all(word in haystack for word in words)
