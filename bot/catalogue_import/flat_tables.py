"""Parsers for the raw crawl's flattened tables (pure).

The portal renders channels, documents and legal texts as HTML tables; the crawl kept only the
concatenated cell texts, e.g. `Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến1Miễn phí…`.
Rows are recovered from the shape of the cells that close them: a channel row opens with the
channel's name followed by a time, a document row closes with its count ("1 bản chính,1 bản sao").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.catalogue_import.text import is_blank, nfc, one_line

# ---- channels: "Hình thức nộp | Thời gian | Phí, lệ phí | Mô tả" ----

CHANNEL_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
CHANNEL_NAMES = ("Trực tiếp", "Trực tuyến", "Dịch vụ bưu chính")
_TIME = r"\d+(?:[.,]\d+)?(?: ?(?:Ngày làm việc|Ngày|Giờ|Tháng|Năm|Phút|Tuần))?"
_FEE = (
    r"Miễn phí|Không có thông tin|Không thu phí|Không"
    r"|\d[\d.,]*(?: ?(?:Việt Nam Đồng|VNĐ|VND|USD|Đồng|đồng))"
)
_CHANNEL_ROW = re.compile(
    rf"(?P<channel>{'|'.join(CHANNEL_NAMES)})"
    rf"(?P<time>{_TIME}|Không có thông tin|Không quy định|Không ?(?=Không|Miễn)"
    r"|Không phải trả kết quả[^A-ZĐ]*?(?=Miễn phí|Không|\d))"
    rf"(?P<fee>(?:{_FEE})(?:\s*(?:\+|và|,)\s*\d[\d.,]*(?: ?(?:Việt Nam Đồng|VNĐ|VND|USD|Đồng|đồng)))*)"
)


@dataclass(frozen=True)
class ChannelRow:
    channel: str
    time_text: str
    fee_text: str
    note: str  # the fee's own note (the parenthesis after the amount), e.g. who sets the fee
    description: str  # the "Mô tả" cell


def _balanced_paren(text: str) -> int:
    """Length of the leading "( … )" group, or of all the text when the crawl cut it short."""
    depth = 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(text)


def _strip_outer_parens(text: str) -> str:
    while text.startswith("(") and text.endswith(")") and _balanced_paren(text) == len(text):
        text = text[1:-1].strip()
    return text


def parse_channels(flat: str | None) -> list[ChannelRow]:
    """Rows of the submission table; an empty list when there is no table."""
    text = nfc(flat)
    if text.startswith(CHANNEL_HEADER):
        text = text[len(CHANNEL_HEADER):]
    starts = list(_CHANNEL_ROW.finditer(text))
    rows: list[ChannelRow] = []
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(text)
        rest = text[match.end():end]
        note = ""
        if rest.lstrip().startswith("("):
            rest = rest.lstrip()
            cut = _balanced_paren(rest)
            note, rest = _strip_outer_parens(rest[:cut]), rest[cut:]
        fee = match.group("fee")
        rows.append(
            ChannelRow(
                channel=match.group("channel"),
                time_text="" if is_blank(match.group("time")) else one_line(match.group("time")),
                fee_text="" if is_blank(fee) or fee == "Không" else one_line(fee),
                note="" if is_blank(note) else one_line(note),
                description="" if is_blank(rest) else nfc(rest),
            )
        )
    return rows


# ---- documents: "[group heading] Tên giấy tờ | Mẫu đơn, tờ khai | Số lượng" ----

DOCUMENT_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
_COUNT = re.compile(r"(?<![\s\d])(\d+) bản (chính|sao|chụp)((?:\s*,\s*\d+ bản (?:chính|sao|chụp))*)")
_FORM_EXT = r"\.(?:docx?|pdf|xlsx?|rar|zip|odt)"


def glue_positions(text: str) -> list[int]:
    """Where one cell ends and the next begins: a word's end or punctuation directly before a capital."""
    return [
        i
        for i in range(1, len(text))
        if text[i].isupper() and (text[i - 1].islower() or text[i - 1] in ".;:)]")
    ]


@dataclass(frozen=True)
class DocumentRow:
    name: str
    original_count: int | None
    copy_count: int | None
    forms: tuple[str, ...]
    group: str


def _count_value(digits: str, before: str) -> int:
    """The count cell is a small number glued to the name's last character: "…20181 bản" is 2018 + 1."""
    if len(digits) > 1 and (digits[0] == "0" or len(digits) > 2 or before[-1:].isdigit() or before[-1:] in "/."):
        return int(digits[-1])
    return int(digits)


def _split_forms(cell: str) -> tuple[str, tuple[str, ...]]:
    """Separate the template file names ("Mẫu 01.docx") glued after a document's name."""
    if not re.search(_FORM_EXT + r"$", cell, re.I):
        return cell, ()
    for start in glue_positions(cell):
        tail = cell[start:]
        if re.fullmatch(rf"(?:.+?{_FORM_EXT})+", tail, re.I | re.S):
            forms = [f.strip() for f in re.findall(rf".+?{_FORM_EXT}(?=[^a-z]|$)", tail, re.I)]
            return cell[:start], tuple(f for f in forms if f)
    return cell, ()


