"""The one error every part of the broadcasts package raises for input it cannot accept."""

from __future__ import annotations


class CapError(ValueError):
    """An announcement that cannot be accepted; `field` names what is wrong, `status` the HTTP code."""

    def __init__(self, field_name: str, message: str, status: int = 422) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message
        self.status = status
