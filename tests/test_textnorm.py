import unicodedata

from bot.procedures.textnorm import (
    canonical_syllable,
    decode_typing_leftovers,
    expand_abbreviations,
    fold,
    folded_tokens,
    parse_abbreviation_table,
    situation_hints,
    strip_reactions,
    tokenize,
)


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


def test_abbreviation_expansion_can_be_vetoed_by_context():
    table = parse_abbreviation_table("sy\tsao y\n")
    def keep(before: str | None, token: str, after: str | None) -> bool:
        return before == "liet"
    assert [fold(t) for t in expand_abbreviations(["liệt", "sỹ"], table, keep)] == ["liet", "si"]
    assert [fold(t) for t in expand_abbreviations(["sy", "bằng"], table, keep)] == ["sao", "y", "bang"]


def test_age_shorthand_is_split():
    assert tokenize("con 6t") == ["con", "6", "tuổi"]


def hints(text: str) -> list[str]:
    return situation_hints(text.split())


def test_country_names_imply_a_foreign_element():
    assert hints("lay vo nguoi trung quoc") == ["nuoc", "ngoai"]
    assert hints("con sinh o nhat") == ["nuoc", "ngoai"]
    assert hints("nguoi lao dong thu nhap thap") == []  # "lao" of "lao động" is not Laos
    assert hints("ket hon voi nguoi nuoc ngoai") == []  # already said


def test_a_destination_is_no_foreign_party_unless_a_marriage_says_so():
    assert hints("lam ho chieu di nhat ban") == []
    assert hints("xin xac nhan doc than sang dai loan") == []
    assert hints("lay chong sang dai loan") == ["nuoc", "ngoai"]


def test_lost_damaged_and_expired_documents():
    assert hints("giay phep kinh doanh bi mat") == ["cap", "lai"]
    assert hints("the can cuoc bi rach lam lai") == ["cap", "doi"]
    assert hints("tam tru het han") == ["gia", "han"]
    assert hints("ong noi mat roi") == ["khai", "tu"]  # a death, not a lost paper


def test_a_relative_who_died_implies_the_death_registration_unless_benefits_are_asked():
    assert hints("me em vua qua doi hom qua") == ["khai", "tu"]
    assert hints("bo toi mat, xin tien mai tang") == []
    assert hints("ba ngoai mat, chia dat thua ke") == []
    assert hints("me em mat giay to") == ["cap", "lai"]  # a lost paper, not a death


def test_relatives_of_people_with_merit_and_their_deaths():
    assert hints("tro cap cho me liet si") == ["than", "nhan"]
    assert "tu" in hints("ong la thuong binh vua mat")


def test_everyday_verbs_map_to_catalogue_verbs():
    assert hints("cat khau cho con") == ["xoa"]
    assert hints("dong cua tiem") == ["cham", "dut"]
    assert hints("tam nghi ban hang") == ["tam", "ngung"]
    assert hints("lam hop dong tang cho nha") == ["chung", "thuc", "giao", "dich"]


def test_ages_name_their_bracket_unless_the_citizen_did():
    assert hints("can cuoc cho be 5 tuoi") == ["duoi", "6", "tuoi", "duoi", "14", "tuoi"]
    assert hints("can cuoc cho con 15 tuoi") == ["tu", "du", "14", "tuoi"]
    assert hints("bo em 85 tuoi") == ["nguoi", "cao", "tuoi"]
    assert hints("the bhyt cho tre duoi 6 tuoi") == []


def test_textnorm_drops_emoticons_and_client_placeholders_but_not_times_or_numbering():
    assert tokenize(strip_reactions(":D <3 =)) ^_^ [Hình ảnh]")) == []
    assert folded_tokens("hic :( làm khai sinh") == ["hic", "lam", "khai", "sinh"]
    assert strip_reactions("8:30 sáng") == "8:30 sáng" and strip_reactions("khoản 3)") == "khoản 3)"
    assert tokenize(strip_reactions("https://dichvucong.gov.vn/p/home ubnd@gmail.com")) == []
    assert strip_reactions("lệ phí 50.000đ") == "lệ phí 50.000đ"


def test_textnorm_accented_abbreviation_keys_match_only_their_own_spelling():
    table = parse_abbreviation_table("hông\tkhông\ndìa\tvề\nsanh\tsinh\ndk\tđăng ký\n")
    assert folded_tokens("làm hông được", table) == ["lam", "khong", "duoc"]
    assert folded_tokens("thẻ bị hỏng", table) == ["the", "bi", "hong"]  # broken, not "không"
    assert folded_tokens("dìa quê nhập khẩu", table)[:2] == ["ve", "que"]
    assert folded_tokens("địa chỉ", table) == ["dia", "chi"]
    assert folded_tokens("đk khai sanh", table) == ["dang", "ki", "khai", "sinh"]  # plain keys: any typing


def test_textnorm_pink_land_certificate_is_not_a_damaged_document():
    assert "doi" not in situation_hints(["so", "hong"])
    assert situation_hints(["so", "do", "bi", "hong"])[-2:] == ["cap", "doi"]


def test_textnorm_letters_typed_twice_collapse_only_into_a_syllable():
    assert tokenize("khaai sinhh khôngggg") == ["khai", "sinh", "không"]
    # Abbreviations, Roman numerals and syllables typed without diacritics ("luu" = lưu) stay.
    assert tokenize("cccd ttru luu huu iii") == ["cccd", "ttru", "luu", "huu", "iii"]


def test_textnorm_chat_spellings_of_onsets_are_respelled_only_into_a_syllable():
    assert tokenize("fải làm jấy tờ wá lâu") == ["phải", "làm", "giấy", "tờ", "quá", "lâu"]
    assert tokenize("file wifi web j") == ["file", "wifi", "web", "j"]
