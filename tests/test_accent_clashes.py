"""Everyday phrases of the thesaurus must not fold like another common phrase (bot/procedures/accent_clashes.py).

Phrases match without diacritics, so "thuế đất" also fires on "thuê đất". A phrase clashes when another
spelling of its letters is common in the catalogue's records or in the project's everyday phrases; such a
phrase is narrowed ("nuôi cua" -> "nuôi cua biển"), dropped, or kept with a reason in
tests/data/accent_clashes_allowed.tsv.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.procedures.accent_clashes import action_phrases, catalogue_texts, clashes, spelling, thesaurus_phrases
from bot.procedures.catalogue import load_catalogue
from bot.procedures.matcher import DATA_DIR

ALLOWED_FILE = Path(__file__).parent / "data" / "accent_clashes_allowed.tsv"
# Hand-written text in the citizens' and the desk's own words: one use of another spelling there is telling.
EVERYDAY_FILES = ("aliases.tsv", "chitchat.tsv", "query_fillers.txt", "canned_replies.json", "commune.json")


def _allowed() -> dict[str, str]:
    rows = [line.split("\t", 1) for line in ALLOWED_FILE.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    return {spelling(phrase): reason for phrase, reason in rows}


@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], list[str]]:
    formal = [*catalogue_texts(load_catalogue().procedures.values()), (DATA_DIR / "cards.toml").read_text("utf-8")]
    return formal, [(DATA_DIR / name).read_text(encoding="utf-8") for name in EVERYDAY_FILES]


def test_clashes_are_found_on_a_small_body():
    texts = ["Hợp đồng thuê đất", "thuê đất trả tiền hằng năm", "Nộp hồ sơ thuê đất", "thuê đất", "thuê đất"]
    found = clashes([["thuế đất", "đóng thuế đất"], ["lý lịch"]], texts, min_count=3)
    assert [(c.phrase, c.others) for c in found] == [("thuế đất", (("thuê đất", 5),))]
    # "lí lịch" is the same word, another official spelling; hoà/hòa likewise.
    assert not clashes([["lý lịch", "hoà giải"]], ["lí lịch"] * 5 + ["hòa giải"] * 5, min_count=1)
    # Whole words only, within a clause, and no spelling without any diacritics (a code or a copy slip).
    assert not clashes([["ở đậu"]], ["chỗ đậu xe", "nơi ở; đâu", "o dau", "o dau", "o dau"], min_count=1)
    # Once in everyday text is enough; another phrase of the same line is no clash.
    assert clashes([["ở đậu"]], [], everyday=["anh ở đâu"])
    assert not clashes([["miễu", "miếu"]], ["miếu"] * 9)


def test_action_phrases_split_at_the_star():
    assert action_phrases("stop\teveryday\tkhông * nữa; nghỉ hẳn\n# c\nstop\tname\tthôi\n") == [
        ["không", "nữa", "nghỉ hẳn", "thôi"]]


def test_thesaurus_phrases_leave_out_those_in_the_catalogue_words():
    assert thesaurus_phrases("dân công hỏa tuyến\tdân công; đi dân công\n") == [["đi dân công"]]


def test_no_thesaurus_phrase_folds_like_another_common_phrase(corpus):
    formal, everyday = corpus
    allowed = _allowed()
    table = thesaurus_phrases((DATA_DIR / "thesaurus.tsv").read_text(encoding="utf-8"))
    found = clashes(table, formal, everyday)
    new = [str(c) for c in found if c.spelling not in allowed]
    assert not new, "fold like another common phrase (narrow them or allow them with a reason):\n" + "\n".join(new)
    stale = sorted(set(allowed) - {c.spelling for c in found})
    assert not stale, f"allowed but no longer a clash (or no longer in the thesaurus): {stale}"
