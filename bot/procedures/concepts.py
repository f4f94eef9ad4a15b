"""The concept layer: everyday words → the catalogue's vocabulary (data/thesaurus.tsv).

Pure: `ConceptTable.parse(text, abbreviations)` reads the table's text, `expand(tokens)` returns the
catalogue words a folded query implies ("ung thư" → "bệnh hiểm nghèo", "ma chay" → "mai táng"), to be
appended to it before ranking, the way `textnorm.situation_hints` adds variant words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.procedures.textnorm import folded_tokens

Phrase = tuple[str, ...]
# Where the everyday phrases are in a token list: (start, length, concept index) each (see `occurrences`).
Occurrences = list[tuple[int, int, int]]

# Two-syllable words whose second syllable starts no everyday phrase: "nhận nuôi" (adopting) is not in
# "xác nhận nuôi cá lồng bè", nor "nhận con" (acknowledging a child) in "xác nhận con của thương binh".
BOUND_WORDS = frozenset({"xac nhan", "cong nhan", "chung nhan", "tiep nhan", "thua nhan", "ghi nhan",
                         "bien nhan"})


@dataclass(frozen=True)
class Concept:
    catalogue: Phrase  # the catalogue's words, folded
    triggers: tuple[Phrase, ...]  # everyday phrases, folded


@dataclass(frozen=True)
class ConceptTable:
    concepts: tuple[Concept, ...]
    # first word of a trigger → its lengths, longest first, each with {trigger: concept index}
    _by_first_word: Mapping[str, tuple[tuple[int, Mapping[Phrase, int]], ...]]

    @classmethod
    def parse(cls, text: str, abbreviations: Mapping[str, tuple[str, ...]] | None = None) -> ConceptTable:
        concepts: list[Concept] = []
        for line in text.splitlines():
            if not line.strip() or line.lstrip().startswith("#") or "\t" not in line:
                continue
            target, phrases = line.split("\t", 1)
            catalogue = tuple(folded_tokens(target, abbreviations))
            triggers = tuple(
                dict.fromkeys(t for t in (tuple(folded_tokens(p, abbreviations)) for p in phrases.split(";")) if t)
            )
            # A trigger the catalogue phrase already contains ("hộ chiếu" in "hộ chiếu phổ thông") adds
            # nothing but repeats the citizen's words; it is left out.
            padded = f" {' '.join(catalogue)} "
            triggers = tuple(t for t in triggers if f" {' '.join(t)} " not in padded)
            if catalogue and triggers:
                concepts.append(Concept(catalogue, triggers))
        # One slice of the question per trigger length, looked up in a dict, instead of one comparison per
        # trigger: "đổi" alone starts fifty. The first concept to list a trigger keeps it.
        index: dict[str, dict[int, dict[Phrase, int]]] = {}
        for i, concept in enumerate(concepts):
            for trigger in concept.triggers:
                index.setdefault(trigger[0], {}).setdefault(len(trigger), {}).setdefault(trigger, i)
        frozen = {w: tuple(sorted(by_length.items(), reverse=True)) for w, by_length in index.items()}
        return cls(tuple(concepts), frozen)

    @property
    def trigger_words(self) -> frozenset[str]:
        """Every word of the everyday phrases ("game" of "quán game"): words the citizen means as typed."""
        return frozenset(word for concept in self.concepts for trigger in concept.triggers for word in trigger)

    def occurrences(self, tokens: Sequence[str]) -> Occurrences:
        """(start, length, concept index) of the everyday phrases in the folded tokens, read left to right,
        longest first, without overlaps, and none starting inside a two-syllable word ("nhận nuôi" is not in
        "xác nhận nuôi cá"). The methods below take them as `found` when the caller already has them for the
        same tokens (the matcher reads one question's words three times)."""
        found: Occurrences = []
        words = tuple(tokens)  # its slices are the triggers' keys as they are
        i = 0
        while i < len(words):
            step = 1
            by_length = self._by_first_word.get(words[i], ())
            if by_length and not (i and f"{words[i - 1]} {words[i]}" in BOUND_WORDS):
                for length, triggers in by_length:
                    concept = triggers.get(words[i : i + length])
                    if concept is not None:
                        found.append((i, length, concept))
                        step = length
                        break
            i += step
        return found

    def concepts_in(self, tokens: Sequence[str], found: Occurrences | None = None) -> list[int]:
        """Indexes of the concepts whose everyday phrases occur in the folded tokens, in order found.

        Phrases do not overlap: in "từ chối nhận thừa kế" the refusal is meant, not the inheritance that
        "thừa kế" alone would point at."""
        if found is None:
            found = self.occurrences(tokens)
        return list(dict.fromkeys(concept for _, _, concept in found))

    def translated(self, tokens: Sequence[str], found: Occurrences | None = None) -> list[bool]:
        """Per token, whether it belongs to an everyday phrase whose catalogue words the query lacks, so
        that `expand` adds them: those tokens are translated, and the matcher may weigh them less."""
        text = f" {' '.join(tokens)} "
        mask = [False] * len(tokens)
        for start, length, concept in self.occurrences(tokens) if found is None else found:
            if f" {' '.join(self.concepts[concept].catalogue)} " not in text:
                mask[start : start + length] = [True] * length
        return mask

    def expand(self, tokens: Sequence[str], found: Occurrences | None = None) -> list[str]:
        """Catalogue words implied by the query and not already in it (may be empty).

        The whole catalogue phrase is added, so its word pairs count too ("tách khẩu" → "tách hộ")."""
        text = f" {' '.join(tokens)} "
        hints: list[str] = []
        for index in self.concepts_in(tokens, found):
            words = self.concepts[index].catalogue
            if f" {' '.join(words)} " not in text:
                hints.extend(words)
        return hints
