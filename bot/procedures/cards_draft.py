"""A first draft of a card from its catalogue record, for an officer to edit (pure).

`flask --app wsgi cards draft CODE` prints it as a [[card]] table. The draft restates the record:
time and fee exactly as the channels give them (Vietnamese number format), the fee note's first
sentence, and the papers every applicant needs (the common case first), each with its `source`.
Plain words are the officer's job: the draft only shortens a name at a clause boundary.
"""

from __future__ import annotations

import re
from datetime import date

from bot.procedures.cards import OFFICE_COMMUNE, OFFICE_POLICE, catalogue_digest
from bot.procedures.catalogue import Channel, Document, Procedure

_AMOUNT = re.compile(r"(\d{1,3}(?:[.,]\d{3})+|\d+)\s*(?:Việt Nam Đồng|VNĐ|VND|Đồng|đồng)")
_HAS_COUNT = re.compile(r"\d")
# The provincial council sets the fee: "Miễn phí" in the fee cell does not mean free then.
COUNCIL_SETS_FEE = re.compile(r"Hội đồng nhân dân (?:cấp )?tỉnh|HĐND (?:cấp )?tỉnh", re.I)


def vietnamese_amount(fee_text: str) -> str:
    """"10,000 Việt Nam Đồng" -> "10.000 đồng"; other text unchanged."""
    def fmt(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(1))
        return f"{int(digits):,}".replace(",", ".") + " đồng"

    return _AMOUNT.sub(fmt, fee_text).strip()


def time_words(time_text: str) -> str:
    """"1" -> "1 ngày làm việc" (a bare number counts working days), "20 Ngày" -> "20 ngày"."""
    text = time_text.strip()
    if not text:
        return ""
    if text.isdigit():
        return f"{text} ngày làm việc"
    return text[0] + text[1:].lower() if text[:1].isdigit() else text


def _per_channel(channels: tuple[Channel, ...], value: str) -> str:
    by_value: dict[str, list[str]] = {}
    for channel in channels:
        by_value.setdefault(getattr(channel, value), []).append(channel.channel.lower())
    if len(by_value) == 1:
        return next(iter(by_value))
    return "; ".join(f"{' và '.join(names)}: {text}" for text, names in by_value.items())


def draft_time(proc: Procedure) -> str:
    times = {c.channel: time_words(c.time_text) for c in proc.channels}
    if not any(times.values()):
        return "Cổng Dịch vụ công không ghi thời hạn"
    channels = tuple(Channel(c.channel, times[c.channel] or "không ghi", "", "") for c in proc.channels)
    text = _per_channel(channels, "time_text")
    return text[0].upper() + text[1:]


def draft_fee(proc: Procedure) -> tuple[str, str]:
    """(fee, fee_note): the fee as the source states it, and the note's first sentence."""
    # Fees in USD are charged by overseas missions, never at a commune desk.
    local = tuple(c for c in proc.channels if "USD" not in c.fee_text)
    notes = [c.note for c in local if c.note]
    council = any(COUNCIL_SETS_FEE.search(note) for note in notes)
    channels = tuple(Channel(c.channel, "", vietnamese_amount(c.fee_text) or "không ghi", "") for c in local)
    fee = _per_channel(channels, "fee_text") if channels else "Cổng Dịch vụ công không ghi lệ phí"
    if council and all(c.fee_text in ("", "Miễn phí") for c in local):
        fee = "Theo mức Hội đồng nhân dân tỉnh quy định"
    if notes and all(note == notes[0] and note.startswith("/") for note in notes) and len(notes) == len(local):
        return f"{fee}{notes[0]}", ""  # the unit: "2.000 đồng" + "/trang"
    sentences = [s.strip() for note in notes[:1] for s in re.split(r"(?<=\.)\s", note)]
    if council:
        # The fee line already says who sets it: the note's line is then the exemptions.
        sentences = [s for s in sentences if s.startswith("Miễn")] or sentences
    return fee[0].upper() + fee[1:], sentences[0] if sentences else ""


# Papers most hộ tịch and cư trú records word the same way, in the words a desk officer would use.
_COMMON_PAPERS = (
    (re.compile(r"^Hộ chiếu/Thẻ căn cước"), "Giấy tờ tùy thân có ảnh (thẻ căn cước, hộ chiếu…) để xuất trình"),
    (re.compile(r"^Giấy tờ có giá trị chứng minh thông tin về cư trú"),
     "Giấy tờ chứng minh nơi cư trú, chỉ khi cán bộ không tra được trên dữ liệu dân cư"),
    (re.compile(r"^Văn bản ủy quyền.*không phải chứng thực", re.S),
     "Văn bản ủy quyền nếu nhờ người khác nộp thay (người thân trong gia đình thì không cần chứng thực)"),
    (re.compile(r"^Văn bản ủy quyền"), "Văn bản ủy quyền nếu nhờ người khác nộp thay"),
)


def plain_name(name: str, limit: int = 110) -> str:
    """Common papers in everyday words; any other name cut at its first sentence or at a clause
    boundary that keeps it under `limit`."""
    for pattern, words in _COMMON_PAPERS:
        if pattern.search(name):
            return words
    form = re.match(r"^(Tờ khai .+? theo mẫu)", name)
    if form and len(form.group(1)) <= limit:
        return form.group(1)
    text = re.split(r"(?<=[.;])\s", name, maxsplit=1)[0].rstrip(" ;.")
    if len(text) <= limit:
        return text
    cut = max(text.rfind(", ", 0, limit), text.rfind(" (", 0, limit))
    return text[:cut] if cut > 20 else text[:limit].rsplit(" ", 1)[0]


def _rank(doc: Document) -> tuple[int, int]:
    form = doc.name.startswith(("Tờ khai", "Đơn", "Giấy đề nghị", "Văn bản đề nghị"))
    return (0 if doc.group == "required" else 1, 0 if form else 1)


def draft_documents(proc: Procedure, limit: int = 5) -> list[Document]:
    """The papers an applicant in the common case brings: counted, not a note, no online-only form."""
    usable = [
        d for d in proc.documents
        if d.group != "note" and (d.original_count or d.copy_count) and "điện tử tương tác" not in d.name
    ]
    common = [d for d in usable if not d.case]
    if len(common) < 3 and usable:
        first_case = next((d.case for d in usable if d.case), "")
        common += [d for d in usable if d.case == first_case]
    unique = list({d.name: d for d in common}.values())
    return sorted(unique, key=_rank)[:limit]


def _title(name: str) -> str:
    title = re.sub(r"^Thủ tục\s+", "", name)
    return title[:1].upper() + title[1:]


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def draft_card_toml(proc: Procedure, today: date | None = None) -> str:
    """The draft as a [[card]] table of data/cards.toml."""
    office = OFFICE_POLICE if any("công an" in a.lower() for a in proc.agencies) else OFFICE_COMMUNE
    fee, fee_note = draft_fee(proc)
    lines = [
        "[[card]]",
        f"code = {_quoted(proc.code)}",
        f"title = {_quoted(_title(proc.name))}",
        f"office = {_quoted(office)}",
        f"time = {_quoted(draft_time(proc))}",
        f"fee = {_quoted(fee)}",
        f"fee_note = {_quoted(fee_note)}",
        f"checked = {_quoted((today or date.today()).isoformat())}",
        f"catalogue_digest = {_quoted(catalogue_digest(proc))}",
    ]
    for doc in draft_documents(proc):
        lines += ["", "[[card.documents]]", f"text = {_quoted(plain_name(doc.name))}",
                  f"source = {_quoted(doc.name)}"]
    return "\n".join(lines) + "\n"
