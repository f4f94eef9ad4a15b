"""What the bot says about a procedure (pure): a first message that fits one phone screen, then sections.

Every fee, time and document shown is copied from the catalogue record (never inferred); a fee is
never shown without its note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.catalogue import Catalogue, Channel, Document, Procedure, national_code
from bot.replies import Button, Reply

MAX_REPLY_CHARS = 1900
KEY_DOCUMENTS = 4
NOTE_CHARS_ON_FIRST_SCREEN = 240
DOC_CHARS_ON_FIRST_SCREEN = 100
LIFE_EVENT_ITEMS = 10
ONLINE = "Trực tuyến"
POSTAL = "Dịch vụ bưu chính"
IN_PERSON = "Trực tiếp"


@dataclass(frozen=True)
class DeskService:
    """A service of the commune desk worth a line under an answer ("Thứ Hai – ngày không viết")."""

    line: str
    # National codes it is limited to; empty means every procedure received at the commune desk.
    codes: frozenset[str] = frozenset()

    def applies_to(self, proc: Procedure) -> bool:
        in_person = not proc.channels or any(c.channel == IN_PERSON for c in proc.channels)
        return "xa" in proc.levels and in_person and (not self.codes or national_code(proc.code) in self.codes)


@dataclass(frozen=True)
class OfficeInfo:
    """The commune's one-stop desk, as configured by the deployment (see bot/office_info.py)."""

    name: str
    address: str = ""
    phone: str = ""
    hours: str = ""
    services: tuple[DeskService, ...] = ()


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,;.") + "…"


def time_label(time_text: str) -> str:
    """A bare number on the portal means working days ("1" = 1 ngày làm việc)."""
    if re.fullmatch(r"\d+(?:[.,]\d+)?", time_text):
        return f"{time_text} ngày làm việc"
    return time_text.replace("Ngày làm việc", "ngày làm việc").replace(" Ngày", " ngày").replace(" Giờ", " giờ")


def fee_label(channel: Channel, note_limit: int | None = None) -> str:
    fee = channel.fee_text or "Chưa có thông tin"
    if channel.note:
        note = channel.note if note_limit is None else clip(channel.note, note_limit)
        return f"{fee} ({note})"
    return fee


def source_line(proc: Procedure) -> str:
    year, _, month = proc.crawled_at.partition("-")
    when = f", cập nhật {month}/{year}" if month else ""
    return f"Nguồn: Cổng DVC quốc gia{when}"


def _where(proc: Procedure, office: OfficeInfo | None) -> str:
    if office and "xa" in proc.levels:
        parts = [office.name, office.address, f"ĐT {office.phone}" if office.phone else "", office.hours]
        return ", ".join(p for p in parts if p)
    return "; ".join(proc.agencies) if proc.agencies else ""


def channel_lines(proc: Procedure) -> list[str]:
    """Time and fee: once when every channel agrees, else one line per channel."""
    channels = proc.channels
    if not channels:
        return []
    same = {(c.time_text, c.fee_text, c.note) for c in channels}
    if len(same) == 1:
        first = channels[0]
        lines = []
        if first.time_text:
            lines.append(f"⏱ Thời hạn: {time_label(first.time_text)}")
        lines.append(f"💰 Lệ phí: {fee_label(first, NOTE_CHARS_ON_FIRST_SCREEN)}")
        return lines
    lines = []
    for channel in channels[:4]:
        time_part = time_label(channel.time_text) if channel.time_text else "chưa có thông tin thời hạn"
        lines.append(f"• {channel.channel}: {time_part}; lệ phí {fee_label(channel, 160)}")
    return lines


def submission_ways(proc: Procedure) -> str:
    names = [c.channel for c in proc.channels]
    ways = [w for w in (IN_PERSON, ONLINE, POSTAL) if w in names]
    return ", ".join(w.lower() if i else w for i, w in enumerate(ways))


