"""Fit the learned ranking's weights (data/ranking_weights.json) on the tuning splits, and measure them with
cross-validation grouped by procedure.

Run: .venv/bin/python -m tools.fit_ranking [--write] [--drop FEATURE,FEATURE] [--misses FILE]
Loads only the tuning splits of tests/eval/queries.tsv (every split but UNSTUDIED_SPLITS). The hand-set
matcher finds each question's candidates and their features (bot.procedures.matcher.RANKING_FEATURES); a
softmax over the candidates of one question (conditional logit, L2-regularised, plain NumPy) learns their
weights, from the tuning questions as the matcher sees them and again with their own procedures' aliases
left out (ALIAS_FREE_WEIGHT). (The training phrases, each asked of a matcher built without its fold of
phrases, were tried as a third kind: they raised their own figure and lowered both others.)
Folds are grouped by the expected procedure, so a validation fold's procedures were never trained on: its
figures measure generalisation to unseen procedures and phrasings. The answer threshold is chosen on the
training folds (confidently wrong at most TRAIN_WRONG there) and judged on the validation fold.
Prints the hand-set ranking's figures beside the learned one's out-of-fold figures; --write fits on every
tuning question and writes data/ranking_weights.json.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bot.procedures.catalogue import load_catalogue
from bot.procedures.matcher import (
    CONFIDENCE_FEATURES,
    DATA_DIR,
    RANKING_FEATURES,
    Matcher,
    MatcherTables,
    MatchResult,
    RankingModel,
    confidence_features,
)
from tests.eval.evalset import UNSTUDIED_SPLITS, EvalQuery, load_eval_set

FOLDS = 5
SEED = 11
L2 = 0.02
CLARIFY_MASS = 0.98  # offer buttons (2 to 4) until their probabilities sum to this
TRAIN_WRONG = 0.005  # confidently wrong allowed on the training folds: half the 1 % target, folds are small
# Features left out, for ablations: --drop action_agrees,action_conflicts
DROP = set(sys.argv[sys.argv.index("--drop") + 1].split(",")) if "--drop" in sys.argv else set()
# How much an alias-free copy of a question counts beside the question as the matcher sees it: citizens'
# questions about common procedures do meet the aliases written for them, new phrasings often do not.
ALIAS_FREE_WEIGHT = 0.5
# The kinds of question (`Example.kind`).
SEEN, NO_ALIAS = "seen", "no alias"
OUT = DATA_DIR / "ranking_weights.json"
# --misses FILE: the out-of-fold questions whose best candidate is wrong (kind, split, question, expected,
# decision, candidates), tab-separated; tuning splits only.
MISSES = Path(sys.argv[sys.argv.index("--misses") + 1]) if "--misses" in sys.argv else None


@dataclass
class Example:
    row: EvalQuery
    base: MatchResult  # the hand-set matcher's result
    codes: list[str]  # candidates in hand-set order (empty when the hand-set matcher fell back)
    features: np.ndarray  # one row per candidate
    kind: str = SEEN  # SEEN or NO_ALIAS

    @property
    def weight(self) -> float:
        """How much the question counts in the ranking's fit."""
        return ALIAS_FREE_WEIGHT if self.kind == NO_ALIAS else 1.0

    @property
    def gold(self) -> int | None:
        hits = [k for k, c in enumerate(self.codes) if c in self.row.expected]
        return hits[0] if hits else None


class _Recorder(Matcher):
    """The hand-set matcher, keeping what the learned ranking would see for the last question."""

    last: tuple[list[str], np.ndarray] | None = None

    def _learned_decision(self, query: str, ranked: list[tuple[int, float]], features: list[list[float]],
                          hand_set_answer: bool = False) -> tuple[list[tuple[int, float]], MatchResult]:
        self.last = ([self._proc_codes[i] for i, _ in ranked], np.asarray(features, dtype=float))
        return ranked, self._decide(query, ranked)


def _examples(rows: Sequence[EvalQuery], tables: MatcherTables, kind: str = SEEN) -> list[Example]:
    procedures = load_catalogue().procedures.values()
    matcher = _Recorder(procedures, replace(tables, ranking_weights=""))
    # Any parsable model makes the matcher compute features; the recorder then keeps the hand-set decision.
    matcher._model = RankingModel(np.zeros(len(RANKING_FEATURES)), np.zeros(len(CONFIDENCE_FEATURES)), 2.0,
                                  CLARIFY_MASS)
    plain = Matcher(procedures, replace(tables, ranking_weights=""))
    examples = []
    for row in rows:
        matcher.last = None
        matcher.match(row.query)
        codes: list[str]
        codes, features = matcher.last or ([], np.zeros((0, len(RANKING_FEATURES))))
        examples.append(Example(row, plain.match(row.query), codes, features, kind))
    return examples


def fold_of(code: str) -> int:
    return random.Random(f"{SEED}:{code}").randrange(FOLDS)


