"""What in a citizen's message asks for a person, ends a handoff, or is a dossier complaint. Pure.

Matching runs on folded tokens ("Gặp cán bộ!" → gap can bo), so text typed without diacritics matches
the same phrases.
"""

from __future__ import annotations

import re

from bot.dossiers.receipts import find_receipts
from bot.procedures.textnorm import fold

# Phrases (folded) that ask for a person, anywhere in the message.
ASK_PERSON_PHRASES = (
    "gap can bo",
    "gap nhan vien",
    "gap nguoi",
    "hoi can bo",
    "lien he can bo",
    "ket noi can bo",
    "noi chuyen voi nguoi",
    "noi chuyen voi can bo",
    "noi chuyen voi nhan vien",
    "noi chuyen truc tiep",
    "cho toi noi chuyen",
    "cho em noi chuyen",
    "cho minh noi chuyen",
    "nguoi that",
    "tu van vien",
    "can bo tu van",
    "can bo mot cua",
    "gap cb",
    "gap admin",
)
# Words that ask for a person only in a short message ("nhân viên ơi", "cán bộ đâu").
ASK_PERSON_SHORT = ("nhan vien", "can bo", "admin")
SHORT_MESSAGE_WORDS = 6
# Thanks, greetings and wishes: "cảm ơn cán bộ", "chào anh chị cán bộ" and "chúc cán bộ sức khỏe" name the
# staff without asking for them (small talk answers those).
COURTESY_PHRASES = ("cam on", "chao", "chuc", "tam biet", "thanks", "thank", "tks")

END_WORDS = ("ket", "thuc")
END_MAX_WORDS = 5

# A dossier complaint: overdue, late, no result yet (status questions go to the dossier handler).
COMPLAINT_PHRASES = (
    "qua han",
    "tre hen",
    "tre han",
    "cham tre",
    "lau qua",
    "sao lau",
    "sao chua",
    "chua co ket qua",
    "chua tra ket qua",
    "chua nhan duoc ket qua",
    "khieu nai",
    "phan anh",
    "tre qua",
)
MY_DOSSIER_PHRASES = ("ho so cua toi", "ho so cua em", "ho so cua minh", "ho so cua chau", "ho so nha toi")

# Words of thanks or acknowledgement: they never reopen a resolved ticket.
COURTESY_WORDS = frozenset(
    "cam on ok oke okay thanks thank you tks vang da a nhe nha em anh chi ban nhieu rat xin chao".split()
)



def folded_words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(text))


def _contains(words: list[str], phrases: tuple[str, ...]) -> bool:
    padded = f" {' '.join(words)} "
    return any(f" {phrase} " in padded for phrase in phrases)


def asks_for_person(text: str) -> bool:
    words = folded_words(text)
    if _contains(words, ASK_PERSON_PHRASES):
        return True
    return (len(words) <= SHORT_MESSAGE_WORDS and _contains(words, ASK_PERSON_SHORT)
            and not _contains(words, COURTESY_PHRASES))


def asks_to_end(text: str) -> bool:
    """An explicit "kết thúc" (with or without diacritics, maybe with a few polite words)."""
    words = folded_words(text)
    return tuple(words[:2]) == END_WORDS and len(words) <= END_MAX_WORDS


def is_courtesy(text: str) -> bool:
    words = folded_words(text)
    return bool(words) and all(word in COURTESY_WORDS for word in words)


def find_receipt(text: str) -> str:
    """The first receipt number in `text`, normalised (upper case, plain dashes), or ""."""
    return next(iter(find_receipts(text)), "")


def is_dossier_complaint(text: str) -> bool:
    """A complaint about a dossier: a receipt number or "my dossier", with overdue/late words."""
    words = folded_words(text)
    about_dossier = bool(find_receipt(text)) or _contains(words, MY_DOSSIER_PHRASES)
    return about_dossier and _contains(words, COMPLAINT_PHRASES)
