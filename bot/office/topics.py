"""Is a message a question about the office itself (hours, address, phone, services, post, bank)?

Pure: `office_topics(text)` returns the topics asked about, in answer order. handlers/office.py answers
them; the matcher uses it too, so that `flask match` never offers a procedure for "t7 có làm không".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import chain, pairwise

from rapidfuzz.distance import OSA

from bot.config import DATA_DIR
from bot.procedures.accent_clashes import typed_with_diacritics
from bot.procedures.accent_clashes import words as spelled_words
from bot.procedures.catalogue import load_catalogue
from bot.procedures.concepts import ConceptTable
from bot.procedures.message_models import TopicModel
from bot.procedures.textnorm import fold, folded_tokens, nfc, parse_abbreviation_table

# Days and times of day citizens name when asking whether the office works then ("t7 có làm không").
_DAYS = ("thu 7", "thu bay", "t7", "chu nhat", "chu nhut", "cn", "cuoi tuan", "ngay le", "ngay nghi", "tuan sau",
         "tuan nay", "tuan toi")
# The working days: named with only the office's own verbs, since "thứ 3" is also "the third" ("con thứ 3
# làm ..."); "thứ tư"/"thứ năm" fold like "thứ tự"/"thu năm" and are left out.
_WEEKDAYS = ("thu 2", "thu hai", "t2", "thu 3", "thu ba", "t3", "thu 4", "t4", "thu 5", "t5", "thu 6", "thu sau",
             "t6")
# "thu7", "thứ7": a day glued to its number, which the folding would read as a VNI tone mark ("thư").
_GLUED_DAY_RE = re.compile(r"(?i)\b(th[uứ])([2-8])\b")
_DEGREE_LAM_RE = re.compile(r"(?i)\blắm\b")
# Holidays: the office closes for them ("tết xã nghỉ đến ngày nào", "lễ 2/9 có nghỉ không", "30/4 có nghỉ
# không"); dates are folded to their numbers ("2/9" → "2 9"), which a longer date ("12/9") does not contain.
_HOLIDAYS = ("le", "tet", "30 4", "1 5", "2 9", "gio to", "quoc khanh", "giai phong")
# The office as a place, and the ways citizens ask how to get there.
_PLACES = ("uy ban", "tru so", "mot cua", "bo phan")
# ("ở mô", "chỗ mô": Central for "ở đâu"; "vị trí", "định vị": a map pin.)
_WAYS = ("o dau", "cho nao", "o mo", "cho mo", "vi tri", "dinh vi", "google map", "map", "duong nao", "duong di",
         "duong den", "duong toi", "di den", "di toi", "nam o", "ban do", "dia chi", "tang may", "o tang",
         "duong len", "di len")
# Words for "today", "tomorrow" and times of day also start procedure questions ("mai làm khai sinh
# được không"): with them only the unambiguous verbs count.
_TIMES = ("hom nay", "ngay mai", "mai", "sang nay", "chieu nay", "buoi sang", "buoi chieu", "buoi trua", "sang",
          "chieu", "trua", "buoi toi", "toi nay", "gio nay", "bay gio")
# Phrases that look like an office word but are not one: "mở cửa hàng" is opening a shop.
# So are a pupil's, a worker's or a mother's days off: "nghỉ học", "nghỉ ốm", "nghỉ đẻ", "nghỉ thai sản".
_NOT_OFFICE = {("cua", "hang"): "cuahang", ("nghi", "hoc"): "nghihoc", ("nghi", "om"): "nghiom",
               ("nghi", "de"): "nghide", ("nghi", "sinh"): "nghisinh", ("nghi", "thai"): "nghithai"}
# Southern "bữa nay" and a message opening with "nay" ("nay có làm không") mean today, as "hôm nay"; "hnay"
# is its chat spelling. ("nay" elsewhere is mostly "này": "thủ tục này làm ở đâu".)
_TODAY = ("hom", "nay")
_SAYS_TODAY = {("bua", "nay"), ("hnay",), ("hum", "nay")}
# Office words that also begin procedures' names: "nghỉ hưu", "nghỉ việc" are no day off.
_IN_NAMES = ("nghi",)
# "Chào buổi chiều" greets; it does not ask about the afternoon.
_GREETING_TIME_RE = re.compile(r" chao buoi (?:sang|trua|chieu|toi) ")
# A clock time ("11h", "7h30", "8g") says which hour, like the word "giờ"; so does the "h" of "mấy h".
_CLOCK_RE = re.compile(r"^\d{1,2}[hg](\d{2})?$")

# A question about the office can also name a procedure: "thứ 7 có làm khai sinh không", "chứng thực bản
# sao có làm thứ bảy không". Those go to the matcher, whose answer says where and how to do it. A message
# names a procedure when, outside its office words, two neighbouring words are a pair that at least
# PROCEDURE_PAIR_MIN_NAMES catalogue names contain ("khai sinh", "căn cước", "lương hưu"), or everyday words
# of the concept thesaurus (data/thesaurus.tsv: "giấy hôn thú", "cưới vợ").
PROCEDURE_PAIR_MIN_NAMES = 2
# The office itself, its people and its paperwork in general: never a procedure's name, even where such a
# pair also occurs in names ("ủy ban nhân dân", "hồ sơ", "lệ phí").
_OFFICE_WORDS = ("uy ban", "nhan dan", "xa", "phuong", "thi tran", "mot cua", "bo phan", "tru so", "chu tich",
                 "cong an", "tiep nhan", "tra ket qua", "ket qua", "ho so", "giay to", "thu tuc", "le phi", "phi",
                 "hanh chinh", "truc tiep", "gap", "ho tro", "huong dan", "van phong", "van ban", "sap nhap",
                 "dich vu cong", "truc tuyen", "online", "bat buoc",
                 # When: "nghỉ từ ngày nào" is no "từ ngày" of a procedure's name.
                 "tu ngay", "den ngay", "ngay nao", "am lich", "duong lich", "binh thuong", "tuan sau", "tuan nay")
# "cán bộ tư pháp", "công chức địa chính": the words after an officer's title name the post, not a procedure.
_OFFICER_TITLES = (("can", "bo"), ("cong", "chuc"))
# Words that join others in names ("cho" of "khai tử cho công dân"), never a procedure by themselves; and
# "không", which in a chat message ends a yes-no question ("có số khác không").
_FUNCTION_WORDS = frozenset({"cho", "de", "cua", "va", "trong", "nhung", "cac", "khong"})
_POST_WORDS = 3

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
    "bank": (("chuyen khoan",), ("so tai khoan",), ("stk",), ("momo",), ("zalopay",), ("zalo pay",),
             ("vi dien tu",), ("tai khoan", "ngan hang"), ("ngan hang", "phi"),
             ("thanh toan", "online"), ("thanh toan", "truc tuyen"), ("nop phi", "online"), ("quet ma", "phi")),
    "phone": (("so dien thoai",), ("dien thoai",), ("hotline",), ("so dt",), ("email",), ("thu dien tu",),
              ("may ban",), ("so may", "uy ban"), ("so may", "mot cua"), ("so zalo",), ("zalo", "mot cua"),
              *(("dt", place) for place in _PLACES),
              ("zalo", "uy ban"), ("goi so nao",), ("goi so", "hoi"),
              ("lien he", "uy ban"), ("lien he", "mot cua"), ("lien he", "can bo"), ("nghe may",), ("zalo oa",)),
    # Submitting online: "có nộp hồ sơ online được không", "nộp trên dịch vụ công được không".
    "online": (("nop ho so", "online"), ("nop ho so", "truc tuyen"), ("nop", "dich vu cong"), ("nop", "qua mang"),
               ("nop", "tren mang"), ("nop online",), ("nop truc tuyen",), ("online", "duoc khong"),
               ("truc tuyen", "duoc khong")),
    "address": (*((place, way) for place in _PLACES for way in _WAYS), ("dia chi", "xa"), ("dia chi", "phuong"),
                ("dia chi", "tiep nhan"), ("xa", "o dau"), ("phuong", "o dau"), ("ban do", "xa"),
                ("den uy ban", "nhu nao"), ("den uy ban", "the nao"), ("toi uy ban", "nhu nao"),
                # Which room or counter: "bộ phận một cửa ở phòng nào", "quầy số mấy tiếp nhận hồ sơ".
                ("phong nao",), ("quay so",), ("quay nao",)),
    "hours": (("gio", "lam viec"), ("gio", "mo cua"), ("gio", "hanh chinh"), ("mo cua",), ("lich lam viec",),
              *((day, verb) for day in _DAYS for verb in ("lam", "tiep", "mo", "nghi", "truc", "nhan ho so")),
              # "hôm nay xã nghỉ à", "ủy ban nghỉ hả", "sao hôm nay ủy ban đóng cửa", "trưa có nhận hồ sơ không".
              *((time, verb) for time in _TIMES if time != "sang" for verb in ("nghi", "dong cua", "nhan ho so")),
              *((place, verb) for place in _PLACES for verb in ("nghi", "dong cua")), ("ngoai gio",),
              *((day, verb) for day in _WEEKDAYS for verb in ("lam viec", "mo cua", "tiep dan", "truc", "nghi",
                                                              "co lam")),
              ("lich truc",), ("lam", "binh thuong"),
              *((time, verb) for time in _TIMES for verb in ("tiep dan", "mo cua", "lam viec", "truc")),
              ("tiep dan",), ("tiep cong dan",), ("nghi trua",), ("trua", "lam"), ("trua", "nghi"),
              ("gio", "mo"), ("gio", "dong"), ("gio", "nghi"), ("lam viec", "gio nao"), ("may gio", "lam viec"),
              ("thoi gian lam viec",), ("lam viec", "thu bay"), ("lam viec", "thu 7"), ("lam viec", "chu nhat"),
              ("lam viec", "hom nay"), ("lam viec", "ngay mai"), ("nghi le",), ("ngay le",), ("nghi tet",),
              ("gio", "dong cua"), ("gio", "nghi trua"), ("lam viec", "buoi sang"), ("lam viec", "buoi chieu"),
              *((holiday, verb) for holiday in _HOLIDAYS for verb in ("nghi", "lam viec", "mo cua", "co lam")),
              ("tet", "lam"),
              ("gio", "uy ban", "kip"), ("gio", "mot cua", "kip"), ("gio giac",),
              # "chiều nay có làm không", "mấy giờ bắt đầu làm": a question naming a procedure as well
              # ("mai làm khai sinh được không") goes to the matcher (see _names_procedure).
              *((time, "lam") for time in _TIMES if time not in ("sang", "mai", "bay gio", "gio nay")),
              ("may gio", "lam"), ("may gio", "bat dau"), ("bat dau", "lam viec"), ("mung", "lam lai"),
              ("tet", "lam lai"), ("lam viec lai",), ("mai", "co lam"), ("mai", "lam khong"), ("may gio", "truc"),
              ("may gio", "co nguoi"), ("lam", "den may gio"), ("het gio",), ("ai truc",), ("nguoi truc",),
              # "sáng 7h đến được chưa", "nộp hồ sơ sau 5 giờ chiều được không": a clock time reads "giờ".
              ("gio", "den duoc"), ("gio", "toi duoc"), ("nop ho so", "sau", "gio"), ("nop", "truoc", "gio"),
              *((time, still) for time in (*_TIMES, "gio") for still in ("co ai", "con ai", "con lam", "kip"))),
    # Coming to the desk: parking, photocopying, a queue number, booking a time. The bot has no facts for
    # them, but they are questions for the office, which a person answers.
    "visit": (("gui xe",), ("giu xe",), ("do xe",), ("de xe",), ("bai xe",), ("cho dau xe",), ("photo",),
              ("pho to",), ("so thu tu",), ("lay so",), ("boc so",), ("dat lich",), ("hen lich",), ("hen truoc",),
              ("dat hen",), ("fanpage",), ("facebook",), ("trang web",), ("website",)),
}
# When a message touches several topics, answer them in this order (at most MAX_TOPICS).
TOPIC_ORDER = ("hours", "address", "phone", "online", "monday", "friday", "postal", "bank", "visit")
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
        # No typo is forgiven in the first letter: a word is only compared with the tokens of its initial.
        self._by_initial: dict[str, list[str]] = {}
        for token in self._by_token:
            self._by_initial.setdefault(token[:1], []).append(token)
        self._where: dict[str, frozenset[int]] = {}

    def where(self, word: str) -> frozenset[int]:
        found = self._where.get(word)
        if found is None:
            positions = list(self._by_token.get(word, ()))
            if len(word) >= FUZZY_MIN_LENGTH:  # one edit apart means lengths differ by one at most
                positions += [i for token in self._by_initial.get(word[0], ())
                              if token != word and abs(len(token) - len(word)) <= 1 and _same_word(word, token)
                              for i in self._by_token[token]]
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
    """Glue the pairs of _NOT_OFFICE into one word, so that no signature piece matches them; clock times
    read as "giờ"; the ways of saying today read as "hôm nay"."""
    out: list[str] = []
    tokens = _GREETING_TIME_RE.sub(" ", f" {' '.join(tokens)} ").split()
    if tokens[:1] == ["nay"]:
        tokens = [*_TODAY, *tokens[1:]]
    for token in tokens:
        if (token,) in _SAYS_TODAY:
            out.extend(_TODAY)
            continue
        if out and (out[-1], token) in _SAYS_TODAY:
            out[-1:] = _TODAY
            continue
        if _CLOCK_RE.match(token) or (token == "h" and out and out[-1] == "may"):
            token = "gio"
        glued = _NOT_OFFICE.get((out[-1], token)) if out else None
        if glued:
            out[-1] = glued
        else:
            out.append(token)
    return out


_Signature = tuple[tuple[str, ...], frozenset[str], tuple[str, ...]]


@lru_cache(maxsize=1)
def _signature_words() -> tuple[dict[str, tuple[tuple[str, _Signature], ...]], tuple[tuple[str, _Signature], ...]]:
    """Every topic's signatures with the words they need: a signature is only scanned when each of its
    short words is in the message (one subset test) and each long word (one a typo is forgiven in) is,
    or a word of the same initial is. Signatures with short words are filed under one of them, so a
    message looks only at those filed under its own words (about a tenth of them), plus the few
    signatures with long words only; all topics in one table, so a message's words are looked up once.
    A signature is filed under its short word that the fewest signatures share: the words many share ("cửa",
    "làm", "có") are in many messages too, and filing under them had each message test twice as many."""
    def needs(signature: tuple[str, ...]) -> _Signature:
        words = {w for piece in signature for w in piece.split()}
        return (signature, frozenset(w for w in words if len(w) < FUZZY_MIN_LENGTH),
                tuple(w for w in words if len(w) >= FUZZY_MIN_LENGTH))

    all_needs = [(topic, needs(signature)) for topic, signatures in SIGNATURES.items() for signature in signatures]
    shared = Counter(word for _, signature in all_needs for word in signature[1])
    by_word: dict[str, list[tuple[str, _Signature]]] = {}
    unfiled: list[tuple[str, _Signature]] = []
    for topic, signature in all_needs:
        if signature[1]:
            by_word.setdefault(min(signature[1], key=lambda w: (shared[w], w)), []).append((topic, signature))
        else:
            unfiled.append((topic, signature))
    return {word: tuple(found) for word, found in by_word.items()}, tuple(unfiled)


def _topics(message: _Message) -> list[str]:
    """The topics (in TOPIC_ORDER) one of whose signatures the message has."""
    present = frozenset(message.tokens)
    initials = frozenset(token[0] for token in message.tokens if len(token) >= FUZZY_MIN_LENGTH - 1)
    by_word, unfiled = _signature_words()
    found: set[str] = set()
    for topic, needs in chain(unfiled, *(by_word.get(word, ()) for word in present)):
        if topic not in found and _could_be(needs, present, initials) and all(map(message.has_piece, needs[0])):
            found.add(topic)
    return [topic for topic in TOPIC_ORDER if topic in found]


def _could_be(signature: _Signature, tokens: frozenset[str], initials: frozenset[str]) -> bool:
    _, short, long = signature
    return short <= tokens and all(word in tokens or word[0] in initials for word in long)


def _pairs_in_names(words_of: Callable[[str], Sequence[str]]) -> frozenset[tuple[str, str]]:
    """Neighbouring word pairs of the shipped catalogue's procedure names, as `words_of` splits a name, that
    at least PROCEDURE_PAIR_MIN_NAMES names have."""
    names_with: Counter[tuple[str, str]] = Counter()
    for proc in load_catalogue().procedures.values():
        names_with.update(set(pairwise(words_of(proc.name))))
    return frozenset(pair for pair, names in names_with.items() if names >= PROCEDURE_PAIR_MIN_NAMES)


@lru_cache(maxsize=1)
def _procedure_pairs() -> frozenset[tuple[str, str]]:
    """The names' pairs, folded."""
    return _pairs_in_names(lambda name: re.findall(r"[0-9a-z]+", fold(name)))