# How a document's name starts says how central it is: the form and the papers everyone brings come
# first; explanations and special cases ("Trường hợp…", "Đối với…") belong in the full list.
_FORM_START = re.compile(r"^(?:tờ khai|đơn|phiếu)\b", re.IGNORECASE)
_PAPER_START = re.compile(
    r"^(?:giấy|bản sao|bản chính|bản chụp|hộ chiếu|thẻ|căn cước|sổ|ảnh|chứng minh|trích lục|quyết định|hợp đồng)\b",
    re.IGNORECASE,
)
_EXPLANATION_START = re.compile(
    r"^(?:trường hợp|đối với|nếu|người|cơ quan|việc|khi|lưu ý|ghi chú|trong trường hợp)\b", re.IGNORECASE
)


def _document_rank(doc: Document) -> tuple[int, int]:
    name = doc.name.strip()
    if doc.group == "conditional" or _EXPLANATION_START.match(name):
        tier = 3
    elif _FORM_START.match(name):
        tier = 0
    elif _PAPER_START.match(name):
        tier = 1
    else:
        tier = 2
    counted = (doc.original_count or 0) + (doc.copy_count or 0) > 0
    return tier, 0 if counted else 1


def key_documents(proc: Procedure, limit: int = KEY_DOCUMENTS) -> list[Document]:
    """The papers most people need: forms first, then the papers themselves, in the portal's order
    within each rank (a stable sort); notes never."""
    candidates = [d for d in proc.documents if d.group != "note"]
    return sorted(candidates, key=_document_rank)[:limit]


def document_line(doc: Document, limit: int | None = None) -> str:
    counts = []
    if doc.original_count:
        counts.append(f"{doc.original_count} bản chính")
    if doc.copy_count:
        counts.append(f"{doc.copy_count} bản sao")
    name = doc.name if limit is None else clip(doc.name, limit)
    return f"{name} ({', '.join(counts)})" if counts else name


def _buttons(proc: Procedure) -> tuple[Button, ...]:
    buttons = []
    if proc.documents:
        buttons.append(Button("Đủ giấy tờ", f"#proc {proc.code} docs"))
    if proc.steps:
        buttons.append(Button("Các bước làm", f"#proc {proc.code} steps"))
    if proc.legal_basis:
        buttons.append(Button("Căn cứ pháp lý", f"#proc {proc.code} legal"))
    if proc.portal_url:
        buttons.append(Button("Nộp trực tuyến", proc.portal_url, "url"))
    buttons.append(Button("Hỏi cán bộ", f"#staff {proc.code}"))
    return tuple(buttons[:5])


def compose_answer(proc: Procedure, office: OfficeInfo | None = None) -> list[Reply]:
    if not proc.has_details:
        text = (
            f"📄 {proc.name}\n"
            "Dạ, hiện bot chưa có đủ thông tin chi tiết về thủ tục này. "
            "Anh/Chị vui lòng xem hướng dẫn đầy đủ trên Cổng Dịch vụ công quốc gia hoặc hỏi cán bộ ạ.\n"
            f"{source_line(proc)}"
        )
        buttons = [Button("Xem trên Cổng DVC", proc.portal_url, "url")] if proc.portal_url else []
        buttons.append(Button("Hỏi cán bộ", f"#staff {proc.code}"))
        return [Reply(text, tuple(buttons))]
    lines = [f"📄 {proc.name}"]
    where = _where(proc, office)
    if where:
        lines.append(f"📍 Nơi nộp: {clip(where, 200)}")
    lines.extend(channel_lines(proc))
    ways = submission_ways(proc)
    if ways:
        lines.append(f"📮 Cách nộp: {ways}")
    if office:
        lines.extend(f"🗓 {service.line}" for service in office.services if service.applies_to(proc))
    docs = key_documents(proc)
    if docs:
        lines.append("🗂 Giấy tờ chính:")
        lines.extend(f"{i}. {document_line(d, DOC_CHARS_ON_FIRST_SCREEN)}" for i, d in enumerate(docs, 1))
        if len(proc.documents) > len(docs):
            lines.append("(Bấm «Đủ giấy tờ» để xem danh sách đầy đủ)")
    lines.append(source_line(proc))
    return [Reply(clip("\n".join(lines), MAX_REPLY_CHARS), _buttons(proc))]


