"""A citizen asking after their own dossier without giving its number. Pure.

"Hồ sơ của em đến đâu rồi", "tra cứu hồ sơ", "nộp hồ sơ tuần trước mà chưa có kết quả": the answer is
to ask for the receipt number (mã hồ sơ), never a list of procedures to pick from. A question about a
procedure ("hồ sơ khai sinh gồm những gì", "nộp hồ sơ bao lâu thì có kết quả") is not one: it names
the dossier as a set of papers, or asks how long the procedure takes, which its answer says.
"""

from __future__ import annotations

import re

from bot.procedures.textnorm import fold

# Words that name the tracking itself: enough on their own.
_TRACKING = re.compile(
    r"\b(?:ma (?:so )?ho so|so ho so|(?:so|ma|giay|phieu) bien nhan|phieu hen|giay hen tra"
    r"|(?:tra cuu|tra|kiem tra|theo doi|xem) (?:giup |dum |ho |lai )?(?:tinh trang |trang thai |tien do )?ho so"
    r"|(?:tinh trang|trang thai|tien do|tien trinh) (?:giai quyet |xu ly )?(?:cua )?ho so)\b"
)
# "Hồ sơ" (or "giấy tờ" handed in) next to a question about where it stands.
_DOSSIER = re.compile(r"\b(?:ho so|giay to (?:da |em |toi |minh )?nop)\b")
_WHERE_IT_STANDS = re.compile(
    r"\b(?:den dau|toi dau|sao roi|the nao roi|ra sao roi|xong chua|da xong chua|co ket qua chua"
    r"|co chua|duoc chua|giai quyet chua|duyet chua|ky chua|tra chua|bi tre|tre hen|qua hen|qua han"
    r"|cham qua|lau qua|(?:van )?chua (?:co|thay|nhan duoc|duoc) (?:ket qua|tra loi|giay|gi))\b"
)
# How long a procedure takes is the procedure's own answer.
_HOW_LONG = re.compile(r"\b(?:bao lau|mat may ngay|may ngay thi|trong bao nhieu ngay)\b")


def asks_about_a_dossier(text: str) -> bool:
    """Whether `text` asks where the citizen's dossier stands (or how to track it) without its number."""
    words = " ".join(re.findall(r"[0-9a-z]+", fold(text)))
    if _HOW_LONG.search(words):
        return False
    return bool(_TRACKING.search(words)) or bool(_DOSSIER.search(words) and _WHERE_IT_STANDS.search(words))
