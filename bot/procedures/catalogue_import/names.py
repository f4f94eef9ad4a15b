"""The 5,608-name list: breadth for matching, details come from the archives (pure)."""

from __future__ import annotations

import re

from bot.procedures.catalogue_import.levels import levels_from_agencies
from bot.procedures.catalogue_import.text import is_blank, one_line, unique

# A provincial body names its province last: "UBND tỉnh Lạng Sơn", "Sở Xây dựng - tỉnh Quảng Ngãi",
# "Trung tâm phục vụ hành chính công Thành phố Hà Nội". Ministries never do.
_PROVINCE_ISSUER = re.compile(r"(?:^|[\s-])(?i:tỉnh|thành phố|tp\.?)\s+(?P<name>[^\W\d_][^,;()\-]*)$")


def province_from_issuer(issuer: str) -> str | None:
    """"UBND tỉnh Lạng Sơn" -> "Lạng Sơn": the procedure is local to that province."""
    match = _PROVINCE_ISSUER.search(issuer.strip())
    if match is None or not match.group("name")[0].isupper():
        return None
    return match.group("name").strip()


def split_agencies(text: str) -> tuple[str, ...]:
    if is_blank(text):
        return ()
    return unique([one_line(part).strip(" .") for part in re.split(r"[;\n]", text)])


def names_record(row: dict[str, str], crawled_at: str) -> dict:
    """One CSV row as a details-less procedure dict (the catalogue's JSON shape)."""
    issuer = one_line(row.get("Cơ quan ban hành"))
    agencies = split_agencies(row.get("Cơ quan thực hiện", ""))
    return {
        "code": one_line(row["Mã số"]),
        "name": one_line(row["Tên"]),
        "field": one_line(row.get("Lĩnh vực")),
        "levels": list(levels_from_agencies(agencies)),
        "agencies": list(agencies),
        "channels": [],
        "documents": [],
        "steps": [],
        "requirements": [],
        "legal_basis": [],
        "results": [],
        "portal_url": one_line(row.get("URL")),
        "source": "names",
        "crawled_at": crawled_at,
        "province": province_from_issuer(issuer),
        "has_details": False,
        "issuer": issuer,
        "target_users": [],
        "forms": [],
    }
