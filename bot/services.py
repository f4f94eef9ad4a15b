"""Shared, read-mostly services a worker loads once (catalogue, matcher) and the Zalo client."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import redis

from bot.config import Settings
from bot.zalo.client import ZaloClient


class Services:
    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.redis = client
        self.settings = settings

    @cached_property
    def zalo(self) -> ZaloClient:
        return ZaloClient(self.redis, self.settings)

    @cached_property
    def catalogue(self) -> Any:
        from bot.catalogue import load_catalogue

        return load_catalogue()

    @cached_property
    def matcher(self) -> Any:
        return build_matcher(self.catalogue, self.settings)


def build_matcher(catalogue: Any, settings: Settings) -> Any:
    """The matcher as this commune configured it (preferred levels, its province's procedures)."""
    from bot.matcher import Matcher, MatcherConfig

    config = MatcherConfig(preferred_levels=settings.preferred_levels, province=settings.province_code or None)
    return Matcher.from_catalogue(catalogue, config)
