"""The plain-language cards (data/cards.toml) against the catalogue records they restate."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.procedures.cards import (
    MAX_DOCUMENTS,
    OFFICE_COMMUNE,
    OFFICE_POLICE,
    Card,
    CardsError,
    cards_from_toml,
    catalogue_digest,
    load_cards,
)
from bot.procedures.cards_draft import COUNCIL_SETS_FEE, draft_card_toml, vietnamese_amount
from bot.procedures.catalogue import Procedure, load_catalogue


@pytest.fixture(scope="module")
def cards() -> dict[str, Card]:
    return load_cards()


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def _record(catalogue, card: Card) -> Procedure:
    proc = catalogue.get(card.code)
    assert proc is not None, f"{card.code}: no such procedure in the catalogue"
    return proc


def _numbers(text: str) -> set[str]:
    """Digit runs with thousands separators folded: "2.000", "2,000" and "2000" are one number."""
    return {re.sub(r"[.,]", "", n).lstrip("0") or "0" for n in re.findall(r"\d+(?:[.,]\d{3})*", text)}


def _channels_text(proc: Procedure) -> str:
    return " ".join(f"{c.time_text} {c.fee_text} {c.note} {c.description}" for c in proc.channels)


def test_about_sixty_cards_for_the_commune_desk(cards: dict[str, Card], catalogue) -> None:
    assert 55 <= len(cards) <= 70
    offices = {card.office for card in cards.values()}
    assert offices == {OFFICE_COMMUNE, OFFICE_POLICE}
    for card in cards.values():
        proc = _record(catalogue, card)
        assert "xa" in proc.levels, f"{card.code}: not a commune-level record"
        assert 1 <= len(card.documents) <= MAX_DOCUMENTS


def test_office_follows_the_catalogue_agency(cards: dict[str, Card], catalogue) -> None:
    for card in cards.values():
        police = any("công an" in agency.lower() for agency in _record(catalogue, card).agencies)
        assert (card.office == OFFICE_POLICE) == police, card.code


def test_every_number_traces_to_the_record(cards: dict[str, Card], catalogue) -> None:
    for card in cards.values():
        source = _numbers(_channels_text(_record(catalogue, card)))
        for field in ("time", "fee", "fee_note"):
            missing = _numbers(getattr(card, field)) - source
            assert not missing, f"{card.code} {field} {getattr(card, field)!r}: {missing} not in the record"


def test_numbers_in_titles_and_papers_trace_to_the_record(cards: dict[str, Card], catalogue) -> None:
    for card in cards.values():
        proc = _record(catalogue, card)
        assert not _numbers(card.title) - _numbers(proc.name), card.code
        for doc in card.documents:
            assert not _numbers(doc.text) - _numbers(doc.source), f"{card.code}: {doc.text!r}"


def test_fees_are_never_a_bare_free_when_the_province_sets_them(cards: dict[str, Card], catalogue) -> None:
    for card in cards.values():
        proc = _record(catalogue, card)
        if any(COUNCIL_SETS_FEE.search(c.note) for c in proc.channels):
            assert "Miễn phí" not in card.fee, card.code
            assert "Hội đồng nhân dân" in card.fee + card.fee_note, card.code
        # Vietnamese number format: no "2,000", no "VNĐ".
        assert not re.search(r"\d,\d{3}|VNĐ|Việt Nam Đồng", card.fee + card.fee_note), card.code


def test_every_document_restates_a_record_document(cards: dict[str, Card], catalogue) -> None:
    for card in cards.values():
        names = {d.name for d in _record(catalogue, card).documents}
        for doc in card.documents:
            assert doc.source in names, f"{card.code}: {doc.source[:80]!r} is not a document of the record"
        assert len({d.source for d in card.documents}) == len(card.documents), card.code


def test_digest_fails_when_the_catalogue_changes(cards: dict[str, Card], catalogue) -> None:
    stale = [c.code for c in cards.values() if c.catalogue_digest != catalogue_digest(_record(catalogue, c))]
    assert stale == [], f"catalogue changed under these cards: check them (flask --app wsgi cards check): {stale}"


def test_digest_covers_what_the_card_summarises(catalogue) -> None:
    from dataclasses import replace

    proc = catalogue.get("1.001193")
    channel = replace(proc.channels[0], fee_text="8.000 đồng")
    assert catalogue_digest(replace(proc, channels=(channel, *proc.channels[1:]))) != catalogue_digest(proc)
    assert catalogue_digest(replace(proc, documents=proc.documents[1:])) != catalogue_digest(proc)
    assert catalogue_digest(replace(proc, steps=())) == catalogue_digest(proc)  # steps are not on a card


def test_the_khai_sinh_and_copy_certification_cards(cards: dict[str, Card]) -> None:
    khai_sinh = cards["1.001193"]
    assert (khai_sinh.office, khai_sinh.time, khai_sinh.fee) == (OFFICE_COMMUNE, "1 ngày làm việc", "Miễn phí")
    copy = cards["2.000815"]
    assert copy.fee == "2.000 đồng/trang" and "200.000 đồng" in copy.fee_note
    assert "USD" not in copy.fee + copy.fee_note
    assert cards["1.014061"].office == OFFICE_POLICE and cards["1.004194"].office == OFFICE_POLICE
    assert cards["2.000806"].fee == "Theo mức Hội đồng nhân dân tỉnh quy định"


# ---- malformed files give errors an officer can act on ----

GOOD = """
[[card]]
code = "1.001193"
title = "Đăng ký khai sinh"
office = "ubnd"
time = "1 ngày làm việc"
fee = "Miễn phí"
fee_note = ""
checked = "2026-12-01"
catalogue_digest = "abc"

