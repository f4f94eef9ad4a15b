"""The dossier's papers as a citizen reads them (pure): the key papers of the common case for the first
answer, and the full list grouped by case for the documents section.

The importer (bot/procedures/catalogue_import/readable.py) has already dropped the sentences meant for officials
and set each paper's `case` and `heading`; here the papers are chosen, ordered, grouped and shortened
(at a clause boundary, never mid-word; the whole text stays in the full list).
"""

from __future__ import annotations

import re

from bot.conversation.shorten import shorten
from bot.procedures.catalogue import Document, Procedure

KEY_DOCUMENTS = 5
CHOOSER_CASES = 8  # at most this many cases are listed to choose from
CASE_NAME_CHARS = 90

_FORM_START = re.compile(r"^(?:tờ khai|đơn|phiếu|bản khai|mẫu)\b", re.IGNORECASE)
_PAPER_START = re.compile(
    r"^(?:giấy|bản sao|bản chính|hộ chiếu|thẻ|căn cước|sổ|ảnh|chứng minh|trích lục|quyết định|hợp đồng|văn bản)\b",
    re.IGNORECASE,
)
# Explanations, special cases and rules for officials belong in the full list, not among the key papers.
_EXPLANATION_START = re.compile(
    r"^(?:trường hợp|đối với|nếu|người|cơ quan|việc|khi|lưu ý|ghi chú|trong trường hợp|cá nhân|bản chụp|giá trị"
    r"|ngoài|các giấy tờ|hồ sơ|cán bộ|công chức|chủ tịch|sau khi|trong thời hạn|ví dụ|chú ý|riêng)\b",
    re.IGNORECASE)


def document_case(doc: Document) -> str:
    """The case ("Trường hợp…") a document belongs to: the importer's, else the portal's condition."""
    return (doc.case or doc.conditions or "").strip()


def is_header(doc: Document) -> bool:
    """"…gồm các giấy tờ sau:" introduces the items after it; it is not a paper itself (the importer
    turns such lines into `heading`s; one left in a record still ends with a colon)."""
    return doc.name.rstrip().endswith(":")


def _common(doc: Document) -> bool:
    return doc.group not in ("note", "conditional") and not document_case(doc) and not is_header(doc)


def _document_rank(doc: Document) -> tuple[int, int]:
    name = doc.name.strip()
    tier = 0 if _FORM_START.match(name) else 1 if _PAPER_START.match(name) else 2
    counted = (doc.original_count or 0) + (doc.copy_count or 0) > 0
    return tier, 0 if counted else 1


def key_documents(proc: Procedure, limit: int = KEY_DOCUMENTS) -> list[Document]:
    """The papers most people need: the common case, forms first, then the papers themselves, in the
    portal's order within each rank (a stable sort); explanations, special cases and notes never.
    When every paper belongs to a case, the first case the portal lists stands for the common one."""
    candidates = [d for d in proc.documents if _common(d) and not _EXPLANATION_START.match(d.name.strip())]
    if not candidates:
        case = first_case(proc)
        candidates = [d for d in proc.documents if case and document_case(d) == case and not is_header(d)
                      and d.group != "note" and not _EXPLANATION_START.match(d.name.strip())]
    if not candidates:  # only explanations: the first few, in the portal's order
        return [d for d in proc.documents if d.group != "note" and not is_header(d)][:min(limit, 3)]
    return sorted(candidates, key=_document_rank)[:limit]


def first_case(proc: Procedure) -> str:
    """The first case heading of the dossier when no paper is common to every case ("" otherwise)."""
    if any(_common(d) and not _EXPLANATION_START.match(d.name.strip()) for d in proc.documents):
        return ""
    return next((document_case(d) for d in proc.documents if document_case(d) and d.group != "note"), "")


def _counts(doc: Document) -> str:
    counts = []
    if doc.original_count:
        counts.append(f"{doc.original_count} bản chính")
    if doc.copy_count:
        counts.append(f"{doc.copy_count} bản sao")
    return f" ({', '.join(counts)})" if counts else ""


# The record's own numbering or bullet ("1. Sổ bảo hiểm xã hội", "a) Tờ khai", "- Bản sao"): our lists number
# and bullet the papers themselves, and "1. 1. Sổ bảo hiểm xã hội" reads as a mistake.
_OWN_MARKER = re.compile(r"^(?:(?:\d{1,2}|[a-zđ])(?:\s*\)|\.(?=\s))|[-–•+*](?=\s))\s*")


