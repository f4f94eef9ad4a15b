"""Is a message a question about the office itself (hours, address, phone, services, post, bank)?

Pure: `office_topics(text)` returns the topics asked about, in answer order. handlers/office.py answers
them; the matcher uses it too, so that `flask match` never offers a procedure for "t7 có làm không".
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from rapidfuzz.distance import OSA

from bot.config import DATA_DIR
from bot.procedures.textnorm import folded_tokens, parse_abbreviation_table

# Days and times of day citizens name when asking whether the office works then ("t7 có làm không").
_DAYS = ("thu 7", "thu bay", "t7", "chu nhat", "cn", "cuoi tuan", "ngay le")
# Words for "today", "tomorrow" and times of day also start procedure questions ("mai làm khai sinh
# được không"): with them only the unambiguous verbs count.
_TIMES = ("hom nay", "ngay mai", "mai", "sang nay", "chieu nay", "buoi sang", "buoi chieu", "buoi trua", "sang",
          "chieu", "trua")
# Phrases that look like an office word but are not one: "mở cửa hàng" is opening a shop.
_NOT_OFFICE = {("cua", "hang"): "cuahang"}

# Each topic is recognised by signatures: every piece of a signature (a run of folded words) must be
# in the message, in any order. Pieces are specific on purpose: "làm giấy khai sinh mất mấy giờ" must
# stay a procedure question, so "mấy giờ" alone is not an hours question.
SIGNATURES: dict[str, tuple[tuple[str, ...], ...]] = {
    "monday": (("khong viet",), ("thu hai", "viet"), ("thu 2", "viet"), ("t2", "viet"), ("viet ho",),
               ("viet giup",), ("dien ho",), ("dien giup", "to khai")),
    "friday": (("khong hen",), ("thu sau", "hen"), ("thu 6", "hen"), ("t6", "hen"),
               ("ket qua", "trong ngay"), ("lay ngay", "ket qua")),
    "postal": (("buu dien",), ("buu chinh",), ("gui ve nha",), ("ket qua", "tai nha"), ("ket qua", "ve nha"),
               ("chuyen phat",), ("ship", "ket qua")),
    "bank": (("chuyen khoan",), ("so tai khoan",), ("stk",), ("tai khoan", "ngan hang"), ("ngan hang", "phi"),
             ("thanh toan", "online"), ("thanh toan", "truc tuyen"), ("nop phi", "online"), ("quet ma", "phi")),
    "phone": (("so dien thoai",), ("dien thoai",), ("hotline",), ("so dt",), ("email",), ("thu dien tu",),
              ("lien he", "uy ban"), ("lien he", "mot cua"), ("lien he", "can bo")),
    "address": (("dia chi", "uy ban"), ("dia chi", "xa"), ("dia chi", "phuong"), ("dia chi", "mot cua"),
                ("dia chi", "tru so"), ("uy ban", "o dau"), ("uy ban", "cho nao"), ("uy ban", "duong nao"),
                ("tru so", "o dau"), ("mot cua", "o dau"), ("xa", "o dau"), ("phuong", "o dau"),
                ("duong den", "uy ban"), ("ban do", "uy ban"), ("ban do", "xa")),
    "hours": (("gio", "lam viec"), ("gio", "mo cua"), ("gio", "hanh chinh"), ("mo cua",), ("lich lam viec",),
              *((day, verb) for day in _DAYS for verb in ("lam", "tiep", "mo", "nghi", "truc")),
              *((time, verb) for time in _TIMES for verb in ("tiep dan", "mo cua", "lam viec", "truc")),
              ("tiep dan",), ("tiep cong dan",), ("nghi trua",), ("trua", "lam"), ("trua", "nghi"),
              ("gio", "mo"), ("gio", "dong"), ("gio", "nghi"), ("lam viec", "gio nao"), ("may gio", "lam viec"),
              ("thoi gian lam viec",), ("lam viec", "thu bay"), ("lam viec", "thu 7"), ("lam viec", "chu nhat"),
              ("lam viec", "hom nay"), ("lam viec", "ngay mai"), ("nghi le",), ("ngay le",), ("nghi tet",),
              ("gio", "dong cua"), ("gio", "nghi trua"), ("lam viec", "buoi sang"), ("lam viec", "buoi chieu")),
}
# When a message touches several topics, answer them in this order (at most MAX_TOPICS).
TOPIC_ORDER = ("hours", "address", "phone", "monday", "friday", "postal", "bank")
MAX_TOPICS = 3
# Typos are forgiven only in words long enough that one edit rarely turns them into another word
# ("viec"/"viet" differ by one edit and mean different things), and never in the first letter
# ("phuong"/"thuong").
FUZZY_MIN_LENGTH = 5


@lru_cache(maxsize=1)
def _abbreviations() -> dict[str, tuple[str, ...]]:
    return parse_abbreviation_table((DATA_DIR / "abbreviations.tsv").read_text(encoding="utf-8"))


def _same_word(expected: str, typed: str) -> bool:
    if expected == typed:
        return True
    return (len(expected) >= FUZZY_MIN_LENGTH and expected[0] == typed[:1]
            and OSA.distance(expected, typed, score_cutoff=1) <= 1)


@lru_cache(maxsize=1024)
def _piece_words(piece: str) -> tuple[tuple[str, ...], bool]:
    """The piece's words, and whether a typo could be forgiven in any of them."""
    words = tuple(piece.split())
    return words, any(len(w) >= FUZZY_MIN_LENGTH for w in words)


