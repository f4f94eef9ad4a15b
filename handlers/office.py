"""Questions about the office itself: hours, address, phone, the Monday and Friday services, results by
post, fees by bank transfer; and the poster keyword "TTHC <code>" that answers one procedure.

Wiring: `handle_office_text` in handlers/text.py's CHAIN, before the procedure matcher (so "mấy giờ
làm việc" is not read as a procedure question). Topic detection is pure (`office_topics`), and so is
the answer (`compose_office_answer`); facts come from data/commune.json and data/office.json.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache

from rapidfuzz.distance import OSA

from bot import procedure_reply
from bot.card_lookup import card_for
from bot.config import DATA_DIR
from bot.context import Context
from bot.office_hours import OfficeHours, office_hours_for
from bot.office_info import CommuneInfo, Service, commune_info_for
from bot.qr import parse_procedure_keyword
from bot.replies import Button, Reply
from bot.textnorm import folded_tokens, parse_abbreviation_table

# Each topic is recognised by signatures: every piece of a signature (a run of folded words) must be
# in the message, in any order. Pieces are specific on purpose: "làm giấy khai sinh mất mấy giờ" must
# stay a procedure question, so "mấy giờ" alone is not an hours question.
SIGNATURES: dict[str, tuple[tuple[str, ...], ...]] = {
    "monday": (("khong viet",), ("thu hai", "viet"), ("thu 2", "viet"), ("t2", "viet"), ("viet ho",),
               ("viet giup",), ("dien ho",), ("dien giup", "to khai")),
    "friday": (("khong hen",), ("thu sau", "hen"), ("thu 6", "hen"), ("t6", "hen"),
               ("ket qua", "trong ngay"), ("lay ngay", "ket qua")),
    "postal": (("buu dien",), ("buu chinh",), ("gui ve nha",), ("ket qua", "tai nha"), ("ket qua", "ve nha"),
               ("chuyen phat",), ("ship", "ket qua")),
    "bank": (("chuyen khoan",), ("so tai khoan",), ("stk",), ("tai khoan", "ngan hang"), ("ngan hang", "phi"),
             ("thanh toan", "online"), ("thanh toan", "truc tuyen"), ("nop phi", "online"), ("quet ma", "phi")),
    "phone": (("so dien thoai",), ("dien thoai",), ("hotline",), ("so dt",), ("email",), ("thu dien tu",),
              ("lien he", "uy ban"), ("lien he", "mot cua"), ("lien he", "can bo")),
    "address": (("dia chi", "uy ban"), ("dia chi", "xa"), ("dia chi", "phuong"), ("dia chi", "mot cua"),
                ("dia chi", "tru so"), ("uy ban", "o dau"), ("uy ban", "cho nao"), ("uy ban", "duong nao"),
                ("tru so", "o dau"), ("mot cua", "o dau"), ("xa", "o dau"), ("phuong", "o dau"),
                ("duong den", "uy ban"), ("ban do", "uy ban"), ("ban do", "xa")),
    "hours": (("gio", "lam viec"), ("gio", "mo cua"), ("gio", "hanh chinh"), ("mo cua",), ("lich lam viec",),
              ("thoi gian lam viec",), ("lam viec", "thu bay"), ("lam viec", "thu 7"), ("lam viec", "chu nhat"),
              ("lam viec", "hom nay"), ("lam viec", "ngay mai"), ("nghi le",), ("ngay le",), ("nghi tet",),
              ("gio", "dong cua"), ("gio", "nghi trua"), ("lam viec", "buoi sang"), ("lam viec", "buoi chieu")),
}
# When a message touches several topics, answer them in this order (at most MAX_TOPICS).
TOPIC_ORDER = ("hours", "address", "phone", "monday", "friday", "postal", "bank")
MAX_TOPICS = 3
# Typos are forgiven only in words long enough that one edit rarely turns them into another word
# ("viec"/"viet" differ by one edit and mean different things), and never in the first letter
# ("phuong"/"thuong").
FUZZY_MIN_LENGTH = 5
UPCOMING_HOLIDAY_DAYS = 14
WEEKDAY_NAMES = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


@lru_cache(maxsize=1)
def _abbreviations() -> dict[str, tuple[str, ...]]:
    return parse_abbreviation_table((DATA_DIR / "abbreviations.tsv").read_text(encoding="utf-8"))


def _same_word(expected: str, typed: str) -> bool:
    if expected == typed:
        return True
    return (len(expected) >= FUZZY_MIN_LENGTH and expected[0] == typed[:1]
            and OSA.distance(expected, typed, score_cutoff=1) <= 1)


def _has_piece(tokens: Sequence[str], piece: str) -> bool:
    words = piece.split()
    last = len(tokens) - len(words)
    return any(all(_same_word(w, tokens[i + k]) for k, w in enumerate(words)) for i in range(last + 1))


def office_topics(text: str) -> list[str]:
    """The office topics a message asks about, in answer order. Pure."""
    tokens = folded_tokens(text, _abbreviations())
    found = [topic for topic in TOPIC_ORDER
             if any(all(_has_piece(tokens, piece) for piece in signature) for signature in SIGNATURES[topic])]
    return found[:MAX_TOPICS]


# -- answers --------------------------------------------------------------------------------------


def _day_label(day: date) -> str:
    return f"{WEEKDAY_NAMES[day.weekday()]} {day:%d/%m}"


def hours_text(info: CommuneInfo, hours: OfficeHours, now: datetime) -> str:
    desk = info.desk_name or info.name
    lines = [f"🕐 Giờ làm việc của {desk}: {info.hours or hours.summary}."]
    if hours.is_open(now):
        lines.append("Hiện đang trong giờ làm việc ạ.")
    else:
        opening = hours.next_opening(now)
        lines.append(f"Hiện đã ngoài giờ làm việc; bộ phận một cửa làm việc lại lúc {opening:%H:%M} "
                     f"{_day_label(opening.date())} ạ.")
    today = now.astimezone(hours.timezone).date()
    soon = sorted(d for d in hours.holidays if today <= d <= today + timedelta(days=UPCOMING_HOLIDAY_DAYS))
    if soon:
        lines.append("Ngày nghỉ lễ sắp tới: " + ", ".join(_day_label(d) for d in soon) + ".")
    return "\n".join(lines)


def _service_text(service: Service | None, icon: str, missing: str) -> str:
    if service is None:
        return missing
    return f"{icon} {service.title}\n{service.description}" if service.description else f"{icon} {service.title}"


def _postal_text(info: CommuneInfo) -> str:
    if not info.postal_return:
        return (f"📦 Dạ, hiện {info.name} chưa nhận trả kết quả qua bưu điện; "
                "Anh/Chị vui lòng nhận kết quả trực tiếp tại bộ phận một cửa ạ.")
    return f"📦 Nhận kết quả qua bưu điện: {info.postal_return}"


def _bank_text(info: CommuneInfo) -> str:
    if not info.bank_payment:
        return "💳 Dạ, hiện phí, lệ phí nộp trực tiếp tại bộ phận một cửa ạ."
    text = f"💳 Nộp phí, lệ phí: {info.bank_payment}"
    account = info.bank_account
    if account.known:
        holder = f" – {account.holder}" if account.holder else ""
        text += f"\nTài khoản: {account.number} – {account.bank}{holder}"
    return text


def _address_text(info: CommuneInfo) -> str:
    if not info.address:
        return f"📍 Dạ, Anh/Chị liên hệ trực tiếp {info.name} để được hướng dẫn đường đi ạ."
    desk = f" ({info.desk_name})" if info.desk_name else ""
    return f"📍 {info.name}{desk}: {info.address}"


def _phone_text(info: CommuneInfo) -> str:
    parts = []
    if info.phone:
        parts.append(f"☎️ Điện thoại {info.desk_name or info.name}: {info.phone}")
    if info.email:
        parts.append(f"✉️ Email: {info.email}")
    if not parts:
        return "☎️ Dạ, số điện thoại của bộ phận một cửa chưa được cập nhật; Anh/Chị bấm «Gặp cán bộ» để nhắn cán bộ ạ."
    return "\n".join(parts)


def compose_office_answer(info: CommuneInfo, hours: OfficeHours, topics: Sequence[str], now: datetime) -> Reply:
    """One message answering the topics asked, with buttons to call, see the map, or ask a person. Pure."""
    writers = {
        "hours": lambda: hours_text(info, hours, now),
        "address": lambda: _address_text(info),
        "phone": lambda: _phone_text(info),
        "monday": lambda: _service_text(info.monday, "✍️", f"Dạ, hiện {info.name} chưa tổ chức ngày không viết ạ."),
        "friday": lambda: _service_text(info.friday, "⚡", f"Dạ, hiện {info.name} chưa tổ chức ngày không hẹn ạ."),
        "postal": lambda: _postal_text(info),
        "bank": lambda: _bank_text(info),
    }
    text = "\n\n".join(writers[topic]() for topic in topics)
    buttons = []
    if info.phone and ("phone" in topics or "address" in topics):
        buttons.append(Button("Gọi một cửa", info.phone.replace(" ", ""), "phone"))
    if info.map_url and "address" in topics:
        buttons.append(Button("Xem bản đồ", info.map_url, "url"))
    buttons.append(Button("Gặp cán bộ", "#staff"))
    return Reply(text, tuple(buttons))


def keyword_not_found(code: str) -> Reply:
    return Reply(f"Dạ, em chưa tìm thấy thủ tục có mã {code}. Anh/Chị kiểm tra lại mã trên tờ hướng dẫn, "
                 "hoặc gõ tên việc cần làm (ví dụ \"đăng ký khai sinh\") ạ.", (Button("Xem danh mục", "#procedures"),
                                                                             Button("Gặp cán bộ", "#staff")))


def handle_office_text(ctx: Context, text: str) -> list[Reply] | None:
    """The poster keyword, or an office question; None lets the rest of the chain try."""
    info = commune_info_for(ctx.settings)
    code = parse_procedure_keyword(text)
    if code is not None:
        proc = ctx.services.catalogue.get(code)
        if proc is None:
            ctx.notes["fallback"] = "1"
            return [keyword_not_found(code)]
        ctx.notes["procedure"] = proc.code
        ctx.notes["via"] = "keyword"
        return procedure_reply.compose_answer(proc, info.for_answers(), card_for(proc.code))
    topics = office_topics(text)
    if not topics:
        return None
    ctx.notes["office"] = ",".join(topics)
    return [compose_office_answer(info, office_hours_for(ctx.settings), topics, ctx.now)]
