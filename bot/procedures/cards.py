"""Plain-language cards for the procedures a commune desk handles most (data/cards.toml).

A card is kept as data that a commune officer can edit: the everyday title, which office receives
the dossier, the time, the fee with its note, and 3–6 key documents in plain words. Every document
names the catalogue document it restates (`source`), and `catalogue_digest` fingerprints the parts
of the catalogue record the card summarises, so a test fails when the catalogue changes under it.
Procedures without a card get the automatic condensed rendering.

`card_from_dict`, `cards_from_toml` and `catalogue_digest` are pure; `load_cards` reads the file.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

from bot.config import DATA_DIR
from bot.procedures.catalogue import Procedure

CARDS_FILE = DATA_DIR / "cards.toml"

# Office keys a card (and the commune configuration) may name.
OFFICE_COMMUNE = "ubnd"  # UBND xã/phường, its one-stop desk
OFFICE_POLICE = "cong_an"  # Công an xã/phường
OFFICES = (OFFICE_COMMUNE, OFFICE_POLICE)

MIN_DOCUMENTS, MAX_DOCUMENTS = 1, 6  # the file's header asks for 3–6; a few procedures need fewer papers
_CODE = re.compile(r"^\d\.\d{6}$")


@dataclass(frozen=True)
class CardDocument:
    text: str  # what the citizen reads, in plain words
    source: str  # the catalogue document's name this restates (checked against the record)


@dataclass(frozen=True)
class Card:
    code: str  # national code, e.g. "1.001193"
    title: str  # the everyday name ("Đăng ký khai sinh")
    office: str  # OFFICE_COMMUNE or OFFICE_POLICE
    time: str  # as the catalogue states it, in plain words
    fee: str  # as the catalogue states it, Vietnamese number format ("8.000 đồng")
    fee_note: str  # the fee's conditions in one short line ("" when there are none)
    documents: tuple[CardDocument, ...]
    checked: str  # "YYYY-MM-DD": when an officer last checked the card against the catalogue
    catalogue_digest: str  # fingerprint of the record fields summarised; see the card check test


class CardsError(ValueError):
    """The cards file cannot be used; the message says where and why, in words an officer can act on."""


def catalogue_digest(proc: Procedure) -> str:
    """Fingerprint of what a card summarises: the name, agencies, channels (time, fee, note) and
    documents (name and counts). Any change there changes the digest, and the card must be checked."""
    summarised = {
        "name": proc.name,
        "agencies": list(proc.agencies),
        "channels": [[c.channel, c.time_text, c.fee_text, c.note] for c in proc.channels],
        "documents": [[d.name, d.original_count, d.copy_count] for d in proc.documents],
    }
    payload = json.dumps(summarised, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


_CARD_KEYS = {f.name for f in fields(Card)}
_DOCUMENT_KEYS = {f.name for f in fields(CardDocument)}


def _text(raw: dict[str, Any], key: str, where: str, *, allow_empty: bool = False) -> str:
    if key not in raw:
        raise CardsError(f"{where}: thiếu trường «{key}»")
    value = raw[key]
    if not isinstance(value, str):
        raise CardsError(f"{where}: trường «{key}» phải là chuỗi trong ngoặc kép")
    value = " ".join(value.split())
    if not value and not allow_empty:
        raise CardsError(f"{where}: trường «{key}» đang để trống")
    return value


def card_from_dict(raw: Any, where: str) -> Card:
    """One [[card]] table -> Card; `where` names it in error messages ("thẻ số 3")."""
    if not isinstance(raw, dict):
        raise CardsError(f"{where}: phải là một bảng [[card]]")
    unknown = set(raw) - _CARD_KEYS
    if unknown:
        raise CardsError(f"{where}: trường không có trong mẫu: {', '.join(sorted(unknown))}")
    code = _text(raw, "code", where)
    if not _CODE.match(code):
        raise CardsError(f"{where}: mã «{code}» không đúng dạng mã quốc gia (ví dụ 1.001193)")
    where = f"{where} ({code})"
    office = _text(raw, "office", where)
    if office not in OFFICES:
        raise CardsError(f"{where}: «office» phải là một trong {', '.join(OFFICES)}, không phải «{office}»")
    checked = _text(raw, "checked", where)
    try:
        date.fromisoformat(checked)
    except ValueError:
        raise CardsError(f"{where}: «checked» phải là ngày dạng NĂM-THÁNG-NGÀY (2026-12-01)") from None
    documents_raw = raw.get("documents")
    if not isinstance(documents_raw, list) or not (MIN_DOCUMENTS <= len(documents_raw) <= MAX_DOCUMENTS):
        raise CardsError(f"{where}: cần từ {MIN_DOCUMENTS} đến {MAX_DOCUMENTS} mục [[card.documents]]")
    documents = []
    for number, doc in enumerate(documents_raw, 1):
        doc_where = f"{where}, giấy tờ số {number}"
        if not isinstance(doc, dict):
            raise CardsError(f"{doc_where}: phải là một bảng [[card.documents]]")
        unknown = set(doc) - _DOCUMENT_KEYS
        if unknown:
            raise CardsError(f"{doc_where}: trường không có trong mẫu: {', '.join(sorted(unknown))}")
        documents.append(CardDocument(text=_text(doc, "text", doc_where), source=_text(doc, "source", doc_where)))
    return Card(
        code=code,
        title=_text(raw, "title", where),
        office=office,
        time=_text(raw, "time", where),
        fee=_text(raw, "fee", where),
        fee_note=_text(raw, "fee_note", where, allow_empty=True),
        documents=tuple(documents),
        checked=checked,
        catalogue_digest=_text(raw, "catalogue_digest", where),
    )


def cards_from_toml(text: str, name: str = "cards.toml") -> dict[str, Card]:
    """Parse the cards file's text; keyed by national code."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CardsError(f"{name}: sai cú pháp TOML ({exc})") from None
    unknown = set(data) - {"card"}
    if unknown:
        raise CardsError(f"{name}: chỉ có các bảng [[card]], không có «{', '.join(sorted(unknown))}»")
    cards: dict[str, Card] = {}
    for number, raw in enumerate(data.get("card", []), 1):
        card = card_from_dict(raw, f"{name}: thẻ số {number}")
        if card.code in cards:
            raise CardsError(f"{name}: thẻ số {number}: mã {card.code} đã có ở một thẻ trước")
        cards[card.code] = card
    return cards


def load_cards(path: Path = CARDS_FILE) -> dict[str, Card]:
    """The cards, keyed by national code; CardsError when the file is missing or malformed."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CardsError(f"{path}: không tìm thấy tệp") from None
    except UnicodeDecodeError:
        raise CardsError(f"{path}: tệp phải lưu dạng UTF-8") from None
    return cards_from_toml(text, Path(path).name)
