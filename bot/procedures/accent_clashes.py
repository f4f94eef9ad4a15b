"""Everyday phrases whose unaccented form is another common phrase ("ở đậu" folds like "ở đâu").

The thesaurus (data/thesaurus.tsv) and the actions' everyday phrases (data/actions.tsv) are matched on
folded words, without diacritics, so a phrase fires wherever its letters occur, whatever their accents:
"thuế đất" also fires on "thuê đất", "báo tử" on "thông báo từ". `clashes` finds such phrases by reading
a body of accented Vietnamese (the catalogue's records, the project's hand-written everyday phrases) and
counting, for each phrase, the spellings of the word runs that fold like it. A phrase clashes when a
spelling other than its own is common there (see `Clash.common_others`).

Pure: the caller hands in the phrases and the texts (tests/test_accent_clashes.py does, on the shipped
data). Spellings are compared after canonical tone placement ("hoà" = "hòa") and with "y"/"i" after a
consonant taken as one ("lý" = "lí"), the two official spellings that folding also merges.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.procedures.catalogue import Procedure
from bot.procedures.textnorm import canonical_syllable, fold_word, nfc

Phrase = tuple[str, ...]

_WORD_RE = re.compile(r"\w+")
# Word runs are counted within a clause: the catalogue's list items and sentences end where a chat
# message's words would not run on ("... hộ chiếu; Thông báo từ ..." is no "chiếu thông").
_CLAUSE_RE = re.compile(r"[^\w\s]+|\n")
# A text is typed with diacritics when at least this share of its words carry some.
ACCENTED_SHARE = 0.4
_FINAL_Y_RE = re.compile("(?<=[b-df-hj-np-tv-xzđ])y(?=[\u0300-\u036f]*$)")


@lru_cache(maxsize=65536)
def _word(raw: str) -> tuple[str, str]:
    """(folded, spelling) of one lower-case word: its spelling with the tone on the canonical vowel and a
    final "y" after a consonant written "i", so that only spellings folding also merges count as one."""
    spelled = canonical_syllable(nfc(_FINAL_Y_RE.sub("i", unicodedata.normalize("NFD", raw))))
    return fold_word(raw), spelled


def words(text: str) -> tuple[list[str], list[str]]:
    """Folded words and spellings of a text, aligned."""
    pairs = [_word(w) for w in _WORD_RE.findall(nfc(text).lower())]
    return [f for f, _ in pairs], [s for _, s in pairs]


def typed_with_diacritics(folded: Sequence[str], spelled: Sequence[str]) -> bool:
    """Whether a text's author types diacritics: then a word typed without them is spelled so on purpose
    ("ban" is "ban", not a "bạn" left bare). At least ACCENTED_SHARE of its words carry some."""
    return bool(folded) and sum(f != s for f, s in zip(folded, spelled, strict=True)) >= ACCENTED_SHARE * len(folded)


def spelled_apart(text: str, spellings: frozenset[str]) -> frozenset[str]:
    """The folded words of a text typed with diacritics that it spells otherwise than any of `spellings`
    does: "đẻ" folds like small talk's "để" but is another word. Empty for a text typed without them."""
    folded, spelled = words(text)
    if not typed_with_diacritics(folded, spelled):
        return frozenset()
    same = {f for f, s in zip(folded, spelled, strict=True) if s in spellings}
    return frozenset(f for f, s in zip(folded, spelled, strict=True) if s not in spellings and f not in same)


def spelling(phrase: str) -> str:
    return " ".join(words(phrase)[1])


def spellings(phrases: Iterable[str], texts: Iterable[str]) -> dict[Phrase, Counter[str]]:
    """For each phrase (by its folded words), how often each spelling of a word run folding like it occurs
    in the texts, as whole words. Phrases are counted independently (a longer phrase does not hide the
    shorter ones it contains)."""
    targets = {tuple(words(p)[0]) for p in phrases}
    targets.discard(())
    counts: dict[Phrase, Counter[str]] = {t: Counter() for t in targets}
    # One-word phrases by their word, longer ones by their first two words: most words start none.
    single = {t[0]: counts[t] for t in targets if len(t) == 1}
    by_pair: dict[tuple[str, str], list[tuple[Phrase, Counter[str]]]] = {}
    for target in targets:
        if len(target) > 1:
            by_pair.setdefault((target[0], target[1]), []).append((target, counts[target]))
    for clause in (c for text in texts for c in _CLAUSE_RE.split(text)):
        folded, spelled = words(clause)
        for i, pair in enumerate(zip(folded, [*folded[1:], ""], strict=False)):
            if pair[0] in single:
                single[pair[0]][spelled[i]] += 1
            for target, counter in by_pair.get(pair, ()):
                n = len(target)
                if n == 2 or tuple(folded[i : i + n]) == target:
                    counter[" ".join(spelled[i : i + n])] += 1
    return counts