def _without_own_aliases(rows: Sequence[EvalQuery], tables: MatcherTables) -> list[Example]:
    """`rows` asked of matchers built, per fold, without the aliases of that fold's procedures."""
    examples = []
    for k in range(FOLDS):
        members = [row for row in rows if fold_of(row.expected[0]) == k]
        codes = {code for row in members for code in row.expected}
        kept = [alias for alias in tables.aliases if alias[0] not in codes]
        examples += _examples(members, replace(tables, aliases=kept), NO_ALIAS)
    return examples


def collect() -> list[Example]:
    """The tuning questions as the matcher sees them; again (weighing ALIAS_FREE_WEIGHT) with the aliases of
    the procedures of their own fold left out (data/aliases.tsv was written for these very questions:
    without this, the ranking learns to trust aliases more than a question about a procedure nobody wrote
    aliases for deserves)."""
    tables = MatcherTables.load()
    rows = [row for row in load_eval_set() if row.split not in UNSTUDIED_SPLITS and row.is_procedure]
    examples = _examples(rows, tables)
    examples += _without_own_aliases(rows, tables)
    return examples


@dataclass
class Stacked:
    """Questions' candidates padded to one array, so a fit step is a few array operations."""

    x: np.ndarray  # (questions, candidates, features)
    mask: np.ndarray  # (questions, candidates): a real candidate
    gold: np.ndarray  # (questions,)
    share: np.ndarray  # (questions,)

    @classmethod
    def of(cls, examples: Sequence[Example]) -> Stacked:
        usable = [e for e in examples if e.gold is not None and len(e.codes) > 1]
        width = max(len(e.codes) for e in usable)
        x = np.zeros((len(usable), width, len(RANKING_FEATURES)))
        mask = np.zeros((len(usable), width), dtype=bool)
        for q, e in enumerate(usable):
            x[q, : len(e.codes)] = e.features
            mask[q, : len(e.codes)] = True
        return cls(x, mask, np.asarray([e.gold for e in usable]), np.asarray([e.weight for e in usable]))


def fit(examples: Sequence[Example], l2: float = L2, steps: int = 600) -> np.ndarray:
    data = Stacked.of(examples)
    keep = np.asarray([name not in DROP for name in RANKING_FEATURES], dtype=float)
    scale = data.x[data.mask].std(axis=0) + 1e-6
    x = data.x * keep / scale
    gold_x = x[np.arange(len(x)), data.gold]
    share = data.share / data.share.sum()
    w = np.zeros(len(RANKING_FEATURES))
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t in range(1, steps + 1):  # Adam on the mean negative log-likelihood
        z = np.where(data.mask, x @ w, -np.inf)
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        grad = l2 * w + share @ (np.einsum("qc,qcf->qf", p, x) - gold_x)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w -= 0.05 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return w * keep / scale  # logits are invariant to a shift per question, so scaling alone carries over


def probabilities(e: Example, w: np.ndarray) -> np.ndarray:
    z = e.features @ w
    p = np.exp(z - z.max())
    return p / p.sum()


def order_of(p: np.ndarray) -> list[int]:
    return [int(k) for k in np.argsort(-p, kind="stable")]


def confidence_row(e: Example, w: np.ndarray) -> list[float]:
    p = probabilities(e, w)
    return confidence_features(p, order_of(p), e.features.tolist(), e.base.decision == "answer")


def decide(e: Example, w: np.ndarray, v: np.ndarray, answer_confidence: float) -> tuple[str, list[str]]:
    if not e.codes:
        return e.base.decision, [c.code for c in e.base.candidates]
    p = probabilities(e, w)
    order = order_of(p)
    model = RankingModel(w, v, answer_confidence, CLARIFY_MASS)
    if model.confidence(p, order, e.features.tolist(), e.base.decision == "answer") >= answer_confidence:
        return "answer", [e.codes[order[0]]]
    offered: list[str] = []
    mass = 0.0
    for k in order[:4]:
        if len(offered) >= 2 and mass >= CLARIFY_MASS:
            break
        offered.append(e.codes[k])
        mass += p[k]
    return "clarify", offered


def fit_confidence(rows: Sequence[list[float]], right: Sequence[bool], l2: float = 0.01, steps: int = 2000,
                   ) -> np.ndarray:
    """Logistic regression (plain gradient descent on standardised columns, the bias left alone)."""
    x = np.asarray(rows, dtype=float)
    y = np.asarray(right, dtype=float)
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-6
    mean[0], scale[0] = 0.0, 1.0
    xs = (x - mean) / scale
    v = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(xs @ v)))
        v -= 0.5 * (xs.T @ (p - y) / len(y) + l2 * np.r_[0.0, v[1:]])
    raw = v / scale
    raw[0] = v[0] - float(np.dot(v[1:], mean[1:] / scale[1:]))
    return raw


