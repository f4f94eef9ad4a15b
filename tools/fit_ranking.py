"""Fit the learned ranking's weights (data/ranking_weights.json) on the tuning splits, and measure them with
cross-validation grouped by procedure.

Run: .venv/bin/python -m tools.fit_ranking [--write] [--drop FEATURE,FEATURE]
Loads only the tuning splits (TUNING_SPLITS) of tests/eval/queries.tsv. The hand-set matcher finds each
question's candidates and their features (bot.procedures.matcher.RANKING_FEATURES); a softmax over the
candidates of one question (conditional logit, L2-regularised, plain NumPy) learns their weights. Folds
are grouped by the expected procedure, so a validation fold's procedures were never trained on: its
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
from tests.eval.evalset import EvalQuery, load_eval_set

TUNING_SPLITS = ("dev", "heldout", "dev3", "dev4", "dev5")
FOLDS = 5
SEED = 11
L2 = 0.02
CLARIFY_MASS = 0.98  # offer buttons (2 to 4) until their probabilities sum to this
TRAIN_WRONG = 0.005  # confidently wrong allowed on the training folds: half the 1 % target, folds are small
# Features left out, for ablations: --drop action_agrees,action_conflicts
DROP = set(sys.argv[sys.argv.index("--drop") + 1].split(",")) if "--drop" in sys.argv else set()
# --aliased-only: learn only from the questions as the matcher sees them (the former fit), for comparison.
ALIASED_ONLY = "--aliased-only" in sys.argv
# How much an alias-free copy of a question counts beside the question as the matcher sees it: citizens'
# questions about common procedures do meet the aliases written for them, new phrasings often do not.
ALIAS_FREE_WEIGHT = 0.5
OUT = DATA_DIR / "ranking_weights.json"


@dataclass
class Example:
    row: EvalQuery
    base: MatchResult  # the hand-set matcher's result
    codes: list[str]  # candidates in hand-set order (empty when the hand-set matcher fell back)
    features: np.ndarray  # one row per candidate
    weight: float = 1.0  # how much the question counts in the ranking's fit

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


def _recorder(tables: MatcherTables) -> _Recorder:
    matcher = _Recorder(load_catalogue().procedures.values(), replace(tables, ranking_weights=""))
    # Any parsable model makes the matcher compute features; the recorder then keeps the hand-set decision.
    matcher._model = RankingModel(np.zeros(len(RANKING_FEATURES)), np.zeros(len(CONFIDENCE_FEATURES)), 2.0,
                                  CLARIFY_MASS)
    return matcher


def _examples(rows: Sequence[EvalQuery], tables: MatcherTables) -> list[Example]:
    matcher = _recorder(tables)
    plain = Matcher(load_catalogue().procedures.values(), replace(tables, ranking_weights=""))
    examples = []
    for row in rows:
        matcher.last = None
        matcher.match(row.query)
        codes: list[str]
        codes, features = matcher.last or ([], np.zeros((0, len(RANKING_FEATURES))))
        examples.append(Example(row, plain.match(row.query), codes, features))
    return examples


def collect() -> tuple[list[Example], list[Example]]:
    """The tuning questions as the matcher sees them, and again (weighing ALIAS_FREE_WEIGHT) with the
    aliases of the procedures of their own fold left out (data/aliases.tsv was written for these very
    questions: without this, the ranking learns to trust aliases more than a question about a procedure
    nobody wrote aliases for deserves)."""
    tables = MatcherTables.load()
    rows = [row for row in load_eval_set() if row.split in TUNING_SPLITS and row.is_procedure]
    examples = _examples(rows, tables)
    assignment = folds(examples)
    unaliased: list[Example | None] = [None] * len(rows)
    for k in range(FOLDS):
        members = [i for i, f in enumerate(assignment) if f == k]
        codes = {code for i in members for code in rows[i].expected}
        kept = [alias for alias in tables.aliases if alias[0] not in codes]
        for i, example in zip(members, _examples([rows[i] for i in members], replace(tables, aliases=kept)),
                              strict=True):
            unaliased[i] = example
    return examples, [replace(e, weight=ALIAS_FREE_WEIGHT) for e in unaliased if e is not None]


def fit(examples: Sequence[Example], l2: float = L2, steps: int = 600) -> np.ndarray:
    usable = [e for e in examples if e.gold is not None and len(e.codes) > 1]
    keep = np.asarray([name not in DROP for name in RANKING_FEATURES], dtype=float)
    stacked = np.vstack([e.features for e in usable]) * keep
    scale = stacked.std(axis=0) + 1e-6
    xs = [e.features * keep / scale for e in usable]
    golds = [e.gold for e in usable]
    shares = [e.weight for e in usable]
    total = sum(shares)
    w = np.zeros(len(RANKING_FEATURES))
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t in range(1, steps + 1):  # Adam on the mean negative log-likelihood
        grad = l2 * w
        for x, g, share in zip(xs, golds, shares, strict=True):
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            grad += share * (p @ x - x[g]) / total
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
        return (f"{self.n:>4} top-1 {self.top1 / n:6.1%}  resolved {self.resolved / n:6.1%}  "
                f"wrong {self.wrong / n:5.1%}  fallback {self.fallback / n:5.1%}  answered {self.answered / n:5.1%}")


def folds(examples: Sequence[Example]) -> list[int]:
    groups = sorted({e.row.expected[0] for e in examples})
    random.Random(SEED).shuffle(groups)
    fold_of = {g: k % FOLDS for k, g in enumerate(groups)}
    return [fold_of[e.row.expected[0]] for e in examples]


def main(write: bool) -> None:
    examples, unaliased = collect()
    assignment = folds(examples)
    # Each question is learned from twice: as the matcher sees it, and without its procedure's aliases.
    both = [*examples, *([] if ALIASED_ONLY else unaliased)]
    both_folds = assignment * (len(both) // len(examples))
    # Ranking weights fitted without each fold, reused as the inner folds of the outer loop below.
    without = {k: fit([e for e, f in zip(both, both_folds, strict=True) if f != k]) for k in range(FOLDS)}
    base, learned, bare = {}, {}, {}
    for split in (*TUNING_SPLITS, "all"):
        base[split], learned[split], bare[split] = Figures(), Figures(), Figures()
    thresholds = []
    for k in range(FOLDS):
        train = [(e, f) for e, f in zip(both, both_folds, strict=True) if f != k]
        # The confidence model learns from rankings that never saw the question's procedure: each training
        # question ranked by weights fitted without its own fold and without the held-out fold.
        inner = {j: fit([e for e, f in train if f != j]) for j in range(FOLDS) if j != k}
        # The answer threshold is set on the questions as the matcher sees them: the alias-free copies
        # teach the ranking, but judged by them the matcher would ask about nearly everything.
        seen = [(e, f) for e, f in zip(examples, assignment, strict=True) if f != k]
        v, t = calibrate([e for e, _ in seen], [inner[f] for _, f in seen])
        thresholds.append(t)
        w = without[k]
        for e, plain, f in zip(examples, unaliased, assignment, strict=True):
            if f != k:
                continue
            bd, bc = e.base.decision, [c.code for c in e.base.candidates]
            for split in (e.row.split, "all"):
                learned[split].add(e, *decide(e, w, v, t))
                bare[split].add(plain, *decide(plain, w, v, t))
                base[split].add(e, bd if bd in ("answer", "clarify") else "fallback", bc)
    print(f"grouped {FOLDS}-fold cross-validation by procedure over {', '.join(TUNING_SPLITS)}; "
          f"answer thresholds per fold {thresholds}")
    for split in (*TUNING_SPLITS, "all"):
        print(f"{split:<8} hand-set {base[split]}")
        print(f"{'':<8} learned  {learned[split]}")
        print(f"{'':<8} no alias {bare[split]}  (the question's own procedures' aliases left out)")
    if write:
        w = fit(both)
        v, t = calibrate(examples, [without[f] for f in assignment])
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
