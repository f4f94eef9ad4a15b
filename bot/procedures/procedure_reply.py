"""What the bot says about a procedure (pure): a first answer that fits one phone screen, then sections
in pages of at most two messages.

The first answer says where to go, how long, the fee, how to submit, whether there is a form, and the
3–6 key documents in plain words: the plain-language card's when the commune keeps one (data/cards.toml),
else a condensed rendering of the catalogue (the common case first, each line cut at a clause boundary,
the full list one tap away). Every fee, time and document is the source's own (bot/procedures/fees.py).
"""

from __future__ import annotations

import re

from bot.conversation.paging import MESSAGE_CHARS, Page, paginate
from bot.conversation.replies import Button, Reply
from bot.conversation.shorten import shorten
from bot.procedures.cards import Card
from bot.procedures.catalogue import Catalogue, Procedure
from bot.procedures.document_list import (  # noqa: F401  (key_documents and document_line are imported from here)
    KEY_DOCUMENTS,
    case_blocks,
    case_groups,
    document_blocks,
    document_case,
    document_line,
    first_case,
    form_names,
    is_header,
    key_documents,
)
from bot.procedures.fees import (
    IN_PERSON,
    ONLINE,
    POSTAL,
    channel_fee,
    fee_lines,
    meaningful_note,
    time_label,
    time_line,
)
from bot.procedures.where_to_go import (  # noqa: F401  (OfficeInfo and DeskService are imported from here by callers)
    COMMUNE,
    POLICE,
    DeskService,
    Office,
    OfficeInfo,
    has_form,
    where_lines,
    where_to_go,
)

MAX_REPLY_CHARS = MESSAGE_CHARS
FIRST_ANSWER_CHARS = 900  # one phone screen
LIFE_EVENT_ITEMS = 10
CARD_EXTRA_CHARS = 60  # a card's lines are plain words already: they get more room than the catalogue's
SECTIONS = ("docs", "steps", "legal")
SECTION_TITLES = {"docs": "🗂 Giấy tờ", "steps": "🧭 Các bước", "legal": "⚖️ Lệ phí, căn cứ pháp lý"}
SECTION_BUTTONS = {"docs": "Đủ giấy tờ", "steps": "Các bước làm", "legal": "Lệ phí, căn cứ"}
NEXT_PAGE = "Xem tiếp"
CHANNEL_NAMES = {IN_PERSON: "trực tiếp", ONLINE: "trực tuyến", POSTAL: "qua bưu chính"}


def clip(text: str, limit: int) -> str:
    """Shorten at a clause boundary, never mid-word (kept under this name for the posters)."""
    return shorten(text, limit)


def source_line(proc: Procedure) -> str:
    year, _, month = proc.crawled_at.partition("-")
    when = f", cập nhật {month}/{year}" if month else ""
    return f"Nguồn: Cổng DVC quốc gia{when}"


def channel_lines(proc: Procedure) -> list[str]:
    """Time and fee lines (the fee for the citizen's channel, its conditions in one short line)."""
    time = time_line(proc)
    return ([time] if time else []) + fee_lines(proc)


def submission_ways(proc: Procedure) -> str:
    names = {c.channel for c in proc.channels}
    ways = [CHANNEL_NAMES[w] for w in (IN_PERSON, ONLINE, POSTAL) if w in names]
    return ", ".join(ways).capitalize()


# ---- buttons ----

def portal_button(proc: Procedure) -> Button | None:
    if not proc.portal_url:
        return None
    online = any(c.channel == ONLINE for c in proc.channels)
    if proc.forms:
        title = "Mẫu đơn, nộp online" if online else "Tải mẫu đơn"
    else:
        title = "Nộp trực tuyến" if online else "Xem trên Cổng DVC"
    return Button(title, proc.portal_url, "url")


def _section_available(proc: Procedure, section: str) -> bool:
    return {"docs": bool(proc.documents), "steps": bool(proc.steps),
            "legal": bool(proc.legal_basis or proc.channels)}[section]


def _buttons(proc: Procedure, skip: str = "", first: Button | None = None) -> tuple[Button, ...]:
    buttons = [first] if first else []
    buttons += [Button(SECTION_BUTTONS[s], f"#proc {proc.code} {s}") for s in SECTIONS
                if s != skip and _section_available(proc, s)]
    portal = portal_button(proc)
    if portal:
        buttons.append(portal)
    buttons.append(Button("Hỏi cán bộ", f"#staff {proc.code}"))
    return tuple(buttons[:4] + buttons[-1:]) if len(buttons) > 5 else tuple(buttons)


# ---- the first answer ----

def _no_details(proc: Procedure) -> list[Reply]:
    text = (
        f"📄 {shorten(proc.name, 200)}\n"
        "Dạ, hiện bot chưa có đủ thông tin chi tiết về thủ tục này. "
        "Anh/Chị vui lòng xem hướng dẫn đầy đủ trên Cổng Dịch vụ công quốc gia hoặc hỏi cán bộ ạ.\n"
        f"{source_line(proc)}"
    )
    buttons = [Button("Xem trên Cổng DVC", proc.portal_url, "url")] if proc.portal_url else []
    buttons.append(Button("Hỏi cán bộ", f"#staff {proc.code}"))
    return [Reply(text, tuple(buttons))]


