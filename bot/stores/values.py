"""Redis replies and hash fields as the stores use them. Pure.

redis-py types every string reply as `bytes | str` (str when a client decodes responses, which ours never
do) and sorted-set ranges as a union with tuples (WITHSCORES). The stores read through these helpers, so
the type is settled once at the edge instead of by a cast or an ignore at every call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from redis.typing import EncodableT, FieldT


def text(value: bytes | str) -> str:
    """A string reply as text (UTF-8, as every value the stores write)."""
    return value.decode() if isinstance(value, bytes) else value


def text_or_none(value: bytes | str | None) -> str | None:
    return None if value is None else text(value)


def texts(values: Iterable[Any]) -> list[str]:
    """Members of a set or a range read without scores (redis-py's range type also allows tuples)."""
    return [text(value) for value in values]


def text_hash(raw: Mapping[bytes | str, bytes | str]) -> dict[str, str]:
    """HGETALL's reply as text keys and values."""
    return {text(key): text(value) for key, value in raw.items()}


def hash_fields(mapping: Mapping[str, EncodableT]) -> dict[FieldT, EncodableT]:
    """A mapping for HSET. redis-py's parameter is a Mapping keyed by any encodable value, and a Mapping's
    key type is invariant, so a dict[str, ...] has to be widened (a copy: HSET mappings are small)."""
    return {key: value for key, value in mapping.items()}  # a comprehension: dict(mapping) keeps the narrow type
