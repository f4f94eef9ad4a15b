"""Documents a citizen can read: the importer's clean-up of the portal's document lists (pure).

The portal's "Thành phần hồ sơ" mixes three things into one numbered list: the papers themselves,
header lines that introduce the papers below them ("…gồm các giấy tờ sau:", "Trường hợp …:"), and
sentences of the law addressed to the officials who receive the dossier ("Người tiếp nhận có trách
nhiệm…", "…không được yêu cầu…"). Here:

- sentences whose subject is an official or an agency, bound by a duty ("có trách nhiệm", "phải",
  "không được") or doing the office's own work ("tra cứu", "kiểm tra", "đối chiếu"…), are dropped,
  and a row with nothing left is dropped;
- header lines become the `heading` (or, for "Trường hợp…"/"Đối với…", the `case`) of the rows
  under them instead of rows of their own;
- rows the portal repeats word for word are kept once;
- every row gets the case it applies to: the case heading above it, else its own leading
  "Trường hợp … thì" clause, else "" (it applies in every case).

Text is only ever cut at sentence or clause boundaries, never rewritten, so every kept name is still
a piece of the source text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Who the law addresses when it speaks to the office rather than the citizen. Bare "cán bộ"/"công chức"
# are left out on purpose: applicants are often officials themselves ("Nếu là cán bộ, công chức…").
_OFFICIAL = (
    r"(?:người tiếp nhận(?: hồ sơ)?|cán bộ (?:tiếp nhận|một cửa|tư pháp)(?: hồ sơ)?"
    r"|công chức (?:tư pháp|tiếp nhận|làm công tác)"
    r"|cán bộ, công chức(?:, viên chức)?(?:, cá nhân)? được giao(?: trách nhiệm)?"
    r"|cơ quan (?:đăng ký(?: hộ tịch| cư trú| quản lý cư trú)?|tiếp nhận(?: hồ sơ)?|giải quyết(?: thủ tục)?"
    r"|có thẩm quyền"
    r"|thẩm định|cấp (?:giấy|phép)|quản lý|nhà nước|thuế|công an|tài chính|thực hiện(?: thủ tục)?|chức năng|chuyên môn)"
    r"|ủy ban nhân dân|uỷ ban nhân dân|ubnd|bộ phận (?:tiếp nhận|một cửa)|trung tâm phục vụ hành chính công"
    r"|lãnh đạo|chủ tịch|trưởng công an|người có thẩm quyền|người đứng đầu)"
)
# What binds the office: a duty or a prohibition (a few words may sit between the subject and it:
# "Ủy ban nhân dân cấp xã nơi tiếp nhận yêu cầu có trách nhiệm"), or the office's own work on the
# dossier, which follows the subject directly ("Cơ quan giải quyết TTHC khai thác…").
_DUTY = r"(?:có trách nhiệm|chịu trách nhiệm|phải|không được|từ chối|có thẩm quyền hủy|có thẩm quyền huỷ)"
_WORK = (
    r"(?:tra cứu|kiểm tra|đối chiếu|khai thác|xác minh|thẩm tra|thực hiện khai thác|giải thích|tiếp nhận|cập nhật"
    r"|niêm yết|không yêu cầu|chủ động khai thác|từ chối)"
)
_OFFICIAL_CLAUSE = re.compile(
    rf"^(?:[\W\d]*)(?:{_OFFICIAL})(?:(?:[\s,]+[\w/()]+){{0,6}}?[\s,]+{_DUTY}|(?:\s+[\w/()]+){{0,3}}?\s+{_WORK})\b",
    re.I,
)
_PROHIBITION = re.compile(r"\bkhông được yêu cầu\b", re.I)
# Where a new clause starts inside a sentence: after "thì", a comma or a semicolon.
_CLAUSE_BREAK = re.compile(r"(?:\bthì\s+|[,;]\s+)")
# A sentence ends at "." or ";" before a capital, with or without a space ("…giấy ra viện.Thông tin…").
_SENTENCE_END = re.compile(r"((?<=[.;])\s*(?=[A-ZĐÀ-Ỹ(\"“]))")

_CASE_WORDS = r"(?:trường hợp|trong trường hợp|đối với|nếu)"
_ITEM_MARK = (
    r"(?:(?:lưu ý|ghi chú)\s*:\s*|[-+*•–]\s*|\(?[0-9]+(?:\.[0-9]+)*[.)]\s*|\(?[a-zđ](?:\.[0-9]+)*\)\s*|[IVX]+\.\s*)*"
)
_CASE_START = re.compile(rf"^{_ITEM_MARK}{_CASE_WORDS}\b", re.I)
# A header introduces what follows: it ends in ":" or in "…sau"/"…gồm"/"…bao gồm" with nothing after.
_HEADER_END = re.compile(r"(?::|\b(?:sau|như sau|gồm|bao gồm|gồm có))\s*[.]?$", re.I)
# What a case heading says after the case itself: "…, hồ sơ gồm", "…, bao gồm các giấy tờ sau".
_CASE_TAIL = re.compile(
    r"[,;]?\s*(?:thì\s+)?(?:(?:thành phần\s+)?hồ sơ(?: đề nghị)?\s+)?(?:bao gồm|gồm có|gồm|như sau)"
    r"(?:\s+(?:các|những))?(?:\s+(?:giấy tờ|tài liệu|thành phần))?(?:\s+sau(?: đây)?)?\s*$",
    re.I,
)
# The condition ends at "thì" (or before "phải") when the sentence has one, else at the first ":", ";" or ",".
_INLINE_CASE = tuple(
    re.compile(rf"^{_ITEM_MARK}(?P<case>{_CASE_WORDS}\b[^.;]{{3,200}}?){end}", re.I)
    for end in (r"(?:,?\s+thì\b|\s+(?=phải\b))", r"[:;]", r",")
)


def _main_clause_start(sentence: str) -> int:
    """Where the main clause starts: after "thì" in a sentence opening with a condition, else 0."""
    if _CASE_START.match(sentence):
        then = re.search(r"\bthì\s+", sentence)
        if then is not None:
            return then.end()
    return 0


def _clauses_from_official(sentence: str) -> int | None:
    """Index where the first clause addressed to the office starts (within or after the main clause)."""
    main = _main_clause_start(sentence)
    for start in [main] + [m.end() for m in _CLAUSE_BREAK.finditer(sentence, main)]:
        if _OFFICIAL_CLAUSE.match(sentence[start:]):
            return start
    return None


def is_official_sentence(sentence: str) -> bool:
    """True when the sentence's main clause speaks to the office, not to the citizen.

    A sentence opening with a condition ("Trường hợp …", "Đối với …", "Nếu …") has its main clause
    after "thì", else after the condition's comma: when the office is the subject there, the
    condition alone tells the citizen nothing, so the whole sentence goes.
    """
    text = sentence.strip()
    # A short topic label before a colon ("Về thông tin nơi cư trú: Công chức tiếp nhận…") is not the subject.
    text = re.sub(r"^[^:]{1,60}:\s+(?=[A-ZĐÀ-Ỹ])", "", text)
    if _OFFICIAL_CLAUSE.match(text):
        return True
    if _PROHIBITION.search(text) and not _clauses_from_official(text):
        return True  # "…không được yêu cầu…" with the office as the (first or implied) subject
    if not _CASE_START.match(text):
        return False
    main = _main_clause_start(text)
    if main:
        return bool(_OFFICIAL_CLAUSE.match(text[main:]))
    # No "thì": the condition runs to the office's clause, whichever comma that follows.
    return any(_OFFICIAL_CLAUSE.match(text[m.end():]) for m in _CLAUSE_BREAK.finditer(text))


def _sentences_with_gaps(text: str) -> list[tuple[str, str]]:
    """(sentence, the separator after it), so kept sentences rejoin exactly as the source had them."""
    parts = _SENTENCE_END.split(text.strip())
    pairs = [(parts[i], parts[i + 1] if i + 1 < len(parts) else "") for i in range(0, len(parts), 2)]
    return [(sentence, gap) for sentence, gap in pairs if sentence.strip()]


def sentences(text: str) -> list[str]:
    return [sentence for sentence, _gap in _sentences_with_gaps(text)]


def drop_official_sentences(text: str) -> tuple[str, int]:
    """The text without the sentences addressed to the office, and how many were dropped.

    A sentence whose later clause turns to the office ("…cung cấp số định danh, cơ quan đăng ký hộ
    tịch có trách nhiệm tra cứu…") keeps its citizen part, cut at that clause.
    """
    kept: list[str] = []
    dropped = 0
    for sentence, gap in _sentences_with_gaps(text):
        if is_official_sentence(sentence):
            dropped += 1
            continue
        cut = _clauses_from_official(sentence)
        if cut:
            dropped += 1
            if re.search(r"\bthì\s*$", sentence[:cut]):
                continue  # only the condition would be left: the main clause was the office's
            # Cut, not rewritten: the kept part stays a piece of the source text.
            sentence, gap = re.sub(r"[\s,;]*$", "", sentence[:cut]), " "
        kept.append(sentence + gap)
    return "".join(kept).strip(), dropped


def is_header(name: str) -> bool:
    """A line that introduces the rows below it rather than naming a paper."""
    return bool(_HEADER_END.search(name.strip()))


def strip_item_mark(text: str) -> str:
    return re.sub(rf"^{_ITEM_MARK}", "", text.strip()).strip()


def is_case_heading(text: str) -> bool:
    return bool(_CASE_START.match(text.strip()) or re.search(r"\b(?:trường hợp|đối với)\b", text, re.I))


def inline_case(name: str) -> str:
    """"Trường hợp trẻ em bị bỏ rơi thì phải có biên bản…" -> "Trường hợp trẻ em bị bỏ rơi"."""
    for pattern in _INLINE_CASE:
        found = pattern.match(name.strip())
        if found:
            return found.group("case").strip()
    return ""


@dataclass
class CleanStats:
    official_sentences: int = 0
    rows_dropped: int = 0
    duplicates: int = 0
    headers: int = 0
    case_headings: int = 0


def readable_documents(rows: list[list[Any]], stats: CleanStats | None = None) -> list[list[Any]]:
    """Catalogue document rows [name, original, copy, conditions, group] -> cleaned rows with
    [name, original, copy, conditions, group, case, heading]."""
    stats = stats if stats is not None else CleanStats()
    cleaned: list[list[Any]] = []
    case = heading = ""
    group_seen: tuple[Any, str] | None = None
    seen: set[tuple[str, str, str]] = set()
    for row in rows:
        name, original, copy, conditions, group = (list(row) + [None] * 5)[:5]
        conditions = conditions or ""
        if (group, conditions if group == "conditional" else "") != group_seen:
            # A new portal group: what the previous group's headers introduced ends here.
            group_seen = (group, conditions if group == "conditional" else "")
            case = (_CASE_TAIL.sub("", conditions) or conditions) if group == "conditional" else ""
            heading = ""
        name, dropped = drop_official_sentences(name or "")
        stats.official_sentences += dropped
        if conditions:
            conditions, dropped_in_conditions = drop_official_sentences(conditions)
            stats.official_sentences += dropped_in_conditions
        if not any(char.isalpha() for char in name):
            stats.rows_dropped += 1
            continue
        if is_header(name):
            stats.headers += 1
            text = strip_item_mark(name).rstrip(" .:")
            if is_case_heading(text):
                stats.case_headings += 1
                # "Trường hợp đăng ký lần đầu, hồ sơ gồm" names the case "Trường hợp đăng ký lần đầu".
                case, heading = _CASE_TAIL.sub("", text) or text, ""
            else:
                heading = text
            continue
        own_case = case or inline_case(name)
        if (name, group, own_case) in seen:
            stats.duplicates += 1  # the portal repeats whole rows (1.013229 lists one 4,516-character row 10 times)
            continue
        seen.add((name, group, own_case))
        cleaned.append([name, original, copy, conditions, group, own_case, heading])
    # A header with nothing under it introduces nothing: it is left out.
    return cleaned


def is_official_item(name: str) -> bool:
    """For the catalogue-wide test: a kept row must not contain a sentence addressed to the office."""
    return any(is_official_sentence(s) or _clauses_from_official(s) for s in sentences(name))
