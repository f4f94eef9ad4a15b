"""Garbled steps: text the source spliced mid-phrase, found and repaired from a clean copy (pure).

Some portal pages carry a step whose text was cut and pasted into itself: "…nộp hồ sơ đăng ký khai
tâm Phục vụ hành chính công…" (the words "sinh tại Trung" moved elsewhere). A splice leaves a
joint where a phrase the catalogue always writes the same way is broken: "tâm Phục vụ" is preceded
by "Trung" everywhere else, and here by "khai", a pair of words no other procedure uses.

`PhraseModel` counts, over the whole corpus of both archives, which word comes before and after
every pair of words. A joint is a pair of neighbouring words (a, b) that no more than
`RARE_PAIR_CODES` procedures use, where the words on one side form a context that is followed
(or preceded) by one word in at least `PREDICTABLE_SHARE` of `MIN_CONTEXT` or more occurrences.

A garbled step is repaired when another record (the other archive's copy, or a sibling procedure
sharing the text) holds a clean version that differs from it only around the joints; otherwise it
is dropped and the procedure is marked `steps_unreliable`.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

RARE_PAIR_CODES = 2  # the garbled record and its copy in the other archive
MIN_CONTEXT = 10
PREDICTABLE_SHARE = 0.9
REPAIR_REACH = 3  # words a clean copy may differ from the garbled step around each joint
MAX_REPAIR_WORDS = 12

_WORD = re.compile(r"[^\W\d_]{2,}")


def words(text: str) -> list[str]:
    return [m.group(0).casefold() for m in _WORD.finditer(text)]


@dataclass
class PhraseModel:
    pair_codes: Counter[tuple[str, str]] = field(default_factory=Counter)  # procedures using each pair
    before: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)
    after: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)

    @classmethod
    def from_texts(cls, texts: Iterable[tuple[str, str]]) -> PhraseModel:
        """Build from (procedure code, text) pairs: every text the archives hold.

        Only the contexts next to a rare pair can break a phrase, so only those are counted (two
        passes instead of a counter for every context of the corpus).
        """
        model = cls()
        tokenised = [(code, words(text)) for code, text in texts]
        pairs_by_code: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for code, w in tokenised:
            pairs_by_code[code].update(itertools.pairwise(w))
        for pairs in pairs_by_code.values():
            model.pair_codes.update(pairs)
        for _code, w in tokenised:
            for i in range(len(w) - 1):
                if model.pair_codes[(w[i], w[i + 1])] <= RARE_PAIR_CODES:
                    if i + 2 < len(w):
                        model.before.setdefault((w[i + 1], w[i + 2]), Counter())
                    if i >= 1:
                        model.after.setdefault((w[i - 1], w[i]), Counter())
        for _code, w in tokenised:
            for i in range(len(w) - 2):
                if (context := model.before.get((w[i + 1], w[i + 2]))) is not None:
                    context[w[i]] += 1
                if (context := model.after.get((w[i], w[i + 1]))) is not None:
                    context[w[i + 2]] += 1
        return model

    def _expected(self, context: Counter[str] | None, observed: str) -> str | None:
        """The word the context is (almost) always next to, when the observed word is not it."""
        if not context:
            return None
        total = sum(context.values())
        if total < MIN_CONTEXT:
            return None
        expected, count = context.most_common(1)[0]
        return expected if expected != observed and count / total >= PREDICTABLE_SHARE else None

    def broken_pairs(self, w: list[str]) -> list[tuple[int, str | None, str | None]]:
        """(i, word expected before w[i+1], word expected after w[i]) for each rare pair breaking a phrase."""
        found = []
        for i in range(len(w) - 1):
            if self.pair_codes.get((w[i], w[i + 1]), 0) > RARE_PAIR_CODES:
                continue
            before = self._expected(self.before.get((w[i + 1], w[i + 2])), w[i]) if i + 2 < len(w) else None
            after = self._expected(self.after.get((w[i - 1], w[i])), w[i + 1]) if i >= 1 else None
            if before or after:
                found.append((i, before, after))
        return found

    def joints(self, text: str) -> list[int]:
        """Word indexes i where (w[i], w[i+1]) is a splice joint: see `joints_in`."""
        return self.joints_in(words(text))

    def joints_in(self, w: list[str]) -> list[int]:
        """Indexes i where (w[i], w[i+1]) is a splice joint: a broken phrase whose missing word is
        the edge of another broken phrase in the same text, i.e. a fragment was moved from one to the
        other ("…khai | tâm Phục vụ…" missing "Trung", "…sinh tại Trung | nộp hồ sơ" missing "tâm").
        A typo or a lost word breaks a phrase too, but leaves no such pair: those are left alone."""
        broken = self.broken_pairs(w)
        found: set[int] = set()
        for i, before_i, _after_i in broken:
            for k, _before_k, after_k in broken:
                if k != i and (before_i == w[k] or after_k == w[i + 1]):
                    found.update((i, k))
        return sorted(found)

    def garbled_steps(self, steps: list[str]) -> dict[int, list[int]]:
        """{step index: its joints (word indexes within the step)}, the steps read as one text since a
        splice may move words from one step into another."""
        owner: list[tuple[int, int]] = []
        joined: list[str] = []
        for number, step in enumerate(steps):
            w = words(step)
            owner.extend((number, i) for i in range(len(w)))
            joined.extend(w)
        found: dict[int, list[int]] = defaultdict(list)
        for joint in self.joints_in(joined):
            for position in (joint, joint + 1):
                number, local = owner[position]
                found[number].append(local if position == joint else local - 1)
        return dict(found)


def _near(index: int, joints: list[int]) -> bool:
    return any(j - REPAIR_REACH < index <= j + REPAIR_REACH + 1 for j in joints)


def clean_copy(step: str, joints: list[int], candidates: Iterable[str]) -> str | None:
    """A candidate that is the same step without the splice: it differs only around the joints and
    shares none of the step's broken pairs of words."""
    garbled = words(step)
    broken = {tuple(garbled[j:j + 2]) for j in joints if j >= 0}
    for candidate in candidates:
        clean = words(candidate)
        if clean == garbled or broken & set(itertools.pairwise(clean)):
            continue
        changed = 0
        local = True
        for tag, i1, i2, j1, j2 in SequenceMatcher(None, garbled, clean, autojunk=False).get_opcodes():
            if tag == "equal":
                continue
            changed += max(i2 - i1, j2 - j1)
            # The changed span of the garbled text must touch a joint (an insertion sits at i1 == i2).
            if not (_near(i1, joints) or _near(i2, joints) or any(_near(k, joints) for k in range(i1, i2))):
                local = False
                break
        if local and 0 < changed <= MAX_REPAIR_WORDS:
            return candidate
    return None


