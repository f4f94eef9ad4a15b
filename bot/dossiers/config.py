"""Dossier settings, read from the environment (and `.env`) like bot.config.Settings.

Kept apart from Settings so this feature can grow its knobs without touching the shared file;
every value has a safe default, so a commune that sets nothing gets the embedded store.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from dotenv import load_dotenv

from bot.config import ROOT


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


@dataclass(frozen=True)
class DossierConfig:
    # Key for the applicant-id hashes. Set DOSSIER_ID_SECRET in production; changing it makes every
    # stored record unverifiable until the integrator sends it again.
    id_secret: str = "xa-bot-dossier"
    # 0: the citizen types the whole 12-digit id; N: only its last N digits.
    verify_last_digits: int = 0
    # Per citizen: this many wrong ids lock that citizen (only) out for verify_lock_seconds.
    verify_max_attempts: int = 5
    verify_lock_seconds: int = 15 * 60
    # Per receipt, across citizens: past verify_max_attempts wrong ids, each further try waits a gap
    # that doubles from verify_receipt_gap_seconds up to verify_receipt_max_gap_seconds. Never a lock:
    # strangers must not be able to shut the owner out.
    verify_receipt_gap_seconds: int = 2
    verify_receipt_max_gap_seconds: int = 60
    # How long the bot waits for the id after asking for it.
    verify_state_seconds: int = 10 * 60
    # "embedded" (Redis, fed by the API) or "http" (the province's one-stop system).
    source: str = "embedded"
    http_url: str = ""  # with a {receipt} placeholder
    http_auth_header: str = ""  # "Name: value", e.g. "Authorization: Bearer abc"
    http_mapping: dict[str, Any] = field(default_factory=dict)  # see bot.dossiers.http_source
    http_timeout_seconds: float = 3.0
    http_cache_seconds: int = 60
    breaker_failures: int = 3
    breaker_open_seconds: int = 60
    # ZBS template for status pushes to citizens outside Zalo's 7-day window ("" = none).
    template_id: str = ""

    @classmethod
    def from_env(cls) -> DossierConfig:
        load_dotenv(ROOT / ".env", override=False)
        mapping = _env("DOSSIER_HTTP_MAPPING")
        return cls(
            id_secret=_env("DOSSIER_ID_SECRET", cls.id_secret),
            verify_last_digits=int(_env("DOSSIER_VERIFY_LAST_DIGITS", "0") or 0),
            verify_max_attempts=int(_env("DOSSIER_VERIFY_MAX_ATTEMPTS", str(cls.verify_max_attempts))),
            verify_lock_seconds=int(_env("DOSSIER_VERIFY_LOCK_SECONDS", str(cls.verify_lock_seconds))),
            verify_state_seconds=int(_env("DOSSIER_VERIFY_STATE_SECONDS", str(cls.verify_state_seconds))),
            verify_receipt_gap_seconds=int(_env("DOSSIER_VERIFY_RECEIPT_GAP_SECONDS",
                                                str(cls.verify_receipt_gap_seconds))),
            verify_receipt_max_gap_seconds=int(_env("DOSSIER_VERIFY_RECEIPT_MAX_GAP_SECONDS",
                                                    str(cls.verify_receipt_max_gap_seconds))),
            source=_env("DOSSIER_SOURCE", cls.source).lower(),
            http_url=_env("DOSSIER_HTTP_URL"),
            http_auth_header=_env("DOSSIER_HTTP_AUTH_HEADER"),
            http_mapping=json.loads(mapping) if mapping else {},
            http_timeout_seconds=float(_env("DOSSIER_HTTP_TIMEOUT_SECONDS", str(cls.http_timeout_seconds))),
            http_cache_seconds=int(_env("DOSSIER_HTTP_CACHE_SECONDS", str(cls.http_cache_seconds))),
            breaker_failures=int(_env("DOSSIER_BREAKER_FAILURES", str(cls.breaker_failures))),
            breaker_open_seconds=int(_env("DOSSIER_BREAKER_OPEN_SECONDS", str(cls.breaker_open_seconds))),
            template_id=_env("DOSSIER_TEMPLATE_ID"),
        )


@lru_cache(maxsize=1)
def dossier_config() -> DossierConfig:
    """The process's configuration, read once."""
    return DossierConfig.from_env()
