"""Load the hand-written evaluation set and score a matcher-like function on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

EVAL_FILE = Path(__file__).with_name("queries.tsv")
NOT_A_PROCEDURE = ("chitchat", "receipt", "office")
# Splits that measure generalisation: never tuned on, and their misses are never shown (studying them would
# turn them into tuning data).
UNSTUDIED_SPLITS = frozenset({"blind5", "blind6", "blind7", "blind8", "blind9", "blind10"})


@dataclass(frozen=True)
class EvalQuery:
    query: str
    expected: tuple[str, ...]  # procedure codes, or ("chitchat",) / ("receipt",) / ("office",)
    split: str

    @property
    def is_procedure(self) -> bool:
        return self.expected[0] not in NOT_A_PROCEDURE


def load_eval_set(path: Path = EVAL_FILE) -> list[EvalQuery]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        query, expected, split = line.split("\t")
        rows.append(EvalQuery(query, tuple(expected.split("|")), split))
    return rows


@dataclass
class Scores:
    procedure_queries: int = 0
    top1: int = 0
    top3: int = 0
    resolved: int = 0  # answered right, or the right procedure among the offered buttons
    wrong_answers: int = 0  # answered confidently with a wrong procedure
    fallbacks: int = 0  # a procedure question neither answered nor clarified
    other_queries: int = 0
    not_answered: int = 0  # small talk / office / receipt held back from procedure answers

    @property
    def top1_rate(self) -> float:
        return self.top1 / max(self.procedure_queries, 1)

    @property
    def top3_rate(self) -> float:
        return self.top3 / max(self.procedure_queries, 1)

    @property
    def resolved_rate(self) -> float:
        return self.resolved / max(self.procedure_queries, 1)

    @property
    def wrong_answer_rate(self) -> float:
        return self.wrong_answers / max(self.procedure_queries, 1)

    @property
    def fallback_rate(self) -> float:
        return self.fallbacks / max(self.procedure_queries, 1)

    @property
    def not_answered_rate(self) -> float:
        return self.not_answered / max(self.other_queries, 1)


# A ranker returns (decision, ranked codes); decision is "answer", "clarify" or anything else
# ("office" when the office-questions handler takes the message before the matcher).
Ranker = Callable[[str], tuple[str, list[str]]]


def score(rows: list[EvalQuery], ranker: Ranker, misses: list[str] | None = None) -> Scores:
    result = Scores()
    for row in rows:
        decision, codes = ranker(row.query)
        if row.is_procedure:
            result.procedure_queries += 1
            hit1 = bool(codes) and codes[0] in row.expected
            result.top1 += hit1
            result.top3 += any(code in row.expected for code in codes[:3])
            if decision == "answer":
                result.resolved += hit1
                result.wrong_answers += not hit1
            elif decision == "clarify":
                result.resolved += any(code in row.expected for code in codes)
            else:
                result.fallbacks += 1
            if not hit1 and misses is not None:
                misses.append(f"{row.query!r} expected {'|'.join(row.expected)} got {decision} {codes[:3]}")
        else:
            result.other_queries += 1
            answered = decision in ("answer", "clarify") and bool(codes)
            if row.expected[0] == "office":  # must reach the office handler, not merely be held back
                answered = decision != "office"
            result.not_answered += not answered
            if answered and misses is not None:
                misses.append(f"{row.query!r} expected {row.expected[0]} got {decision} {codes[:3]}")
    return result
