"""Done-when check of issue 10 over every detailed procedure of the shipped catalogue (pure, no Redis):
the first answer fits one phone screen, every section comes in taps of at most two messages within
Zalo's limit, no word is cut, no sentence meant for officials and no legal items run together."""

from __future__ import annotations

import pytest

from bot.catalogue import load_catalogue
from bot.procedure_reply import FIRST_ANSWER_CHARS, SECTIONS, compose_answer, section_pages
from bot.zalo.messages import MAX_BUTTON_TITLE, MAX_BUTTONS, MAX_TEXT_CHARS
from tests.answer_checks import GLUED_LEGAL, OFFICIALS, mid_word_cuts, source_text
from tests.test_procedure_reply import OFFICE

DETAILED = 4013  # the catalogue's procedures with details (issue 10)


@pytest.fixture(scope="module")
def detailed():
    procs = [p for p in load_catalogue().procedures.values() if p.has_details]
    assert len(procs) >= DETAILED
    return procs


def test_every_answer_and_every_page_fits(detailed) -> None:
    problems: list[str] = []
    for proc in detailed:
        source = source_text(proc)
        [first] = compose_answer(proc, OFFICE)
        if len(first.text) > FIRST_ANSWER_CHARS:
            problems.append(f"{proc.code} first answer {len(first.text)} chars")
        if len(first.buttons) > MAX_BUTTONS or any(len(b.title) > MAX_BUTTON_TITLE for b in first.buttons):
            problems.append(f"{proc.code} buttons {[b.title for b in first.buttons]}")
        texts = [first.text]
        for section in SECTIONS:
            for page in section_pages(proc, section):
                if len(page.messages) > 2:
                    problems.append(f"{proc.code} {section} page {page.number}: {len(page.messages)} messages")
                for message in page.messages:
                    if len(message) > MAX_TEXT_CHARS:
                        problems.append(f"{proc.code} {section} page {page.number}: {len(message)} chars")
                    if section == "legal" and GLUED_LEGAL.search(message):
                        problems.append(f"{proc.code} glued legal items: {GLUED_LEGAL.search(message).group()!r}")
                    if section == "docs":
                        texts.append(message)
        for text in texts:
            cut = mid_word_cuts(text, source)
            if cut:
                problems.append(f"{proc.code} word cut: {cut}")
            official = OFFICIALS.search(text)
            if official:
                problems.append(f"{proc.code} officials' sentence: {official.group()!r}")
    assert not problems, f"{len(problems)} problems, e.g. " + "\n".join(problems[:15])
