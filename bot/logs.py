"""Structured (JSON-lines) logs that carry no personal data.

Citizen ids are replaced by a salted hash; message text is only ever logged at DEBUG. Our own code
hashes ids before logging them (`hash_user`); lines written by libraries, such as rq's
"xa-events: bot.queue.jobs.drain_user('8958041078911298472') (job id)" and its tracebacks, are scrubbed
by the formatter: the argument of a per-citizen job, and any run of 15-20 digits (Zalo's ids).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
import time
from typing import Any

from bot.config import Settings

_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
# Jobs whose first argument is a citizen's id, as rq describes them: drain_user('<id>').
PER_CITIZEN_JOBS = ("drain_user",)
_JOB_ARGUMENT = re.compile(rf"\b((?:{'|'.join(PER_CITIZEN_JOBS)})\()(\\?['\"])(.{{1,128}}?)\2")
_ZALO_ID = re.compile(r"(?<![\d.])\d{15,20}(?![\d.])")


def _hash(salt: str, user_id: str) -> str:
    return hashlib.sha256(f"{salt}:{user_id}".encode()).hexdigest()[:12]


def hash_user(user_id: str, settings: Settings) -> str:
    return _hash(settings.log_salt, user_id)


def scrub_user_ids(line: str, salt: str) -> str:
    """`line` with every citizen id that a library may have written replaced by its hash."""
    line = _JOB_ARGUMENT.sub(lambda m: f"{m.group(1)}{m.group(2)}user:{_hash(salt, m.group(3))}{m.group(2)}", line)
    return _ZALO_ID.sub(lambda m: "user:" + _hash(salt, m.group()), line)


class JsonFormatter(logging.Formatter):
    def __init__(self, salt: str = Settings.log_salt) -> None:
        super().__init__()
        self.salt = salt

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": round(time.time(), 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return scrub_user_ids(json.dumps(entry, ensure_ascii=False, default=str), self.salt)


def configure_logging(settings: Settings) -> None:
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(settings.log_salt))
    root.addHandler(handler)
    root.setLevel(settings.log_level)
