"""Related terms learnt from the catalogue's text (bot.procedures.related_terms), and the decisions they feed."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from bot.procedures.catalogue import load_catalogue
from bot.procedures.field_index import FieldIndex
from bot.procedures.matcher import DATA_DIR, Matcher, MatcherConfig, MatcherTables
from bot.procedures.related_terms import RelatedTerms
from bot.procedures.textnorm import fold

TABLE = RelatedTerms.parse(
    "# comment\n"
    "gan chip dien tu\tho chieu\t0.70\n"
    "tai nan lao dong\ttnld bnn\t0.65\n"
    "tai nan\tbao hiem\t0.55\n"
    "broken line without weight\n"
    "bad\tweight\tx\n"
)


def test_a_body_term_adds_its_name_term_with_its_weight():
    assert TABLE.expand("lam ho chieu gan chip dien tu".split()) == []  # "hộ chiếu" already typed
    assert TABLE.expand("the gan chip dien tu".split()) == [("ho", 0.7), ("chieu", 0.7)]


def test_the_longest_body_term_wins_and_terms_do_not_overlap():
    assert TABLE.expand("bi tai nan lao dong".split()) == [("tnld", 0.65), ("bnn", 0.65)]
    assert TABLE.expand("bi tai nan giao thong".split()) == [("bao", 0.55), ("hiem", 0.55)]


def test_malformed_lines_are_skipped():
    assert len(TABLE) == 3
    assert RelatedTerms.parse("").expand(["anything"]) == []


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def matcher(catalogue):
    return Matcher.from_catalogue(catalogue)


def test_the_shipped_table_points_only_at_words_of_procedure_names(catalogue):
    text = (DATA_DIR / "related_terms.tsv").read_text(encoding="utf-8")
    table = RelatedTerms.parse(text)
    assert len(table) >= 20
    names = " ".join(" ".join(re.findall(r"[0-9a-z]+", fold(p.name))) for p in catalogue.procedures.values())
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        source, target, weight = line.split("\t")
        assert f" {target} " in f" {names} ", line
        assert 0 < float(weight) <= 1 and len(source.split()) >= 2 and len(target.split()) >= 2


def test_field_index_says_which_record_mentions_a_word(catalogue):
    records = [catalogue.procedures[c] for c in ("1.001193", "1.000656", "1.000894")]
    index = FieldIndex(records)
    assert index.mentioned([0, 1, 2], ["bao tu", "khong co tu nay"]).tolist() == [[False, True, False], [False] * 3]


def test_a_plain_procedure_named_as_such_is_still_answered(matcher):
    assert matcher.match("đăng ký khai sinh").decision == "answer"


def test_a_situation_beyond_the_plain_variant_asks_which_variant(matcher):
    result = matcher.match("khai sinh cho con gai sinh ben Uc nay moi ve que")
    assert result.decision == "clarify"
    assert {"1.001193", "2.000528"} <= {c.code for c in result.candidates}


def test_a_distinctive_pair_in_a_long_story_offers_buttons_rather_than_fallback(catalogue):
    query = "de con thu hai xin tien thai san"  # "thai sản" names few procedures; the rest of the story many
    # Without the training phrases, which know maternity benefits in other words and answer this outright.
    tables = replace(MatcherTables.load(DATA_DIR), phrases=())
    anchored = Matcher(catalogue.procedures.values(), tables)
    strict = Matcher(catalogue.procedures.values(), tables, MatcherConfig(anchored_clarify_threshold=0.42))
    assert strict.match(query).decision == "fallback"
    result = anchored.match(query)
    assert result.decision == "clarify"
    assert "2.000693" in [c.code for c in result.candidates]
    assert Matcher.from_catalogue(catalogue).match(query).candidates[0].code == "2.000693"
