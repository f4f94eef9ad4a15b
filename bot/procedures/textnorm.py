"""Vietnamese text normalisation for matching citizen messages against procedure names.

Pure functions, no I/O. Two forms are produced:
- an accented form: NFC, lower case, tone mark on a canonical vowel ("hoà" and "hòa" both give "hòa");
- a folded form: no diacritics at all, "đ" → "d", and "y" → "i" after a consonant ("kỳ"/"kì" → "ki"),
  which is what the matcher indexes because citizens often type without diacritics.

Telex ("ddawng kys") and VNI ("d9a8ng ky1") leftovers are decoded per syllable, and abbreviations or
teencode ("dk", "cccd", "ko") are expanded from a table the caller supplies (see data/abbreviations.tsv).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from itertools import pairwise

# Combining marks that carry the five Vietnamese tones (grave, acute, hook, tilde, dot below).
_TONE_MARKS = {"\u0300": "f", "\u0301": "s", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
_TONE_BY_KEY = {key: mark for mark, key in _TONE_MARKS.items()}
# Marks that change the vowel itself (breve, circumflex, horn): these stay in the accented form.
_SHAPE_MARKS = {"\u0306", "\u0302", "\u031b"}
_VOWELS = set("aăâeêioôơuưy")
_SHAPED_VOWELS = set("ăâêôơư")

_ONSET_RE = re.compile(r"^(ngh|ng|nh|ch|gh|kh|ph|th|tr|gi|qu|[bcdđghklmnpqrstvx])?")
_NUCLEI = (
    "a ă â e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iê iu oa oă oe oi ôi ơi oo ua uâ uê ui uô uơ ưa ưi "
    "ươ ưu uy yê iêu oai oay oao oeo uây uôi ươi ươu uya uyê uyu yêu"
).split()
_SYLLABLE_RE = re.compile(
    r"^(ngh|ng|nh|ch|gh|kh|ph|th|tr|gi|qu|[bcdđghklmnpqrstvx])?"
    rf"({'|'.join(sorted(_NUCLEI, key=len, reverse=True))})"
    r"(ng|nh|ch|[cmnpt])?$"
)
_AGE_SHORTHAND_RE = re.compile(r"^(\d{1,3})t$")
_TOKEN_RE = re.compile(r"[0-9a-zđăâêôơư\u0300-\u036f]+")

# Telex: doubled or w-suffixed letters that shape a vowel, and "dd" for đ.
_TELEX_SHAPES = (
    ("dd", "đ"), ("uow", "ươ"), ("aw", "ă"), ("aa", "â"), ("ee", "ê"), ("oo", "ô"), ("ow", "ơ"), ("uw", "ư")
)
# VNI: a digit after the letter.
_VNI_SHAPES = (("d9", "đ"), ("a8", "ă"), ("a6", "â"), ("e6", "ê"), ("o6", "ô"), ("o7", "ơ"), ("u7", "ư"))
_VNI_TONES = {"1": "s", "2": "f", "3": "r", "4": "x", "5": "j"}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _split_tone(syllable: str) -> tuple[str, str | None]:
    """Return the syllable without its tone mark (other marks kept, NFC) and the tone key (s/f/r/x/j)."""
    tone = None
    kept = []
    for ch in unicodedata.normalize("NFD", syllable):
        if ch in _TONE_MARKS:
            tone = _TONE_MARKS[ch]
        else:
            kept.append(ch)
    return nfc("".join(kept)), tone


def _tone_position(bare: str) -> int | None:
    """Index of the vowel that carries the tone, in the traditional ("hòa", "thủy") placement."""
    onset = _ONSET_RE.match(bare)
    start = onset.end() if onset else 0
    if bare.startswith("gi") and start == 2 and len(bare) > 2 and bare[2] not in _VOWELS:
        start = 1  # "gìn": the i is the vowel, not part of the onset
    positions = [i for i in range(start, len(bare)) if bare[i] in _VOWELS]
    if not positions:
        return None
    # Keep only the first contiguous run of vowels (the nucleus).
    run = [positions[0]]
    for pos in positions[1:]:
        if pos == run[-1] + 1:
            run.append(pos)
    shaped = [pos for pos in run if bare[pos] in _SHAPED_VOWELS]
    if shaped:
        return shaped[-1]
    if len(run) == 1:
        return run[0]
    if len(run) == 3:
        return run[1]
    has_coda = run[-1] + 1 < len(bare)
    return run[1] if has_coda else run[0]


def _apply_tone(bare: str, tone: str | None) -> str:
    if tone is None:
        return bare
    pos = _tone_position(bare)
    if pos is None:
        return bare
    return nfc(bare[:pos] + unicodedata.normalize("NFC", bare[pos] + _TONE_BY_KEY[tone]) + bare[pos + 1 :])


def canonical_syllable(syllable: str) -> str:
    """One lower-case syllable with its tone mark on the canonical vowel."""
    bare, tone = _split_tone(syllable)
    return _apply_tone(bare, tone)


def _is_syllable(bare: str) -> bool:
    return bool(_SYLLABLE_RE.match(bare))


def decode_typing_leftovers(token: str) -> str:
    """Decode one Telex or VNI encoded syllable ("ddawngf" → "đằng", "ky1" → "ký").

    Returns the token unchanged unless decoding yields a well-formed Vietnamese syllable; plain
    syllables typed without diacritics ("dang") are never altered.
    """
    if not token.isascii() or not token.isalnum():
        return token
    if any(ch.isdigit() for ch in token):
        return _decode_vni(token)
    return _decode_telex(token)


def _decode_vni(token: str) -> str:
    tone = None
    word = token
    for digit, key in _VNI_TONES.items():
        if digit in word:
            tone = key
            word = word.replace(digit, "", 1)
            break
    for code, letter in _VNI_SHAPES:
        word = word.replace(code, letter)
    if any(ch.isdigit() for ch in word) or word == token or not _is_syllable(word):
        return token
    return _apply_tone(word, tone)


def _decode_telex(token: str) -> str:
    word = token
    tone = None
    # A tone key is a letter Vietnamese never uses as a final (s f r x j) placed after the vowel.
    # Typists put it at the end ("kys") or right after the vowel ("tieesng").
    first_vowel = next((i for i, ch in enumerate(word) if ch in _VOWELS), None)
    if first_vowel is not None:
        key_at = next((i for i in range(first_vowel + 1, len(word)) if word[i] in _TONE_BY_KEY), None)
        if key_at is not None:
            tone, word = word[key_at], word[:key_at] + word[key_at + 1 :]
    shaped = word
    for code, letter in _TELEX_SHAPES:
        shaped = shaped.replace(code, letter)
    if "w" in shaped:  # bare "w" after u/o ("tuw" typed as "tw") → ư / ơ
        shaped = shaped.replace("uw", "ư").replace("ow", "ơ").replace("w", "ư")
    if tone is None and shaped == word:
        return token
    if not _is_syllable(shaped):
        return token
    return _apply_tone(shaped, tone)


def fold(text: str) -> str:
    """Diacritics-free, lower-case form: "Đăng ký" → "dang ki" (y after a consonant becomes i)."""
    text = _COMBINING_RE.sub("", unicodedata.normalize("NFD", text.lower())).replace("đ", "d")
    if text.isascii():  # the usual case: one regex does what _fold_y does word by word
        return " ".join(_FINAL_Y_RE.sub(r"\1i", text).split())
    return " ".join(_fold_y(word) for word in text.split())


# Combining marks (the blocks Unicode assigns them) and a final "y" after a consonant in a
# whitespace-separated word of ASCII letters (as _fold_y), each handled by one regex: folding the
# catalogue's long texts at start-up stays fast.
_COMBINING_RE = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
_FINAL_Y_RE = re.compile(r"(?<!\S)([a-z]*[b-df-hj-np-tv-xz])y(?!\S)")


def _fold_y(word: str) -> str:
    # "kỳ/kì", "lý/lí", "mỹ/mĩ", "sỹ/sĩ": both spellings are official; "quy", "tuy", "ây" keep their y.
    if len(word) >= 2 and word.endswith("y") and word[-2] not in "aeiouy" and word.isalpha():
        return word[:-1] + "i"
    return word


def tokenize(text: str) -> list[str]:
    """NFC, lower case, canonical tone placement, Telex/VNI decoded; punctuation dropped."""
    text = nfc(text).lower()
    out: list[str] = []
    for raw in _TOKEN_RE.findall(unicodedata.normalize("NFD", text)):
        out += _token_forms(raw)
    return out


# Citizens use a few thousand distinct syllables: each is decoded once, not once per message (the
# Telex/VNI check runs on every plain ASCII word, which is most words of a message without diacritics).
@lru_cache(maxsize=16384)
def _token_forms(raw: str) -> tuple[str, ...]:
    token = nfc(raw)
    age = _AGE_SHORTHAND_RE.match(token)
    if age:  # "6t", "17t": chat shorthand for an age
        return (age.group(1), "tuổi")
    token = _chat_onset(_collapse_repeats(decode_typing_leftovers(token)))
    return (canonical_syllable(token) if not token.isascii() else token,)


# Chat spellings of onsets Vietnamese writes otherwise: "fải" (phải), "jấy" (giấy), "wá" (quá).
_CHAT_ONSETS = {"f": "ph", "j": "gi", "w": "qu"}


def _chat_onset(token: str) -> str:
    onset = _CHAT_ONSETS.get(token[:1])
    if onset is None or len(token) < 2 or _could_be_syllable(token):
        return token
    respelled = onset + token[1:]
    return respelled if _could_be_syllable(respelled) else token


_REPEAT_RE = re.compile(r"(?<=.)(.)\1+")  # not at the start: "ttru", "cccd" are abbreviations
_ROMAN_RE = re.compile(r"^[ivxlcdm]+$")  # "cấp III", "khoản ii"


# Syllables as typed without diacritics ("luu" is lưu, "nguoi" người): the onsets, nuclei and codas folded.
_FOLDED_SYLLABLE_RE = re.compile(
    r"^(ngh|ng|nh|ch|gh|kh|ph|th|tr|gi|qu|[bcdghklmnpqrstvx])?"
    rf"({'|'.join(sorted({fold(n) for n in _NUCLEI}, key=len, reverse=True))})"
    r"(ng|nh|ch|[cmnpt])?$"
)


def _could_be_syllable(token: str) -> bool:
    return _is_syllable(_split_tone(token)[0]) or bool(_FOLDED_SYLLABLE_RE.match(fold(token)))


def _collapse_repeats(token: str) -> str:
    """A letter typed twice or held down ("khaai", "sinhh", "khôngggg") once, when only that makes the
    token a Vietnamese syllable; abbreviations ("cccd", "ttru") and syllables typed bare ("luu" = lưu) stay."""
    if not _REPEAT_RE.search(token) or _ROMAN_RE.match(token) or _could_be_syllable(token):
        return token
    collapsed = _REPEAT_RE.sub(r"\1", token)
    return collapsed if len(collapsed) >= 2 and _could_be_syllable(collapsed) else token


@lru_cache(maxsize=16384)
def fold_word(word: str) -> str:
    """`fold` of one token, remembered (the per-message paths fold the same syllables again and again)."""
    return fold(word)


# Sounds a region's accent merges, so its speakers spell them either way (on folded syllables): northern
# s/x, ch/tr, l/n (some northern provinces), r/d/gi and v/d (the south says all as "d"/"y"), and the
# southern finals n/ng and t/c ("lan"/"lang", "mất"/"mấc").
_ONSET_RESPELLINGS = (("tr", "ch"), ("ch", "tr"), ("s", "x"), ("x", "s"), ("l", "n"), ("n", "l"), ("gi", "d"),
                      ("d", "gi"), ("r", "d"), ("d", "r"), ("v", "d"), ("d", "v"))
_CODA_RESPELLINGS = (("ng", "n"), ("n", "ng"), ("c", "t"), ("t", "c"))


@lru_cache(maxsize=16384)
def regional_respellings(word: str) -> tuple[str, ...]:
    """Spellings of a folded syllable under one regional merger of onsets or finals ("xinh" → "sinh",
    "chich" → "trich", "nam" → "lam", "cong" → "con"); the caller keeps those its vocabulary knows."""
    out: list[str] = []
    for old, new in _ONSET_RESPELLINGS:
        # "ng"/"nh" and "gh" are onsets of their own, not n or g followed by something.
        if word.startswith(old) and not (old in ("n", "d") and word[1:2] in ("g", "h")):
            out.append(new + word[len(old):])
    for old, new in _CODA_RESPELLINGS:
        if word.endswith(old) and len(word) > len(old) + 1 and not (old in ("n", "c") and word[-2:] in ("nh", "ch")):
            out.append(word[: -len(old)] + new)
    return tuple(out)


# keep(previous, token, next) on folded words: True when the token is a real word in this context.
KeepWord = Callable[[str | None, str, str | None], bool]


def expand_abbreviations(
    tokens: Sequence[str], table: Mapping[str, Sequence[str]], keep: KeepWord | None = None
) -> list[str]:
    """Replace tokens found in `table` by their expansion tokens (see `parse_abbreviation_table` for keys).

    Folding makes some abbreviations collide with real words ("sy" = "sao y" folds like the "sĩ" of
    "liệt sĩ"); `keep` lets the caller leave a token alone when its neighbours show it is a word.
    """
    folded = [fold_word(token) for token in tokens]
    out: list[str] = []
    for i, token in enumerate(tokens):
        expansion = table.get(token) if not token.isascii() else None
        if expansion is None:
            expansion = table.get(folded[i])
        if expansion is not None and keep is not None:
            before = folded[i - 1] if i > 0 else None
            after = folded[i + 1] if i + 1 < len(folded) else None
            if keep(before, folded[i], after):
                expansion = None
        out.extend(expansion if expansion is not None else (token,))
    return out


def parse_abbreviation_table(text: str) -> dict[str, tuple[str, ...]]:
    """Parse data/abbreviations.tsv: `abbreviation<TAB>expansion`, '#' comments, blank lines ignored.

    An abbreviation written without diacritics is keyed by its folded form and matches however it is typed
    ("dk", "đk"); one written with diacritics is keyed by its accented form and matches only that spelling,
    so that "hông" (không) leaves "hỏng" (broken) alone and "dìa" (về) leaves "địa" alone."""
    table: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        short, _, expansion = line.partition("\t")
        short = nfc(short.strip()).lower()
        if not expansion.strip() or not short:
            continue
        key = fold(short) if short.isascii() else " ".join(tokenize(short))
        table[key] = tuple(tokenize(expansion))
    return table


# What a message carries besides words: text emoticons (":D", ":)))", ":v", "<3", "^_^", "T_T", "-_-", "xD"; not
# "xd", which abbreviates xây dựng), the
# placeholders some clients put for a picture, a sticker or a call ("[Hình ảnh]", "[Sticker]"), links and
# e-mail addresses. None names a procedure. Emoticons count only as whole words, so "8:30" and "khoản 3)" are
# left alone.
_REACTION_RE = re.compile(
    r"(?<!\S)(?:[:;=][-'^]?[()\[\]dDpPoO03vV/\\|*@$xX]+|<\/?3+|\^[_.\-]?\^|[tT]_[tT]|-_-|=\.=|@@|xD+)(?=\s|$|[,.!?])"
    r"|\[[^\[\]]{1,30}\]|\b(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+\.[\w.]+"
)


def strip_reactions(text: str) -> str:
    """The message without emoticons, client placeholders, links and e-mail addresses (see _REACTION_RE)."""
    return _REACTION_RE.sub(" ", text) if any(ch in text for ch in ":;=<^_@[-.D") else text


def normalize(
    text: str, abbreviations: Mapping[str, Sequence[str]] | None = None, keep: KeepWord | None = None
) -> list[str]:
    """Full pipeline: reactions dropped, accented canonical tokens, abbreviations expanded."""
    tokens = tokenize(strip_reactions(text))
    return expand_abbreviations(tokens, abbreviations, keep) if abbreviations else tokens


def word_features(tokens: Sequence[str]) -> list[str]:
    """The folded words and each pair of neighbours ("khai", "sinh", "khai sinh"), once each, in order: what
    the name, phrase and record indexes count."""
    return list(dict.fromkeys([*tokens, *(f"{a} {b}" for a, b in pairwise(tokens))]))


def folded_tokens(
    text: str, abbreviations: Mapping[str, Sequence[str]] | None = None, keep: KeepWord | None = None
) -> list[str]:
    """Folded tokens of `text` after the full pipeline."""
    return [fold_word(token) for token in normalize(text, abbreviations, keep)]


# ---------- situation hints ----------
# Citizens describe their situation rather than name the variant of a procedure: "lấy vợ người Trung
# Quốc" is the foreign-element variant, "bị mất giấy" is a re-issue, "con liệt sĩ" is a martyr's relative,
# "bé 6 tuổi" is under 14. These rules add the catalogue's own words to the query (on folded tokens).

# Countries citizens marry into or work in; several-syllable names are unambiguous.
_COUNTRIES = (
    "trung quoc", "dai loan", "han quoc", "nhat ban", "thai lan", "hoa ki", "campuchia", "cam pu chia",
    "singapore", "malaysia", "indonesia", "philippines", "an do", "chau au", "nuoc ngoai", "viet kieu",
)
# One-syllable names that are also ordinary words ("lào"/"lao động", "nhật"/"nhất", "mỹ"/"mĩ"): counted
# only right after a word that introduces a country or a nationality.
_SHORT_COUNTRIES = {"nhat", "lao", "mi", "uc", "phap", "duc", "nga", "trung", "han"}
# ("lấy chồng Hàn", "vợ Lào": a spouse's nationality.)
_COUNTRY_INTRODUCERS = {"nguoi", "o", "sang", "ben", "tai", "tu", "di", "qua", "voi", "chong", "vo"}
_NOT_A_COUNTRY_AFTER = {"dong", "cong", "ban", "quoc",  # "lao động", "nhật bản" handled above
                        # "ở trung tâm", "học trung cấp", "người trung niên": no China.
                        "tam", "hoc", "uong", "cap", "binh", "thu", "gian", "doan", "doi", "nien", "thuc"}
# "tư pháp" (justice) folds like "từ Pháp" (from France); "chống Mỹ", "chống Pháp" are the wars a veteran
# fought, not a spouse.
_NOT_A_COUNTRY_PAIRS = {("tu", "phap"), ("chong", "mi"), ("chong", "phap")}
_DESTINATION_VERBS = ("di", "sang", "qua", "xuat canh", "bien gioi")  # "qua biên giới Trung Quốc"
_MARRIAGE_PHRASES = ("ket hon", "lay chong", "lay vo", "cuoi", "hon nhan", "vo chong")
# A document lost or damaged: a re-issue ("cấp lại") or an exchange ("cấp đổi").
_LOSS_PHRASES = ("bi mat", "lam mat", "danh mat", "danh roi", "that lac", "roi mat", "mat giay", "mat the",
                 "mat so", "mat bang", "mat can cuoc", "mat chung minh", "mat ho chieu")
_DAMAGE_WORDS = {"rach", "hong", "nat", "mo", "gay", "uot", "bac mau"}
# A civil-status event registered long ago whose register book ("sổ") is lost too is registered again
# ("đăng ký lại"): "hồi đó có khai tử nhưng sổ ở xã bị thất lạc". (A lost paper alone is a copy from the book.)
_CIVIL_EVENTS = ("khai sinh", "khai tu", "ket hon", "chung tu", "hon thu", "giay dang ki ket hon")
_BOOK_LOST_WORDS = {"mat", "chay", "lac", "troi", "hong", "moi", "rach"}
_DOCUMENT_WORDS = {"giay", "the", "so", "bang", "can", "cccd", "chung", "ho", "bien"}
# Folded, the pink of "sổ hồng" / "bìa hồng" (the land certificate) reads like "hỏng" (broken).
_NOT_DAMAGE = {("so", "hong"), ("bia", "hong")}
_KIN_WORDS = {"bo", "me", "cha", "vo", "chong", "con", "chau", "ong", "ba", "than"}
# Words that say a death question is about something after the registration: benefits, funeral
# support, pensions, inheritance, a lost extract, or the registration itself already named.
_AFTER_DEATH_WORDS = ("khai tu", "bao tu", "chung tu", "mai tang", "chon cat", "ma chay", "tro cap", "tu tuat",
                      "tuat", "che do", "luong huu", "huong", "thua ke", "di san", "chia", "cat khau", "xoa",
                      "lam lai", "dang ki lai", "ban sao", "trich luc", "tien", "ho tro", "liet si", "thuong binh",
                      "danh hieu", "phong tang", "truy tang", "ghi cong", "bang khen", "hai cot", "mo")
_MERIT_PHRASES = ("liet si", "thuong binh", "benh binh", "nguoi co cong")
# Everyday words for the catalogue's verbs: "cắt khẩu" is a deletion, "đóng cửa" a closure, ...
_SYNONYM_HINTS = (
    (("cat khau", "cat ho khau"), "xoa"),
    (("dong cua", "giai the", "dep quan", "nghi han", "khong kinh doanh nua"), "cham dut"),
    (("tam nghi", "nghi tam thoi", "tam dong"), "tam ngung"),
    (("lam lai", "in lai"), "cap lai"),
)
# At a commune, a contract about a house, land or a vehicle is certified as a "giao dịch".
_CONTRACT_PHRASES = ("hop dong", "mua ban", "tang cho", "cho tang", "chuyen nhuong", "the chap")
_DEATH_PHRASES = ("mat", "qua doi", "tu tran", "chet", "ta the")
_LIVING_MERIT = ("thuong binh", "benh binh", "nguoi co cong")
_AGE_RE = re.compile(r"^\d{1,3}$")
_AGE_GIVEN = {"duoi", "tren", "tu", "du"}  # "dưới 6 tuổi": the citizen already names the bracket


def _has_phrase(text: str, phrase: str) -> bool:
    return f" {phrase} " in text


def _padded(phrases: Sequence[str]) -> tuple[str, ...]:
    """The phrases with a space either side, as `_has_any` looks for them in a padded text."""
    return tuple(f" {phrase} " for phrase in phrases)


def _has_any(text: str, padded: Sequence[str]) -> bool:
    """Whether the padded text has one of the padded phrases (`_has_phrase` for each, without building a string
    per phrase and question: the rules below ask about a hundred phrases of every question)."""
    return any(phrase in text for phrase in padded)


_PADDED_AFTER_DEATH = _padded(_AFTER_DEATH_WORDS)
_PADDED_COUNTRIES = _padded(_COUNTRIES)
_PADDED_LOSS = _padded(_LOSS_PHRASES)
_PADDED_SYNONYMS = tuple((_padded(phrases), verb) for phrases, verb in _SYNONYM_HINTS)
_PADDED_CONTRACT = _padded(_CONTRACT_PHRASES)
_PADDED_LIVING_MERIT = _padded(_LIVING_MERIT)
_PADDED_DEATH = _padded(_DEATH_PHRASES)
_PADDED_MERIT = _padded(_MERIT_PHRASES)


def _relative_died(tokens: Sequence[str], text: str) -> bool:
    """A relative who died ("mẹ em mất hôm qua", "ông ngoại qua đời"), with nothing asked about benefits,
    a re-issue or the death being registered already: the commune's first step is the death registration."""
    if _has_any(text, _PADDED_AFTER_DEATH):
        return False
    for i, token in enumerate(tokens):
        if token not in _KIN_WORDS:
            continue
        following = f" {' '.join(tokens[i + 1 : i + 5])} "
        if any(_has_phrase(following, d) for d in _DEATH_PHRASES if d != "mat") or (
            _has_phrase(following, "mat") and not any(_has_phrase(following, f"mat {w}") for w in _DOCUMENT_WORDS)
        ):
            return True
    return False


