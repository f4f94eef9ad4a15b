"""Turning an integrator's JSON (the API's body, or a mapped provincial answer) into a Dossier. Pure."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from bot.config import VIETNAM
from bot.dossiers.model import (
    CHANNELS,
    RETURN_METHODS,
    STATUS_MAX,
    STATUS_MIN,
    Dossier,
    applicant_hashes,
    digits_only,
)
from bot.dossiers.receipts import canonical_receipt

FIELDS = (
    "receipt",
    "national_code",
    "procedure_code",
    "procedure_name",
    "applicant_id",
    "status",
    "received_at",
    "due_at",
    "channel",
    "return_method",
    "note",
    "missing_documents",
    "fee_amount",
)
ID_LENGTHS = (9, 12)  # the old CMND, and CCCD / số định danh cá nhân


class FieldError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _text(data: dict[str, Any], name: str, limit: int, required: bool = False) -> str:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise FieldError(name, f"{name} is required")
        return ""
    if not isinstance(value, str):
        raise FieldError(name, f"{name} must be a string")
    if len(value) > limit:
        raise FieldError(name, f"{name} is longer than {limit} characters")
    return value.strip()


def parse_moment(value: Any, name: str, required: bool = False) -> datetime | None:
    """ISO 8601 date or date-time; without an offset it is Vietnam time."""
    if value is None or value == "":
        if required:
            raise FieldError(name, f"{name} is required")
        return None
    if not isinstance(value, str):
        raise FieldError(name, f"{name} must be an ISO 8601 date or date-time string")
    try:
        moment = (
            datetime.fromisoformat(value)
            if "T" in value or " " in value.strip()
            else datetime.combine(date.fromisoformat(value), time())
        )
    except ValueError:
        raise FieldError(name, f"{name} is not a valid ISO 8601 date or date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=VIETNAM)


def _status(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError("status", f"status must be an integer from {STATUS_MIN} to {STATUS_MAX}")
    if not STATUS_MIN <= value <= STATUS_MAX:
        raise FieldError("status", f"status must be from {STATUS_MIN} to {STATUS_MAX}")
    return value


def _choice(data: dict[str, Any], name: str, allowed: tuple[str, ...]) -> str:
    value = _text(data, name, 32).lower()
    if value and value not in allowed:
        raise FieldError(name, f"{name} must be one of {', '.join(allowed)}")
    return value


def _documents(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > 30:
        raise FieldError("missing_documents", "missing_documents must be a list of at most 30 strings")
    if not all(isinstance(item, str) and 0 < len(item.strip()) <= 300 for item in value):
        raise FieldError(
            "missing_documents", "each missing document must be a non-empty string of at most 300 characters"
        )
    return tuple(item.strip() for item in value)


# A fee is shown to citizens as it is stored: nothing a commune charges comes near 1,000 tỷ đồng.
MAX_FEE_DONG = 10**12


def _fee(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FEE_DONG:
        raise FieldError("fee_amount", f"fee_amount must be an integer from 0 to {MAX_FEE_DONG} (đồng)")
    return value


def _applicant(value: Any, required: bool) -> str:
    if value is None or value == "":
        if required:
            raise FieldError("applicant_id", "applicant_id is required when a dossier is created")
        return ""
    if (
        not isinstance(value, str)
        or len(digits_only(value)) not in ID_LENGTHS
        or digits_only(value) != value.replace(" ", "")
    ):
        raise FieldError("applicant_id", "applicant_id must be the applicant's 12-digit personal id number")
    return digits_only(value)


def parse_dossier(
    receipt: str, data: Any, id_secret: str, require_applicant: bool, suffix_lengths: tuple[int, ...] = ()
) -> Dossier:
    """A Dossier from JSON fields named as in the API; FieldError names the first bad field."""
    canonical = canonical_receipt(receipt)
    if canonical is None:
        raise FieldError("receipt", "receipt is not a receipt number like H56.14-240823-0001")
    if not isinstance(data, dict):
        raise FieldError("body", "the body must be a JSON object")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise FieldError(unknown[0], f"unknown field {unknown[0]}")
    if data.get("receipt") not in (None, "") and canonical_receipt(str(data["receipt"])) != canonical:
        raise FieldError("receipt", "receipt in the body differs from the one in the path")
    if "status" not in data:
        raise FieldError("status", "status is required")
    received_at = parse_moment(data.get("received_at"), "received_at", required=True)
    due_at = parse_moment(data.get("due_at"), "due_at")
    assert received_at is not None
    if due_at is not None and due_at < received_at:
        raise FieldError("due_at", "due_at is before received_at")
    applicant = _applicant(data.get("applicant_id"), require_applicant)
    return Dossier(
        receipt=canonical,
        national_code=_text(data, "national_code", 64),
        procedure_code=_text(data, "procedure_code", 64),
        procedure_name=_text(data, "procedure_name", 300, required=True),
        applicant_hashes=applicant_hashes(id_secret, canonical, applicant, suffix_lengths)
        if applicant
        else {},
        status=_status(data["status"]),
        received_at=received_at,
        due_at=due_at,
        channel=_choice(data, "channel", CHANNELS),
        return_method=_choice(data, "return_method", RETURN_METHODS),
        note=_text(data, "note", 1000),
        missing_documents=_documents(data.get("missing_documents")),
        fee_amount=_fee(data.get("fee_amount")),
    )