def _split_replies(title: str, items: list[str], footer: str) -> list[Reply]:
    """Numbered items packed into Replies of at most MAX_REPLY_CHARS, split on item boundaries."""
    replies: list[str] = []
    current = title
    for number, item in enumerate(items, 1):
        line = clip(f"{number}. {item}", MAX_REPLY_CHARS - 100)
        if len(current) + 1 + len(line) > MAX_REPLY_CHARS:
            replies.append(current)
            current = line
        else:
            current = f"{current}\n{line}"
    if len(current) + 1 + len(footer) > MAX_REPLY_CHARS:
        replies.append(current)
        current = footer
    else:
        current = f"{current}\n{footer}"
    replies.append(current)
    return [Reply(text) for text in replies]


SECTION_TITLES = {
    "docs": "🗂 Thành phần hồ sơ",
    "steps": "🧭 Các bước thực hiện",
    "legal": "⚖️ Căn cứ pháp lý",
}
GROUP_TITLES = {"presented": "Giấy tờ xuất trình", "conditional": "Theo từng trường hợp", "note": "Lưu ý"}


def _document_items(proc: Procedure) -> list[str]:
    items = []
    for doc in proc.documents:
        prefix = ""
        if doc.group == "conditional" and doc.conditions:
            prefix = f"[{clip(doc.conditions, 120)}] "
        elif doc.group in GROUP_TITLES:
            prefix = f"[{GROUP_TITLES[doc.group]}] "
        items.append(prefix + document_line(doc))
    return items


def compose_section(proc: Procedure, section: str) -> list[Reply]:
    items = {
        "docs": _document_items,
        "steps": lambda p: list(p.steps),
        "legal": lambda p: list(p.legal_basis),
    }.get(section)
    if items is None:
        return compose_answer(proc)
    found = items(proc)
    title = f"{SECTION_TITLES[section]} – {clip(proc.name, 150)}"
    if not found:
        text = f"{title}\nDạ, nguồn dữ liệu chưa có mục này. Anh/Chị xem thêm trên Cổng DVC quốc gia ạ."
        link = (Button("Xem trên Cổng DVC", proc.portal_url, "url"),) if proc.portal_url else ()
        return [Reply(text, link)]
    replies = _split_replies(title, found, source_line(proc))
    last = replies[-1]
    buttons = tuple(b for b in _buttons(proc) if b.payload != f"#proc {proc.code} {section}")
    replies[-1] = Reply(last.text, buttons[:5])
    return replies


def compose_life_event_menu(catalogue: Catalogue) -> list[Reply]:
    events = [e for e in catalogue.life_events.values() if e.codes]
    replies = []
    for start in range(0, len(events), 5):
        chunk = events[start:start + 5]
        text = "Anh/Chị đang cần làm giấy tờ cho việc gì ạ? Mời chọn:" if start == 0 else "Hoặc:"
        replies.append(Reply(text, tuple(Button(clip(e.title, 20), f"#event {e.id}") for e in chunk)))
    return replies


def compose_life_event(catalogue: Catalogue, event_id: str) -> list[Reply]:
    event = catalogue.life_events.get(event_id)
    if event is None:
        return compose_life_event_menu(catalogue)
    procs = [p for p in (catalogue.get(c) for c in event.codes) if p is not None][:LIFE_EVENT_ITEMS]
    lines = [f"📂 {event.title}: các thủ tục thường gặp"]
    lines += [f"{i}. {clip(p.name, 150)}" for i, p in enumerate(procs, 1)]
    lines.append("Anh/Chị bấm chọn hoặc gõ tên thủ tục cần hỏi ạ.")
    replies = []
    for start in range(0, len(procs), 5):
        chunk = procs[start:start + 5]
        text = "\n".join(lines) if start == 0 else "Thêm:"
        buttons = tuple(Button(f"{start + i}. {clip(p.name, 16)}", f"#proc {p.code}") for i, p in
                        enumerate(chunk, 1))
        replies.append(Reply(clip(text, MAX_REPLY_CHARS), buttons))
    return replies or [Reply(lines[0])]
