"""How citizens type on phones: regional spellings, slips of the finger and glued syllables are read as the
catalogue words they stand for, and real words are left alone (tools/typing_noise.py makes such noise)."""

import random
from functools import lru_cache

from bot.procedures.catalogue import load_catalogue
from bot.procedures.matcher import Matcher
from bot.procedures.textnorm import fold, folded_tokens, regional_respellings
from tools.typing_noise import KINDS, strip_marks, variants


@lru_cache(maxsize=1)
def matcher() -> Matcher:
    return Matcher.from_catalogue(load_catalogue())


def corrected(query: str) -> list[str]:
    m = matcher()
    tokens = [part for t in folded_tokens(query) for part in m._unglue(t, paired=True) or (t,)]
    out: list[str] = []
    for i, token in enumerate(tokens):
        out.extend(m._correct(token, out[-1] if out else None, tokens[i + 1] if i + 1 < len(tokens) else None))
    return out


def top(query: str) -> str:
    result = matcher().match(query)
    assert result.candidates, query
    return fold(result.candidates[0].name)


def test_regional_respellings_swap_merged_onsets_and_finals():
    assert "sinh" in regional_respellings("xinh")
    assert "trich" in regional_respellings("chich")
    assert "lam" in regional_respellings("nam")
    assert "con" in regional_respellings("cong") and "cong" in regional_respellings("con")
    assert "mat" in regional_respellings("mac")
    # "ng", "nh", "ch" are letters of their own: "nhan" is not "n" + "han", "thich" does not end in "c".
    assert not any(w.startswith("l") for w in regional_respellings("nhan"))
    assert regional_respellings("thich") == ()


def test_regional_spellings_are_read_as_the_catalogue_word_their_neighbour_pairs_with():
    assert corrected("dang ky khai xinh") == ["dang", "ki", "khai", "sinh"]
    assert corrected("chich luc ket hon")[:2] == ["trich", "luc"]
    assert corrected("xac nhan tinh chang hon nhan")[3] == "trang"


def test_a_slip_of_the_finger_in_a_short_word_is_read_from_its_neighbour():
    assert corrected("khai inh cho be")[:2] == ["khai", "sinh"]
    assert corrected("dang ky khia sinh")[2] == "khai"
    assert "thuong tru" in top("dang ky thuonf tru")


def test_glued_syllables_are_split_before_the_words_are_read():
    assert top("dang ky khaisinh cho con") == top("dang ky khai sinh cho con")
    assert corrected("dang kykhai sinh")[:3] == ["dang", "ki", "khai"]
    m = matcher()
    glued, spaced = m.match("dang ky khaisinh cho con"), m.match("dang ky khai sinh cho con")
    assert glued.decision == spaced.decision and glued.candidates[0].code == "1.001193"


def test_catalogue_words_are_not_corrected_into_other_words():
    # Every catalogue word of a procedure's own name stands as typed, beside its own neighbours: a
    # correction never turns a real syllable of the catalogue into another one.
    m = matcher()
    for code in random.Random(7).sample(sorted(m.procedure_codes), 400):
        tokens = m._name_tokens[code]
        for i, token in enumerate(tokens):
            if token in m._vocab_set:
                before, after = tokens[i - 1] if i else None, tokens[i + 1] if i + 1 < len(tokens) else None
                assert m._correct(token, before, after) == [token], (code, token)


def test_common_questions_typed_plainly_are_left_alone():
    for query in ("cho em hoi can giay to gi", "con toi sinh o nuoc ngoai", "lam sao de dang ky tam tru",
                  "me toi mat roi lam giay gi", "nha em o xa ubnd"):
        assert corrected(query) == folded_tokens(query), query


def test_the_noise_generator_is_deterministic_and_changes_the_text():
    question = "Cho em hỏi đăng ký khai sinh cho con cần giấy tờ gì không ạ"
    for kind in KINDS:
        first = variants(question, kind, 3, seed=1)
        assert first == variants(question, kind, 3, seed=1)
        assert any(v != question for v in first), kind
    assert variants(question, "strip", 1)[0] == strip_marks(question)