def calibrate(examples: Sequence[Example], oof_weights: Sequence[np.ndarray]) -> tuple[np.ndarray, float]:
    """Confidence model and answer threshold from out-of-fold rankings: the lowest threshold whose
    confidently wrong share stays within TRAIN_WRONG."""
    usable = [(e, w) for e, w in zip(examples, oof_weights, strict=True) if e.codes]
    rows = [confidence_row(e, w) for e, w in usable]
    right = [e.codes[order_of(probabilities(e, w))[0]] in e.row.expected for e, w in usable]
    v = fit_confidence(rows, right)
    for t in np.arange(0.30, 1.0, 0.01):
        f = Figures()
        for e, w in zip(examples, oof_weights, strict=True):
            f.add(e, *decide(e, w, v, float(t)))
        if f.wrong <= TRAIN_WRONG * f.n:
            return v, round(float(t), 2)
    return v, 1.0


@dataclass
class Figures:
    n: int = 0
    top1: int = 0
    resolved: int = 0
    wrong: int = 0
    fallback: int = 0
    answered: int = 0

    def add(self, e: Example, decision: str, codes: list[str]) -> None:
        self.n += 1
        hit = bool(codes) and codes[0] in e.row.expected
        self.top1 += hit
        if decision == "answer":
            self.answered += 1
            self.resolved += hit
            self.wrong += not hit
        elif decision == "clarify":
            self.resolved += any(c in e.row.expected for c in codes)
        else:
            self.fallback += 1

    def __str__(self) -> str:
        n = max(self.n, 1)
        return (f"{self.n:>5} top-1 {self.top1 / n:6.1%}  resolved {self.resolved / n:6.1%}  "
                f"wrong {self.wrong / n:5.1%}  fallback {self.fallback / n:5.1%}  answered {self.answered / n:5.1%}")


def main(write: bool) -> None:
    examples = collect()
    assignment = [fold_of(e.row.expected[0]) for e in examples]
    # Ranking weights fitted without each fold, reused as the inner folds of the outer loop below.
    without = {k: fit([e for e, f in zip(examples, assignment, strict=True) if f != k]) for k in range(FOLDS)}
    # The answer threshold is set on the questions as the matcher sees them: the alias-free copies teach the
    # ranking, but judged by them the matcher would ask about nearly everything.
    kinds = (SEEN, NO_ALIAS)
    base = {kind: Figures() for kind in kinds}
    learned = {kind: Figures() for kind in kinds}
    splits: dict[str, Figures] = {}
    thresholds = []
    misses: list[str] = []
    for k in range(FOLDS):
        train = [(e, f) for e, f in zip(examples, assignment, strict=True) if f != k]
        # The confidence model learns from rankings that never saw the question's procedure: each training
        # question ranked by weights fitted without its own fold and without the held-out fold.
        inner = {j: fit([e for e, f in train if f != j]) for j in range(FOLDS) if j != k}
        seen = [(e, f) for e, f in train if e.kind == SEEN]
        v, t = calibrate([e for e, _ in seen], [inner[f] for _, f in seen])
        thresholds.append(t)
        for e, f in zip(examples, assignment, strict=True):
            if f != k:
                continue
            decision, codes = decide(e, without[k], v, t)
            learned[e.kind].add(e, decision, codes)
            if not codes or codes[0] not in e.row.expected:
                misses.append(f"{e.kind}\t{e.row.split}\t{e.row.query}\t{'|'.join(e.row.expected)}\t{decision}\t"
                              f"{' '.join(codes[:3])}")
            bd, bc = e.base.decision, [c.code for c in e.base.candidates]
            base[e.kind].add(e, bd if bd in ("answer", "clarify") else "fallback", bc)
            if e.kind == SEEN:
                splits.setdefault(e.row.split, Figures()).add(e, decision, codes)
    print(f"grouped {FOLDS}-fold cross-validation by procedure; answer thresholds per fold {thresholds}")
    for kind in kinds:
        print(f"{kind:<9} hand-set {base[kind]}")
        print(f"{'':<9} learned  {learned[kind]}")
    for split, figures in sorted(splits.items()):
        print(f"{split:<9} learned  {figures}")
    if MISSES:
        MISSES.write_text("\n".join(misses) + "\n", encoding="utf-8")
    if write:
        w = fit(examples)
        used = [(e, f) for e, f in zip(examples, assignment, strict=True) if e.kind == SEEN]
        v, t = calibrate([e for e, _ in used], [without[f] for _, f in used])
        OUT.write_text(json.dumps({
            "about": "Learned ranking weights (tools/fit_ranking.py); features as in "
                     "bot.procedures.matcher.RANKING_FEATURES and CONFIDENCE_FEATURES.",
            "features": list(RANKING_FEATURES),
            "weights": [round(float(x), 5) for x in w],
            "confidence_features": list(CONFIDENCE_FEATURES),
            "confidence_weights": [round(float(x), 5) for x in v],
            "answer_confidence": t,
            "clarify_mass": CLARIFY_MASS,
        }, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {OUT} (answer confidence {t})")


if __name__ == "__main__":
    main("--write" in sys.argv[1:])
