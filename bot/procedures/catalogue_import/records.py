"""One archive record -> one procedure dict in the catalogue's JSON shape (pure)."""

from __future__ import annotations

import re
from typing import Any

from bot.procedures.catalogue import national_code, province_of
from bot.procedures.catalogue_import.flat_tables import (
    document_numbers,
    parse_channels,
    parse_documents,
    parse_legal_basis,
    parse_results,
    split_items,
)
from bot.procedures.catalogue_import.levels import parse_levels
from bot.procedures.catalogue_import.names import split_agencies
from bot.procedures.catalogue_import.text import is_blank, nfc, one_line, space_after_document_sign, unique

_RAW_CODE = re.compile(r"Mã thủ tục\s*([0-9][0-9.]*[0-9](?:\.[A-Z0-9]+)*)\s*Số quyết định")
_CHANNEL_LABELS = {"online": "Trực tuyến", "postal": "Dịch vụ bưu chính", "in_person": "Trực tiếp"}


def group_kind(heading: str) -> tuple[str, str]:
    """The portal's group heading -> (conditions, group): "presented", "note", "conditional" or "required".

    A heading that names a case ("Trường hợp …", "Đối với …") becomes the documents' condition.
    """
    folded = heading.casefold()
    if not heading or re.fullmatch(r"[*\-+ ]*(giấy tờ|hồ sơ|thành phần hồ sơ)?[^:]{0,20}phải nộp:?", folded):
        return "", "required"
    if "xuất trình" in folded:
        return "", "presented"
    if "lưu ý" in folded or "ghi chú" in folded:
        return "", "note"
    return heading.strip(" *-+:"), "conditional"


def raw_code(record: dict[str, Any]) -> str:
    """The code the page itself shows; the crawl's `ma_thu_tuc` is wrong for a few mis-fetched pages."""
    found = _RAW_CODE.search(nfc(record.get("raw_text", ""))[:3000])
    return found.group(1) if found else one_line(record.get("ma_thu_tuc"))


def _list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [one_line(v) for v in value if not is_blank(v if isinstance(v, str) else str(v))]
    return [] if is_blank(value) else [one_line(value)]


def from_raw(record: dict[str, Any], crawled_at: str) -> dict[str, Any]:
    full_code = raw_code(record)
    channels = parse_channels(record.get("cach_thuc_thuc_hien"))
    documents = parse_documents(record.get("thanh_phan_ho_so"))
    return {
        "code": national_code(full_code),
        "name": one_line(record.get("ten_thu_tuc")).rstrip("."),
        "field": one_line(record.get("linh_vuc")),
        "levels": list(parse_levels(record.get("cap_thuc_hien"))),
        "agencies": list(split_agencies(nfc(record.get("co_quan_thuc_hien")))),
        "channels": [[c.channel, c.time_text, c.fee_text, c.note, c.description] for c in channels],
        "documents": [
            [d.name, d.original_count, d.copy_count, *group_kind(d.group)] for d in documents
        ],
        "forms": list(unique([f for d in documents for f in d.forms])),
        "steps": split_items(record.get("trinh_tu_thuc_hien")),
        "requirements": split_items(record.get("yeu_cau_dieu_kien")),
        "legal_basis": parse_legal_basis(record.get("can_cu_phap_ly")),
        "results": parse_results(record.get("ket_qua_xu_ly")),
        "portal_url": one_line(record.get("detail_url")),
        "source": "dvcqg-raw",
        "crawled_at": crawled_at,
        "province": province_of(full_code),
        "has_details": bool(channels or documents),
        "issuer": "",
        "target_users": [t.strip() for t in one_line(record.get("doi_tuong_thuc_hien")).split(", ") if t.strip()]
        if not is_blank(record.get("doi_tuong_thuc_hien"))
        else [],
    }


def _count(value: Any) -> int | None:
    text = one_line(value if isinstance(value, str) else (None if value is None else str(value)))
    return int(text) if text.isdigit() else None


def _structured_documents(docs: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for group in ("required", "conditional", "presented"):
        for doc in docs.get(group) or []:
            name = one_line(doc.get("name"))
            if not name:
                continue
            conditions = [one_line(c) for c in doc.get("conditions") or [] if one_line(c) != name]
            rows.append([name, _count(doc.get("original_count")), _count(doc.get("copy_count")),
                         "; ".join(c for c in conditions if c), group])
    return rows


def _single_number(code: str) -> str:
    """"09/2017/QH1409/2017/QH14" -> "09/2017/QH14": a few code cells hold their number twice."""
    numbers = {code[start:end] for start, end in document_numbers(code)}
    if len(numbers) == 1 and code.count(next(iter(numbers))) > 1:
        return next(iter(numbers))
    return code


def from_structured(record: dict[str, Any], crawled_at: str) -> dict[str, Any]:
    source = record.get("source") or {}
    proc = record.get("procedure") or {}
    submission = record.get("submission") or {}
    full_code = one_line(source.get("procedure_code"))
    channels = [
        [
            _CHANNEL_LABELS.get(m.get("channel") or "", one_line(m.get("channel"))),
            "" if is_blank(m.get("processing_time_text")) else one_line(m.get("processing_time_text")),
            "" if is_blank(m.get("fee_text")) else one_line(m.get("fee_text")),
            "",
            "" if is_blank(m.get("description")) else nfc(m.get("description")),
        ]
        for m in submission.get("methods") or []
    ]
    documents = _structured_documents(record.get("documents") or {})
    steps = [one_line(s.get("content")) for s in (record.get("process") or {}).get("steps") or []]
    legal = []
    for item in (record.get("legal_basis") or {}).get("items") or []:
        title, code = one_line(item.get("title")), _single_number(one_line(item.get("code")))
        legal.append(space_after_document_sign(title if not code or code in title else f"{title} ({code})"))
    conditions = (record.get("eligibility") or {}).get("conditions") or []
    results = [one_line(r.get("name")) for r in (record.get("results") or {}).get("items") or []]
    return {
        "code": national_code(full_code),
        "name": one_line(source.get("title")).rstrip("."),
        "field": one_line(source.get("field")),
        "levels": list(parse_levels(proc.get("level"))),
        "agencies": _list(proc.get("authorities")),
        "channels": channels,
        "documents": documents,
        "forms": [
            one_line(f.get("attachment_label") or f.get("name")) if isinstance(f, dict) else one_line(f)
            for f in (record.get("documents") or {}).get("forms") or []
        ],
        "steps": [s for s in steps if s],
        "requirements": [one_line(c.get("text") if isinstance(c, dict) else c) for c in conditions if c],
        "legal_basis": [x for x in legal if x],
        "results": [r for r in results if r],
        "portal_url": "",
        "source": "structured",
        "crawled_at": crawled_at,
        "province": province_of(full_code),
        "has_details": bool(channels or documents),
        "issuer": "",
        "target_users": _list(proc.get("target_users")),
    }