@dataclass
class StepIndex:
    """Every step of both archives, found by its first or last words."""

    by_start: dict[tuple[str, ...], list[str]] = field(default_factory=lambda: defaultdict(list))
    by_end: dict[tuple[str, ...], list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, step: str) -> None:
        w = tuple(words(step))
        if len(w) >= 4:
            self.by_start[w[:4]].append(step)
            self.by_end[w[-4:]].append(step)

    def candidates(self, step: str) -> list[str]:
        w = tuple(words(step))
        found = self.by_start.get(w[:4], []) + self.by_end.get(w[-4:], [])
        return list(dict.fromkeys(found))


@dataclass
class StepStats:
    garbled: int = 0
    repaired: int = 0
    dropped: int = 0
    procedures_unreliable: int = 0


def repair_steps(
    steps: list[str], model: PhraseModel, index: StepIndex, stats: StepStats | None = None
) -> tuple[list[str], bool]:
    """(steps with each garbled one replaced by its clean copy or left out, whether any was left out)."""
    stats = stats if stats is not None else StepStats()
    garbled = model.garbled_steps(steps)
    kept: list[str] = []
    unreliable = False
    for number, step in enumerate(steps):
        if number not in garbled:
            kept.append(step)
            continue
        stats.garbled += 1
        clean = clean_copy(step, garbled[number], index.candidates(step))
        if clean is not None:
            stats.repaired += 1
            kept.append(clean)
        else:
            stats.dropped += 1
            unreliable = True
    stats.procedures_unreliable += unreliable
    return kept, unreliable
