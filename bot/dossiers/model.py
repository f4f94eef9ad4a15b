"""The dossier record the bot shows and stores. Pure: no I/O.

The applicant's personal id number is never kept in clear: only keyed hashes of it (the whole
number, and its last digits for communes that verify with those), salted with the receipt so
that the same person's dossiers do not share a hash.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

STATUS_MIN, STATUS_MAX = 1, 10
CHANNELS = ("direct", "online", "post")
RETURN_METHODS = ("desk", "post", "online")
# Suffix lengths whose hashes are stored with every record, so a commune can switch to them.
SUFFIX_LENGTHS = (4, 6)
DATE_FIELDS = ("received_at", "due_at", "updated_at", "due_moved_from")


@dataclass(frozen=True)
class Dossier:
    receipt: str
    procedure_name: str
    status: int
    received_at: datetime
    due_at: datetime | None = None
    national_code: str = ""
    procedure_code: str = ""
    # Keyed hashes of the applicant's id: "full" and "last4", "last6" (see applicant_hashes).
    applicant_hashes: dict[str, str] = field(default_factory=dict)
    channel: str = ""
    return_method: str = ""
    note: str = ""
    missing_documents: tuple[str, ...] = ()
    # Fee the citizen still has to pay (state 6), in đồng.
    fee_amount: int | None = None
    updated_at: datetime | None = None
    # Number of the latest status change: 1 when created, +1 at every change of status.
    version: int = 0
    # The due date moved by a desk closure (bot.office.closures): from when, why, and which closure.
    due_moved_from: datetime | None = None
    due_moved_reason: str = ""
    due_moved_by: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in DATE_FIELDS:
            value = getattr(self, name)
            data[name] = value.isoformat() if value else None
        data["missing_documents"] = list(self.missing_documents)
        return data

    def public_dict(self) -> dict[str, Any]:
        """What the API returns: everything but the applicant's hashes."""
        data = self.to_dict()
        del data["applicant_hashes"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Dossier:
        values = dict(data)
        for name in DATE_FIELDS:
            raw = values.get(name)
            values[name] = datetime.fromisoformat(raw) if raw else None
        values["missing_documents"] = tuple(values.get("missing_documents") or ())
        values["applicant_hashes"] = dict(values.get("applicant_hashes") or {})
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in values.items() if k in known})

    def same_content(self, other: Dossier) -> bool:
        """Equal apart from the bookkeeping fields the store sets itself."""
        return replace(self, updated_at=None, version=0) == replace(other, updated_at=None, version=0)


def digits_only(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _hash(secret: str, receipt: str, kind: str, digits: str) -> str:
    message = f"{receipt}|{kind}|{digits}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def applicant_hashes(
    secret: str, receipt: str, applicant_id: str, extra_lengths: tuple[int, ...] = ()
) -> dict[str, str]:
    digits = digits_only(applicant_id)
    hashes = {"full": _hash(secret, receipt, "full", digits)}
    for length in sorted(set(SUFFIX_LENGTHS) | {n for n in extra_lengths if n > 0}):
        hashes[f"last{length}"] = _hash(secret, receipt, f"last{length}", digits[-length:])
    return hashes


def applicant_hash_for(secret: str, receipt: str, given: str, last_digits: int) -> tuple[str, str]:
    """(which stored hash to compare with, the hash of what the citizen typed)."""
    digits = digits_only(given)
    kind = f"last{last_digits}" if last_digits else "full"
    return kind, _hash(secret, receipt, kind, digits)
