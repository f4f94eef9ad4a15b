"""The plain-language card of a procedure, if the commune keeps one (data/cards.toml via bot.procedures.cards).

The I/O edge in front of bot.procedures.cards.load_cards: a missing or broken cards file never stops an answer;
the automatic condensed rendering takes over and the error is logged for the officers.
"""

from __future__ import annotations

import logging
import os

from bot.procedures.cards import CARDS_FILE, Card, load_cards
from bot.procedures.catalogue import national_code

log = logging.getLogger(__name__)

# The cards as last parsed, under the file's (mtime, size, inode) then: parsing the file took more than half
# of a worker's time per answered message, and an edited file is still read at the next answer.
_parsed: tuple[tuple[int, int, int], dict[str, Card]] | None = None


def _cards() -> dict[str, Card]:
    global _parsed
    stat = os.stat(CARDS_FILE)
    version = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    if _parsed is None or _parsed[0] != version:
        _parsed = (version, load_cards(CARDS_FILE))
    return _parsed[1]


def card_for(code: str) -> Card | None:
    try:
        cards = _cards()
    except (OSError, ValueError) as exc:  # tomllib.TOMLDecodeError is a ValueError
        log.warning("cards file unusable, answering without cards: %s", exc)
        return None
    return cards.get(national_code(code))
