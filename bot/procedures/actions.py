"""What a procedure does to its object, and what a question asks to do (data/actions.tsv).

Most catalogue names are ACTION + OBJECT + QUALIFIER ("Cấp lại thẻ căn cước", "Chấm dứt hoạt động hộ kinh
doanh"). Citizens say the action in their own words ("nghỉ hẳn không bán nữa", "làm lại", "bị mất"). Pure:
`ActionTable.parse(text, abbreviations)` reads the table, `of_name(tokens)` gives the actions a name starts
with, `of_query(tokens)` the actions a question names; the ranking compares them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.procedures.textnorm import folded_tokens

Phrase = tuple[str, ...]
# A name's action is among its first words ("Thủ tục đăng ký lại khai tử"): later words are the object's.
_NAME_HEAD = 4
# How many words a star in an everyday phrase may stand for ("không * nữa").
_GAP = 4
# The plain action: a question that names none is taken to mean it.
BEGIN = "begin"


@dataclass(frozen=True)
class ActionTable:
    name_phrases: tuple[tuple[Phrase, str], ...]  # longest first
    everyday_phrases: tuple[tuple[Phrase, str], ...]  # longest first; may contain "*"
    # The same phrases grouped by first word (in the order above), so a scan tries only those that can
    # match at each word instead of all of them: the per-question path stays well under a millisecond.
    _name_index: Mapping[str, tuple[tuple[Phrase, str], ...]] = field(init=False, repr=False, compare=False)
    _everyday_index: Mapping[str, tuple[tuple[Phrase, str], ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_name_index", _index(self.name_phrases))
        object.__setattr__(self, "_everyday_index", _index(self.everyday_phrases))

    @classmethod
    def parse(cls, text: str, abbreviations: Mapping[str, tuple[str, ...]] | None = None) -> ActionTable:
        name: list[tuple[Phrase, str]] = []
        everyday: list[tuple[Phrase, str]] = []
        for line in text.splitlines():
            if not line.strip() or line.lstrip().startswith("#") or line.count("\t") < 2:
                continue
            action, where, phrases = (part.strip() for part in line.split("\t", 2))
            for phrase in phrases.split(";"):
                words = tuple("*" if w == "*" else w for w in
                              (folded_tokens(phrase.replace("*", " qqstar "), abbreviations)))
                words = tuple("*" if w == "qqstar" else w for w in words)
                if words:
                    (name if where == "name" else everyday).append((words, action))
        name.sort(key=lambda item: -len(item[0]))
        everyday.sort(key=lambda item: -len(item[0]))
        return cls(tuple(name), tuple([*name, *everyday]))

    def of_name(self, tokens: Sequence[str]) -> frozenset[str]:
        """Actions among a name's first words (the longest phrase wins where phrases overlap)."""
        head = list(tokens[:_NAME_HEAD + 2])
        return frozenset(action for _, action in _find(head, self._name_index, limit=_NAME_HEAD))

    def of_query(self, tokens: Sequence[str]) -> frozenset[str]:
        return frozenset(action for _, action in _find(list(tokens), self._everyday_index))


def _index(phrases: Sequence[tuple[Phrase, str]]) -> dict[str, tuple[tuple[Phrase, str], ...]]:
    """Phrases by first word, each list in the phrases' own order; "*" collects those starting with a gap,
    which may match at any word, and each word's list has them merged in."""
    order = {item: k for k, item in enumerate(phrases)}
    grouped: dict[str, list[tuple[Phrase, str]]] = {}
    for item in phrases:
        grouped.setdefault(item[0][0], []).append(item)
    anywhere = grouped.get("*", [])
    return {word: tuple(sorted([*items, *anywhere], key=order.__getitem__)) if word != "*" else tuple(items)
            for word, items in grouped.items()}


def _find(tokens: list[str], index: Mapping[str, tuple[tuple[Phrase, str], ...]], limit: int | None = None,
          ) -> list[tuple[int, str]]:
    """(start, action) of non-overlapping phrases, read left to right, longest first."""
    found: list[tuple[int, str]] = []
    i = 0
    end = len(tokens) if limit is None else min(limit, len(tokens))
    anywhere = index.get("*", ())
    while i < end:
        step = 1
        for phrase, action in index.get(tokens[i], anywhere):
            n = _match_at(tokens, i, phrase)
            if n:
                found.append((i, action))
                step = n
                break
        i += step
    return found


def _match_at(tokens: list[str], start: int, phrase: Phrase) -> int:
    """Length of `phrase` matched at `start` (0 when it does not match); "*" skips 1 to _GAP words."""
    i = start
    for k, word in enumerate(phrase):
        if word == "*":
            nxt = phrase[k + 1] if k + 1 < len(phrase) else None
            for gap in range(1, _GAP + 1):
                if i + gap < len(tokens) and tokens[i + gap] == nxt:
                    i += gap
                    break
            else:
                return 0
            continue
        if i >= len(tokens) or tokens[i] != word:
            return 0
        i += 1
    return i - start
