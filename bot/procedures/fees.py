"""Fees and times as the source states them, in the words and number format citizens read (pure).

- Amounts keep their value and unit, in Vietnamese format: "2,000 Việt Nam Đồng" + note "/trang"
  -> "2.000 đồng/trang". Nothing is rounded, merged or inferred.
- A fee's conditions (the note, or the channel's description when the note is only a unit) go in
  one short line, cut at a clause boundary; the full text stays one tap away (the source link).
- "Miễn phí" is never printed next to a note saying the province sets the fee: the line says who
  sets it.
- Fees in foreign currency or at overseas missions (cơ quan đại diện) do not apply at a commune desk
  and are left out of a commune answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.conversation.shorten import first_sentence, shorten
from bot.procedures.catalogue import Channel, Procedure

IN_PERSON = "Trực tiếp"
ONLINE = "Trực tuyến"
POSTAL = "Dịch vụ bưu chính"
CHANNEL_WORDS = {IN_PERSON: "trực tiếp", ONLINE: "trực tuyến", POSTAL: "qua bưu chính"}
CONDITION_CHARS = 180
TIME_CHARS = 140  # some records put a whole paragraph in the time cell; the legal section has it whole
FREE = "Miễn phí"
UNKNOWN = "Chưa có thông tin"

_MONEY = re.compile(r"^\s*(\d[\d.,]*)\s*(Việt Nam Đồng|VNĐ|VND|đồng|USD|EUR)\s*$", re.IGNORECASE)
_FOREIGN = re.compile(r"\b(?:USD|EUR)\b|cơ quan đại diện|ở nước ngoài", re.IGNORECASE)
_UNIT_NOTE = re.compile(r"^\s*(?:đồng|VNĐ|Việt Nam Đồng)?\s*/\s*([^()]+?)\s*(\(.*\))?\s*\.?$", re.IGNORECASE)
_NOISE_NOTE = re.compile(r"^[\s\d.,;:*+-]*$|^\s*(?:không|không có|không quy định|chưa quy định)\.?\s*$",
                         re.IGNORECASE)
_PROVINCE_SETS = re.compile(
    r"(?:hội đồng nhân dân|hđnd|ủy ban nhân dân|uỷ ban nhân dân|ubnd)\s*(?:cấp\s*)?(?:tỉnh|các tỉnh)", re.IGNORECASE)
_COUNCIL = re.compile(r"hội đồng nhân dân|hđnd", re.IGNORECASE)
_HAS_AMOUNT = re.compile(r"\d[\d.,]*\s*(?:đồng|đ\b|VNĐ)", re.IGNORECASE)


def vietnamese_number(digits: str) -> str:
    """"2,000" / "2000" / "2.000" -> "2.000"; decimals ("0,5") are kept as written."""
    plain = digits.replace(",", "").replace(".", "")
    if not plain.isdigit() or re.search(r"[.,]\d{1,2}$", digits):
        return digits
    return f"{int(plain):,}".replace(",", ".")


def money(fee_text: str) -> str:
    """"2,000 Việt Nam Đồng" -> "2.000 đồng"; "10 USD" -> "10 USD"; other text unchanged."""
    found = _MONEY.match(fee_text)
    if not found:
        return fee_text.strip()
    amount, currency = found.groups()
    unit = "đồng" if currency.lower() in ("việt nam đồng", "vnđ", "vnd", "đồng") else currency.upper()
    return f"{vietnamese_number(amount)} {unit}"


def is_abroad(channel: Channel) -> bool:
    """A fee that applies only abroad (foreign currency, an overseas mission)."""
    text = f"{channel.fee_text} {channel.note} {channel.description}"
    commune_named = re.search(r"cấp xã|ủy ban nhân dân|uỷ ban nhân dân|ubnd", channel.description, re.IGNORECASE)
    return bool(re.search(r"\b(?:USD|EUR)\b", channel.fee_text)) or (bool(_FOREIGN.search(text)) and
                                                                      not commune_named and "đồng" not in text)


def province_sets_fee(channel: Channel) -> bool:
    return bool(_PROVINCE_SETS.search(channel.note))


@dataclass(frozen=True)
class Fee:
    amount: str  # "2.000 đồng/trang", "Miễn phí", "mức cụ thể do HĐND tỉnh quy định"
    condition: str  # one short line, "" when the source gives none


def meaningful_note(note: str) -> str:
    """The note, unless it is only a unit ("/trang") or says nothing ("Không", "1")."""
    return "" if _UNIT_NOTE.match(note) or _NOISE_NOTE.match(note) else note


def _condition_after_province(note: str) -> str:
    """The note's sentences other than the one saying who sets the fee."""
    sentences = re.split(r"(?<=[.;])\s+", " ".join(note.split()))
    return " ".join(s for s in sentences if not _PROVINCE_SETS.search(s)).strip()


def _after_amount(sentence: str, amount: str) -> str:
    """"Tại UBND cấp xã, …: 2.000 đồng/trang; từ trang thứ 3 …" -> "từ trang thứ 3 …" when the sentence
    restates the amount already shown and goes on with its conditions."""
    found = re.search(re.escape(amount) + r"\s*(?:[;,]\s+(\S.*)|\((.+)\)\.?)$", sentence)
    return (found.group(1) or found.group(2)) if found else sentence


