"""Plain-language cards for the procedures a commune desk handles most (data/cards.toml). Pure.

A card is kept as data that a commune officer can edit: the everyday title, which office receives
the dossier, the time, the fee with its note, and 3–6 key documents in plain words. Every document
names the catalogue document it restates (`source`), and `catalogue_digest` fingerprints the parts
of the catalogue record the card summarises, so a test fails when the catalogue changes under it.
Procedures without a card get the automatic condensed rendering.
"""

from __future__ import annotations

from dataclasses import dataclass

# Office keys a card (and the commune configuration) may name.
OFFICE_COMMUNE = "ubnd"  # UBND xã/phường, its one-stop desk
OFFICE_POLICE = "cong_an"  # Công an xã/phường


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
