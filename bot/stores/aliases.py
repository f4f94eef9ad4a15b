"""Aliases officials add from the dashboard ("giấy tờ cho bà bầu" → a procedure), kept in Redis.

data/aliases.tsv is the shipped table; these are the commune's own additions on top of it. Every
change bumps a version counter, and `Services.matcher` rebuilds its matcher when the version moves,
so every worker picks an alias up on its next message without a restart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import redis

from bot.config import Settings
from bot.procedures.textnorm import fold, nfc
from bot.stores.keys import KeyFamily
from bot.stores.versioned import Versioned

KEY_FAMILIES = (
    KeyFamily("aliases:extra", per_citizen=False, kept="officials' aliases"),
    KeyFamily("aliases:version", per_citizen=False, kept="a counter"),
)

MAX_PHRASE_CHARS = 120
MIN_PHRASE_CHARS = 2


class AliasError(ValueError):
    pass


@dataclass(frozen=True)
class Alias:
    code: str
    phrase: str
    author: str = ""
    added_at: str = ""  # ISO 8601


def clean_phrase(phrase: str) -> str:
    """One line, single spaces, NFC; raises AliasError when it cannot be a useful alias."""
    cleaned = " ".join(nfc(phrase).split())
    if len(cleaned) < MIN_PHRASE_CHARS or not any(ch.isalpha() for ch in cleaned):
        raise AliasError("Cụm từ quá ngắn.")
    if len(cleaned) > MAX_PHRASE_CHARS:
        raise AliasError(f"Cụm từ dài quá {MAX_PHRASE_CHARS} ký tự.")
    return cleaned


class AliasStore(Versioned):
    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.redis = client
        self._key = f"{settings.key_prefix}aliases:extra"
        self._version_key = f"{settings.key_prefix}aliases:version"

    def add(self, code: str, phrase: str, author: str, now: datetime) -> Alias:
        """Add (or re-point) a phrase; the same phrase typed with or without diacritics is one alias."""
        alias = Alias(code.strip(), clean_phrase(phrase), author, now.isoformat(timespec="seconds"))
        if not alias.code:
            raise AliasError("Thiếu mã thủ tục.")
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self._key, fold(alias.phrase), json.dumps(alias.__dict__, ensure_ascii=False))
        pipe.incr(self._version_key)
        pipe.execute()
        return alias

    def remove(self, phrase: str) -> bool:
        pipe = self.redis.pipeline(transaction=True)
        pipe.hdel(self._key, fold(" ".join(nfc(phrase).split())))
        pipe.incr(self._version_key)
        removed, _ = pipe.execute()
        return bool(removed)

    def all(self) -> list[Alias]:
        aliases = [Alias(**json.loads(raw)) for raw in self.redis.hvals(self._key)]
        return sorted(aliases, key=lambda a: a.added_at, reverse=True)

    def pairs(self) -> list[tuple[str, str]]:
        """(code, phrase) rows in the shape of MatcherTables.aliases."""
        return [(a.code, a.phrase) for a in self.all()]