@dataclass(frozen=True)
class Clash:
    phrase: str  # as written in the table
    spelling: str  # its canonical spelling
    same: int  # occurrences spelled as the phrase
    others: tuple[tuple[str, int], ...]  # other spellings that fold alike, most frequent first

    @property
    def total(self) -> int:
        return self.same + sum(n for _, n in self.others)

    def __str__(self) -> str:
        others = ", ".join(f"{s} ×{n}" for s, n in self.others[:4])
        return f"{self.phrase} ×{self.same} ~ {others}"


def clashes(
    groups: Iterable[Iterable[str]],
    texts: Iterable[str],
    everyday: Iterable[str] = (),
    min_count: int = 5,
    min_share: float = 0.25,
) -> list[Clash]:
    """Phrases some other spelling of which occurs at least `min_count` times in `texts` and makes at least
    `min_share` of the occurrences there, or occurs at all in `everyday` (short hand-written texts in the
    citizens' own words, where one use is already telling). Phrases come in groups that mean the same (a
    thesaurus line): a spelling of another phrase of the group is no clash ("miễu", "miếu")."""
    groups = [list(dict.fromkeys(p.strip() for p in group if p.strip())) for group in groups]
    phrases = [p for group in groups for p in group]
    formal = spellings(phrases, texts)
    daily = spellings(phrases, everyday)
    found: list[Clash] = []
    for group in groups:
        alike = {spelling(p) for p in group}
        for phrase in group:
            key = tuple(words(phrase)[0])
            if not key:
                continue
            own = spelling(phrase)
            counts = formal[key]
            total = sum(counts.values())
            # A formal text's word run with no diacritics at all is a code or a garbled copy, not a spelling.
            common = {s for s, n in counts.items() if n >= min_count and n >= min_share * total and not s.isascii()}
            common |= {s for s in daily[key] if not s.isascii()}
            common -= alike
            if common:
                merged = counts + daily[key]
                others = sorted(((s, n) for s, n in merged.items() if s in common), key=lambda x: (-x[1], x[0]))
                found.append(Clash(phrase, own, merged[own], tuple(others)))
    return found


def thesaurus_phrases(text: str) -> list[list[str]]:
    """The everyday phrases of data/thesaurus.tsv as written, one group per line. Like the concept layer,
    a phrase inside the line's own catalogue words ("dân công" of "dân công hỏa tuyến") is left out."""
    out: list[list[str]] = []
    for line in _table_lines(text):
        target, _, phrases = line.partition("\t")
        padded = f" {' '.join(words(target)[0])} "
        out.append([p.strip() for p in phrases.split(";") if p.strip() and f" {' '.join(words(p)[0])} " not in padded])
    return out


def action_phrases(text: str) -> list[list[str]]:
    """The phrases of data/actions.tsv, one group per action; around a wildcard ("không * nữa") each side
    is a phrase."""
    out: dict[str, list[str]] = {}
    for line in _table_lines(text):
        columns = line.split("\t")
        if len(columns) >= 3:
            for phrase in columns[2].split(";"):
                out.setdefault(columns[0].strip(), []).extend(p.strip() for p in phrase.split("*") if p.strip())
    return list(out.values())


def _table_lines(text: str) -> Iterator[str]:
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "\t" in line:
            yield line


def catalogue_texts(procedures: Iterable[Procedure]) -> list[str]:
    """The distinct accented texts of catalogue records: names, fields, documents, requirements, steps,
    results and target users (a text repeated by many provincial variants is counted once)."""
    seen: dict[str, None] = {}
    for p in procedures:
        for value in (p.name, p.field, *p.results, *p.target_users, *(d.name for d in p.documents),
                      *p.requirements, *p.steps):
            if value:
                seen.setdefault(value, None)
    return list(seen)
