"""Training phrases: how citizens ask for a procedure, as weak evidence of which one a new question means.

Like an intent's training phrases in Dialogflow or Rasa, data/training_phrases.tsv holds a few everyday
questions per procedure ("bố em mới mất giờ làm giấy gì" for the death registration), written from the
catalogue's listing by people who never saw the evaluation questions. A new question is compared with
every phrase: both become folded syllables and syllable pairs weighted by IDF over the phrases (so "em",
"ạ", "gì" weigh little and "báo tử", "lợn" much); a phrase's similarity is the mean of the share of the
question it covers and the share of itself the question covers. A procedure's score is its best phrase's.

Its own index, vocabulary and weights: the name index's IDF and typo vocabulary stay as they were.
Pure: built from (procedure number, folded tokens) pairs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.procedures.textnorm import word_features

# A feature in more than this share of phrases ("cho", "lam", "giay") tells nothing apart: not searched,
# but still counted in the question's weight.
_MAX_DOC_SHARE = 0.2
# How much the share of the question a phrase covers weighs beside the share of the phrase the question
# covers: the same, so a long story holding a short phrase whole and a short question inside a long phrase
# both count.
QUERY_SHARE = 0.5
# A phrase speaks only when it shares at least this many words and word pairs with the question (two words
# and the pair they form): one shared word ("nhà" in "chào cả nhà") sent small talk to buttons.
MIN_FEATURES = 3
# How much a small-talk or filler word of the question weighs in its share covered, beside a content word.
IGNORED_SHARE = 0.25


@dataclass(frozen=True)
class PhraseMatches:
    """The phrases near a question: each one's procedure number (ascending: a procedure's phrases together)
    and similarity (0..1)."""

    owners: np.ndarray
    similarity: np.ndarray

    def best(self, n_procedures: int) -> np.ndarray:
        """Per procedure, its best phrase's similarity (0 for none)."""
        scores = np.zeros(n_procedures)
        np.maximum.at(scores, self.owners, self.similarity)
        return scores

    def second_best(self, procs: Sequence[int]) -> list[float]:
        """The given procedures' second best phrase's similarity (0 for fewer than two): a procedure two of
        whose phrases are near the question is likelier than one with a single lucky phrase. Asked for the
        few candidates only (each a slice of the grouped phrases)."""
        starts = np.searchsorted(self.owners, procs, "left").tolist()
        ends = np.searchsorted(self.owners, procs, "right").tolist()
        # A procedure has a handful of near phrases: sorting their Python floats costs less than a NumPy call.
        return [sorted(self.similarity[start:end].tolist())[-2] if end - start > 1 else 0.0
                for start, end in zip(starts, ends, strict=True)]


NO_MATCHES = PhraseMatches(np.zeros(0, dtype=np.int32), np.zeros(0))