def document_line(doc: Document, limit: int | None = None) -> str:
    name = _OWN_MARKER.sub("", " ".join(doc.name.split()), count=1)
    if limit is not None:
        name = shorten(name, limit, first_clause=12)
    return name + _counts(doc)


def form_names(proc: Procedure) -> list[str]:
    """The portal's attached templates, named without their file extension."""
    return [re.sub(r"\.(?:docx?|pdf|xlsx?|odt|rtf|zip)$", "", f.strip(), flags=re.IGNORECASE) for f in proc.forms]


def is_aside(doc: Document) -> bool:
    """An explanation or a special case of its own ("Trường hợp … thì …"), not a paper everyone brings."""
    return bool(_EXPLANATION_START.match(doc.name.strip()))


def case_groups(proc: Procedure) -> list[tuple[str, list[Document]]]:
    """The cases the papers differ by, in the portal's order, each with its papers. A case of one paper that
    states its own case ("Trường hợp trẻ em bị bỏ rơi thì phải có biên bản…") is not a case to choose."""
    cases: dict[str, list[Document]] = {}
    for doc in proc.documents:
        if doc.group != "note" and not is_header(doc) and not _common(doc):
            cases.setdefault(document_case(doc) or "Theo từng trường hợp", []).append(doc)
    return [(case, docs) for case, docs in cases.items()
            if not (len(docs) == 1 and " ".join(docs[0].name.split()).startswith(case))]


def _common_blocks(proc: Procedure) -> tuple[list[str], list[str]]:
    """The common case's numbered papers (under the source's header lines), and its asides."""
    blocks: list[str] = []
    asides: list[str] = []
    number = 0
    heading = ""
    for doc in sorted((d for d in proc.documents if _common(d)), key=lambda d: _document_rank(d)[0]):
        prefix = "(Xuất trình) " if doc.group == "presented" else ""
        if is_aside(doc):
            asides.append(f"  • {prefix}{document_line(doc)}")
            continue
        if doc.heading and doc.heading != heading:
            blocks.append(f"▸ {doc.heading.rstrip(':')}:")
        heading = doc.heading
        number += 1
        blocks.append(f"{number}. {prefix}{document_line(doc)}")
    return blocks, asides


def case_label(case: str) -> str:
    return shorten(case.rstrip(": "), CASE_NAME_CHARS)


def document_blocks(proc: Procedure, chooser: bool = True) -> list[str]:
    """The common case first, then which cases there are (to choose from, with the chat's buttons), each
    case under its own heading, the special cases and notes, and the forms to download."""
    blocks, asides = _common_blocks(proc)
    groups = case_groups(proc)
    if chooser and len(groups) >= 2:
        blocks.append("▸ Giấy tờ thêm tùy trường hợp (bấm «Trường hợp …» để xem riêng):")
        blocks.extend(f"  {i}) {case_label(case)}" for i, (case, _) in enumerate(groups[:CHOOSER_CASES], 1))
    for case, docs in groups:
        blocks.append(f"▸ {case.rstrip(': ')}:")
        blocks.extend(f"  • {document_line(d)}" for d in docs)
    grouped = {id(d) for _, docs in groups for d in docs}
    asides += [f"  • {document_line(d)}" for d in proc.documents
               if d.group != "note" and not is_header(d) and not _common(d) and id(d) not in grouped]
    if asides:
        blocks.append("▸ Trường hợp riêng, lưu ý:")
        blocks.extend(asides)
    notes = [d for d in proc.documents if d.group == "note"]
    if notes:
        blocks.append("▸ Lưu ý:")
        blocks.extend(f"  • {' '.join(d.name.split())}" for d in notes)
    forms = form_names(proc)
    if forms:
        where = f" (tải tại {proc.portal_url})" if proc.portal_url else ""
        blocks.append(f"📝 Mẫu đơn, tờ khai{where}:")
        blocks.extend(f"  • {f}" for f in forms)
    return blocks


def case_blocks(proc: Procedure, number: int) -> list[str]:
    """One case's papers, after the papers every case needs ([] when there is no such case)."""
    groups = case_groups(proc)
    if not 1 <= number <= len(groups):
        return []
    case, docs = groups[number - 1]
    common, _ = _common_blocks(proc)
    lines = ["▸ Giấy tờ chung:", *common] if common else []
    return [*lines, f"▸ {case.rstrip(': ')}:", *(f"  • {document_line(d)}" for d in docs)]
