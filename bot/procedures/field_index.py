"""What the catalogue says about a procedure beside its name, as weaker evidence (BM25F-style).

A citizen describes a situation with words the procedure's name lacks but its record has: the papers
to bring ("giấy chứng sinh", "giấy báo tử"), the result ("trích lục khai tử"), who may apply
("người khuyết tật", "hộ nghèo"), the conditions, the field ("Hộ tịch"). Each field's text becomes
folded syllables and syllable bigrams; a feature's term frequency is summed over fields with per-field
weights (BM25F), saturated, length-normalised and weighted by IDF over procedures. `score(features)`
returns, per procedure, the share of the query's weight its record supports (0..1).

Pure and built at run time from the Catalogue object's fields, so it follows a regenerated catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import chain, pairwise
from typing import Protocol

import numpy as np

from bot.procedures.textnorm import fold

# Field weights: a result or the field name speaks more directly of the procedure than its paperwork.
FIELD_WEIGHTS = {"results": 1.0, "field": 1.0, "target_users": 0.6, "documents": 0.5, "requirements": 0.4}
# Long legal texts say much that is not about the procedure; keep the start of each item.
_ITEM_CHARS = {"documents": 160, "requirements": 400, "results": 200, "target_users": 80, "field": 80}
_MAX_ITEMS = 12
_K1, _B = 1.2, 0.5
# A feature found in more than this share of records tells nothing apart.
_MAX_DOC_SHARE = 0.25
_WORD_RE = re.compile(r"[0-9a-z]+")


class RecordLike(Protocol):
    code: str
    field: str
    target_users: tuple[str, ...]
    results: tuple[str, ...]
    requirements: tuple[str, ...]

    @property
    def documents(self) -> Sequence[object]: ...


def _field_texts(record: RecordLike) -> dict[str, list[str]]:
    docs = [getattr(d, "name", str(d)) for d in record.documents]
    return {
        "results": list(record.results),
        "field": [record.field],
        "target_users": list(record.target_users),
        "documents": docs,
        "requirements": list(record.requirements),
    }


class FieldIndex:
    def __init__(self, records: Iterable[RecordLike], stop_words: Iterable[str] = ()) -> None:
        stop = set(stop_words)
        # Records repeat the same paragraphs (identity papers, postal submission) thousands of times:
        # each distinct text is folded once.
        text_features: dict[str, list[str]] = {}
        items: list[tuple[int, float, str]] = []  # (record, field weight, text)
        n = 0
        for n, record in enumerate(records, 1):
            for name, texts in _field_texts(record).items():
                for text in texts[:_MAX_ITEMS]:
                    text = text[: _ITEM_CHARS[name]]
                    if text not in text_features:
                        words = _WORD_RE.findall(fold(text))
                        features = [*words, *(f"{a} {b}" for a, b in pairwise(words))]
                        text_features[text] = [f for f in features if f not in stop] if stop else features
                    items.append((n - 1, FIELD_WEIGHTS[name], text))
        vocabulary = {f: i for i, f in enumerate(dict.fromkeys(chain.from_iterable(text_features.values())))}
        text_ids = {t: np.fromiter(map(vocabulary.__getitem__, fs), dtype=np.int64, count=len(fs))
                    for t, fs in text_features.items()}
        feature_parts = [text_ids[text] for _, _, text in items]
        sizes = np.asarray([part.size for part in feature_parts], dtype=np.int64)
        record_parts = [np.repeat(np.asarray([r for r, _, _ in items], dtype=np.int64), sizes)] if items else []
        weight_parts = [np.repeat(np.asarray([w for _, w, _ in items]), sizes)] if items else []
        self.size = n
        n_features = len(vocabulary)
        if not items or not sizes.sum():
            self.unseen_idf, self._vocabulary = 1.0, {}
            self._idf: list[float] = []
            self._starts = np.zeros(1, dtype=np.int64)
            self._records = np.zeros(0, dtype=np.int32)
            self._values = np.zeros(0)
            self._weighted = np.zeros(0)
            self._keys = np.zeros(0, dtype=np.int64)
            return
        # Term frequency per (feature, record), summed over fields with their weights (BM25F).
        keys = np.concatenate(feature_parts) * n + np.concatenate(record_parts)
        pairs, inverse = np.unique(keys, return_inverse=True)
        tf = np.bincount(inverse, np.concatenate(weight_parts))
        feature_of, record_of = pairs // n, pairs % n
        lengths = np.bincount(record_of, tf, minlength=n)
        df = np.bincount(feature_of, minlength=n_features)
        idf = np.log((n + 1) / (df + 0.5))
        # Per feature (by vocabulary index) as Python floats: the query loop reads them one at a time.
        self._idf = idf.tolist()
        # A query word no record has still counts in the share (a typical word's weight), so one rare
        # matching word does not make a long, otherwise unknown question look fully supported.
        self.unseen_idf = float(np.median(idf))
        # A feature found in too many records tells nothing apart: not searched.
        keep = df[feature_of] <= max(2, int(_MAX_DOC_SHARE * n))
        norm = _K1 * (1 - _B + _B * lengths[record_of] / max(float(lengths.mean()), 1e-9))
        values = tf / (tf + norm)  # saturated term frequency, in 0..1
        # Postings as one sorted array: feature f's records are _records[_starts[f]:_starts[f + 1]].
        # Record numbers in the smallest type that holds them: half the bytes a long question reads.
        self._records = record_of[keep].astype(np.uint16 if n <= np.iinfo(np.uint16).max + 1 else np.int32)
        self._values = values[keep]
        # The same values already weighted by their feature's IDF: what `score` sums when no weights are given.
        self._weighted = self._values * idf[feature_of[keep]]
        self._starts = np.concatenate(([0], np.cumsum(np.bincount(feature_of[keep], minlength=n_features))))
        self._vocabulary = vocabulary
        # The same postings as sorted (feature, record) keys, feature · size + record, for `mentioned` to look up
        # a few records' features directly instead of reading every posting of the question's features; in the
        # smallest type that holds them (half the bytes searched).
        keys = pairs[keep]
        self._keys = keys.astype(np.uint32) if n_features * n <= np.iinfo(np.uint32).max else keys

    def mentioned(self, records: Sequence[int] | np.ndarray, features: Sequence[str]) -> np.ndarray:
        """Per feature and record (a features x records matrix), whether the record's text has the feature,
        or the feature is too common to tell records apart (then every record counts as mentioning it);
        False for a feature no record has."""
        out = np.zeros((len(features), len(records)), dtype=bool)
        rows = [(row, index) for row, feature in enumerate(features)
                if (index := self._vocabulary.get(feature)) is not None]
        if not rows or not len(records):
            return out
        found = np.asarray([row for row, _ in rows])
        indices = np.asarray([index for _, index in rows], dtype=np.int64)
        # In the vocabulary but not searched (no postings kept): found in too many records.
        unsearched = self._starts[indices + 1] == self._starts[indices]
        # Each (feature, record) key looked up in the sorted postings: a few hundred binary searches, whatever
        # the number of records the question's features have.
        wanted = (indices[:, None] * self.size + np.asarray(records, dtype=np.int64)[None, :]).astype(self._keys.dtype)
        if self._keys.size:
            at = np.minimum(np.searchsorted(self._keys, wanted), self._keys.size - 1)
            has = self._keys[at] == wanted
        else:
            has = np.zeros(wanted.shape, dtype=bool)
        out[found] = has | unsearched[:, None]
        return out

    def score(self, features: Sequence[str], weights: Sequence[float] | None = None) -> np.ndarray:
        """Per record (in build order), the share of the features' IDF weight the record supports."""
        total = 0.0
        found: list[int] = []
        found_weights: list[float] = []
        for k, feature in enumerate(features):
            index = self._vocabulary.get(feature)
            if index is None:
                if " " in feature:  # an unseen pair of words adds nothing its words do not
                    continue
                total += self.unseen_idf * (weights[k] if weights is not None else 1.0)
                continue
            weight = self._idf[index] * (weights[k] if weights is not None else 1.0)
            total += weight
            found.append(index)
            found_weights.append(weight)
        if not found or total <= 0:
            return np.zeros(self.size)
        positions, lengths = self._postings(found)
        if not positions.size:
            return np.zeros(self.size)
        if weights is None:
            values = self._weighted[positions]
        else:
            values = np.repeat(found_weights, lengths) * self._values[positions]
        return np.bincount(self._records[positions], values, minlength=self.size) / total

    def _postings(self, indices: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Where the features' postings are in `_records`, one feature after the other, and how many each
        has: one gather instead of a slice per feature, which costs more on long questions."""
        index = np.asarray(indices, dtype=np.int64)
        starts = self._starts[index]
        lengths = self._starts[index + 1] - starts
        ends = np.cumsum(lengths)
        positions = np.arange(int(ends[-1]) if ends.size else 0) + np.repeat(starts - ends + lengths, lengths)
        return positions, lengths
