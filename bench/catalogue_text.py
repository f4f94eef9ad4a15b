"""How much a citizen would have to read: section sizes over every detailed procedure, before/after.

Run: .venv/bin/python bench/catalogue_text.py [BASELINE_REVISION]
The baseline is the shipped catalogue at a git revision (default e696139, the tree issue 10 measured);
"after" is data/catalogue.json.gz in the working tree. Prints p50/p90/max characters of the joined
documents, steps and legal-basis sections, the after/before ratio, the legal items still glued
together, and (after only) the documents of
the common case (`case == ""`) and of the common case plus the largest single case.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.procedures.catalogue import CATALOGUE_FILE, Procedure, load_catalogue

ROOT = Path(__file__).resolve().parent.parent
# Two legal items run together: a document number glued to the text before it (as in tests/test_catalogue_import.py).
GLUED_LEGAL = re.compile(r"(?:[a-zà-ỹđ]\.?|[^\W\d_]\.|QH\d\d)\d{1,4}(?:\.\d+)?/\d{4}/[A-ZĐ]")


def quantile(values: list[int], share: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def documents(proc: Procedure) -> int:
    return len("\n".join(" ".join(x for x in (d.name, d.conditions) if x) for d in proc.documents))


def common_case(proc: Procedure) -> int:
    return len("\n".join(d.name for d in proc.documents if not d.case and d.group != "note"))


def common_and_largest_case(proc: Procedure) -> int:
    sizes: dict[str, int] = {}
    for doc in proc.documents:
        if doc.group != "note":
            sizes[doc.case] = sizes.get(doc.case, 0) + len(doc.name) + 1
    common = sizes.pop("", 0)
    return common + max(sizes.values(), default=0)


SECTIONS: dict[str, Callable[[Procedure], int]] = {
    "documents": documents,
    "steps": lambda p: len("\n".join(p.steps)),
    "legal basis": lambda p: len("\n".join(p.legal_basis)),
}
AFTER_ONLY: dict[str, Callable[[Procedure], int]] = {
    "documents, common case": common_case,
    "documents, common + largest case": common_and_largest_case,
}


def figures(path: Path, sections: dict[str, Callable[[Procedure], int]]) -> dict[str, tuple[int, int, int]]:
    detailed = [p for p in load_catalogue(path).procedures.values() if p.has_details]
    out = {}
    for name, size in sections.items():
        values = [size(p) for p in detailed]
        out[name] = (quantile(values, 0.5), quantile(values, 0.9), max(values))
    out["procedures"] = (len(detailed), 0, 0)
    out["glued legal items"] = (sum(bool(GLUED_LEGAL.search(i)) for p in detailed for i in p.legal_basis), 0, 0)
    return out


def main() -> None:
    revision = sys.argv[1] if len(sys.argv) > 1 else "e696139"
    blob = subprocess.run(["git", "show", f"{revision}:data/catalogue.json.gz"], cwd=ROOT, capture_output=True,
                          check=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        baseline = Path(tmp) / "catalogue.json.gz"
        baseline.write_bytes(blob)
        before = figures(baseline, SECTIONS)
    after = figures(CATALOGUE_FILE, SECTIONS | AFTER_ONLY)
    print(f"{after['procedures'][0]} detailed procedures; characters, before ({revision}) -> after (ratio)")
    for name in SECTIONS:
        cells = [f"{label} {b:,} -> {a:,} ({a / b:.2f})" if b else f"{label} {b} -> {a}"
                 for label, b, a in zip(("p50", "p90", "max"), before[name], after[name], strict=True)]
        print(f"  {name:<34} " + "   ".join(cells))
    print(f"  glued legal items: {before['glued legal items'][0]} -> {after['glued legal items'][0]}")
    for name in AFTER_ONLY:
        p50, p90, top = after[name]
        print(f"  {name:<34} p50 {p50:,}   p90 {p90:,}   max {top:,}   (after only)")


if __name__ == "__main__":
    main()
