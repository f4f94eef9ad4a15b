"""Alert feed settings, read from the environment (and `.env`) like bot.config.Settings.

Kept apart from Settings so the alerts feature can grow its knobs without touching the shared file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from dotenv import load_dotenv

from bot.config import ROOT


@dataclass(frozen=True)
class FeedConfig:
    # CAP Atom/RSS feeds to read (the province's, the hydro-meteorological service's, any URL).
    feeds: tuple[str, ...] = ()
    poll_seconds: int = 120
    timeout_seconds: float = 10.0
    # Send Extreme + Immediate Actual alerts from a feed without waiting for an official.
    auto_send_extreme: bool = False
    # An alert without <expires> stays in effect this long (shown to the official).
    default_expiry_hours: int = 24
    # Our own CAP sender id in the published feed ("" = the public base URL's host).
    sender: str = ""

    @property
    def default_expiry(self) -> timedelta:
        return timedelta(hours=self.default_expiry_hours)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> FeedConfig:
        if env is None:
            load_dotenv(ROOT / ".env", override=False)
            env = os.environ

        def get(name: str, default: str = "") -> str:
            return str(env.get(name, default)).strip()

        return cls(
            feeds=tuple(u for u in re.split(r"[\s,]+", get("CAP_FEEDS")) if u),
            poll_seconds=max(15, int(get("CAP_FEED_POLL_SECONDS") or cls.poll_seconds)),
            timeout_seconds=float(get("CAP_FEED_TIMEOUT_SECONDS") or cls.timeout_seconds),
            auto_send_extreme=get("CAP_FEED_AUTO_SEND_EXTREME").lower() in ("1", "true", "yes", "on"),
            default_expiry_hours=int(get("BROADCAST_DEFAULT_EXPIRY_HOURS") or cls.default_expiry_hours),
            sender=get("CAP_SENDER"),
        )


def feed_config() -> FeedConfig:
    return FeedConfig.from_env()
