"""A clarifying question that names the difference between the candidates.

Pure. `compose_clarify(names)` turns the candidates' official names into a short question and one
button label per candidate (≤ BUTTON_CHARS, Zalo's safe button title length) saying what sets it apart:
"Lưu động", "Có yếu tố nước ngoài", "Đăng ký lại", "Dưới 14 tuổi", "Thông thường", or the first words
that differ. Button labels never read "Số 1" above two 250-character names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.procedures.textnorm import fold, nfc

BUTTON_CHARS = 20
LINE_CHARS = 150  # each candidate's name in the question, shortened; four of them stay far below 2,000
QUESTION = "Dạ, Anh/Chị cần trường hợp nào dưới đây ạ? (bấm nút hoặc gõ số thứ tự)"

# What sets a sibling apart, as the catalogue's names say it (folded) → what the button says.
# Order matters: the first that fits wins, a longer phrase before the shorter one inside it.
VARIANTS: tuple[tuple[str, str], ...] = (
    ("co yeu to nuoc ngoai tai khu vuc bien gioi", "Nước ngoài, biên giới"),
    ("khu vuc bien gioi", "Vùng biên giới"),
    ("co yeu to nuoc ngoai", "Có yếu tố nước ngoài"),
    ("nuoc ngoai", "Nước ngoài"),
    ("luu dong", "Lưu động"),
    ("ket hop dang ki nhan cha me con", "Kèm nhận cha, mẹ, con"),
    ("nguoi da co ho so giay to ca nhan", "Đã có giấy tờ cá nhân"),
    ("dang ki lai", "Đăng ký lại"),
    ("cap lai", "Cấp lại"),
    ("cap doi", "Cấp đổi"),
    ("duoi 14 tuoi", "Dưới 14 tuổi"),
    ("tu du 14 tuoi", "Từ đủ 14 tuổi"),
    ("duoi 6 tuoi", "Dưới 6 tuổi"),
    ("gia han", "Gia hạn"),
    ("cham dut", "Chấm dứt"),
    ("bo sung", "Bổ sung"),
    ("thay doi", "Thay đổi"),
    ("xoa", "Xóa"),
)
PLAIN = "Thông thường"
VARIANT_LABELS = {label for _, label in VARIANTS} | {PLAIN}
# Parts of official names that tell nothing to a citizen choosing.
_NOISE_RE = re.compile(r"^\s*thủ tục\s+|\s*\((?:thực hiện )?(?:tại |ở )?cấp [^)]*\)|\s*\(\d\.\d{6}\)", re.IGNORECASE)
_WORD_RE = re.compile(r"\S+")


@dataclass(frozen=True)
class ClarifyQuestion:
    text: str
    labels: tuple[str, ...]  # one per candidate, in the candidates' order


def display_name(name: str) -> str:
    """The name as a citizen reads it: no "Thủ tục", no level suffix, first letter upper case."""
    text = _NOISE_RE.sub(" ", nfc(name)).strip().rstrip(".;")
    text = re.sub(r"\s+", " ", text)
    return text[:1].upper() + text[1:]


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary with "…" when it had to be cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-–(") + "…"


def _folded_words(text: str) -> list[str]:
    return fold(re.sub(r"[^\w\s]", " ", text)).split()


def _variant_label(folded: str, common: str) -> str | None:
    for phrase, label in VARIANTS:
        if f" {phrase} " in folded and f" {phrase} " not in common:
            return label
    return None


def _sentence_case(text: str) -> str:
    text = text.capitalize() if text.isupper() else text
    return text[:1].upper() + text[1:]


def _from_word(name: str, start: int) -> str:
    return _sentence_case(" ".join(_WORD_RE.findall(name)[start:]))


def _common_prefix_length(word_lists: Sequence[list[str]]) -> int:
    n = 0
    while all(len(w) > n for w in word_lists) and len({w[n] for w in word_lists}) == 1:
        n += 1
    return n


def labels_for(names: Sequence[str]) -> list[str]:
    """One button label per name (≤ BUTTON_CHARS), naming what sets it apart from the others."""
    shown = [display_name(n) for n in names]
    words = [_folded_words(s) for s in shown]
    folded = [f" {' '.join(w)} " for w in words]
    shared = set.intersection(*(set(w) for w in words)) if words else set()
    common = " " + " ".join(w for w in words[0] if w in shared) + " " if words else " "
    variants = [_variant_label(f, common) for f in folded]
    if any(variants):
        result = [shorten(v or PLAIN, BUTTON_CHARS) for v in variants]
        if len(set(result)) == len(result):
            return result
    # No variant word tells them apart: what follows the words they all start with ("Cấp lại …").
    prefix = _common_prefix_length(words)
    result = [shorten(_from_word(s, prefix) or s, BUTTON_CHARS) for s in shown]
    if len(set(result)) < len(result):
        # Still alike: start each at its first word no other candidate has.
        result = []
        for i, (name, own) in enumerate(zip(shown, words, strict=True)):
            others = set().union(*(set(w) for j, w in enumerate(words) if j != i))
            first = next((k for k, w in enumerate(own) if w not in others), 0)
            result.append(shorten(_from_word(name, first), BUTTON_CHARS))
    if len(set(result)) < len(result):
        result = [shorten(f"{i}. {s}", BUTTON_CHARS) for i, s in enumerate(shown, 1)]
    return result


def compose_clarify(names: Sequence[str]) -> ClarifyQuestion:
    labels = labels_for(names)
    shown = [shorten(_sentence_case(display_name(n)), LINE_CHARS) for n in names]
    if all(label in VARIANT_LABELS for label in labels):
        options = [label.lower() if label != PLAIN else "trường hợp thông thường" for label in labels]
        question = (f"Dạ, Anh/Chị thuộc trường hợp nào: {', '.join(options[:-1])} hay {options[-1]} ạ? "
                    "(bấm nút hoặc gõ số thứ tự)")
    else:
        question = QUESTION
    lines = [question, *(f"{i}. {name}" for i, name in enumerate(shown, 1))]
    return ClarifyQuestion("\n".join(lines), tuple(labels))