@lru_cache(maxsize=1)
def _spelled_procedure_pairs() -> frozenset[tuple[str, str]]:
    """The names' pairs as spelled, with their diacritics ("cơ sở", not "có số")."""
    return _pairs_in_names(lambda name: spelled_words(name)[1])


def _clashing_pairs(text: str) -> frozenset[tuple[str, str]]:
    """Pairs of a message typed with diacritics that fold like a procedure-name pair but are spelled
    otherwise: "có số" is no "cơ sở", "có cổng" no "có công". (Without diacritics nothing tells them apart.)"""
    folded, spelled = spelled_words(text)
    if not typed_with_diacritics(folded, spelled):
        return frozenset()
    names = _spelled_procedure_pairs()
    as_typed: dict[tuple[str, str], bool] = {}
    for pair, spelled_pair in zip(pairwise(folded), pairwise(spelled), strict=True):
        as_typed[pair] = as_typed.get(pair, False) or spelled_pair in names
    return frozenset(pair for pair, in_names in as_typed.items() if not in_names)


_Phrase = tuple[str, ...]


@lru_cache(maxsize=1)
def _office_phrases() -> tuple[dict[str, tuple[_Phrase, ...]], tuple[_Phrase, ...]]:
    """Office phrases (signature pieces, _OFFICE_WORDS): the words that do not count towards naming a
    procedure. Those starting with a short word are filed under it (a message looks only at its own
    words'); those starting with a word a typo is forgiven in are always looked at."""
    pieces = {piece for signatures in SIGNATURES.values() for signature in signatures for piece in signature}
    by_word: dict[str, list[_Phrase]] = {}
    fuzzy: list[_Phrase] = []
    for phrase in sorted({tuple(p.split()) for p in (*pieces, *_OFFICE_WORDS)}):
        if len(phrase[0]) >= FUZZY_MIN_LENGTH:
            fuzzy.append(phrase)
        else:
            by_word.setdefault(phrase[0], []).append(phrase)
    return {word: tuple(found) for word, found in by_word.items()}, tuple(fuzzy)


