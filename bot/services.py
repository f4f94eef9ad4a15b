"""Shared, read-mostly services a worker loads once (catalogue, matcher) and the Zalo client."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING

import redis

from bot.config import Settings
from bot.zalo.sender import Sender

if TYPE_CHECKING:  # the client (and `requests`) loads where something is sent, not on import
    from bot.procedures.catalogue import Catalogue
    from bot.procedures.matcher import Matcher
    from bot.zalo.client import ZaloClient


class Services:
    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.redis = client
        self.settings = settings
        self._matcher: Matcher | None = None
        self._matcher_version = -1
        self._known_alias_version: int | None = None  # see `alias_version_known`

    @cached_property
    def zalo(self) -> ZaloClient:
        from bot.zalo.client import ZaloClient

        return ZaloClient(self.redis, self.settings)

    @cached_property
    def sender(self) -> Sender:
        """The one way out to citizens (bot.zalo.sender)."""
        return Sender(self.zalo)

    @cached_property
    def catalogue(self) -> Catalogue:
        from bot.procedures.catalogue import load_catalogue

        return load_catalogue()

    @contextmanager
    def alias_version_known(self, version: int) -> Iterator[None]:
        """While one event is handled: the alias version its first round trip read, so that the matcher
        asks Redis nothing more."""
        self._known_alias_version = version
        try:
            yield
        finally:
            self._known_alias_version = None

    @property
    def matcher(self) -> Matcher:
        """Built once, and rebuilt when officials add or remove an alias in the console (the alias
        store's version moves); one Redis GET per message, none inside `alias_version_known`. If Redis
        fails, the last matcher serves."""
        from bot.stores.aliases import AliasStore

        store = AliasStore(self.redis, self.settings)
        current = self._matcher
        try:
            version = store.version() if self._known_alias_version is None else self._known_alias_version
            if current is not None and version == self._matcher_version:
                return current
            extra = store.pairs()
        except redis.RedisError:
            if current is not None:
                return current
            version, extra = -1, []
        self._matcher = build_matcher(self.catalogue, self.settings, extra)
        self._matcher_version = version
        return self._matcher


def build_matcher(catalogue: Catalogue, settings: Settings,
                  extra_aliases: Sequence[tuple[str, str]] = ()) -> Matcher:
    """The matcher as this commune configured it (preferred levels, its province's procedures), with the
    aliases officials added (code, phrase) merged into the shipped table."""
    from bot.procedures.matcher import Matcher, MatcherConfig, MatcherTables

    config = MatcherConfig(preferred_levels=settings.preferred_levels, province=settings.province or None)
    tables = MatcherTables.load()
    if extra_aliases:
        tables = replace(tables, aliases=[*tables.aliases, *extra_aliases])
    return Matcher(catalogue.procedures.values(), tables, config)
