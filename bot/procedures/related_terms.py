"""Related terms learnt from the catalogue's own text (data/related_terms.tsv, see tools/related_terms.py).

Pure: `RelatedTerms.parse(text)` reads the table's text; `expand(tokens)` returns, for the folded query
tokens, the name words its body words point at, each with a weight (the pair's cosine), so that the
matcher can add them to the query at a low weight: "hộ chiếu gắn chip điện tử" also searches "hộ chiếu".
Unlike the hand-written concept thesaurus (bot.procedures.concepts), this table is generated and not edited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class RelatedTerms:
    # first word of a body term → (body term, ((name term, weight), ...)), longest body term first
    _by_first_word: Mapping[str, tuple[tuple[Phrase, tuple[tuple[Phrase, float], ...]], ...]]

    @classmethod
    def parse(cls, text: str) -> RelatedTerms:
        targets: dict[Phrase, list[tuple[Phrase, float]]] = {}
        for line in text.splitlines():
            parts = line.split("\t")
            if line.lstrip().startswith("#") or len(parts) != 3:
                continue
            source, target = tuple(parts[0].split()), tuple(parts[1].split())
            try:
                weight = float(parts[2])
            except ValueError:
                continue
            if source and target and 0 < weight <= 1:
                targets.setdefault(source, []).append((target, weight))
        index: dict[str, list[tuple[Phrase, tuple[tuple[Phrase, float], ...]]]] = {}
        for source, found in targets.items():
            index.setdefault(source[0], []).append((source, tuple(found)))
        return cls({w: tuple(sorted(v, key=lambda item: -len(item[0]))) for w, v in index.items()})

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_first_word.values())

    def expand(self, tokens: Sequence[str]) -> list[tuple[str, float]]:
        """(name word, weight) pairs the query's body terms point at, for terms not already in the query.

        Terms are read left to right, longest first, without overlap; a word implied twice keeps its
        highest weight."""
        text = f" {' '.join(tokens)} "
        best: dict[Phrase, float] = {}
        i = 0
        while i < len(tokens):
            step = 1
            for source, found in self._by_first_word.get(tokens[i], ()):
                if tuple(tokens[i : i + len(source)]) == source:
                    for target, weight in found:
                        if f" {' '.join(target)} " not in text:
                            best[target] = max(weight, best.get(target, 0.0))
                    step = len(source)
                    break
            i += step
        return [(word, weight) for target, weight in best.items() for word in target]
