"""Benchmark the procedure matcher on the hand-written evaluation set, beside two baselines.

Run: .venv/bin/python bench/matching.py [SPLIT ...]
Prints per split of tests/eval/queries.tsv: top-1, top-3, resolved (answered right, or the right procedure
among the offered buttons), confidently wrong and fallback (shares of procedure queries), small talk /
office questions / receipt numbers held back from procedure answers (office questions must reach the
office handler), asked (share of procedure queries answered with a clarifying question), p50/p99
wall-clock latency and p99 CPU time per query over the full shipped catalogue, for:
- ours: the text chain's office-question check (handlers.office.office_topics), then bot.procedures.matcher.Matcher
  (normalisation, index, ranking, decision);
- rapidfuzz WRatio: process.extractOne over folded names (always "answers" its best name);
- BM25 (bm25s) over folded names, on the same folding (always "answers" its best name).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bm25s  # type: ignore[import-untyped]
from rapidfuzz import fuzz, process, utils

from bot.office.topics import office_topics
from bot.procedures.catalogue import load_catalogue
from bot.procedures.matcher import Matcher
from bot.procedures.textnorm import fold
from tests.eval.evalset import Ranker, Scores, load_eval_set, score


def timed(ranker: Ranker, queries: list[str]) -> tuple[Ranker, list[float], list[float]]:
    """The ranker, timing each call: wall-clock milliseconds, and CPU milliseconds of this thread (which
    leave out the time the process waited for a core on a shared machine)."""
    latencies: list[float] = []
    cpu: list[float] = []

    def wrapped(query: str) -> tuple[str, list[str]]:
        start, start_cpu = time.perf_counter(), time.thread_time()
        out = ranker(query)
        latencies.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
        return out

    for query in queries[:50]:  # warm-up
        ranker(query)
    return wrapped, latencies, cpu


def ours(matcher: Matcher) -> Ranker:
    def rank(query: str) -> tuple[str, list[str]]:
        if office_topics(query):  # the chain asks the office handler before the matcher
            return "office", []
        result = matcher.match(query)
        return result.decision, [c.code for c in result.candidates]

    return rank


def wratio_baseline(codes: list[str], names: list[str]) -> Ranker:
    folded = [fold(n) for n in names]

    def rank(query: str) -> tuple[str, list[str]]:
        hit = process.extractOne(fold(query), folded, scorer=fuzz.WRatio, processor=utils.default_process)
        return ("answer", [codes[hit[2]]]) if hit else ("fallback", [])

    return rank


def wratio_top3(codes: list[str], names: list[str]) -> Ranker:
    folded = [fold(n) for n in names]

    def rank(query: str) -> tuple[str, list[str]]:
        hits = process.extract(fold(query), folded, scorer=fuzz.WRatio, processor=utils.default_process, limit=3)
        return ("answer", [codes[h[2]] for h in hits]) if hits else ("fallback", [])

    return rank


def bm25_baseline(codes: list[str], names: list[str]) -> Ranker:
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize([fold(n) for n in names], stopwords=None, show_progress=False),
                    show_progress=False)

    def rank(query: str) -> tuple[str, list[str]]:
        tokens = bm25s.tokenize([fold(query) or "_"], stopwords=None, show_progress=False)
        try:
            ids, scores = retriever.retrieve(tokens, k=3, show_progress=False)
        except (ValueError, IndexError):
            return "fallback", []
        found = [codes[i] for i, s in zip(ids[0], scores[0], strict=True) if s > 0]
        return ("answer", found) if found else ("fallback", [])

    return rank


def counting_questions(ranker: Ranker, procedure_queries: set[str]) -> tuple[Ranker, list[int]]:
    """The ranker, counting how many procedure queries it answers with a clarifying question."""
    asked = [0]

    def wrapped(query: str) -> tuple[str, list[str]]:
        decision, codes = ranker(query)
        asked[0] += decision == "clarify" and query in procedure_queries
        return decision, codes

    return wrapped, asked


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    catalogue = load_catalogue()
    start = time.perf_counter()
    matcher = Matcher.from_catalogue(catalogue)
    build_s = time.perf_counter() - start
    # The baselines see the same procedures the matcher keeps (national + this province's).
    codes = list(matcher.procedure_codes)
    names = [catalogue.procedures[c].name for c in codes]
    rows = load_eval_set()
    systems: dict[str, Callable[[], Ranker]] = {
        "ours (Matcher)": lambda: ours(matcher),
        "rapidfuzz WRatio": lambda: wratio_top3(codes, names),
        "BM25 (bm25s)": lambda: bm25_baseline(codes, names),
    }
    print(f"catalogue: {len(catalogue)} procedures, {len(codes)} indexed; matcher built in {build_s:.2f} s")
    wanted = sys.argv[1:] or [*dict.fromkeys(r.split for r in rows), "all"]
    for split in wanted:
        subset = [r for r in rows if split == "all" or r.split == split]
        if not subset:
            continue
        n_proc = sum(r.is_procedure for r in subset)
        others = len(subset) - n_proc
        print(f"\n[{split}] {len(subset)} queries ({n_proc} procedure, {others} small talk/office/receipt)")
        print(f"{'system':<18} {'top-1':>7} {'top-3':>7} {'resolved':>8} {'wrong':>6} {'fallbk':>6} "
              f"{'held':>6} {'asked':>6} {'p50 ms':>7} {'p99 ms':>7} {'p99 cpu':>7}")
        results: dict[str, tuple[Scores, float, float]] = {}
        for name, make in systems.items():
            ranker, latencies, cpu = timed(make(), [r.query for r in subset])
            ranker, asked = counting_questions(ranker, {r.query for r in subset if r.is_procedure})
            s = score(subset, ranker)
            results[name] = (s, statistics.median(latencies), percentile(latencies, 0.99))
            print(f"{name:<18} {s.top1_rate:>7.1%} {s.top3_rate:>7.1%} {s.resolved_rate:>8.1%} "
                  f"{s.wrong_answer_rate:>6.1%} {s.fallback_rate:>6.1%} {s.not_answered_rate:>6.1%} "
                  f"{asked[0] / max(s.procedure_queries, 1):>6.1%} "
                  f"{results[name][1]:>7.3f} {results[name][2]:>7.3f} {percentile(cpu, 0.99):>7.3f}")
        base = results["ours (Matcher)"]
        for name, (s, p50, p99) in results.items():
            if name.startswith("ours"):
                continue
            print(f"  ours / {name}: top-1 ×{base[0].top1_rate / max(s.top1_rate, 1e-9):.2f}, "
                  f"p50 ×{base[1] / p50:.2f}, p99 ×{base[2] / p99:.2f}")

if __name__ == "__main__":
    main()
