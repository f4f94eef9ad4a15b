"""What a procedure's QR code points to, and the QR images themselves (segno).

A per-procedure deep link into the Official Account's chat is not confirmed by Zalo, so each
procedure's QR opens our own public page `/p/<code>` (the facts, plus a button to the chat), and the
poster prints a keyword ("TTHC 1.001193") the citizen can send to the bot to get the same answer.
"""

from __future__ import annotations

import io
import re

import segno

ZALO_CHAT_BASE = "https://zalo.me/"
KEYWORD_PREFIX = "TTHC"
# "TTHC 1.001193", "tthc:1.001193", "TTHC1.001776.000.00.00.H56": the keyword alone in the message.
_KEYWORD_RE = re.compile(r"^\s*tthc\s*[:#\-–]?\s*([1-9]\.\d{6}(?:\.[0-9a-z]+)*)\s*[.!?]*\s*$", re.IGNORECASE)


def chat_link(oa_id: str) -> str:
    """The OA's profile and chat (what communes print as a QR for the whole office)."""
    return f"{ZALO_CHAT_BASE}{oa_id}" if oa_id else ""


def procedure_page_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/p/{code}"


def procedure_keyword(code: str) -> str:
    return f"{KEYWORD_PREFIX} {code}"


def parse_procedure_keyword(text: str) -> str | None:
    """The procedure code when `text` is a poster keyword, else None."""
    found = _KEYWORD_RE.match(text)
    return found.group(1).upper() if found else None  # province suffixes are upper case ("H56")


def make_qr(url: str) -> segno.QRCode:
    # Level M survives a scuffed or badly printed poster; segno picks the smallest version that fits.
    return segno.make_qr(url, error="m")


def qr_svg(url: str, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    make_qr(url).save(buffer, kind="svg", scale=scale, border=4, xmldecl=False, title=url)
    return buffer.getvalue()


def qr_png(url: str, scale: int = 10) -> bytes:
    buffer = io.BytesIO()
    make_qr(url).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
