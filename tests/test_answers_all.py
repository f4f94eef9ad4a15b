"""Done-when check of issue 10 over every detailed procedure of the shipped catalogue (pure, no Redis):
the first answer fits one phone screen, every section comes in taps of at most two messages within
Zalo's limit, no word is cut, no sentence meant for officials and no legal items run together."""

from __future__ import annotations

import pytest

from bot.procedures.cards import load_cards
from bot.procedures.catalogue import Procedure, load_catalogue
from bot.procedures.fees import province_sets_fee
from bot.procedures.procedure_reply import (
    FIRST_ANSWER_CHARS,
    SECTIONS,
    case_groups,
    compose_answer,
    compose_case,
    section_pages,
)
from bot.procedures.where_to_go import where_to_go
from bot.zalo.messages import MAX_BUTTON_TITLE, MAX_BUTTONS, MAX_TEXT_CHARS
from tests.answer_checks import OFFICIALS, glued_legal, mid_word_cuts, source_text
from tests.test_procedure_reply import OFFICE

DETAILED = 4013  # the catalogue's procedures with details (issue 10)


@pytest.fixture(scope="module")
def rendered() -> list[tuple[Procedure, str, dict[str, list[tuple[str, ...]]], str]]:
    """(procedure, first answer, section -> pages' messages, the card's own words) for every detailed
    procedure."""
    procs = [p for p in load_catalogue().procedures.values() if p.has_details]
    cards = load_cards()  # the commune's plain-language cards, where it keeps one
    assert len(procs) >= DETAILED
    out = []
    for proc in procs:
        [first] = compose_answer(proc, OFFICE, cards.get(proc.code))
        assert len(first.buttons) <= MAX_BUTTONS and all(len(b.title) <= MAX_BUTTON_TITLE for b in first.buttons)
        sections = {s: [page.messages for page in section_pages(proc, s)] for s in SECTIONS}
        sections["case"] = [tuple(r.text for r in compose_case(proc, n))
                            for n in range(1, len(case_groups(proc)) + 1)]
        card = cards.get(proc.code)
        written = " ".join([card.title, card.time, card.fee, card.fee_note, *(d.text for d in card.documents)]
                           ) if card else ""
        out.append((proc, first.text, sections, written))
    return out


def _report(problems: list[str]) -> str:
    return f"{len(problems)} problems, e.g.\n" + "\n".join(problems[:15])


def test_first_answer_fits_a_phone_and_each_tap_two_messages(rendered) -> None:
    problems = []
    for proc, first, sections, _ in rendered:
        if len(first) > FIRST_ANSWER_CHARS:
            problems.append(f"{proc.code} first answer {len(first)} chars")
        for section, pages in sections.items():
            for number, messages in enumerate(pages, 1):
                if len(messages) > 2:
                    problems.append(f"{proc.code} {section} page {number}: {len(messages)} messages")
                problems += [f"{proc.code} {section} page {number}: {len(m)} chars" for m in messages
                             if len(m) > MAX_TEXT_CHARS]
    assert not problems, _report(problems)


def test_commune_answers_carry_no_overseas_fee_and_no_free_beside_the_province(rendered) -> None:
    problems = []
    for proc, first, _, _ in rendered:
        fee = next((line for line in first.splitlines() if line.startswith("💰")), "")
        if where_to_go(proc).office and "USD" in fee:
            problems.append(f"{proc.code} overseas fee in a commune answer: {fee}")
        free = [c for c in proc.channels if c.fee_text == "Miễn phí"]
        if free and all(province_sets_fee(c) for c in free) and "Miễn phí" in fee:
            problems.append(f"{proc.code} 'Miễn phí' though the province sets the fee: {fee}")
    assert not problems, _report(problems)


def test_no_word_cut_and_no_sentence_for_officials(rendered) -> None:
    problems = []
    for proc, first, sections, written in rendered:
        source = f"{source_text(proc)} {written}"
        for text in [first, *(m for s in ("docs", "case") for page in sections[s] for m in page)]:
            cut = mid_word_cuts(text, source)
            if cut:
                problems.append(f"{proc.code} word cut: {cut}")
            official = OFFICIALS.search(text)
            if official:
                problems.append(f"{proc.code} officials' sentence: {official.group()!r}")
    assert not problems, _report(problems)


def test_no_legal_items_run_together(rendered) -> None:
    problems = [f"{proc.code} glued legal items: {glued_legal(m)!r}"
                for proc, _, sections, _ in rendered for page in sections["legal"] for m in page if glued_legal(m)]
    assert not problems, _report(problems)


def test_the_oracles_catch_what_the_issue_reported() -> None:
    assert glued_legal("Thông tư của Bộ Tư pháp18/2026/NĐ-CP") and glued_legal("53/2025/TT-BCAngày 01/7/2025")
    assert not glued_legal("Quyết định số 09/2023/QĐ-TTg") and not glued_legal("(17/2018/TT-BGDĐT)")
    assert mid_word_cuts("…theo hình thức trực tiế…", "theo hình thức trực tiếp") == ["tiế"]
    assert OFFICIALS.search("Người tiếp nhận có trách nhiệm tiếp nhận đúng, đủ hồ sơ")
    assert OFFICIALS.search("không được yêu cầu người đăng ký hộ tịch nộp thêm")
