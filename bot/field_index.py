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

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

import numpy as np

from bot.textnorm import fold

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


def _features(text: str) -> list[str]:
    words = _WORD_RE.findall(fold(text))
    return [*words, *(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))]


class FieldIndex:
    def __init__(self, records: Iterable[RecordLike], stop_words: Iterable[str] = ()) -> None:
        stop = set(stop_words)
        bags: list[dict[str, float]] = []
        for record in records:
            bag: dict[str, float] = {}
            for name, items in _field_texts(record).items():
                weight = FIELD_WEIGHTS[name]
                for item in items[:_MAX_ITEMS]:
                    for feature in _features(item[: _ITEM_CHARS[name]]):
                        if feature not in stop:
                            bag[feature] = bag.get(feature, 0.0) + weight
            bags.append(bag)
        n = len(bags)
        lengths = np.asarray([sum(b.values()) for b in bags]) if bags else np.zeros(0)
        average = float(lengths.mean()) if n else 1.0
        df: dict[str, int] = {}
        for bag in bags:
            for feature in bag:
                df[feature] = df.get(feature, 0) + 1
        limit = max(2, int(_MAX_DOC_SHARE * n))
        self.idf = {f: math.log((n + 1) / (c + 0.5)) for f, c in df.items()}
        searched = {f for f, c in df.items() if c <= limit}
        # A query word no record has still counts in the share (a typical word's weight), so one rare
        # matching word does not make a long, otherwise unknown question look fully supported.
        self.unseen_idf = float(np.median(list(self.idf.values()))) if self.idf else 1.0
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for i, bag in enumerate(bags):
            norm = _K1 * (1 - _B + _B * lengths[i] / max(average, 1e-9))
            for feature, tf in bag.items():
                if feature in searched:
                    ids, values = postings.setdefault(feature, ([], []))
                    ids.append(i)
                    values.append(tf * (_K1 + 1) / (tf + norm))
        self._postings: Mapping[str, tuple[np.ndarray, np.ndarray]] = {
            f: (np.asarray(ids, dtype=np.int32), np.asarray(values) / (_K1 + 1))
            for f, (ids, values) in postings.items()
        }
        self.size = n

    def score(self, features: Sequence[str], weights: Sequence[float] | None = None) -> np.ndarray:
        """Per record (in build order), the share of the features' IDF weight the record supports."""
        total = 0.0
        ids: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for k, feature in enumerate(features):
            idf = self.idf.get(feature)
            if idf is None:
                if " " in feature:  # an unseen pair of words adds nothing its words do not
                    continue
                idf = self.unseen_idf
            weight = idf * (weights[k] if weights is not None else 1.0)
            total += weight
            posting = self._postings.get(feature)
            if posting is not None:
                ids.append(posting[0])
                values.append(weight * posting[1])
        if not ids or total <= 0:
            return np.zeros(self.size)
        return np.bincount(np.concatenate(ids), np.concatenate(values), minlength=self.size) / total