def _card_where(proc: Procedure, card: Card, office: OfficeInfo | None) -> list[str]:
    """The card's office; with the record's other agencies when the record names the same office."""
    key = POLICE if card.office == POLICE else COMMUNE
    if where_to_go(proc).office == key:
        return where_lines(proc, office)
    if office is not None:
        return [f"📍 Nơi nộp: {office.office(key).line()}"]
    return ["📍 Nơi nộp: " + ("Công an cấp xã" if key == POLICE else "UBND cấp xã (Bộ phận một cửa)")]


def answer_facts(proc: Procedure, office: OfficeInfo | None, card: Card | None = None) -> list[list[str]]:
    """The answer's parts, most important first; each part a list of lines (later parts drop first)."""
    if card is not None:
        where = _card_where(proc, card, office)
        time_fee = [f"⏱ Thời hạn: {card.time}"] if card.time else []
        time_fee.append(f"💰 Lệ phí: {card.fee}")
        if card.fee_note:
            time_fee.append(f"   ({card.fee_note})")
    else:
        where = where_lines(proc, office)
        time_fee = channel_lines(proc)
    how = []
    ways = submission_ways(proc)
    if ways:
        how.append(f"📮 Cách nộp: {ways}")
    if proc.forms:
        how.append("📝 Có mẫu đơn/tờ khai: tải ở nút «" + (portal_button(proc) or Button("", "")).title + "»")
    services = [f"🗓 {shorten(s.line, 90)}" for s in (office.services if office else ()) if s.applies_to(proc)]
    return [where, time_fee, how, services]


def document_part(proc: Procedure, card: Card | None, count: int, chars: int) -> list[str]:
    if card is not None:
        # Written for the screen by an officer: shortened only when the answer would not fit otherwise.
        lines = [f"{i}. {shorten(d.text, chars + CARD_EXTRA_CHARS)}" for i, d in enumerate(card.documents[:6], 1)]
        return ["🗂 Giấy tờ cần mang:", *lines] if lines else []
    docs = key_documents(proc, count)
    if not docs:
        return []
    lines = [f"{i}. {document_line(d, chars)}" for i, d in enumerate(docs, 1)]
    case = first_case(proc)
    heading = f"🗂 Giấy tờ ({shorten(case.rstrip(':'), chars)}):" if case else "🗂 Giấy tờ chính:"
    more = sum(1 for d in proc.documents if not is_header(d)) > len(docs)
    tail = ["(Bấm «Đủ giấy tờ» để xem đủ, theo từng trường hợp)"] if more else []
    return [heading, *lines, *tail]


# Tried in order until the answer fits one screen: (documents, characters per document line, name chars).
_BUDGETS = ((5, 90, 120), (5, 70, 110), (4, 70, 100), (4, 55, 90), (3, 55, 80), (3, 45, 70), (3, 40, 60))


def compose_answer(proc: Procedure, office: OfficeInfo | None = None, card: Card | None = None) -> list[Reply]:
    if not proc.has_details:
        return _no_details(proc)
    parts = answer_facts(proc, office, card)
    title = card.title if card is not None else proc.name
    source = source_line(proc) + (f"; cán bộ xã kiểm tra {_date(card.checked)}" if card and card.checked else "")
    text = ""
    documents: dict[tuple[int, int], list[str]] = {}
    for dropped in range(0, 3):  # shorter documents first, then drop the desk services, then the ways
        for count, chars, name_chars in _BUDGETS:
            kept = parts[: len(parts) - dropped] if dropped else parts
            lines = [f"📄 {shorten(title, name_chars)}"]
            for part in kept:
                lines.extend(part)
            if (count, chars) not in documents:
                documents[count, chars] = document_part(proc, card, count, chars)
            lines.extend(documents[count, chars])
            lines.append(source)
            text = "\n".join(lines)
            if len(text) <= FIRST_ANSWER_CHARS:
                return [Reply(text, _buttons(proc))]
    lines = text.splitlines()  # nothing fitted: keep whole lines from the top, the source line last
    while len("\n".join(lines)) > FIRST_ANSWER_CHARS and len(lines) > 2:
        del lines[-2]
    return [Reply("\n".join(lines), _buttons(proc))]


def _date(iso: str) -> str:
    year, _, rest = iso.partition("-")
    month, _, day = rest.partition("-")
    return f"{day}/{month}/{year}" if day else iso


# ---- sections, in pages ----

_STEP_NUMBERED = re.compile(r"^(?:bước\s*\d+|\d+[.)]|[a-zđ][.)])", re.IGNORECASE)


def _step_blocks(proc: Procedure) -> list[str]:
    blocks = []
    number = 0
    for step in proc.steps:
        text = " ".join(step.split())
        bullet = text[:1]
        body = text.lstrip("-+*•– ").strip()
        if not body:
            continue
        if bullet in "+*•" and bullet:
            blocks.append(f"  • {body}")
        elif _STEP_NUMBERED.match(body):
            blocks.append(body)
        else:
            number += 1
            blocks.append(f"{number}. {body}")
    return blocks