def channel_fee(channel: Channel) -> Fee:
    note = " ".join(channel.note.split())
    amount = money(channel.fee_text) if channel.fee_text else ""
    condition = ""
    unit = _UNIT_NOTE.match(note) if note else None
    if note and province_sets_fee(channel) and channel.fee_text in ("", FREE, "0 VNĐ", "0 Việt Nam Đồng"):
        body = "HĐND tỉnh" if _COUNCIL.search(note) else "UBND tỉnh"
        amount = f"mức cụ thể do {body} quy định"
        condition = _condition_after_province(note)
    elif unit and amount:
        amount = f"{amount}/{unit.group(1).strip()}"
        condition = (unit.group(2) or "").strip("() ")
        if _HAS_AMOUNT.search(channel.description):  # the unit's conditions ("từ trang thứ 3…")
            condition = _after_amount(first_sentence(channel.description, "."), amount)
    elif note and not _NOISE_NOTE.match(note):
        condition = note
    if not amount:
        amount = UNKNOWN
    condition = condition.lstrip("-+*• ").strip()
    return Fee(amount, shorten(condition, CONDITION_CHARS) if condition else "")


def domestic_channels(proc: Procedure) -> tuple[Channel, ...]:
    """The channels that apply in Viet Nam; all of them when the procedure is done only abroad."""
    kept = tuple(c for c in proc.channels if not is_abroad(c))
    return kept or proc.channels


def _channel_order(channel: Channel) -> int:
    """The commune desk is in person: that channel first, then online, then post."""
    return {IN_PERSON: 0, ONLINE: 1, POSTAL: 2}.get(channel.channel, 3)


def fee_lines(proc: Procedure) -> list[str]:
    """"💰 Lệ phí: …" (one line per distinct fee, with its channel when they differ) and the conditions line."""
    channels = sorted(domestic_channels(proc), key=_channel_order)
    if not channels:
        return []
    fees: dict[Fee, list[str]] = {}
    for channel in channels:
        fees.setdefault(channel_fee(channel), []).append(CHANNEL_WORDS.get(channel.channel, channel.channel.lower()))
    by_amount: dict[str, list[str]] = {}
    for fee, ways in fees.items():
        by_amount.setdefault(fee.amount, []).extend(ways)
    lines = [f"💰 Lệ phí: {by_channel(by_amount)}"]
    conditions = list(dict.fromkeys(fee.condition for fee in fees if fee.condition))
    if conditions:
        lines.append(f"   ({conditions[0].rstrip('.')})")
    return lines


def by_channel(values: dict[str, list[str]], most: int = 3) -> str:
    """One value: itself. Values per channel: "trực tiếp: A; trực tuyến: B". Several values for the
    same channels (the source lists cases): "A; B (tùy trường hợp)"."""
    if len(values) == 1:
        return next(iter(values))
    items = list(values.items())[:most]
    ways = {tuple(dict.fromkeys(w)) for _, w in items}
    if len(ways) == 1:
        return "; ".join(value for value, _ in items) + " (tùy trường hợp)"
    return "; ".join(f"{', '.join(dict.fromkeys(w))}: {value}" for value, w in items)


def time_label(time_text: str) -> str:
    """A bare number on the portal means working days ("1" = 1 ngày làm việc)."""
    text = time_text.strip()
    if re.fullmatch(r"\d+(?:[.,]\d+)?", text):
        return f"{text} ngày làm việc"
    return text.replace("Ngày làm việc", "ngày làm việc").replace(" Ngày", " ngày").replace(" Giờ", " giờ")


def time_line(proc: Procedure) -> str:
    """"⏱ Thời hạn: 5 ngày làm việc" (the in-person time first; other channels' when they differ)."""
    channels = [c for c in sorted(domestic_channels(proc), key=_channel_order) if c.time_text.strip()]
    if not channels:
        return ""
    times: dict[str, list[str]] = {}
    for channel in channels:
        times.setdefault(shorten(time_label(channel.time_text), TIME_CHARS), []).append(
            CHANNEL_WORDS.get(channel.channel, channel.channel.lower()))
    return f"⏱ Thời hạn: {by_channel(times)}"


_DAYS = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(ngày làm việc|ngày)?$", re.IGNORECASE)
_HOURS = re.compile(r"^(\d+(?:[.,]\d+)?)\s*giờ", re.IGNORECASE)


def within_one_working_day(proc: Procedure) -> bool:
    """Every in-person (or, lacking one, every) time is at most one working day ("1", "4 giờ", "trong ngày")."""
    channels = [c for c in domestic_channels(proc) if c.channel == IN_PERSON] or list(domestic_channels(proc))
    times = [c.time_text.strip() for c in channels if c.time_text.strip()]
    if not times:
        return False
    for text in times:
        days, hours = _DAYS.match(text), _HOURS.match(text)
        if days:
            if float(days.group(1).replace(",", ".")) > 1:
                return False
        elif hours:
            if float(hours.group(1).replace(",", ".")) > 8:
                return False
        elif not re.search(r"trong ngày|ngay", text, re.IGNORECASE):
            return False
    return True
