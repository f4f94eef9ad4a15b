"""Keeping personal numbers out of what the bot stores for people to read later. Pure."""

from __future__ import annotations

import re

# A personal ID number: 12 digits (CCCD / số định danh) or 9 (the old CMND), standing alone.
_ID_NUMBER = re.compile(r"(?<![\d.-])(?:\d{12}|\d{9})(?![\d.-])")
# A Vietnamese phone number: 0 or +84 then 9-10 digits (mobile 09x…, landline 02xx…), spaced or not.
_PHONE_NUMBER = re.compile(r"(?<![\d+])(?:\+84|84|0)(?:[ .-]?\d){8,10}(?!\d)")
# Any long run of digits (ID, phone, account numbers), spaces, dots or dashes allowed inside.
_LONG_NUMBER = re.compile(r"\d[\d .-]{7,}\d")


def redact_id_numbers(text: str) -> str:
    """Hide personal ID numbers (staff may still see phone numbers a citizen leaves for a call back)."""
    return _ID_NUMBER.sub(lambda m: "•" * len(m.group()), text)


def redact_phone_numbers(text: str) -> str:
    """Hide phone numbers: for a conversation nobody needs to call back from any more."""
    return _PHONE_NUMBER.sub(lambda m: "•" * len(m.group()), text)


def find_phone_number(text: str) -> str:
    """The first phone number the citizen wrote ("" when none), digits only, for a call back."""
    found = _PHONE_NUMBER.search(text)
    return "".join(ch for ch in found.group() if ch.isdigit() or ch == "+") if found else ""


def redact_numbers(text: str) -> str:
    """Hide every long number: for records nobody needs to act on (dead letters)."""
    return _LONG_NUMBER.sub(lambda m: "#" * len(m.group()), text)