def _names_procedure(message: _Message, clashing: frozenset[tuple[str, str]] = frozenset()) -> bool:
    """Whether, outside the office phrases (found with the typos signatures forgive), two neighbouring words
    are a procedure-name pair (not one of the `clashing` pairs, spelled otherwise) or everyday words name a
    concept of the thesaurus."""
    tokens = message.tokens
    free = [True] * len(tokens)
    pairs = _procedure_pairs()

    def named_pair(j: int) -> bool:
        pair = (tokens[j], tokens[j + 1])
        return pair in pairs and pair not in clashing
    by_word, fuzzy = _office_phrases()
    for phrase in (*fuzzy, *(phrase for word in set(tokens) for phrase in by_word.get(word, ()))):
        for i in message.where(phrase[0]):
            if len(phrase) == 1 and (phrase[0] in _TIMES or phrase[0] in _IN_NAMES) and any(
                    0 <= j < len(tokens) - 1 and named_pair(j)
                    and tokens[j if j < i else j + 1] not in _filler_words() for j in (i - 1, i)):
                continue  # "chiều" of "hộ chiếu", "sang" of "sang tên": no time of day; "nghỉ hưu": no day off
            if all(i + k in message.where(word) for k, word in enumerate(phrase[1:], 1)):
                end = i + len(phrase) + (_POST_WORDS if phrase in _OFFICER_TITLES else 0)
                free[i:end] = [False] * len(free[i:end])
    # Numbers pair with anything in some name ("30/4", "cấp 4"): only pairs of words count. Two fillers
    # ("với ạ", folded "voi anh") say nothing of a procedure, whatever names contain them, nor does a pair
    # with a function word ("từ chợ" folds like "tử cho").
    fillers = _filler_words()
    if any(free[i] and free[i + 1] and tokens[i].isalpha() and tokens[i + 1].isalpha()
           and named_pair(i) and not (tokens[i] in fillers and tokens[i + 1] in fillers)
           and not (tokens[i] in _FUNCTION_WORDS or tokens[i + 1] in _FUNCTION_WORDS)
           for i in range(len(tokens) - 1)):
        return True
    # Everyday words for a procedure that the concept layer knows ("giấy hôn thú", "cưới vợ").
    return bool(_concepts().concepts_in([token if free[i] else "" for i, token in enumerate(tokens)]))


