"""Acronyms the catalogue's names use, spelled out from each record's own text.

Pure. Official names shorten long phrases ("Giải quyết hưởng chế độ TNLĐ, BNN …", "… nghỉ DSPHSK sau ốm
đau"), while citizens type the words ("tai nạn lao động", "dưỡng sức"). `mine_acronyms(records, …)` finds
each upper-case acronym of a name and, in that record's own text, the word sequence whose initials spell
it; the spelling most records agree on wins ("tai nan lao dong" for TNLĐ). The matcher indexes the words
in place of the acronym. No table to keep: a regenerated catalogue brings its own acronyms and spellings.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import TypeVar

from bot.procedures.textnorm import fold

_ACRONYM_RE = re.compile(r"\b[A-ZĐ]{3,8}\b")
_WORD_RE = re.compile(r"[0-9a-z]+")
_RAW_WORD_RE = re.compile(r"\w+")
# A spelling must be found clearly more often than any other with the same initials.
_DOMINANCE = 2.0

Record = TypeVar("Record")


def mine_acronyms(records: Iterable[Record], name_of: Callable[[Record], str], text_of: Callable[[Record], str],
                  ) -> dict[str, tuple[str, ...]]:
    """Folded acronym → its folded words ("tnld" → ("tai", "nan", "lao", "dong")). `text_of` gives a record's
    text beside its name, asked only of records whose name has an acronym."""
    found: dict[str, list[list[str]]] = {}  # acronym → the folded texts of the records naming it
    lower_words: set[str] = set()
    for record in records:
        name = name_of(record)
        if name.isupper():  # a name in capitals: its words are not acronyms
            continue
        lower_words.update(w for w in _RAW_WORD_RE.findall(name) if w.islower())
        acronyms = set(_ACRONYM_RE.findall(name))
        if acronyms:
            words = _WORD_RE.findall(fold(f"{name} {text_of(record)}"))
            for acronym in acronyms:
                found.setdefault(acronym, []).append(words)
    table: dict[str, tuple[str, ...]] = {}
    for acronym, texts in found.items():
        if acronym.lower() in lower_words:  # also written in lower case ("SAU", "CHO"): a word
            continue
        letters = fold(acronym)
        n = len(letters)
        votes: Counter[tuple[str, ...]] = Counter()
        for words in texts:
            initials = "".join(w[0] for w in words)
            spellings: set[tuple[str, ...]] = set()
            start = initials.find(letters)
            while start >= 0:
                spellings.add(tuple(words[start : start + n]))
                start = initials.find(letters, start + 1)
            votes.update(spellings)
        ranked = votes.most_common(2)
        if ranked and (len(ranked) == 1 or ranked[0][1] >= _DOMINANCE * ranked[1][1]):
            table[letters] = ranked[0][0]
    return table
