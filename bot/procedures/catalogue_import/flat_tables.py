"""Parsers for the raw crawl's flattened tables (pure).

The portal renders channels, documents and legal texts as HTML tables; the crawl kept only the
concatenated cell texts, e.g. `Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến1Miễn phí…`.
Rows are recovered from the shape of the cells that close them: a channel row opens with the
channel's name followed by a time, a document row closes with its count ("1 bản chính,1 bản sao").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.procedures.catalogue_import.text import is_blank, nfc, one_line, space_after_document_sign

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


_FORM_FILE = re.compile(rf".+?(?i:{_FORM_EXT})(?![a-z])", re.S)
# Words a template's file name starts with when it is glued to a lowercase name ("…khoanh nợmẫu số 03.docx").
_FORM_WORD = re.compile(r"(?:mẫu|mau|phụ lục|phu luc|tờ khai|to khai|biểu mẫu)\b", re.I)


def form_starts(cell: str) -> tuple[list[int], list[int]]:
    """Where a template's file name may begin, as (strong, weak) positions.

    Strong: a capital glued to a word or a number ("…sảnMau 04.doc", "…năm 2026Mẫu số 11.docx"), the end
    of a document number ("…/TT-BGTVTMẫu số 3.docx"), a template word glued to the name ("…nợmẫu số
    03.docx") or anything glued after "theo mẫu" ("…theo mẫuvăn bản đề nghị.docx"). Weak: text glued
    after punctuation (".75-Mẫu HH2.doc"), which file names themselves contain ("Mẫu I.1.9.docx").
    """
    strong = set(glue_positions(cell)) - {i for i in range(1, len(cell)) if cell[i - 1] in ".;:)]"}
    weak = set()
    folded = cell.lower()
    for i in range(1, len(cell)):
        before, here = cell[i - 1], cell[i]
        if before in ".;:)]" and here.isalnum():
            weak.add(i)
        elif (
            (before.isdigit() and here.isupper() and cell[i + 1:i + 2].islower())
            or (before.isalpha() and _FORM_WORD.match(cell, i))
            or (here.isalpha() and folded.endswith(("mẫu", "quy định"), 0, i))
        ):
            strong.add(i)
    strong.update(end for _start, end in document_numbers(cell) if cell[end:end + 1].isalnum())
    return sorted(strong), sorted(weak)


def _split_forms(cell: str) -> tuple[str, tuple[str, ...]]:
    """Separate the template file names ("Mẫu 01.docx") glued after a document's name.

    The first file name starts at the last strong start before its extension (else the last weak
    one), taken back over earlier starts glued to it ("MauDanhsach….docx", "1.MuCT01….doc").
    """
    first_ext = re.search(_FORM_EXT, cell, re.I)
    if first_ext is None or not re.search(_FORM_EXT + r"$", cell, re.I):
        return cell, ()
    strong, weak = form_starts(cell)
    window = range(max(0, first_ext.start() - 150), first_ext.start() + 1)
    chosen = [s for s in strong if s in window] or [s for s in weak if s in window]
    if not chosen:
        return cell, ()
    start = chosen[-1]
    earlier = sorted(s for s in {*strong, *weak} if s < start)
    while earlier and not any(char.isspace() for char in cell[earlier[-1]:start]):
        start = earlier.pop()
    forms = [f.strip(" ;,.:)]-") for f in _FORM_FILE.findall(cell[start:])]
    return cell[:start], tuple(f for f in forms if len(f) > 4)


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
# Issuer abbreviations that end a document number ("…/NĐ-CP", "…/TT-BNNMT"), as seen across both archives.
# The next row's name is glued on ("…/NĐ-CPnghị quyết…", "…/TT-NHNNSố…", "…/NĐ-CPQUY ĐỊNH…"), so an
# uppercase run is cut back to the longest issuer it starts with.
KNOWN_ISSUERS = frozenset(
    "CP NĐ ND TT TTLT QH UBTVQH NQ QĐ QD CT PL VBHN TTg TTG UBND HĐND BTC BTP BCA BNNMT BGTVT NHNN BYT BCT"
    " BXD BQP BNNPTNT BLĐTBXH BLĐBXH BKHCN BNG BTNMT BGDĐT BKHĐT BHXH BNV BVHTTDL BTTTT VPCP VPQH BDTTG"
    " CSXH BTCCBCP NV TTCP TANDTC VKSNDTC KTNN BDTTG".split()
)
# Only the National Assembly's bodies carry a term number ("QH15", "UBTVQH14"); any other digits that
# follow an issuer start the next row's number ("…/TT-BTC23/2019/TT-BTC").
_ISSUER_RUN = re.compile(r"TTg|(?:UBTVQH|QH)\d{1,2}|[A-ZĐ]+")
# A number starts after a non-digit, or glued after a year ("Luật … năm 201601/2016/QH14") or after the
# previous number's term ("Luật 08/2017/QH1408/2017/QH14").
_NUMBER_HEAD = re.compile(
    r"(?:(?<![\d/.,])(?<!QH)|(?<=[^\W\d_]\.)|(?<=(?:19|20)\d\d\.)|(?<=(?<![\d.,])(?:19|20)\d\d)|(?<=QH\d\d))\d{1,4}(?:[.,]\d+)?[a-z]?/(?:(?P<year>\d{4})(?:/(?=[A-ZĐ])|(?![\d/]))|(?=[A-ZĐ]))")
_DATE = re.compile(r"(?<![\d/])\d{1,2}/\d{1,2}/\d{4}(?![\d/])")
_DOC_TYPES = (
    r"Luật|Bộ luật|Nghị định|Nghị quyết|Thông tư liên tịch|Thông tư|Quyết định|Pháp lệnh|Chỉ thị"
    r"|Văn bản hợp nhất|Lệnh|Công văn"
)
# The code cell's own words before the number: "Số ", "Luật số ", "Nghị định ", "Luật Đất đai số ".
_CODE_CELL_PREFIX = re.compile(rf"(?:(?:{_DOC_TYPES})(?: [^\W\d_]+)*? (?:[Ss]ố:? ?)?|[Ss]ố:? ?)", re.I)


def _glued_at(text: str, index: int) -> bool:
    """A lowercase letter directly followed by a capital: two cells (or words) run together."""
    return 0 < index < len(text) and text[index - 1].islower() and text[index].isupper()


def _issuer_end(text: str, start: int) -> int:
    """End of the issuer part ("NĐ-CP", "TTLT-BQP-BLĐTBXH") that starts at `start`, glued text excluded."""
    end = start
    while (run := _ISSUER_RUN.match(text, end)) is not None:
        after = run.end()
        if text[after:after + 1] in ("-", "/") and _ISSUER_RUN.match(text, after + 1):
            end = after + 1
            continue
        token = run.group(0)
        if token in KNOWN_ISSUERS or token[-1].isdigit():
            return after
        following = text[after:after + 1]
        if following.islower():
            # The next word's capital went into the run ("…/TT-NHNNSố", "…/NĐ-CQuy"); when nothing is
            # left ("…/NĐ-CP-Quy định") the hyphen goes with it.
            cut = len(token) - 1
            return run.start() + cut if cut else max(start, run.start() - 1)
        known = [len(k) for k in KNOWN_ISSUERS if token.startswith(k)]
        if known and following and not following.isdigit():
            return run.start() + max(known)  # an all-capitals name glued on ("…/NĐ-CPQUY ĐỊNH")
        return after
    return end


def document_numbers(text: str) -> list[tuple[int, int]]:
    """(start, end) of every document number ("160/2024/NĐ-CP", "05/VBHN-VPQH", "24/2026") and date."""
    spans = []
    for head in _NUMBER_HEAD.finditer(text):
        end = _issuer_end(text, head.end()) if text[head.end() - 1] == "/" else head.end()
        if end > head.end() or head.group("year") is not None:
            spans.append((head.start(), end if end > head.end() else head.end() - (text[head.end() - 1] == "/")))
    spans.extend((m.start(), m.end()) for m in _DATE.finditer(text))
    return sorted(spans)


def _code_cell_start(segment: str) -> int:
    """Where the code cell's own words begin in the text before a number (its length when there are none).

    They begin the row, or are glued to the name ("…tín dụngLuật số", "…Chính phủsố"): a row's
    name never ends in "số" or a document type without a space before the number.
    """
    starts = [0] + [i for i in range(1, len(segment)) if not segment[i - 1].isspace() and segment[i].isalpha()
                    and (not segment[i - 1].isalpha() or _glued_at(segment, i)
                         or _CODE_CELL_PREFIX.match(segment, i))]
    for start in starts:
        prefix = _CODE_CELL_PREFIX.fullmatch(segment, start)
        if prefix is not None and not any(_glued_at(segment, i) for i in range(start + 1, len(segment))):
            return start
    return len(segment)


_NAME_GOES_ON = re.compile(r"(?:ngày|của|năm|tại) ")


def _ends_a_row(text: str, start: int, end: int, row_start: int) -> bool:
    """A number closes a row when the next cell is glued straight on (no space, no comma), when it
    repeats a number of the same row (the code cell after a name that already quotes it), or when it
    is glued to the name before it (a code cell, whatever follows)."""
    if text[start:end] in text[row_start:start]:
        return True
    glued_after = text[start - 1:start] if text[start - 1:start] != "." else text[start - 2:start - 1]
    if start > row_start and glued_after.isalpha():
        # Glued to the name before it ("…Bộ Tư pháp18/2026/NĐ-CP", "…Trung ương.106/2021/TT-BTC"): a code cell.
        return True
    rest = text[end:].lstrip(".")
    if _NAME_GOES_ON.match(rest):
        return False  # "…/TT-BCAngày 01/7/2025 của…": the name itself lost a space
    return not rest or not (rest[0].isspace() or rest[0] in ",;:)]-–")


@dataclass(frozen=True)
class LegalRow:
    name: str  # the name cell without the code cell
    code: str  # the code cell ("Luật số 32/2024/QH15", "80/2021/TT-BTC")
    number: str  # the bare document number inside the code cell


def legal_rows(flat: str | None) -> list[LegalRow]:
    text = nfc(flat)
    if is_blank(text):
        return []
    if text.startswith(LEGAL_HEADER):
        text = text[len(LEGAL_HEADER):]
    # A few pages let the next section run on ("…QH12Cơ quan thực hiệnTòa án nhân dân…").
    text = one_line(text).split("Cơ quan thực hiện")[0]
    rows: list[LegalRow] = []
    position = 0
    for start, end in document_numbers(text):
        if start < position or not _ends_a_row(text, start, end, position):
            continue
        segment = text[position:start]
        cell_start = _code_cell_start(segment)
        stop = end + (len(text[end:]) - len(text[end:].lstrip(".")))
        number = text[start:end]
        if _DATE.fullmatch(number):
            # A date closing a row is part of its name ("… ngày 15/5/2026"): the row has no code cell.
            rows.append(LegalRow(name=(segment + number).strip(" ,;-"), code="", number=""))
            position = stop
            continue
        rows.append(LegalRow(name=segment[:cell_start].strip(" ,;-"), code=(segment[cell_start:] + number).strip(),
                             number=number))
        position = stop
    tail = text[position:].strip(" ,;-")
    if any(char.isalpha() for char in tail):
        rows.append(LegalRow(name=tail, code="", number=""))
    return rows


def parse_legal_basis(flat: str | None) -> list[str]:
    """Legal texts, one line each: the name, with its code cell when the name does not already carry it."""
    items: list[str] = []
    for row in legal_rows(flat):
        if not any(char.isalpha() for char in row.name):
            if items and row.number and row.number in items[-1]:
                continue  # the code cell repeating the previous name's number
            items.append(row.code)
        elif not row.number or row.number in row.name:
            items.append(row.name)
        else:
            items.append(f"{row.name} ({row.code})")
    return [space_after_document_sign(item) for item in items if item]


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