@lru_cache(maxsize=1)
def _filler_words() -> frozenset[str]:
    """The matcher's one-word fillers (data/query_fillers.txt), folded: "có" pairs with "mai" in some name,
    yet "mai có tiếp dân không" is about tomorrow."""
    lines = (DATA_DIR / "query_fillers.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(fold(line.strip()) for line in lines if line.strip() and not line.startswith("#")
                     and " " not in line.strip())


@lru_cache(maxsize=1)
def _concepts() -> ConceptTable:
    return ConceptTable.parse((DATA_DIR / "thesaurus.tsv").read_text(encoding="utf-8"), _abbreviations())


def office_words(text: str) -> list[str]:
    """The message's folded words as the office check reads them (see _mask). "lắm", typed so, is a degree
    word that folds like "làm": it reads as "quá", which no signature has ("sáng nay nấu xôi ngon lắm")."""
    text = _DEGREE_LAM_RE.sub("quá", _GLUED_DAY_RE.sub(r"\1 \2", nfc(text)))
    return _mask(folded_tokens(text, _abbreviations()))


def names_procedure(text: str) -> bool:
    """Whether the message names a procedure outside its office phrases (see _names_procedure)."""
    return _names_procedure(_Message(office_words(text)), _clashing_pairs(text))


@lru_cache(maxsize=1)
def _topic_model() -> TopicModel | None:
    """The office-topic model (bot.procedures.message_models), for messages no signature matched."""
    path = DATA_DIR / "office_topic_weights.json"
    return TopicModel.parse(path.read_text(encoding="utf-8")) if path.exists() else None


