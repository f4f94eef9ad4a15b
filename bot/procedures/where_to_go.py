"""Which office a citizen goes to for a procedure, and which desk services apply there (pure).

The catalogue names the agency per level. At the commune level that is either the People's Committee
(UBND xã, its one-stop desk) or the commune police (Công an xã: căn cước, cư trú and other police
procedures). Records that list several levels' agencies (copy certification: notaries, overseas
missions) get the commune's own office first and the others in one short line. Procedures handled
above the commune name who handles them, and whether the commune desk receives the dossier when the
record says so. Addresses and phones come from the commune configuration (bot/office/info.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from bot.conversation.shorten import shorten
from bot.procedures.catalogue import Procedure, national_code
from bot.procedures.fees import within_one_working_day

COMMUNE = "ubnd"  # same keys as bot.procedures.cards.OFFICE_COMMUNE / OFFICE_POLICE and data/commune.json "offices"
POLICE = "cong_an"

_POLICE = re.compile(r"công an\s+(?:cấp\s+)?(?:xã|phường)", re.IGNORECASE)
_COMMUNE = re.compile(
    r"(?:ủy|uỷ)\s+ban\s+nhân\s+dân\s+(?:cấp\s+)?(?:xã|phường)|ubnd\s+(?:cấp\s+)?(?:xã|phường)|cấp\s+xã"
    r"|xã,\s*phường", re.IGNORECASE)
_COMMUNE_DIVISION = re.compile(r"^phòng\s", re.IGNORECASE)  # since 2025 the "Phòng …" sit under UBND xã
# The record says the commune's desk (or UBND xã) takes the dossier in: a commune office named in the same
# clause as submitting or receiving ("nộp hồ sơ tại UBND cấp xã", "Bộ phận một cửa cấp xã").
_COMMUNE_PLACE = re.compile(r"(?:(?:ủy|uỷ) ban nhân dân|ubnd|một cửa|tiếp nhận và trả kết quả)(?: cấp)? xã",
                            re.IGNORECASE)
_SUBMIT_WORDS = re.compile(r"\bnộp\b|tiếp nhận|bộ phận", re.IGNORECASE)
_AT_PLACE = re.compile(r"(?:\btại|\bnộp\b.*)\s+(?:trụ sở\s+)?$", re.IGNORECASE)  # "Tại UBND cấp xã", channel cells
_NOT_SUBMITTING = re.compile(r"niêm yết|thông báo|gửi (?:văn bản|kết quả)|phối hợp", re.IGNORECASE)
_FORM_DOCUMENT = re.compile(r"^\s*(?:tờ khai|đơn|phiếu|bản khai|mẫu)\b", re.IGNORECASE)
OTHERS_CHARS = 110
# A comma starts a new agency only before an organisation's first word ("Phòng Kinh tế, Hạ tầng và Đô thị"
# and "Thuế tỉnh, thành phố" are one agency each).
_AGENCY_SPLIT = re.compile(
    r"[,;]\s*(?=(?:Sở|Bộ|Cục|Chi cục|Chi nhánh|Công an|Ủy ban|Uỷ ban|UBND|Tổ chức|Cơ quan|Cơ sở|Phòng|Văn phòng|Thuế"
    r"|Bảo hiểm|Kho bạc|Hải quan|Ngân hàng|Chủ tịch|Giám đốc|Hội đồng|Trung tâm|Ban|Trường|Bệnh viện|Viện|Tòa án"
    r"|Tổng cục|Người|Đài|Cảng vụ)\b)")


@dataclass(frozen=True)
class Office:
    key: str  # COMMUNE or POLICE
    name: str
    address: str = ""
    phone: str = ""

    def line(self) -> str:
        parts = [self.name, self.address, f"ĐT {self.phone}" if self.phone else ""]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class DeskService:
    """A service of the commune desk worth a line under an answer ("Thứ Hai – ngày không viết").

    kind "forms": only procedures with a form to fill in; "same_day": only procedures whose time is
    at most one working day, or listed in `codes`; "": every procedure the commune desk receives.
    """

    line: str
    codes: frozenset[str] = frozenset()
    kind: str = ""

    def applies_to(self, proc: Procedure) -> bool:
        if where_to_go(proc).office != COMMUNE:
            return False
        listed = national_code(proc.code) in self.codes
        if self.kind == "forms":
            return has_form(proc) and (not self.codes or listed)
        if self.kind == "same_day":
            return listed or within_one_working_day(proc)
        return not self.codes or listed


class OfficeInfo(Protocol):
    """What answers and posters need of the commune's configuration; bot.office.info.CommuneInfo is it."""

    @property
    def name(self) -> str: ...  # UBND xã …, its one-stop desk

    @property
    def services(self) -> tuple[DeskService, ...]: ...

    def office(self, key: str) -> Office: ...


