"""Oracles for what a citizen reads, used by the all-procedures test and bench/answers.py.

They are deliberately independent of the rendering code: they look at the text as sent.
"""

from __future__ import annotations

import re

from bot.procedures.catalogue import Procedure

# Sentences addressed to the officials who receive the dossier, not to the citizen.
OFFICIALS = re.compile(
    r"(?:người|cán bộ|công chức)\s+(?:tiếp nhận|thực hiện chứng thực|thu nhận)[^.;:]{0,60}?\s(?:có trách nhiệm|phải)"
    r"|không được yêu cầu (?:người|công dân|cá nhân)",
    re.IGNORECASE,
)
# Legal items run together by the source: "…Bộ Tư pháp18/2026/NĐ-CP…", "…/TT-BCAngày 01/7/2025…".
_NUMBER_AFTER_WORD = re.compile(r"[^\W\d_][0-9]{1,4}/\d{4}/")


def glued_legal(text: str) -> str:
    """The first place where two legal items run together, or ""."""
    for found in _NUMBER_AFTER_WORD.finditer(text):  # "pháp18/2026/" glues; "(TT43/2023/…)" is how it is written
        if found.group()[0].islower():
            return found.group()
    # A document sign ("NĐ-CP", "TT-BCA", "QĐ-TTg") whose last part runs into a lowercase word
    # ("CPsửa", "BCAngày"); a capitalised word after a dash ("NĐ-CP-Quy định") is not glue.
    for match in re.finditer(r"/\d{4}/(?:TTg|[A-ZĐ0-9]+)(?:-(?:TTg|[A-ZĐ0-9]+))*", text):
        last = re.split(r"[/-]", match.group())[-1]
        rest = text[match.end():match.end() + 1]
        if last != "TTg" and len(last) >= 2 and rest.isalpha() and rest.islower():
            return text[match.start():match.end() + 1]
    return ""
_WORD = r"[^\W_]+"


def source_text(proc: Procedure) -> str:
    parts = [proc.name, *proc.agencies, *proc.steps, *proc.legal_basis, *proc.requirements, *proc.forms]
    for channel in proc.channels:
        parts += [channel.time_text, channel.fee_text, channel.note, channel.description]
    for doc in proc.documents:
        parts += [doc.name, doc.conditions, getattr(doc, "case", "")]
    return " ".join(" ".join(parts).split())


def mid_word_cuts(text: str, source: str) -> list[str]:
    """Words right before an ellipsis that are not whole words of the source ("trực tiế…")."""
    cuts = []
    for match in re.finditer(rf"({_WORD})…", text):
        word = match.group(1)
        if not re.search(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", source):
            cuts.append(word)
    return cuts
