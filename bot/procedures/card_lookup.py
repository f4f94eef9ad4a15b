"""The plain-language card of a procedure, if the commune keeps one (data/cards.toml via bot.procedures.cards).

The I/O edge in front of bot.procedures.cards.load_cards: a missing or broken cards file never stops an answer;
the automatic condensed rendering takes over and the error is logged for the officers.
"""

from __future__ import annotations

import logging

from bot.procedures.cards import Card, load_cards
from bot.procedures.catalogue import national_code

log = logging.getLogger(__name__)


def card_for(code: str) -> Card | None:
    try:
        cards = load_cards()
    except (OSError, ValueError) as exc:  # tomllib.TOMLDecodeError is a ValueError
        log.warning("cards file unusable, answering without cards: %s", exc)
        return None
    return cards.get(national_code(code))
