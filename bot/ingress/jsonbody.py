"""One reader for JSON request bodies (the webhook and the API): size, depth, and nothing odd.

Python's json module parses a body nested a thousand deep into a RecursionError, numbers like
1e999 into infinity, and "\\ud800" into a string that cannot be encoded again. Each of those used
to surface later as a 500. Here they are a BodyError, which the edges answer with a 400 (or 413).
The parsing is pure; `read_json_request` is the Flask edge.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

# Deeper than any body we accept by design (a CAP-as-JSON alert or a Zalo event is 4-5 levels).
MAX_DEPTH = 32
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# In a UTF-8 body a surrogate can only arrive as a \uD800-\uDFFF escape: a cheap test on the raw bytes.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class BodyError(ValueError):
    """The body is not acceptable; `status` is 400 or 413, the message is for the client."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BodyError("numbers must be finite")
    return value


def _no_constant(name: str) -> Any:
    raise BodyError(f"{name} is not JSON")


def parse_json(raw: bytes, max_depth: int = MAX_DEPTH, reject_surrogates: bool = True) -> Any:
    """The JSON value in `raw` (UTF-8), or BodyError. With `reject_surrogates`, any string holding a
    lone surrogate (a "\\udXXX" escape that pairs with nothing) is refused too."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError("the body must be UTF-8") from None
    try:
        value = json.loads(text, parse_float=_finite_float, parse_constant=_no_constant)
    except RecursionError:
        raise BodyError(f"JSON nested deeper than {max_depth} levels") from None
    except BodyError:
        raise
    except ValueError:  # JSONDecodeError, and integers past Python's digit limit
        raise BodyError("malformed JSON") from None
    check_shape(value, max_depth, reject_surrogates)
    return value


def check_shape(value: Any, max_depth: int = MAX_DEPTH, reject_surrogates: bool = True) -> None:
    """Depth and (optionally) lone surrogates, walked without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if depth > max_depth:
                raise BodyError(f"JSON nested deeper than {max_depth} levels")
            for key, child in item.items():
                if reject_surrogates and has_lone_surrogate(key):
                    raise BodyError("text holds an unpaired surrogate (not valid Unicode)")
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            if depth > max_depth:
                raise BodyError(f"JSON nested deeper than {max_depth} levels")
            stack.extend((child, depth + 1) for child in item)
        elif reject_surrogates and isinstance(item, str) and has_lone_surrogate(item):
            raise BodyError("text holds an unpaired surrogate (not valid Unicode)")


def has_lone_surrogate(text: str) -> bool:
    return _LONE_SURROGATE.search(text) is not None


def may_hold_surrogates(raw: bytes) -> bool:
    return _SURROGATE_ESCAPE.search(raw) is not None


def replace_lone_surrogates(value: Any) -> Any:
    """The same JSON value with every unpaired surrogate replaced by U+FFFD."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value) if has_lone_surrogate(value) else value
    if isinstance(value, dict):
        return {replace_lone_surrogates(k): replace_lone_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [replace_lone_surrogates(v) for v in value]
    return value


def read_raw_body(max_bytes: int) -> bytes:
    """The request body as bytes, or BodyError(413) past `max_bytes`."""
    try:
        raw = request.get_data(cache=False)
    except RequestEntityTooLarge:
        raise BodyError("the body is too large", 413) from None
    if len(raw) > max_bytes:
        raise BodyError("the body is too large", 413)
    return raw


def read_json_request(max_bytes: int | None = None, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """The request's JSON object body (any content type), or BodyError. `max_bytes` defaults to the
    app's MAX_CONTENT_LENGTH."""
    limit = max_bytes if max_bytes is not None else current_app.config.get("MAX_CONTENT_LENGTH") or 1024 * 1024
    value = parse_json(read_raw_body(limit), max_depth)
    if not isinstance(value, dict):
        raise BodyError("the body must be a JSON object")
    return value


def json_object_or_none() -> dict[str, Any] | None:
    """The request's JSON object body, or None for anything else (for callers with their own 400)."""
    try:
        return read_json_request()
    except BodyError:
        return None


def parse_count(text: str | None, default: int, low: int, high: int) -> int | None:
    """A query-string count such as `?limit=`: ASCII digits within [low, high], else None. (`"²".isdigit()`
    is true and int("²") raises, so isdigit alone is no check.)"""
    if text is None:
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(high)):
        return None
    value = int(text)
    return value if low <= value <= high else None
