"""Messages that share words with procedures but ask for none: remarks and adverts.

A citizen's Zalo traffic holds many messages like "chợ sáng nay đông ghê", "xây nhà xong rồi, tân gia vui
quá" or "con trai em đậu đại học rồi, mừng quá": words of procedure names ("chợ", "xây nhà", "đại học"),
but a remark, not a request. Vietnamese marks such remarks with a degree word closing the clause ("quá",
"ghê", "lắm", "quá trời", "dữ"), and a request with a question word or a request verb ("không", "gì",
"sao", "ở đâu", "xin", "muốn", "cần", "cho hỏi") or the procedures' own verbs ("đăng ký", "cấp", "khai").
Adverts carry links, a phone number to call, or sales words ("giá rẻ", "uy tín", "chính chủ").

The matcher holds such a message back only when it found no confident answer (`Matcher.match`): a remark
that plainly names a procedure still gets it. Pure: text in, verdict out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise

from bot.procedures.textnorm import canonical_syllable, fold, fold_word, nfc

# Words that make a message a request or a question, whatever else it says, as written with diacritics;
# typed without them, their folded forms count ("may" may be "mấy" or "máy": asking wins).
_REQUEST_WORDS = frozenset({
    "không", "ko", "k", "kg", "hông", "hok", "hem", "chưa", "gì", "j", "sao", "nào", "đâu", "mấy", "ai", "xin",
    "muốn", "cần", "hỏi", "giúp", "được", "phải", "nộp", "cách", "dk", "đk", "đky", "khai", "cấp",
})
_REQUEST_FOLDED = frozenset(fold(word) for word in _REQUEST_WORDS)
_REQUEST_PAIRS = frozenset(tuple(fold(pair).split()) for pair in (
    "đăng ký", "hướng dẫn", "đề nghị", "thế nào", "như nào", "giấy tờ", "hồ sơ", "thủ tục", "làm giấy", "bao nhiêu",
    "bao lâu", "bao giờ", "ở đâu",
))

# Degree words closing a clause: "đẹp quá", "vui ghê", "khôn lắm", "đông quá trời", "mưa dữ".
_DEGREE_MARKED = frozenset({"quá", "ghê", "lắm", "dữ", "vãi"})
# The same typed without diacritics, where "qua" may also be "qua" (over, past) and "ghe" a boat: they
# count unless the word before makes another reading ("hôm qua", "đi qua", "kết quả", "cây ăn quả").
_DEGREE_FOLDED = frozenset({"qua", "ghe"})
_NOT_DEGREE_BEFORE = frozenset({
    "hom", "dem", "toi", "sang", "chieu", "trua", "nam", "thang", "tuan", "vua", "moi", "di", "chay", "bay",
    "vuot", "ghe", "song", "dua", "gui", "ngang", "nhin", "bo", "xem", "thong", "ket", "an", "trai", "hoa",
    "cay", "qua", "mua", "ban", "tang",
})
# "quá" that is "over" or "past": "quá hạn", "quá trình", "quá cảnh", "quá tải", "quá khổ", "quá nửa".
_NOT_DEGREE_AFTER = frozenset({"han", "trinh", "canh", "tai", "kho", "nua", "do", "muc", "tuoi", "gio", "ngay"})
# Words that may follow the degree word at the end of a clause: "mừng quá đi", "vui quá à", "to quá trời".
_TRAILING = frozenset({"a", "ha", "he", "luon", "vay", "the", "roi", "di", "mat", "nhi", "nha", "ne", "troi",
                       "ad", "oi", "do", "ta", "day", "ah", "nhe", "ak"})
_CLAUSE_RE = re.compile(r"[,.!;:…\n]+")
_WORD_RE = re.compile(r"\w+")

# Adverts: a link, a phone number to call, or sales words.
_LINK_RE = re.compile(r"(?i)https?://|www\.|bit\.ly|\b[\w-]+\.(?:com|net|vn|info|xyz|top)\b")
# A phone number, whole or masked as adverts write it ("0988xxxxxx", "09xx", "0912.345.678").
_PHONE_RE = re.compile(r"(?<![\w+])(?:\+?84|0)\d(?:[ .]?[\dx]){2,9}(?!\w)", re.IGNORECASE)
_CONTACT_WORDS = frozenset({"lh", "ib", "inbox", "zalo", "call", "goi"})  # and "liên hệ"
_SALES_PAIRS = frozenset(tuple(fold(pair).split()) for pair in (
    "giá rẻ", "uy tín", "chính chủ", "giải ngân", "lãi suất", "khuyến mãi", "ưu đãi", "nhận làm", "cam kết",
    "nạp đầu", "liên hệ", "nhà cái", "giá tốt", "bán gấp", "cần bán", "ib em", "inbox em", "ib mình",
))


def _folded_words(text: str) -> list[str]:
    return [fold_word(word) for word in _WORD_RE.findall(text.lower())]


def asks_for_something(text: str) -> bool:
    """A question mark, a question word or a request verb anywhere in the message."""
    if "?" in text:
        return True
    raw = _WORD_RE.findall(nfc(text).lower())
    folded = [fold_word(word) for word in raw]
    if any((f in _REQUEST_FOLDED) if word.isascii() else (canonical_syllable(word) in _REQUEST_WORDS)
           for word, f in zip(raw, folded, strict=True)):
        return True
    return any(pair in _REQUEST_PAIRS for pair in pairwise(folded))


def _closes_with_degree(clause: str, is_catalogue_pair: Callable[[str, str], bool]) -> bool:
    raw = _WORD_RE.findall(clause.lower())
    words = [fold_word(word) for word in raw]
    end = len(words)
    while end > 1 and words[end - 1] in _TRAILING and words[end - 2:end] != ["qua", "troi"]:
        end -= 1
    if end >= 2 and words[end - 2:end] == ["qua", "troi"]:  # "quá trời": the clause's degree, as "quá"
        end -= 1
    if end < 2:  # a degree word alone ("quá!") says nothing of what it qualifies
        return False
    last, before = words[end - 1], words[end - 2]
    if nfc(raw[end - 1]) in _DEGREE_MARKED:
        return True
    # Written with its diacritics, a degree word inside the clause counts too ("đông quá dễ va quẹt"),
    # unless it begins a name's pair ("quá hạn", "quá cảnh").
    if any(nfc(w) in _DEGREE_MARKED and k > 0 and words[k + 1] not in _NOT_DEGREE_AFTER
           and not is_catalogue_pair(words[k], words[k + 1]) for k, w in enumerate(raw[: end - 1])):
        return True
    return last in _DEGREE_FOLDED and before not in _NOT_DEGREE_BEFORE and not is_catalogue_pair(before, last)


def _is_wish(text: str) -> bool:
    """A wish opening the message: "chúc mừng ngày 2/9 cả nhà", "chuc mung nam moi"."""
    words = _WORD_RE.findall(nfc(text).lower())[:2]
    return bool(words) and (words[0] == "chúc" or [fold_word(w) for w in words] == ["chuc", "mung"])


def is_remark(text: str, is_catalogue_pair: Callable[[str, str], bool] = lambda a, b: False) -> bool:
    """A wish, or a clause closing on a degree word, and nothing asked: "nhà em nuôi con chó mực khôn lắm".
    `is_catalogue_pair(a, b)` says whether the folded pair occurs in procedure names ("kết quả")."""
    if asks_for_something(text):
        return False
    return _is_wish(text) or any(_closes_with_degree(c, is_catalogue_pair) for c in _CLAUSE_RE.split(nfc(text)))


def is_advert(text: str) -> bool:
    """A link, a phone number with a word to call it, or two sales words with nothing asked."""
    if _LINK_RE.search(text):
        return True
    words = _folded_words(text)
    if _PHONE_RE.search(text) and (any(w in _CONTACT_WORDS for w in words) or ("lien", "he") in pairwise(words)):
        return True
    sales = sum(pair in _SALES_PAIRS for pair in pairwise(words))
    return sales >= 2 and not asks_for_something(text)
