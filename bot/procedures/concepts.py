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
    # first word of a trigger → (trigger, concept index), longest trigger first
    _by_first_word: Mapping[str, tuple[tuple[Phrase, int], ...]]

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
        index: dict[str, list[tuple[Phrase, int]]] = {}
        for i, concept in enumerate(concepts):
            for trigger in concept.triggers:
                index.setdefault(trigger[0], []).append((trigger, i))
        frozen = {w: tuple(sorted(v, key=lambda item: -len(item[0]))) for w, v in index.items()}
        return cls(tuple(concepts), frozen)

    @property
    def trigger_words(self) -> frozenset[str]:
        """Every word of the everyday phrases ("game" of "quán game"): words the citizen means as typed."""
        return frozenset(word for concept in self.concepts for trigger in concept.triggers for word in trigger)

    def _triggers_at(self, tokens: Sequence[str], i: int) -> tuple[tuple[Phrase, int], ...]:
        """The everyday phrases that may start at token `i`: none inside a two-syllable word."""
        if i and f"{tokens[i - 1]} {tokens[i]}" in BOUND_WORDS:
            return ()
        return self._by_first_word.get(tokens[i], ())

    def concepts_in(self, tokens: Sequence[str]) -> list[int]:
        """Indexes of the concepts whose everyday phrases occur in the folded tokens, in order found.

        Phrases are read left to right, longest first, and do not overlap: in "từ chối nhận thừa kế" the
        refusal is meant, not the inheritance that "thừa kế" alone would point at."""
        found: list[int] = []
        i = 0
        while i < len(tokens):
            step = 1
            for trigger, concept in self._triggers_at(tokens, i):
                if tuple(tokens[i : i + len(trigger)]) == trigger:
                    if concept not in found:
                        found.append(concept)
                    step = len(trigger)
                    break
            i += step
        return found

    def translated(self, tokens: Sequence[str]) -> list[bool]:
        """Per token, whether it belongs to an everyday phrase whose catalogue words the query lacks, so
        that `expand` adds them: those tokens are translated, and the matcher may weigh them less."""
        text = f" {' '.join(tokens)} "
        mask = [False] * len(tokens)
        i = 0
        while i < len(tokens):
            step = 1
            for trigger, concept in self._triggers_at(tokens, i):
                if tuple(tokens[i : i + len(trigger)]) == trigger:
                    if f" {' '.join(self.concepts[concept].catalogue)} " not in text:
                        mask[i : i + len(trigger)] = [True] * len(trigger)
                    step = len(trigger)
                    break
            i += step
        return mask

    def expand(self, tokens: Sequence[str]) -> list[str]:
        """Catalogue words implied by the query and not already in it (may be empty).

        The whole catalogue phrase is added, so its word pairs count too ("tách khẩu" → "tách hộ")."""
        text = f" {' '.join(tokens)} "
        hints: list[str] = []
        for index in self.concepts_in(tokens):
            words = self.concepts[index].catalogue
            if f" {' '.join(words)} " not in text:
                hints.extend(words)
        return hints
