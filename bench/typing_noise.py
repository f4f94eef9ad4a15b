"""Benchmark the procedure matcher on questions typed the way citizens type on a cheap phone.

Run: PYTHONPATH=$PWD .venv/bin/python bench/typing_noise.py [N] [KIND ...]
Takes the procedure questions of the tuning splits of tests/eval/queries.tsv, makes N noisy variants of
each per kind of noise (tools/typing_noise.py; default N=2, every kind) and prints top-1, top-3, resolved
and confidently wrong on the clean questions and on each kind, with each kind's ratio to clean. It prints
aggregates only: study a kind that degrades on examples of your own, not on the questions it perturbs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.procedures.catalogue import load_catalogue
from bot.procedures.matcher import Matcher
from tests.eval.evalset import EvalQuery, Scores, load_eval_set, score
from tools.typing_noise import KINDS, variants

TUNING_SPLITS = ("dev", "heldout", "dev3", "dev4", "dev5", "dev6", "dev7", "blind", "blind2", "blind3", "blind4")


def main() -> None:
    args = sys.argv[1:]
    n = int(args.pop(0)) if args and args[0].isdigit() else 2
    kinds = args or list(KINDS)
    rows = [row for row in load_eval_set() if row.split in TUNING_SPLITS and row.is_procedure]
    matcher = Matcher.from_catalogue(load_catalogue())

    def rank(query: str) -> tuple[str, list[str]]:
        result = matcher.match(query)
        return result.decision, [c.code for c in result.candidates]

    def line(label: str, s: Scores, clean: Scores | None, seconds: float) -> str:
        figures = [s.top1_rate, s.top3_rate, s.resolved_rate, s.wrong_answer_rate]
        text = " ".join(f"{f:6.3f}" for f in figures)
        if clean is not None:
            base = [clean.top1_rate, clean.top3_rate, clean.resolved_rate]
            ratios = " ".join(f"{f / max(b, 1e-9):6.3f}" for f, b in zip(figures, base, strict=False))
            text += f"   {ratios}  {s.wrong_answer_rate - clean.wrong_answer_rate:+6.3f}"
        return f"{label:14s} {s.procedure_queries:6d} {text}  {1000 * seconds / max(s.procedure_queries, 1):5.2f}ms"

    print(f"{len(rows)} procedure questions, {n} variants per kind")
    print(f"{'kind':14s} {'n':>6s} {'top1':>6s} {'top3':>6s} {'resol':>6s} {'wrong':>6s}   "
          f"{'top1/c':>6s} {'top3/c':>6s} {'res/c':>6s}  {'Δwrong':>6s}")
    start = time.perf_counter()
    clean = score(rows, rank)
    print(line("clean", clean, None, time.perf_counter() - start))
    for kind in kinds:
        noisy = [EvalQuery(v, row.expected, row.split) for row in rows for v in variants(row.query, kind, n)]
        start = time.perf_counter()
        print(line(kind, score(noisy, rank), clean, time.perf_counter() - start), flush=True)


if __name__ == "__main__":
    main()