def police_name(commune_name: str) -> str:
    """"UBND xã An Phú" -> "Công an xã An Phú" (when the configuration names no police office)."""
    found = re.match(r"^(?:UBND|(?:Ủy|Uỷ) ban nhân dân)\s+(.+)$", commune_name.strip(), re.IGNORECASE)
    return f"Công an {found.group(1)}" if found else "Công an xã"


@dataclass(frozen=True)
class Where:
    office: str  # COMMUNE, POLICE, or "" when the procedure is handled above the commune
    others: tuple[str, ...]  # other agencies named by the record
    handler: tuple[str, ...]  # who handles it, when not the commune
    desk_receives: bool  # the record says the commune desk takes the dossier in


def split_agencies(agencies: tuple[str, ...]) -> list[str]:
    """"Tổ chức hành nghề công chứng, Cơ quan đại diện…" -> two; "Thuế tỉnh, thành phố" stays one."""
    found: list[str] = []
    for agency in agencies:
        found.extend(p.strip(" ,;.") for p in _AGENCY_SPLIT.split(agency) if p.strip(" ,;."))
    return list(dict.fromkeys(found))


def _desk_receives(proc: Procedure) -> bool:
    """A channel's description names a commune office ("Tại Ủy ban nhân dân cấp xã…"), or a step submits
    the dossier there ("nộp hồ sơ tại Bộ phận một cửa cấp xã"); posting notices there does not count."""
    for text, words in ((" ".join(c.description for c in proc.channels), _AT_PLACE),
                        (" ".join(proc.steps), _SUBMIT_WORDS)):
        for match in _COMMUNE_PLACE.finditer(text):
            clause = re.split(r"[.;]", text[max(0, match.start() - 80):match.start()])[-1]
            if words.search(clause) and not _NOT_SUBMITTING.search(clause):
                return True
    return False


@lru_cache(maxsize=8192)  # asked for the answer and again for each desk service
def where_to_go(proc: Procedure) -> Where:
    agencies = split_agencies(proc.agencies)
    at_commune = "xa" in proc.levels
    police = [a for a in agencies if _POLICE.search(a)]
    commune = [a for a in agencies if not _POLICE.search(a) and (
        _COMMUNE.search(a) or (at_commune and _COMMUNE_DIVISION.match(a)))]
    if police and not commune:
        return Where(POLICE, tuple(a for a in agencies if a not in police), (), False)
    if commune:
        return Where(COMMUNE, tuple(a for a in agencies if a not in commune), (), True)
    desk_receives = _desk_receives(proc)
    if at_commune and desk_receives:  # e.g. copy certification: notaries listed, "Tại Ủy ban nhân dân cấp xã"
        return Where(COMMUNE, tuple(agencies), (), True)
    return Where("", (), tuple(agencies), desk_receives)


def has_form(proc: Procedure) -> bool:
    """The citizen fills in a form (tờ khai, đơn, phiếu): the portal attaches one or a document is one."""
    return bool(proc.forms) or any(_FORM_DOCUMENT.match(d.name) for d in proc.documents)


def where_lines(proc: Procedure, info: OfficeInfo | None) -> list[str]:
    """"📍 Nơi nộp: …" and, where the record names other agencies, one short line about them."""
    where = where_to_go(proc)
    lines: list[str] = []
    if where.office:
        if info is not None:
            place = info.office(where.office).line()
        else:
            place = "Công an cấp xã" if where.office == POLICE else "UBND cấp xã (Bộ phận một cửa)"
        lines.append(f"📍 Nơi nộp: {place}")
        if where.others:
            lines.append(f"   Cũng làm tại: {shorten('; '.join(where.others), OTHERS_CHARS)}")
        return lines
    if where.handler:
        lines.append(f"🏛 Cơ quan giải quyết: {shorten('; '.join(where.handler), OTHERS_CHARS + 40)}")
    if where.desk_receives:
        desk = info.office(COMMUNE).line() if info is not None else "Bộ phận một cửa UBND xã"
        lines.append(f"📍 Có thể nộp hồ sơ qua: {desk}")
    return lines