def situation_hints(tokens: Sequence[str]) -> list[str]:  # noqa: C901 - a flat list of independent rules
    """Catalogue words implied by a folded query's situation, to append to it (may be empty)."""
    text = f" {' '.join(tokens)} "
    hints: list[str] = []
    foreign = _has_any(text, _PADDED_COUNTRIES) or any(
        token in _SHORT_COUNTRIES
        and i > 0 and tokens[i - 1] in _COUNTRY_INTRODUCERS and (tokens[i - 1], token) not in _NOT_A_COUNTRY_PAIRS
        and (i + 1 == len(tokens) or tokens[i + 1] not in _NOT_A_COUNTRY_AFTER)
        for i, token in enumerate(tokens)
    )
    # "đi Nhật", "sang Đài Loan": where the citizen is going (a passport, a paper to take along), not a
    # foreign party to the procedure, unless a marriage says the spouse is from there.
    # (Only asked when a country was named: verbs times countries are hundreds of look-ups.)
    destination = foreign and any(_has_phrase(text, f"{verb} {place}") for verb in _DESTINATION_VERBS
                                  for place in (*_COUNTRIES, *_SHORT_COUNTRIES))
    if destination and not any(_has_phrase(text, w) for w in _MARRIAGE_PHRASES):
        foreign = False
    if foreign and not _has_phrase(text, "nuoc ngoai"):
        hints += ["nuoc", "ngoai"]
    book_lost = any(token == "so" and (any(w in _BOOK_LOST_WORDS for w in tokens[max(0, i - 3) : i + 7])
                                       or _has_phrase(f" {' '.join(tokens[max(0, i - 4) : i + 7])} ", "khong con"))
                    for i, token in enumerate(tokens))
    if book_lost and any(_has_phrase(text, e) for e in _CIVIL_EVENTS) and not _has_phrase(text, "dang ki lai"):
        hints += ["dang", "ki", "lai"]
    if _has_any(text, _PADDED_LOSS) and not _has_phrase(text, "cap lai"):
        hints += ["cap", "lai"]
    damaged = any(
        token in _DAMAGE_WORDS and any(w in _DOCUMENT_WORDS for w in tokens[max(0, i - 6) : i])
        and not (i > 0 and (tokens[i - 1], token) in _NOT_DAMAGE)
        for i, token in enumerate(tokens)
    )
    if damaged:  # a damaged card is exchanged ("cấp đổi"), even when the citizen says "làm lại"
        hints += ["cap", "doi"]
    for padded, verb in _PADDED_SYNONYMS:
        if damaged and verb == "cap lai":
            continue
        if _has_any(text, padded) and not _has_phrase(text, verb):
            hints += verb.split()
    if sum(phrase in text for phrase in _PADDED_CONTRACT) >= 2 or _has_phrase(text, "hop dong"):
        hints += ["chung", "thuc", "giao", "dich"]
    if _has_any(text, _PADDED_LIVING_MERIT) and _has_any(text, _PADDED_DEATH):
        hints += ["tu", "tran"]
    if _relative_died(tokens, text):
        hints += ["khai", "tu"]
    if _has_phrase(text, "het han") and not _has_phrase(text, "gia han"):
        hints += ["gia", "han"]
    kin_of_merit = _has_any(text, _PADDED_MERIT) and any(
        _has_phrase(text, f"{kin} {merit}") or _has_phrase(text, f"{kin} la {merit}")
        for kin in _KIN_WORDS for merit in _MERIT_PHRASES
    )
    if kin_of_merit and not _has_phrase(text, "than nhan"):
        hints += ["than", "nhan"]
    for i, token in enumerate(tokens):
        if not _AGE_RE.match(token) or i + 1 == len(tokens) or tokens[i + 1] != "tuoi":
            continue
        if i > 0 and tokens[i - 1] in _AGE_GIVEN:
            break
        years = int(token)
        if years < 6:
            hints += ["duoi", "6", "tuoi"]
        if years < 14:
            hints += ["duoi", "14", "tuoi"]
        elif years < 25:
            hints += ["tu", "du", "14", "tuoi"]
        elif years >= 60:
            hints += ["nguoi", "cao", "tuoi"]
        break
    return hints
