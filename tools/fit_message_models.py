"""Fit the message models (bot/procedures/message_models.py): data/small_talk_weights.json and
data/office_topic_weights.json.

Run: .venv/bin/python -m tools.fit_message_models [--write] [--cv]   (the "fit" extra: pip install -e ".[fit]")
Logistic regressions over each message's folded words and word pairs, trained on data only, never on an
evaluation question:
- small talk: the small talk of data/small_talk.tsv and the phrases of data/chitchat.tsv against every
  training phrase and alias (procedure requests). The office questions of data/small_talk.tsv are left out:
  as examples they would teach that "sáng mai em qua … được không" asks for nothing, which "sáng mai em qua
  chứng thực được không" does.
- office topic: the office questions of data/small_talk.tsv, by topic, against all of the above (NO_TOPIC).
The tuning splits of tests/eval/queries.tsv set each threshold: the lowest at which none of the tuning
procedure questions would be lost (for small talk: of those the matcher does not answer outright, the only
ones it is asked about; for office topics: of those, and of the small talk, that no office signature matched
and that name no procedure), printed beside what it gains. --write writes the weights; --cv cross-validates
the office-topic model on the written office questions.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
from sklearn.feature_extraction import DictVectorizer  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from bot.office.topics import names_procedure, office_topics, office_words
from bot.procedures.catalogue import load_catalogue
from bot.procedures.matcher import DATA_DIR, Matcher, MatcherConfig, MatcherTables
from bot.procedures.message_models import NO_TOPIC, SmallTalkModel, TopicModel, knows_enough, message_features
from tests.eval.evalset import UNSTUDIED_SPLITS, EvalQuery, load_eval_set

SMALL_TALK_OUT = DATA_DIR / "small_talk_weights.json"
TOPIC_OUT = DATA_DIR / "office_topic_weights.json"
C = 1.0  # inverse L2 strength
THRESHOLDS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
# Office questions are under a thousand examples among eleven thousand: each counts this much, so that a
# topic is not drowned by the prior (--cv, with 350 office examples: of those no signature matched, 34 % got a
# topic, against 18 % unweighted).
TOPIC_WEIGHT = 5.0
FOLDS = 5
# A message some pair of whose words is in a procedure's name ("gửi xe ở đâu an toàn") may still be an office
# question, at a stricter threshold: one of these, that no tuning question naming a pair comes within
# NAMED_MARGIN of ("đăng ký kết hôn ở ủy ban xã nào" is a procedure question).
NAMED_THRESHOLDS = (0.9, 0.95, 0.97, 0.98, 0.99)
NAMED_MARGIN = 0.02
MIN_WEIGHT = 0.001  # smaller weights are left out of the shipped files (their words count as unknown)


def written_examples() -> list[list[str]]:
    """data/small_talk.tsv's rows: label, message[, office topic]."""
    lines = (DATA_DIR / "small_talk.tsv").read_text(encoding="utf-8").splitlines()
    return [row.split("\t") for row in lines if row.strip() and not row.startswith("#")]


def fit(texts: Sequence[str], labels: Sequence[str], words: Callable[[str], list[str]],
        class_weight: dict[str, float] | None = None) -> tuple[list[str], dict[str, np.ndarray], np.ndarray]:
    """Classes, per-feature weights (one per class; for two classes, one: the second class's log-odds) and
    biases of a logistic regression."""
    vectorizer = DictVectorizer()
    x = vectorizer.fit_transform([dict.fromkeys(message_features(words(t)), 1) for t in texts])
    model = LogisticRegression(C=C, max_iter=3000, class_weight=class_weight).fit(x, labels)
    coef = model.coef_.T  # features × (1 or classes)
    return [str(c) for c in model.classes_], dict(zip(vectorizer.get_feature_names_out(), coef, strict=True)), \
        model.intercept_


