"""Build data/related_terms.tsv: words of the catalogue's own text that point at words of its names.

    .venv/bin/pip install -e ".[terms]"        # gensim, for this generator only
    .venv/bin/python -m tools.related_terms [--shared ../shared/data] [--out data/related_terms.tsv]

A citizen describes a situation in the words a record's body uses ("giấy chứng sinh", "bộ đội", "qua
đời"), not in the words of its name ("khai sinh", "nghĩa vụ quân sự", "khai tử"). This generator learns
such links from the catalogue alone (names, documents, requirements, results, steps, legal basis, target
users, and the structured crawl's documents, process and eligibility text), never from evaluation queries.
The raw crawl's `raw_text` is left out: its table cells are glued without separators ("hiệnbảo hiểm"),
which made half of the first pairs nonsense.

1. sentences of folded syllables; gensim `Phrases` joins syllables that belong together into terms
   ("giay_chung_sinh", "hiem_ngheo"), the way Vietnamese words span syllables;
2. gensim `Word2Vec` (skip-gram, one worker and a fixed seed, so a rerun gives the same file) learns a
   vector per term;
3. a pair (body term → name term) is kept only when all hold, because unfiltered neighbours are mostly
   siblings ("khai sinh" ~ "khai tử") and boilerplate:
   - both are terms of at least two syllables, seen at least `MIN_COUNT` times;
   - the body term is (almost) absent from names — the names already say what names say;
   - the name term names at least two procedures (so it is vocabulary the index weighs);
   - they are close in the vectors (cosine ≥ `MIN_COSINE`) and mutual neighbours (each among the
     other's `MUTUAL_K` nearest name/body terms);
   - pairs come from citizen-facing records only (at the commune, or under a citizen life event);
   - they meet in the same records: at least `MIN_RECORDS` records have the body term in their text and
     the name term in their name, and that is at least `MIN_SHARE` of the records with the body term.
The runtime (bot.procedures.related_terms) reads only the small TSV this writes; gensim is not needed to run the bot.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from bot.config import ROOT
from bot.procedures.catalogue import CATALOGUE_FILE, load_catalogue
from bot.procedures.catalogue_import.sources import structured_records
from bot.procedures.textnorm import fold, nfc

DEFAULT_SHARED = ROOT.parent / "shared" / "data"
DEFAULT_OUT = ROOT / "data" / "related_terms.tsv"

MIN_COUNT = 8
MIN_COSINE = 0.55
MUTUAL_K = 15
MIN_RECORDS = 3
MIN_SHARE = 0.25
MAX_NAME_DF_OF_SOURCE = 1
MAX_TARGETS = 3
MAX_TARGET_SHARE = 0.03
SEED = 11

# Punctuation ends a phrase (typographic quotes given as escapes).
_SPLIT_RE = re.compile("[\n\r.;:!?•*+=/\\\\|\"“”'\u2018\u2019()\\[\\]{}<>–—-]+")
_WORD_RE = re.compile(r"[a-z]+")
_NAME_PREFIX = ("thu", "tuc")


def _sentences(text: str) -> Iterator[list[str]]:
    for part in _SPLIT_RE.split(fold(nfc(text))):
        words = _WORD_RE.findall(part)
        if len(words) >= 2:
            yield words


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON value (the structured crawl nests its text)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def read_records(shared: Path, catalogue_file: Path) -> tuple[dict[str, str], dict[str, list[str]], set[str]]:
    """(code → name, code → body texts, citizen-facing codes) from the shipped catalogue and the
    structured crawl. Citizen-facing: handled at the commune, or listed under a citizen life event."""
    names: dict[str, str] = {}
    bodies: dict[str, list[str]] = {}
    catalogue = load_catalogue(catalogue_file)
    citizen = {code for event in catalogue.life_events.values() for code in event.codes}
    for code, proc in catalogue.procedures.items():
        if "xa" in proc.levels:
            citizen.add(code)
        names[code] = proc.name
        bodies[code] = [
            *(text for doc in proc.documents for text in (doc.name, doc.conditions, doc.case)),
            *proc.requirements, *proc.results, *proc.steps, *proc.legal_basis, *proc.target_users,
        ]
    for _, record in structured_records(shared):
        code = str((record.get("source") or {}).get("procedure_code") or "").strip()
        if code in names:
            for key in ("documents", "process", "eligibility", "results"):
                bodies[code].extend(_strings(record.get(key)))
    return names, bodies, citizen


def _name_words(name: str) -> list[str]:
    words = [w for s in _sentences(name) for w in s]
    return words[2:] if tuple(words[:2]) == _NAME_PREFIX else words


def build_pairs(names: dict[str, str], bodies: dict[str, list[str]], citizen: set[str],
                ) -> list[tuple[str, str, float]]:
    """The filtered pairs; vectors learn from every record, pairs come from citizen-facing ones only (the
    rest speak of bonds, vessels and mines, which no commune's citizen asks about)."""
    from gensim.models import Word2Vec
    from gensim.models.phrases import Phrases

    name_sentences = {code: _name_words(name) for code, name in names.items()}
    body_sentences: dict[str, list[list[str]]] = {
        code: [s for text in texts if text for s in _sentences(text)] for code, texts in bodies.items()
    }
    # Each distinct sentence once: the records repeat boilerplate (identity papers, postal submission)
    # thousands of times, which would otherwise dominate the vectors.
    corpus = list(dict.fromkeys(
        tuple(s) for s in [*name_sentences.values(), *(s for ss in body_sentences.values() for s in ss)] if s
    ))
    sentences = [list(s) for s in corpus]
    bigrams = Phrases(sentences, min_count=MIN_COUNT, threshold=0.45, scoring="npmi", delimiter="_")
    trigrams = Phrases(bigrams[sentences], min_count=MIN_COUNT, threshold=0.45, scoring="npmi", delimiter="_")

    def phrase(words: list[str]) -> list[str]:
        return trigrams[bigrams[words]]

    phrased = [phrase(s) for s in sentences]
    model = Word2Vec(phrased, vector_size=100, window=5, min_count=MIN_COUNT, sg=1, negative=10,
                     epochs=10, workers=1, seed=SEED)
    vectors = model.wv

    name_terms: dict[str, set[str]] = {code: set(phrase(words)) for code, words in name_sentences.items()}
    body_terms: dict[str, set[str]] = {
        code: {t for s in ss for t in phrase(s)} for code, ss in body_sentences.items()
    }
    name_terms = {code: terms for code, terms in name_terms.items() if code in citizen}
    body_terms = {code: terms for code, terms in body_terms.items() if code in citizen}
    name_df = Counter(t for terms in name_terms.values() for t in terms)
    body_df = Counter(t for terms in body_terms.values() for t in terms)

    def compound(term: str) -> bool:
        return "_" in term and term in vectors.key_to_index

    sources = [t for t in body_df if compound(t) and name_df[t] <= MAX_NAME_DF_OF_SOURCE]
    # A name term found in many names ("cấp xã", "trẻ em") would pull towards many procedures at once.
    max_target_df = MAX_TARGET_SHARE * len(name_terms)
    targets = [t for t, n in name_df.items() if 2 <= n <= max_target_df and compound(t)]
    if not sources or not targets:
        return []
    # Records with the body term in their text and the name term in their name.
    together: Counter[tuple[str, str]] = Counter()
    target_set = set(targets)
    source_set = set(sources)
    for code, terms in body_terms.items():
        in_name = name_terms.get(code, set()) & target_set
        for s in terms & source_set:
            for t in in_name:
                together[s, t] += 1

    import numpy as np

    src = np.asarray([vectors.get_vector(t, norm=True) for t in sources])
    tgt = np.asarray([vectors.get_vector(t, norm=True) for t in targets])
    sims = src @ tgt.T
    k_src = min(MUTUAL_K, len(targets))
    k_tgt = min(MUTUAL_K, len(sources))
    # Threshold of each term's k-th nearest neighbour on the other side.
    src_kth = -np.partition(-sims, k_src - 1, axis=1)[:, k_src - 1]
    tgt_kth = -np.partition(-sims, k_tgt - 1, axis=0)[k_tgt - 1, :]
    pairs: list[tuple[str, str, float]] = []
    for i, source in enumerate(sources):
        found = []
        for j in np.flatnonzero(sims[i] >= max(MIN_COSINE, src_kth[i])):
            target = targets[j]
            if sims[i, j] < tgt_kth[j]:
                continue
            n = together[source, target]
            if n < MIN_RECORDS or n < MIN_SHARE * body_df[source]:
                continue
            # A body term inside the name term, or the other way round, says nothing new.
            if source in target or target in source:
                continue
            found.append((target, float(sims[i, j])))
        for target, sim in sorted(found, key=lambda x: -x[1])[:MAX_TARGETS]:
            pairs.append((source.replace("_", " "), target.replace("_", " "), round(sim, 2)))
    return sorted(pairs)


def write_table(pairs: Iterable[tuple[str, str, float]], out: Path) -> None:
    lines = [
        "# Related terms, generated by `python -m tools.related_terms` from the catalogue's own text (do not",
        "# edit by hand: rerun the generator). Format: body term<TAB>name term<TAB>cosine. Folded syllables.",
        "# A query containing the body term also searches the name term, with a low weight",
        "# (bot.procedures.related_terms).",
    ]
    lines += [f"{s}\t{t}\t{w:.2f}" for s, t, w in pairs]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--catalogue", type=Path, default=CATALOGUE_FILE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    names, bodies, citizen = read_records(args.shared, args.catalogue)
    pairs = build_pairs(names, bodies, citizen)
    write_table(pairs, args.out)
    print(f"{len(pairs)} pairs from {len(names)} records -> {args.out} ({args.out.stat().st_size / 1e3:.1f} kB)")


if __name__ == "__main__":
    main()
