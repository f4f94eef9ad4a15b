"""How long the bot's answers are, before and after issue 10, over every detailed procedure.

Run: .venv/bin/python bench/answers.py
"Before" is bot/procedures/procedure_reply.py and data/catalogue.json.gz as they were at commit e696139 (read with
`git show`; the renderer loaded as its own module); "after" is the working tree's renderer and catalogue.
For the first answer and for each section (docs, steps, legal) it prints p50 / p90 / max of:
- chars per tap: what one tap sends (before: the whole section; after: one page);
- messages per tap: Zalo messages one tap sends (a text over 2,000 characters is split by the sender);
- taps: how many taps show the whole section (before: always one);
and the after/before ratio of each figure.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.office.info import commune_info_from_dict  # noqa: E402
from bot.procedures import procedure_reply  # noqa: E402
from bot.procedures.cards import Card, load_cards  # noqa: E402
from bot.procedures.catalogue import Catalogue, Procedure, catalogue_from_json, load_catalogue  # noqa: E402
from bot.zalo.messages import split_text  # noqa: E402

BASELINE_COMMIT = "e696139"
SECTIONS = ("docs", "steps", "legal")


def baseline_module() -> ModuleType:
    source = subprocess.run(["git", "show", f"{BASELINE_COMMIT}:bot/procedures/procedure_reply.py"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "procedure_reply_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("procedure_reply_before", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def baseline_catalogue() -> Catalogue:
    packed = subprocess.run(["git", "show", f"{BASELINE_COMMIT}:data/catalogue.json.gz"], cwd=ROOT,
                            check=True, capture_output=True).stdout
    return catalogue_from_json(json.loads(gzip.decompress(packed)))


def messages(texts: list[str]) -> list[str]:
    """What Zalo receives: each reply's text split at 2,000 characters, as the sender does."""
    return [part for text in texts for part in split_text(text)]


def measure_before(old: ModuleType, proc: Procedure, office: object) -> dict[str, tuple[int, int, int]]:
    first = old.compose_answer(proc, office)[0].text
    figures = {"first": (len(first), len(messages([first])), 1)}
    for section in SECTIONS:
        sent = messages([r.text for r in old.compose_section(proc, section)])
        figures[section] = (sum(map(len, sent)), len(sent), 1)
    return figures


def measure_after(proc: Procedure, office: procedure_reply.OfficeInfo, card: Card | None
                  ) -> dict[str, tuple[int, int, int]]:
    first = procedure_reply.compose_answer(proc, office, card)[0].text
    figures = {"first": (len(first), len(messages([first])), 1)}
    for section in SECTIONS:
        pages = procedure_reply.section_pages(proc, section)
        if not pages:
            sent = messages([r.text for r in procedure_reply.compose_section(proc, section)])
            figures[section] = (sum(map(len, sent)), len(sent), 1)
            continue
        taps = [messages(list(page.messages)) for page in pages]
        biggest = max(taps, key=lambda tap: sum(map(len, tap)))
        figures[section] = (sum(map(len, biggest)), max(len(tap) for tap in taps), len(pages))
    return figures


def percentiles(values: list[int]) -> tuple[int, int, int]:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return int(statistics.median(ordered)), p90, ordered[-1]


def main() -> None:
    catalogue = load_catalogue()
    procs = [p for p in catalogue.procedures.values() if p.has_details]
    info = commune_info_from_dict({"name": "UBND xã An Phú", "address": "Thôn 1", "phone": "0236 3000 000",
                                   "monday_service": {"title": "Thứ Hai – ngày không viết"},
                                   "friday_service": {"title": "Thứ Sáu – ngày không hẹn"}})
    old = baseline_module()
    old_office = old.OfficeInfo(info.name, info.address, info.phone, "",
                                tuple(old.DeskService(s.line, s.codes) for s in info.desk_services))
    new_office = info
    old_procs = [p for p in baseline_catalogue().procedures.values() if p.has_details]
    before = [measure_before(old, p, old_office) for p in old_procs]
    cards = load_cards()  # the commune's plain-language cards, as the bot answers with them
    after = [measure_after(p, new_office, cards.get(p.code)) for p in procs]
    print(f"{len(old_procs)} / {len(procs)} detailed procedures; before = renderer and catalogue at "
          f"{BASELINE_COMMIT}, after = this tree")
    print(f"{'part':<6} {'figure':<17} {'before p50/p90/max':>22} {'after p50/p90/max':>22} {'ratio p50/p90/max':>20}")
    for part in ("first", *SECTIONS):
        for index, figure in enumerate(("chars per tap", "messages per tap", "taps to read all")):
            if part == "first" and index == 2:
                continue
            b = percentiles([f[part][index] for f in before])
            a = percentiles([f[part][index] for f in after])
            ratio = "/".join(f"{y / x:.2f}" if x else "–" for x, y in zip(b, a, strict=True))
            print(f"{part:<6} {figure:<17} {'/'.join(map(str, b)):>22} {'/'.join(map(str, a)):>22} {ratio:>20}")
    over = sum(1 for f in after if f["first"][0] > procedure_reply.FIRST_ANSWER_CHARS)
    print(f"first answers over {procedure_reply.FIRST_ANSWER_CHARS} chars: before "
          f"{sum(1 for f in before if f['first'][0] > procedure_reply.FIRST_ANSWER_CHARS)}, after {over}")


if __name__ == "__main__":
    main()
