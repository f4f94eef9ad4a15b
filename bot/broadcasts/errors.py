"""The one error every part of the broadcasts package raises for input it cannot accept."""

from __future__ import annotations


class CapError(ValueError):
    """An announcement that cannot be accepted; `field` names what is wrong, `status` the HTTP code."""

    def __init__(self, field_name: str, message: str, status: int = 422) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message
        self.status = status


class UnknownReference(CapError):
    """A reference to one of our own broadcast ids that this commune does not have (a province alert
    skips such a commune instead of refusing: bot.tenants.province)."""