@lru_cache(maxsize=512)
def _office_topics(text: str, learned: bool = True) -> tuple[str, ...]:
    tokens = office_words(text)
    message = _Message(tokens)
    found = _topics(message)
    model = _topic_model() if learned and not found else None
    if model is not None:  # "wifi ủy ban mật khẩu gì", "trên VNeID có nộp hồ sơ được không"
        # A message naming a procedure needs the model's stricter threshold ("gửi xe ở đâu an toàn").
        asked = model.topics(tokens, _names_procedure(message, _clashing_pairs(text)))
        return tuple(topic for topic in TOPIC_ORDER if topic in asked)[:MAX_TOPICS]
    if found and _names_procedure(message, _clashing_pairs(text)):
        return ()
    return tuple(found[:MAX_TOPICS])


def load_tables() -> None:
    """Build the tables the check reads (the catalogue's name pairs take about 0.2 s) before the first
    citizen's office question waits for them."""
    for table in (_signature_words, _procedure_pairs, _spelled_procedure_pairs, _office_phrases, _filler_words,
                  _concepts, _topic_model):
        table()


def office_topics(text: str, learned: bool = True) -> list[str]:
    """The office topics a message asks about, in answer order: by the topics' signatures, else (when
    `learned`) by the office-topic model. Pure (and remembered: the office handler's check, its answer and
    the matcher all ask about the same message)."""
    return list(_office_topics(text, learned))
