"""Training phrases as weak evidence (bot/procedures/phrase_index.py), and the shipped file's hygiene."""

from __future__ import annotations

from bot.config import ROOT
from bot.procedures.accent_clashes import spelled_apart
from bot.procedures.catalogue import load_catalogue
from bot.procedures.matcher import MatcherTables
from bot.procedures.phrase_index import PhraseIndex
from bot.procedures.textnorm import folded_tokens

PHRASES = [
    (0, "bo em moi mat tuan truoc lam giay bao tu"),
    (0, "khai tu cho ong noi"),
    (1, "con moi de lam giay khai sinh"),
    (2, "nha bi chay mat het giay to"),
]


NOTHING_APART: frozenset[str] = frozenset()


def index(ignored: frozenset[str] = frozenset()) -> PhraseIndex:
    return PhraseIndex(((proc, text.split(), NOTHING_APART) for proc, text in PHRASES), n_procedures=4,
                       ignored=ignored)


def test_a_question_sharing_words_and_their_pair_with_a_phrase_points_at_its_procedure() -> None:
    scores = index().score("bo toi mat roi lam giay bao tu o dau".split())
    assert scores.argmax() == 0 and scores[0] > 0.3
    assert scores[1] == 0 and scores[2] == 0


def test_pooled_phrases_cover_a_question_joining_words_of_two_phrases() -> None:
    question = "ong noi moi mat tuan truoc".split()  # "ông nội" from one phrase, "mới mất tuần trước" the other
    pooled = PhraseIndex(((proc, text.split(), NOTHING_APART) for proc, text in PHRASES), n_procedures=4,
                         pooled=True)
    assert pooled.score(question)[0] > index().score(question)[0]
    assert pooled.score(question).argmax() == 0


def test_a_procedure_with_two_near_phrases_has_a_second_best() -> None:
    matches = index().matches("ong noi moi mat tuan truoc lam giay bao tu khai tu".split())
    best = matches.best(4)
    assert best.argmax() == 0
    second, none = matches.second_best([0, 1])
    assert 0 < second <= best[0] and none == 0.0  # procedure 0 has two phrases near, 1 none


def test_one_shared_word_is_not_enough() -> None:
    # "nhà" alone ("chào cả nhà") must not send small talk to a procedure.
    assert not index().score("chao ca nha".split()).any()


def test_ignored_words_count_neither_in_the_question_nor_the_match() -> None:
    question = "con moi de lam giay khai sinh".split()
    full = index().score(question)[1]
    assert full > 0.9
    assert index(ignored=frozenset({"con", "moi", "de"})).score(question)[1] < full


def test_a_small_talk_word_pairing_as_in_a_name_is_kept() -> None:
    # "chiều" greets in "chào buổi chiều" and names in "hộ chiếu"; "sinh" is small talk in "sinh nhật".
    phrases = [(0, "lam ho chieu lan dau o dau".split(), NOTHING_APART),
               (1, "dang ky khai sinh cho con".split(), NOTHING_APART)]
    small_talk = frozenset({"ho", "chieu", "chao", "buoi", "sinh", "nhat", "o", "dau"})
    kept = PhraseIndex(phrases, n_procedures=2, ignored=small_talk, kept_pairs=frozenset({"ho chieu", "khai sinh"}))
    dropped = PhraseIndex(phrases, n_procedures=2, ignored=small_talk)
    question = "muon lam ho chieu lan dau".split()
    assert kept.score(question)[0] > dropped.score(question)[0]
    assert not kept.score("chao buoi chieu ca nha".split()).any()
    assert kept.score("sinh nhat con".split())[1] == 0


def test_a_word_spelled_apart_from_small_talk_is_kept() -> None:
    # Small talk says "để em xem"; "con mới đẻ" folds "đẻ" alike but is another word. Typed with diacritics,
    # the phrase and the question keep it; typed without them nothing tells the two apart.
    chat = frozenset({"để", "em", "xem"})
    phrase = "con mới đẻ làm giấy khai sinh"
    apart = spelled_apart(phrase, chat)
    assert "de" in apart and spelled_apart("con moi de lam giay khai sinh", chat) == NOTHING_APART
    assert "de" not in spelled_apart("để em xem đã", chat)
    ignored = frozenset({"de", "em", "xem"})
    tokens = "con moi de lam giay khai sinh".split()
    kept = PhraseIndex([(0, tokens, apart & ignored)], 1, ignored=ignored)
    dropped = PhraseIndex([(0, tokens, NOTHING_APART)], 1, ignored=ignored)
    question = "vừa đẻ xong làm giấy khai sinh"
    asked = "vua de xong lam giay khai sinh".split()
    assert kept.score(asked, spelled_apart(question, chat))[0] > dropped.score(asked, spelled_apart(question, chat))[0]


def test_an_index_without_phrases_scores_nothing() -> None:
    assert not PhraseIndex([], n_procedures=3).score("khai sinh".split()).any()


def test_shipped_phrases_name_catalogue_procedures_and_differ_from_each_other() -> None:
    tables = MatcherTables.load(ROOT / "data")
    codes = set(load_catalogue().procedures)
    assert len(tables.phrases) >= 1000
    unknown = sorted({code for code, _ in tables.phrases if code not in codes})
    assert not unknown, f"training phrases for codes the catalogue lacks: {unknown[:10]}"
    folded = [" ".join(folded_tokens(phrase)) for _, phrase in tables.phrases]
    repeated = {p for p in folded if folded.count(p) > 1}
    assert len(repeated) <= 10, f"phrases given twice: {sorted(repeated)[:10]}"
