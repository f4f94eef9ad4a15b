"""Print the matcher's figures per split of the evaluation set, misses included.

Run: .venv/bin/python -m tests.eval.report [--misses]
bench/matching.py compares against baselines; this report shows every split the file has (dev, heldout,
blind, blind2, ...) so the never-tuned-on "blind2" figure is visible next to the tuned ones.
"""

from __future__ import annotations

import statistics
import sys
import time

from bot.procedures.catalogue import load_catalogue
from bot.procedures.matcher import Matcher
from tests.eval.evalset import UNSTUDIED_SPLITS, load_eval_set, score


def main(show_misses: bool) -> None:
    matcher = Matcher.from_catalogue(load_catalogue())

    def rank(query: str) -> tuple[str, list[str]]:
        result = matcher.match(query)
        if result.intent == "office":  # held back for the office handler, as the text chain does
            return "office", []
        return result.decision, [c.code for c in result.candidates]

    rows = load_eval_set()
    splits = list(dict.fromkeys(r.split for r in rows))
    print(f"{'split':<9} {'queries':>7} {'top-1':>7} {'top-3':>7} {'resolved':>8} {'wrong':>6} {'not-answ.':>9}")
    for split in splits:
        subset = [r for r in rows if r.split == split]
        misses: list[str] = []
        s = score(subset, rank, misses)
        print(f"{split:<9} {len(subset):>7} {s.top1_rate:>7.1%} {s.top3_rate:>7.1%} {s.resolved_rate:>8.1%} "
              f"{s.wrong_answer_rate:>6.1%} {s.not_answered_rate:>9.1%}")
        if show_misses and split in UNSTUDIED_SPLITS:
            print("    (misses not shown: this split measures generalisation and is never studied)")
        elif show_misses:
            for miss in misses:
                print(f"    {miss}")
    queries = [r.query for r in rows]
    for query in queries[:50]:  # warm-up
        matcher.match(query)
    latencies = []
    for query in queries:
        start = time.perf_counter()
        matcher.match(query)
        latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
    print(f"latency per query: p50 {statistics.median(latencies):.3f} ms, p99 {p99:.3f} ms")


if __name__ == "__main__":
    main("--misses" in sys.argv[1:])
