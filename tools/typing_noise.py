"""Typing noise: how Vietnamese citizens really type a question on a cheap phone (a dev tool).

Pure functions of (text, random.Random): the same seed gives the same variants. Each kind models one
habit, so a benchmark can tell which habit the matcher handles worst (bench/typing_noise.py):
- strip / strip_partial: diacritics left out, on every syllable or on some;
- telex / vni: the keyboard's conversion failed and the keys stay ("dawng kys", "d9a8ng ky1");
- typo: one slip of a finger on a QWERTY phone keyboard (neighbour key, dropped, doubled, swapped letters),
  on a question typed without diacritics (most typos are made there);
- glue: two syllables typed without the space ("khaisinh", "dangky");
- abbrev: teencode and initialisms (ko, đc, đk, ntn, j, z, ck, vk, cccd, gks, bhyt ...);
- dd: đ typed as d (or the other way round);
- regional: spellings a region's accent puts in writing (s/x, ch/tr, l/n, i/y, hỏi/ngã swapped);
- mixed: strip, then an abbreviation and a typo (the common case of all three at once).
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable

_TONE_KEYS = {"\u0300": "f", "\u0301": "s", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
_VNI_TONES = {"\u0300": "2", "\u0301": "1", "\u0309": "3", "\u0303": "4", "\u0323": "5"}
# Precomposed shaped letters (after the tone is taken off) and how each keyboard types them.
_TELEX_SHAPES = {"ă": "aw", "â": "aa", "ê": "ee", "ô": "oo", "ơ": "ow", "ư": "uw", "đ": "dd"}
_VNI_SHAPES = {"ă": "a8", "â": "a6", "ê": "e6", "ô": "o6", "ơ": "o7", "ư": "u7", "đ": "d9"}
_QWERTY = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_WORD_RE = re.compile(r"\w+")


def _neighbours() -> dict[str, str]:
    out: dict[str, str] = {}
    for r, row in enumerate(_QWERTY):
        for c, ch in enumerate(row):
            near = [row[c - 1] if c > 0 else "", row[c + 1] if c + 1 < len(row) else ""]
            for other in (r - 1, r + 1):
                if 0 <= other < len(_QWERTY):
                    near += [_QWERTY[other][k] for k in (c - 1, c, c + 1) if 0 <= k < len(_QWERTY[other])]
            out[ch] = "".join(n for n in near if n)
    return out


_NEAR = _neighbours()


def strip_marks(word: str) -> str:
    out = "".join(ch for ch in unicodedata.normalize("NFD", word) if not unicodedata.combining(ch))
    return out.replace("đ", "d").replace("Đ", "D")


def _split(word: str) -> tuple[str, str | None]:
    """The word without its tone mark (shape marks kept, NFC) and the tone's combining mark."""
    tone = None
    kept = []
    for ch in unicodedata.normalize("NFD", word):
        if ch in _TONE_KEYS:
            tone = ch
        else:
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)), tone


def _encode(word: str, shapes: dict[str, str], tones: dict[str, str], rng: random.Random) -> str:
    bare, tone = _split(word.lower())
    out = "".join(shapes.get(ch, ch) for ch in bare)
    if "đ" in bare and rng.random() < 0.4:  # many never bother with the đ key
        out = out.replace(shapes["đ"], "d", 1)
    return out + (tones[tone] if tone else "")


def _map_words(text: str, rng: random.Random, share: float, change: Callable[[str], str]) -> str:
    """Apply `change` to each word with probability `share` (at least one word that it alters)."""
    words = text.split()
    changed = [change(w) if rng.random() < share else w for w in words]
    if changed == words:
        candidates = [i for i, w in enumerate(words) if change(w) != w]
        if candidates:
            i = rng.choice(candidates)
            changed[i] = change(words[i])
    return " ".join(changed)


def strip(text: str, rng: random.Random) -> str:
    return strip_marks(text)


def strip_partial(text: str, rng: random.Random) -> str:
    return _map_words(text, rng, 0.5, strip_marks)


def telex(text: str, rng: random.Random) -> str:
    return _map_words(text.lower(), rng, 0.6, lambda w: _encode(w, _TELEX_SHAPES, _TONE_KEYS, rng))


def vni(text: str, rng: random.Random) -> str:
    return _map_words(text.lower(), rng, 0.6, lambda w: _encode(w, _VNI_SHAPES, _VNI_TONES, rng))


def typo_word(word: str, rng: random.Random) -> str:
    """One slip of the finger in a word: a neighbour key, a dropped, doubled or swapped letter."""
    if len(word) < 3:
        return word
    i = rng.randrange(len(word))
    kind = rng.choice(("near", "drop", "double", "swap"))
    if kind == "near" and word[i] in _NEAR:
        return word[:i] + rng.choice(_NEAR[word[i]]) + word[i + 1 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:-2] + word[-1] + word[-2]


def typo(text: str, rng: random.Random) -> str:
    words = strip_marks(text.lower()).split()
    long_words = [i for i, w in enumerate(words) if len(w) >= 3 and w.isalpha()]
    if long_words:
        i = rng.choice(long_words)
        words[i] = typo_word(words[i], rng)
    return " ".join(words)