[[card.documents]]
text = "Giấy chứng sinh"
source = "Giấy chứng sinh"
"""


def test_a_good_file_parses() -> None:
    card = cards_from_toml(GOOD)["1.001193"]
    assert card.documents[0].text == "Giấy chứng sinh"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace('office = "ubnd"', 'office = "ubnd xa"'), "office"),
        (GOOD.replace('fee = "Miễn phí"\n', ""), "thiếu trường «fee»"),
        (GOOD.replace('checked = "2026-12-01"', 'checked = "01/12/2026"'), "NĂM-THÁNG-NGÀY"),
        (GOOD.replace('code = "1.001193"', 'code = "1001193"'), "mã «1001193»"),
        (GOOD.replace("title =", "titel ="), "không có trong mẫu: titel"),
        (GOOD + GOOD.replace("[[card]]\n", "[[card]]\n", 1), "đã có ở một thẻ trước"),
        (GOOD.replace('"Giấy chứng sinh"\n', '"Giấy chứng sinh\n', 1), "sai cú pháp TOML"),
        (GOOD.split("[[card.documents]]")[0], "[[card.documents]]"),
        (GOOD.replace('fee = "Miễn phí"', "fee = 0"), "chuỗi"),
    ],
)
def test_malformed_files(text: str, message: str) -> None:
    with pytest.raises(CardsError, match=re.escape(message)):
        cards_from_toml(text)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CardsError, match="không tìm thấy"):
        load_cards(tmp_path / "cards.toml")


def test_a_draft_is_a_loadable_card(catalogue) -> None:
    draft = draft_card_toml(catalogue.get("2.000815"))
    card = cards_from_toml(draft)["2.000815"]
    assert card.catalogue_digest == catalogue_digest(catalogue.get("2.000815"))
    assert card.fee == "2.000 đồng/trang"  # the overseas missions' USD fee is left out
    assert all(doc.source in {d.name for d in catalogue.get("2.000815").documents} for doc in card.documents)
    council = cards_from_toml(draft_card_toml(catalogue.get("1.004873")))["1.004873"]
    assert council.fee == "Theo mức Hội đồng nhân dân tỉnh quy định" and council.fee_note.startswith("Miễn lệ phí")
    assert vietnamese_amount("10,000 Việt Nam Đồng") == "10.000 đồng"