def _clean_document_name(name: str) -> str:
    name = one_line(name)
    name = re.sub(r"^[-+*•\s]+", "", name)
    return name.strip()


def parse_documents(flat: str | None) -> list[DocumentRow]:
    text = nfc(flat)
    if is_blank(text) or DOCUMENT_HEADER not in text:
        return []
    pieces = text.split(DOCUMENT_HEADER)
    heading = pieces[0]
    rows: list[DocumentRow] = []
    for piece in pieces[1:]:
        group = "" if is_blank(heading.strip("- ")) else one_line(heading.strip("- "))
        position = 0
        for count in _COUNT.finditer(piece):
            cell = piece[position:count.start()]
            digits = count.group(1)
            value = _count_value(digits, cell)
            if value != int(digits):
                cell = cell + digits[:-1]
            counts = {count.group(2): value}
            for extra in re.finditer(r"(\d+) bản (chính|sao|chụp)", count.group(3)):
                counts[extra.group(2)] = int(extra.group(1))
            name, forms = _split_forms(cell)
            name = _clean_document_name(name)
            if name.endswith(":") and not value and len(name) < 120:
                # "- Giấy tờ phải xuất trình: 0 bản chính" is a sub-heading the portal put in a row.
                group = name.rstrip(" :")
            elif any(char.isalpha() for char in name):
                rows.append(
                    DocumentRow(
                        name=name,
                        original_count=counts.get("chính"),
                        copy_count=counts.get("sao", counts.get("chụp")),
                        forms=forms,
                        group=group,
                    )
                )
            position = count.end()
        # What follows the last count is the next group's heading.
        heading = piece[position:]
    return rows


# ---- legal basis: "Tên văn bản pháp lý | Mã văn bản" ----

LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"
# Document numbers: "160/2024/NĐ-CP", "32/2024/QH15", "24/2024". Well-known issuer suffixes come first
# because the next row's name is glued on ("…/NĐ-CPnghị quyết…", "…/TT-BTCLuật…").
_DOC_CODE = re.compile(
    r"\d+/\d{4}(?:/(?:NĐ-CP|NQ-CP|QĐ-TTg|UBTVQH\d{2}|QH\d{2}"
    r"|(?:TTLT|TT|QĐ|NQ|CT)-[A-ZĐ]+(?:-[A-ZĐ]+)*(?!(?<=[A-ZĐ])[a-zđ])"
    r"|[A-ZĐ]+(?:-[A-ZĐ]+[a-z]?)*(?!(?<=[A-ZĐ])[a-zđ])))?"
)


def parse_legal_basis(flat: str | None) -> list[str]:
    """Legal texts, one line each; the code cell is kept only when the name does not already carry it."""
    text = nfc(flat)
    if is_blank(text):
        return []
    if text.startswith(LEGAL_HEADER):
        text = text[len(LEGAL_HEADER):]
    items: list[str] = []
    position = 0
    for match in _DOC_CODE.finditer(text):
        following = text[match.end():match.end() + 1]
        if following and (following.isspace() or following in ",)"):
            continue  # a code quoted inside a name, not the end of a row
        segment = one_line(text[position:match.end()])
        position = match.end()
        code = match.group(0)
        name = segment[: -len(code)].strip(" ,;")
        if not any(char.isalpha() for char in name):
            if items and code in items[-1]:
                continue  # the code cell repeating the previous name's code
            items.append(segment)
        elif code in name:
            items.append(name)
        else:
            items.append(f"{name} ({code})")
    tail = one_line(text[position:])
    if not is_blank(tail) and any(char.isalpha() for char in tail):
        items.append(tail)
    return items


# ---- results: "<result>Mã: KQ.…<result>Mã: KQ.…Từ khóa…" ----

_RESULT_TAIL = re.compile(r"Từ khóa.*$", re.S)


def parse_results(flat: str | None) -> list[str]:
    text = _RESULT_TAIL.sub("", nfc(flat))
    if is_blank(text):
        return []
    parts = re.split(r"Mã: ?KQ\.[A-Z0-9.]+?\d{6}", text)
    return [one_line(p).strip(" .") for p in parts if not is_blank(p)]


# ---- free text lists: steps, requirements ----

_ITEM_START = re.compile(r"\n(?=(?:[a-zđ]\)|\d+[.)]|Bước \d|[-+*•])\s*)")


def split_items(text: str | None) -> list[str]:
    """Split a step/condition text on its own item markers ("a)", "1.", "Bước 2", "-"), joining wrapped lines."""
    cleaned = nfc(text)
    if is_blank(cleaned):
        return []
    items = _ITEM_START.split("\n" + cleaned)
    return [one_line(item) for item in items if not is_blank(item)]