def glue(text: str, rng: random.Random) -> str:
    words = strip_marks(text.lower()).split() if rng.random() < 0.7 else text.lower().split()
    pairs = [i for i in range(len(words) - 1) if words[i].isalpha() and words[i + 1].isalpha()]
    if pairs:
        i = rng.choice(pairs)
        words[i : i + 2] = [words[i] + words[i + 1]]
    return " ".join(words)


# Phrase (accented, lower case) → the short forms people type for it.
ABBREVIATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("căn cước công dân", ("cccd", "CCCD")),
    ("chứng minh nhân dân", ("cmnd", "CMND")),
    ("giấy khai sinh", ("gks", "giấy ks", "giay ks")),
    ("bảo hiểm y tế", ("bhyt", "BHYT")),
    ("bảo hiểm xã hội", ("bhxh", "BHXH")),
    ("đăng ký", ("dk", "đk", "đky", "dki", "dky")),
    ("khai sinh", ("ks",)),
    ("kết hôn", ("kh",)),
    ("hộ khẩu", ("hk",)),
    ("như thế nào", ("ntn",)),
    ("bao nhiêu", ("bn", "bnhiu", "nhiu")),
    ("không", ("ko", "k", "hok", "kg", "khum")),
    ("được", ("dc", "đc", "dk")),
    ("gì", ("j", "ji")),
    ("vậy", ("z", "v", "zậy")),
    ("chồng", ("ck",)),
    ("vợ", ("vk",)),
    ("mình", ("mk", "mik")),
    ("người", ("ng",)),
    ("với", ("vs",)),
    ("trước", ("trc",)),
    ("rồi", ("r", "ròi")),
    ("ủy ban", ("ub", "UB")),
    ("hồ sơ", ("hs",)),
    ("giấy tờ", ("gt", "giấy tờ")),
    ("xác nhận", ("xn",)),
    ("thời gian", ("tg", "tgian")),
    ("biết", ("bít", "bit")),
)


def abbrev(text: str, rng: random.Random) -> str:
    lowered = unicodedata.normalize("NFC", text.lower())
    present = [(phrase, forms) for phrase, forms in ABBREVIATIONS
               if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", lowered)]
    if not present:
        return lowered
    rng.shuffle(present)
    for phrase, forms in present[: max(1, len(present) * 2 // 3)]:
        lowered = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", rng.choice(forms), lowered, count=1)
    return lowered


def _swap_d(word: str) -> str:
    if "đ" in word:
        return word.replace("đ", "d")
    return "đ" + word[1:] if word.startswith("d") else word


def dd(text: str, rng: random.Random) -> str:
    return _map_words(text.lower(), rng, 0.5, _swap_d)


# Onsets and finals a regional accent confuses, both ways.
_ONSET_SWAPS = (("tr", "ch"), ("ch", "tr"), ("s", "x"), ("x", "s"), ("l", "n"), ("n", "l"), ("r", "d"),
                ("gi", "d"), ("v", "d"))
_TONE_SWAPS = {"\u0309": "\u0303", "\u0303": "\u0309"}  # hỏi ↔ ngã
_I_Y = {"i": "y", "y": "i", "í": "ý", "ý": "í", "ì": "ỳ", "ỳ": "ì", "ỉ": "ỷ", "ỷ": "ỉ", "ĩ": "ỹ", "ỹ": "ĩ",
        "ị": "ỵ", "ỵ": "ị"}


def regional_word(word: str, rng: random.Random) -> str:
    options: list[Callable[[str], str]] = []
    for old, new in _ONSET_SWAPS:
        if word.startswith(old) and not (old == "n" and word.startswith(("ng", "nh"))):
            options.append(lambda w, o=old, n=new: n + w[len(o):])
    tone = _split(word)[1]
    if tone in _TONE_SWAPS:
        options.append(lambda w: unicodedata.normalize("NFC", unicodedata.normalize("NFD", w).replace(
            tone or "", _TONE_SWAPS[tone or ""])))
    if re.search(r"[^aeiouy][iy]$", strip_marks(word)):  # "kỳ"/"kì", "lý"/"lí"
        options.append(lambda w: w[:-1] + _I_Y.get(w[-1], w[-1]))
    if word.endswith(("n", "t")) and len(word) > 2:  # southern finals: "ăn"/"ăng", "c"/"t"
        options.append(lambda w: w[:-1] + {"n": "ng", "t": "c"}[w[-1]])
    return rng.choice(options)(word) if options else word


def regional(text: str, rng: random.Random) -> str:
    return _map_words(text.lower(), rng, 0.3, lambda w: regional_word(w, rng))


def mixed(text: str, rng: random.Random) -> str:
    return typo(abbrev(text, rng), rng)


KINDS: dict[str, Callable[[str, random.Random], str]] = {
    "strip": strip, "strip_partial": strip_partial, "telex": telex, "vni": vni, "typo": typo, "glue": glue,
    "abbrev": abbrev, "dd": dd, "regional": regional, "mixed": mixed,
}


def variants(text: str, kind: str, n: int, seed: int = 0) -> list[str]:
    """`n` noisy variants of `text` of one kind; deterministic for a given seed and text."""
    rng = random.Random(f"{seed}:{kind}:{text}")
    return [KINDS[kind](text, rng) for _ in range(n)]
