"""What an event's first round trip read, kept for the rest of its handling so that no reader asks Redis
again. Each value is tagged with its owner (a key or a tenant's key prefix): a reader for another tenant
never takes it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Generic, TypeVar

T = TypeVar("T")


class EventKnown(Generic[T]):
    def __init__(self, name: str) -> None:
        self._var: ContextVar[tuple[str, T] | None] = ContextVar(name, default=None)

    @contextmanager
    def scope(self, owner: str, value: T) -> Iterator[None]:
        """While one event is handled: `value`, read for `owner`."""
        token = self._var.set((owner, value))
        try:
            yield
        finally:
            self._var.reset(token)

    def get(self, owner: str) -> T | None:
        known = self._var.get()
        return known[1] if known is not None and known[0] == owner else None