def fit_topics(office: Sequence[list[str]], others: Sequence[str]
               ) -> tuple[list[str], dict[str, np.ndarray], np.ndarray]:
    """The office-topic regression: the office questions (message, topic) against the other messages."""
    labels = [row[2] for row in office] + [NO_TOPIC] * len(others)
    return fit([row[1] for row in office] + list(others), labels, office_words,
               {t: TOPIC_WEIGHT for t in set(labels)} | {NO_TOPIC: 1.0})


def lowest_safe(rates: Sequence[tuple[float, float, int]], what: str) -> float:
    """Print, per threshold, the tuning procedure questions lost and what is gained; return the lowest
    threshold losing none."""
    chosen = THRESHOLDS[-1]
    for t, lost, gained in rates:
        print(f"  {what} threshold {t:.2f}: procedure questions lost {lost:6.2%}, gained {gained}")
        if lost == 0 and t < chosen:
            chosen = t
    print(f"  {what} threshold {chosen}")
    return chosen


def small_talk(tables: MatcherTables, written: Sequence[list[str]], matcher: Matcher, rows: Sequence[EvalQuery],
               write: bool) -> None:
    chat = [row[1] for row in written if row[0] == "chitchat"] + [p for _, p in tables.chitchat]
    requests = [p for _, p in tables.phrases] + [p for _, p in tables.aliases]
    classes, weights, bias = fit([*chat, *requests], ["chat"] * len(chat) + ["request"] * len(requests),
                                 matcher.words)
    sign = 1.0 if classes[1] == "chat" else -1.0  # the weights are the log-odds of classes[1]
    w = {f: sign * float(v[0]) for f, v in weights.items()}
    b = sign * float(bias[0])
    print(f"small talk: {len(chat)} examples against {len(requests)} requests, {len(w)} features")

    model = SmallTalkModel(w, b, 0.0)

    def probability(text: str) -> float:
        return model.probability(matcher.words(text))

    unsure, let_through = [], []
    for row in rows:
        if office_topics(row.query, learned=False):
            continue
        decision = matcher.match(row.query).decision
        if row.is_procedure and decision != "answer":
            unsure.append(probability(row.query))
        elif not row.is_procedure and decision in ("answer", "clarify"):
            let_through.append(probability(row.query))
    threshold = lowest_safe([(t, sum(p >= t for p in unsure) / max(len(unsure), 1), sum(p >= t for p in let_through))
                             for t in THRESHOLDS], "small talk")
    if write:
        kept = {f: round(v, 3) for f, v in sorted(w.items()) if abs(v) >= MIN_WEIGHT}
        SMALL_TALK_OUT.write_text(json.dumps({
            "about": "Small-talk model (tools/fit_message_models.py), read by bot.procedures.message_models.",
            "bias": round(b, 4), "threshold": threshold, "weights": kept,
        }, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"  wrote {SMALL_TALK_OUT} ({len(kept)} weights)")


def topic_model(classes: Sequence[str], weights: dict[str, np.ndarray], bias: np.ndarray) -> TopicModel:
    """The fitted office-topic model, as bot.procedures.message_models reads it (threshold 0: the caller
    compares the office probability with its own)."""
    return TopicModel(tuple(classes), weights, bias, 0.0)


def judged(model: TopicModel, text: str) -> tuple[float, list[str]]:
    """The office probability and topics of a message the model knows enough of (else 0, none)."""
    words = office_words(text)
    return model.ranked(words) if knows_enough(model.weights, words) else (0.0, [])


def cross_validate_topics(office: Sequence[list[str]], others: Sequence[str], threshold: float,
                          named_threshold: float) -> None:
    """5-fold cross-validation on the written office questions: of the held-out ones no signature matches,
    how many get topics at the threshold (named_threshold for those naming a procedure), and how many the
    right one among them."""
    missed: Counter[bool] = Counter()
    found: Counter[bool] = Counter()
    right: Counter[bool] = Counter()
    for k in range(FOLDS):
        train = [row for i, row in enumerate(office) if i % FOLDS != k]
        model = topic_model(*fit_topics(train, others))
        for row in office[k::FOLDS]:
            if office_topics(row[1], learned=False):
                continue
            named = names_procedure(row[1])
            missed[named] += 1
            probability, topics = judged(model, row[1])
            if probability >= (named_threshold if named else threshold):
                found[named] += 1
                right[named] += row[2] in topics
    for named, what in ((False, "naming no procedure"), (True, "naming a procedure's word pair")):
        print(f"  cross-validation: of {missed[named]} written office questions no signature matches, "
              f"{what}, {found[named]} get topics, {right[named]} the right one among them")


def office_topic(tables: MatcherTables, written: Sequence[list[str]], rows: Sequence[EvalQuery], write: bool,
                 cv: bool = False) -> None:
    office = [row for row in written if row[0] == "office" and len(row) >= 3]
    others = [row[1] for row in written if row[0] == "chitchat"] + [p for _, p in tables.chitchat] \
        + [p for _, p in tables.phrases] + [p for _, p in tables.aliases]
    classes, weights, bias = fit_topics(office, others)
    print(f"office topics {classes}: {len(office)} examples against {len(others)}, {len(weights)} features")
    model = topic_model(classes, weights, bias)
    # A message naming a procedure is never an office question (bot.office.topics), whatever the model says.
    unmatched = [(row, judged(model, row.query)[0]) for row in rows
                 if not office_topics(row.query, learned=False) and not names_procedure(row.query)]
    # Procedure questions and small talk alike are lost to a wrong office answer.
    procedures = [p for row, p in unmatched if row.expected[0] != "office"]
    n_procedures = len(procedures)
    offices = [p for row, p in unmatched if row.expected[0] == "office"]
    n_office = len(offices)
    print(f"  {n_office} tuning office questions no signature matched")
    threshold = lowest_safe([(t, sum(p >= t for p in procedures) / max(n_procedures, 1), sum(p >= t for p in offices))
                             for t in THRESHOLDS], "office topic")
    # A message naming a procedure's word pair: the lowest threshold that every such tuning question that is
    # no office question stays NAMED_MARGIN under.
    named = [judged(model, row.query)[0] for row in rows if row.expected[0] != "office"
             and not office_topics(row.query, learned=False) and names_procedure(row.query)]
    named_threshold = min((t for t in NAMED_THRESHOLDS if all(p < t - NAMED_MARGIN for p in named)), default=1.0)
    print(f"  office topic threshold for a message naming a procedure {named_threshold} "
          f"(highest such tuning question {max(named, default=0.0):.3f})")
    if cv:
        cross_validate_topics(office, others, threshold, named_threshold)
    if write:
        kept = {f: [round(float(x), 3) for x in v] for f, v in sorted(weights.items()) if np.abs(v).max() >= MIN_WEIGHT}
        TOPIC_OUT.write_text(json.dumps({
            "about": "Office-topic model (tools/fit_message_models.py), read by bot.procedures.message_models.",
            "classes": classes, "bias": [round(float(x), 4) for x in bias], "threshold": threshold,
            "named_threshold": named_threshold, "weights": kept,
        }, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"  wrote {TOPIC_OUT} ({len(kept)} weights)")


def main(write: bool, cv: bool = False) -> None:
    tables = MatcherTables.load()
    # The shipped small-talk model is left out: its threshold is set on what the rules alone let through.
    matcher = Matcher(load_catalogue().procedures.values(), replace(tables, small_talk_weights=""), MatcherConfig())
    rows = [row for row in load_eval_set() if row.split not in UNSTUDIED_SPLITS]
    written = written_examples()
    small_talk(tables, written, matcher, rows, write)
    office_topic(tables, written, rows, write, cv)


if __name__ == "__main__":
    main("--write" in sys.argv[1:], "--cv" in sys.argv[1:])