def _legal_blocks(proc: Procedure) -> list[str]:
    """Every channel's fee as the source states it (with its note and description), then the legal basis."""
    blocks = []
    if proc.channels:
        blocks.append("💰 Lệ phí (theo nguồn):")
        for channel in proc.channels:
            fee = channel_fee(channel)
            line = f"  • {channel.channel}: {fee.amount}"
            if channel.time_text:
                line += f"; thời hạn {time_label(channel.time_text)}"
            details = [" ".join(t.split()) for t in (meaningful_note(channel.note), channel.description) if t.strip()]
            if details:
                line += ". " + " ".join(dict.fromkeys(details))
            blocks.append(line)
    if proc.legal_basis:
        blocks.append("⚖️ Căn cứ pháp lý:")
        blocks.extend(f"  • {' '.join(item.split())}" for item in proc.legal_basis)
    return blocks


def section_blocks(proc: Procedure, section: str, chat: bool = True) -> list[str]:
    """A section's lines, whole (the chat pages them; the public page, chat=False, shows them all)."""
    if section == "steps" and proc.steps_unreliable:
        if not proc.steps:
            return []
        where = proc.portal_url or "Cổng DVC quốc gia"
        return [f"(Một số bước trong nguồn bị lỗi chữ nên đã lược bỏ; xem đủ tại {where})", *_step_blocks(proc)]
    if section == "docs":
        return document_blocks(proc, chooser=chat)
    return {"steps": _step_blocks, "legal": _legal_blocks}[section](proc)


def section_pages(proc: Procedure, section: str) -> list[Page]:
    blocks = section_blocks(proc, section)
    if not blocks:
        return []
    heading = f"{SECTION_TITLES[section]} – {shorten(proc.name, 90)}"
    return paginate(heading, blocks, source_line(proc))


def _case_buttons(proc: Procedure, more: Button | None) -> tuple[Button, ...]:
    """On the documents' pages: the cases to choose from, then "Xem tiếp" and a person."""
    room = 5 - 1 - (1 if more else 0)
    cases = [Button(f"Trường hợp {i}", f"#proc {proc.code} case {i}")
             for i in range(1, min(len(case_groups(proc)), room) + 1)]
    return tuple([more] if more else []) + tuple(cases) + (Button("Hỏi cán bộ", f"#staff {proc.code}"),)


def compose_section(proc: Procedure, section: str, page: int = 1) -> list[Reply]:
    """One tap: one page (at most two messages) of a section, with "Xem tiếp" while more remain.
    "case" shows the papers of one case (page = the case's number in the documents' list)."""
    if section == "case":
        return compose_case(proc, page)
    if section not in SECTIONS:
        return compose_answer(proc)
    pages = section_pages(proc, section)
    if not pages:
        title = f"{SECTION_TITLES[section]} – {shorten(proc.name, 150)}"
        why = ("các bước trong nguồn dữ liệu bị lỗi chữ (ghép sai) nên em chưa đưa ra được"
               if section == "steps" and proc.steps_unreliable else "nguồn dữ liệu chưa có mục này")
        text = f"{title}\nDạ, {why}. Anh/Chị xem hướng dẫn đầy đủ trên Cổng DVC quốc gia hoặc hỏi cán bộ ạ."
        return [Reply(text, _buttons(proc, section))]
    shown = pages[min(max(page, 1), len(pages)) - 1]
    more = (Button(NEXT_PAGE, f"#proc {proc.code} {section} {shown.number + 1}")
            if shown.number < shown.total else None)
    chooses = section == "docs" and len(case_groups(proc)) >= 2
    buttons = _case_buttons(proc, more) if chooses else _buttons(proc, section, more)
    replies = [Reply(text) for text in shown.messages]
    replies[-1] = Reply(replies[-1].text, buttons)
    return replies


def compose_case(proc: Procedure, number: int) -> list[Reply]:
    """The papers for one case: the common ones and the case's own, in one tap (the rest of a very long
    case stays in the full list)."""
    blocks = case_blocks(proc, number)
    if not blocks:
        return compose_section(proc, "docs")
    pages = paginate(f"🗂 Giấy tờ – Trường hợp {number} – {shorten(proc.name, 70)}", blocks, source_line(proc))
    replies = [Reply(text) for text in pages[0].messages]
    tail = "" if len(pages) == 1 else "\n(Danh sách còn dài: bấm «Đủ giấy tờ» để xem hết)"
    if len(replies[-1].text) + len(tail) > MAX_REPLY_CHARS:
        tail = ""
    count = len(case_groups(proc))  # the next two cases, round the list, so every case can be reached
    following = dict.fromkeys((number + step - 1) % count + 1 for step in (1, 2))
    others = [Button(f"Trường hợp {i}", f"#proc {proc.code} case {i}") for i in following if i != number]
    buttons = (Button("Đủ giấy tờ", f"#proc {proc.code} docs"), *others, Button("Hỏi cán bộ", f"#staff {proc.code}"))
    replies[-1] = Reply(replies[-1].text + tail, buttons)
    return replies


# ---- life events ----

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