class _Message:
    """A message's tokens, with where each word of a signature occurs (exactly, or with a forgiven
    typo), worked out once per word: a long story is checked against every piece of every topic."""

    def __init__(self, tokens: Sequence[str]) -> None:
        self.tokens = tokens
        self.padded = f" {' '.join(tokens)} "
        self._by_token: dict[str, list[int]] = {}
        for i, token in enumerate(tokens):
            self._by_token.setdefault(token, []).append(i)
        self._where: dict[str, frozenset[int]] = {}

    def where(self, word: str) -> frozenset[int]:
        found = self._where.get(word)
        if found is None:
            positions = list(self._by_token.get(word, ()))
            if len(word) >= FUZZY_MIN_LENGTH:  # one edit apart means lengths differ by one at most
                positions += [i for token, at in self._by_token.items()
                              if token != word and abs(len(token) - len(word)) <= 1 and _same_word(word, token)
                              for i in at]
            found = self._where[word] = frozenset(positions)
        return found

    def has_piece(self, piece: str) -> bool:
        if f" {piece} " in self.padded:
            return True
        words, fuzzy = _piece_words(piece)
        if not fuzzy:  # no typo is forgiven in short words: the exact check above was the only chance
            return False
        return any(all(i + k in self.where(w) for k, w in enumerate(words[1:], 1)) for i in self.where(words[0]))


def _mask(tokens: list[str]) -> list[str]:
    """Glue the pairs of _NOT_OFFICE into one word, so that no signature piece matches them."""
    out: list[str] = []
    for token in tokens:
        glued = _NOT_OFFICE.get((out[-1], token)) if out else None
        if glued:
            out[-1] = glued
        else:
            out.append(token)
    return out


@lru_cache(maxsize=1)
def _signature_words() -> dict[str, tuple[tuple[tuple[str, ...], frozenset[str]], ...]]:
    """Per topic, its signatures with every word they need: a signature is only scanned when each of
    its words is in the message, or (a word long enough to forgive a typo in) a word of the same
    initial is. Most messages rule most signatures out by set look-ups alone."""
    return {topic: tuple((signature, frozenset(w for piece in signature for w in piece.split()))
                         for signature in signatures)
            for topic, signatures in SIGNATURES.items()}


def _could_be(word: str, tokens: frozenset[str], initials: frozenset[str]) -> bool:
    return word in tokens or (len(word) >= FUZZY_MIN_LENGTH and word[0] in initials)


@lru_cache(maxsize=512)
def _office_topics(text: str) -> tuple[str, ...]:
    tokens = _mask(folded_tokens(text, _abbreviations()))
    message = _Message(tokens)
    present = frozenset(tokens)
    initials = frozenset(token[0] for token in tokens if len(token) >= FUZZY_MIN_LENGTH - 1)
    found = [topic for topic in TOPIC_ORDER
             if any(all(_could_be(w, present, initials) for w in words)
                    and all(message.has_piece(piece) for piece in signature)
                    for signature, words in _signature_words()[topic])]
    return tuple(found[:MAX_TOPICS])


def office_topics(text: str) -> list[str]:
    """The office topics a message asks about, in answer order. Pure (and remembered: the office
    handler's check, its answer and the matcher all ask about the same message)."""
    return list(_office_topics(text))
