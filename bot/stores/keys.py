"""Key families: what each store declares about the Redis keys it owns. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase


@dataclass(frozen=True)
class KeyFamily:
    """Keys matching `pattern` (a glob after the key prefix), owned by one store.

    `per_citizen`: the key's name or content names a citizen (their Zalo id or its hash).
    `kept_after_withdraw`: the README's retention table keeps it after `user_withdraw` (it expires
    on its own, or it holds nothing that names the citizen); every other per-citizen family is
    removed by `forget_citizen`.
    """

    pattern: str
    per_citizen: bool
    kept: str  # how long it lives, as the README's retention table says
    kept_after_withdraw: bool = False

    def matches(self, name: str) -> bool:
        return fnmatchcase(name, self.pattern)