class PhraseIndex:
    def __init__(self, phrases: Iterable[tuple[int, Sequence[str], frozenset[str]]], n_procedures: int,
                 ignored: frozenset[str] = frozenset(), pooled: bool = False,
                 kept_pairs: frozenset[str] = frozenset()) -> None:
        """`phrases` are (procedure number, folded tokens, words spelled otherwise than small talk's); words in
        `ignored` (small talk, fillers) count in neither a phrase nor a question (but a little in the question's
        weight, IGNORED_SHARE), unless they form one of `kept_pairs` ("a b") with a neighbour ("chiều" of "chào
        buổi chiều" is small talk, of "hộ chiếu" it is not), or are among the phrase's or question's own words
        typed with other diacritics ("đẻ", not "để"). `pooled`: one document per procedure, the words and pairs
        of all its phrases, scored by the share of the question they cover between them (a question may join
        words that two phrases of the procedure have apart)."""
        self._ignored = ignored
        self._kept_pairs = kept_pairs
        self._query_share = 1.0 if pooled else QUERY_SHARE
        owners: list[int] = []
        doc_features: list[list[str]] = []
        pools: dict[int, dict[str, None]] = {}
        # Documents in procedure order: a question's near phrases then come grouped by procedure.
        for proc, tokens, spelled_apart in sorted(phrases, key=lambda phrase: phrase[0]):
            features = word_features(self._content(tokens, spelled_apart))
            if features and pooled:
                pools.setdefault(proc, {}).update(dict.fromkeys(features))
            elif features:
                owners.append(proc)
                doc_features.append(features)
        for proc, pool in pools.items():
            owners.append(proc)
            doc_features.append(list(pool))
        self._n_procedures = n_procedures
        self._owner = np.asarray(owners, dtype=np.int32)
        n_docs = len(doc_features)
        df: dict[str, int] = {}
        for features in doc_features:
            for f in features:
                df[f] = df.get(f, 0) + 1
        self.idf = {f: math.log((n_docs + 1) / (c + 0.5)) for f, c in df.items()}
        # An unknown word of the question weighs as a typical phrase word does.
        self._unseen_idf = float(np.median(list(self.idf.values()))) if self.idf else 1.0
        searched = {f for f, c in df.items() if c <= max(2, int(_MAX_DOC_SHARE * n_docs))}
        postings: dict[str, list[int]] = {}
        weight = np.zeros(n_docs)
        for i, features in enumerate(doc_features):
            for f in features:
                weight[i] += self.idf[f]
                if f in searched:
                    postings.setdefault(f, []).append(i)
        # Document ids in the type bincount counts with: cast once here, not on every question.
        self._postings = {f: np.asarray(ids, dtype=np.intp) for f, ids in postings.items()}
        self._doc_weight = np.maximum(weight, 1e-9)

    def score(self, tokens: Sequence[str], spelled_apart: frozenset[str] = frozenset()) -> np.ndarray:
        """Per procedure, the similarity of its best phrase to the question (0..1; 0 for none);
        `spelled_apart`: the question's words typed with diacritics that small talk does not spell so."""
        return self.matches(tokens, spelled_apart).best(self._n_procedures)

    def matches(self, tokens: Sequence[str], spelled_apart: frozenset[str] = frozenset()) -> PhraseMatches:
        """The phrases near the question: their procedures and similarities."""
        if not len(self._owner):
            return NO_MATCHES
        words = self._content(tokens, spelled_apart)
        total = 0.0
        ids: list[np.ndarray] = []
        weights: list[float] = []
        for f in word_features(words):
            idf = self.idf.get(f)
            if idf is None:
                total += 0.0 if " " in f else self._unseen_idf
                continue
            total += idf
            posting = self._postings.get(f)
            if posting is not None:
                ids.append(posting)
                weights.append(idf)
        # The small talk and fillers around the question still make it less covered, a little: "giấy tờ cho
        # bà bầu đi đẻ" is not all "giấy tờ … bầu".
        # In the question's order (dict keys, not a set): a float sum in hash order would differ in its last bit
        # from one process to the next.
        kept = set(words)
        ignored = dict.fromkeys(t for t in tokens if t not in kept)
        total += IGNORED_SHARE * sum(self.idf.get(t, self._unseen_idf) for t in ignored)
        if not ids or total <= 0:
            return NO_MATCHES
        found = np.concatenate(ids)
        matched = np.bincount(found, np.repeat(weights, [len(p) for p in ids]), minlength=len(self._owner))
        count = np.bincount(found, minlength=len(self._owner))
        # (Every searched feature's IDF is positive, so a phrase sharing MIN_FEATURES of them has matched > 0.)
        hit = np.flatnonzero(count >= MIN_FEATURES)
        q = np.minimum(matched[hit] / total, 1.0)
        p = np.minimum(matched[hit] / self._doc_weight[hit], 1.0)
        return PhraseMatches(self._owner[hit], self._query_share * q + (1 - self._query_share) * p)

    def _content(self, tokens: Sequence[str], spelled_apart: frozenset[str]) -> list[str]:
        """The words that say something of the procedure: not ignored, spelled apart from small talk, or
        paired as in `kept_pairs`."""
        pairs = self._kept_pairs
        return [t for k, t in enumerate(tokens)
                if t not in self._ignored or t in spelled_apart
                or (k > 0 and f"{tokens[k - 1]} {t}" in pairs)
                or (k + 1 < len(tokens) and f"{t} {tokens[k + 1]}" in pairs)]
