"""The concept layer and the records' weaker fields, on the shipped thesaurus and catalogue."""

from __future__ import annotations

from bot.procedures.catalogue import load_catalogue
from bot.procedures.concepts import ConceptTable
from bot.procedures.field_index import FieldIndex
from bot.procedures.matcher import DATA_DIR, Matcher
from bot.procedures.textnorm import folded_tokens
from handlers.office import office_topics

TABLE = ConceptTable.parse("# comment\nmai táng\tma chay; đám tang\nhộ chiếu phổ thông\thộ chiếu; passport\n")


def test_everyday_words_add_the_catalogue_words():
    assert TABLE.expand(folded_tokens("lo đám tang cho bố")) == ["mai", "tang"]
    assert TABLE.expand(folded_tokens("hỗ trợ mai táng")) == []  # already there


def test_a_trigger_inside_its_own_catalogue_phrase_is_dropped():
    assert TABLE.expand(folded_tokens("làm hộ chiếu")) == []
    assert TABLE.expand(folded_tokens("làm passport")) == ["ho", "chieu", "pho", "thong"]


def test_the_shipped_thesaurus_parses():
    table = ConceptTable.parse((DATA_DIR / "thesaurus.tsv").read_text(encoding="utf-8"))
    assert len(table.concepts) >= 80


def test_field_index_finds_a_record_by_its_documents():
    catalogue = load_catalogue()
    records = [catalogue.procedures[c] for c in ("1.001193", "1.000656", "1.000894")]
    index = FieldIndex(records)
    scores = index.score(["giay", "bao", "tu", "giay bao", "bao tu"])
    assert scores.argmax() == 1 and 0 < scores[1] <= 1


def test_meaning_without_shared_words_reaches_the_procedure():
    matcher = Matcher.from_catalogue(load_catalogue())
    assert matcher.match("xin tiền lo đám ma cho cựu chiến binh").candidates[0].code == "2.002307"
    assert matcher.match("giấy báo tử cho ông").candidates[0].code == "1.000656"


def test_emoji_and_stickers_are_small_talk():
    matcher = Matcher.from_catalogue(load_catalogue())
    for text in ("🙂", "👏👏👏", "!!!", "[Sticker]"):
        assert matcher.match(text).decision == "chitchat", text


def test_weekday_office_questions():
    for text in ("t7 xã có làm việc không", "chủ nhật có mở cửa không", "sáng mai có tiếp dân không"):
        assert office_topics(text) == ["hours"], text
    for text in ("mở cửa hàng bán thuốc cần giấy phép gì", "mai táng phí làm ở đâu"):
        assert office_topics(text) == [], text


def test_every_thesaurus_target_is_catalogue_vocabulary():
    catalogue = load_catalogue()
    text = " ".join(
        " ".join([p.name, p.field, *p.results, *p.target_users, *(d.name for d in p.documents)])
        for p in catalogue.procedures.values()
    )
    vocabulary = f" {' '.join(folded_tokens(text))} "
    table = ConceptTable.parse((DATA_DIR / "thesaurus.tsv").read_text(encoding="utf-8"))
    missing = [" ".join(c.catalogue) for c in table.concepts if f" {' '.join(c.catalogue)} " not in vocabulary]
    assert not missing, missing


def test_translated_words_are_those_whose_catalogue_words_get_added():
    assert TABLE.translated(folded_tokens("lo đám tang cho bố")) == [False, True, True, False, False]
    assert TABLE.translated(folded_tokens("đám tang, hỗ trợ mai táng")) == [False] * 6  # already said
