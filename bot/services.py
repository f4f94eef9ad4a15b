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
    def __init__(self, client: redis.Redis, settings: Settings, shared: Services | None = None) -> None:
        """`shared`: the deployment's services, whose catalogue and matcher another tenant uses (one
        per process, whatever the number of communes); the Zalo client and sender stay the tenant's own."""
        self.redis = client
        self.settings = settings
        self.shared = shared
        self._matcher: Matcher | None = None
        self._matcher_version: tuple[int, str] | None = None  # (alias store version, province)
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

        return self.shared.catalogue if self.shared is not None else load_catalogue()

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
        store's version moves) or set another province; one Redis GET for the aliases per message, none
        inside `alias_version_known`. If Redis fails, the last matcher serves. Every tenant uses the
        deployment's matcher (and so its aliases)."""
        from bot.office.current import office_config
        from bot.stores.aliases import AliasStore

        if self.shared is not None:
            return self.shared.matcher

        store = AliasStore(self.redis, self.settings)
        current = self._matcher
        # The province officials set in the console (else PROVINCE) decides which local procedures join.
        province = office_config(self.redis, self.settings).province or self.settings.province
        try:
            aliases = store.version() if self._known_alias_version is None else self._known_alias_version
            version = (aliases, province)
            if current is not None and version == self._matcher_version:
                return current
            extra = store.pairs()
        except redis.RedisError:
            if current is not None:
                return current
            version, extra = (-1, province), []
        self._matcher = build_matcher(self.catalogue, replace(self.settings, province=province), extra)
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
