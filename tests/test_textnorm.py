import unicodedata

from bot.textnorm import canonical_syllable, decode_typing_leftovers, fold, folded_tokens, parse_abbreviation_table


def test_nfd_and_old_new_tone_placement_give_the_same_tokens():
    nfd = unicodedata.normalize("NFD", "Hoà giải thuỷ lợi")
    assert folded_tokens(nfd) == folded_tokens("Hòa giải thủy lợi") == ["hoa", "giai", "thuy", "loi"]
    assert canonical_syllable("hoà") == canonical_syllable("hòa") == "hòa"


def test_fold_removes_marks_and_d_and_unifies_i_y():
    assert fold("Đăng Ký Kết Hôn") == "dang ki ket hon"
    assert fold("kì") == fold("kỳ") == "ki"
    assert fold("quý") == "quy"


def test_telex_and_vni_leftovers_are_decoded():
    assert folded_tokens("ddawng kys khai sinh") == ["dang", "ki", "khai", "sinh"]
    assert folded_tokens("d9ang ky1") == ["dang", "ki"]
    assert decode_typing_leftovers("thuowngf") == "thường"
    assert decode_typing_leftovers("tieesng") == "tiếng"


def test_plain_words_and_codes_are_left_alone():
    for token in ("dang", "khaisinh", "ok", "cccd", "h56", "2024"):
        assert decode_typing_leftovers(token) == token


def test_abbreviations_expand_from_the_table():
    table = parse_abbreviation_table("# comment\ndk\tđăng ký\nks\tkhai sinh\nko\tkhông\n")
    assert folded_tokens("đk ks ko", table) == ["dang", "ki", "khai", "sinh", "khong"]
