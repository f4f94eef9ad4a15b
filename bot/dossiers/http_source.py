"""The provincial one-stop system as a dossier source, over HTTP.

Configured, not coded, per province (DOSSIER_HTTP_*): a URL with a `{receipt}` placeholder, an
auth header, and a mapping from its JSON to our fields:

    {"record": "data",                                  # where the record sits ("" = the body)
     "fields": {"procedure_name": "thuTuc.ten", "status": "trangThai", "applicant_id": "soDinhDanh", ...},
     "status_values": {"DANG_XU_LY": 4, ...}}            # its status values → the national 1–10

Answers are cached briefly in Redis; failures (down, slow, garbage) open a circuit breaker, and
while it is open `get` raises SourceUnavailable at once, so the citizen hears "try later" quickly.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import quote

import redis
import requests

from bot.config import DossierConfig, Settings
from bot.dossiers.breaker import CircuitBreaker
from bot.dossiers.model import Dossier
from bot.dossiers.store import DossierSource, SourceUnavailable
from bot.dossiers.validation import FIELDS, FieldError, parse_dossier
from bot.stores.values import text

log = logging.getLogger(__name__)

_MISSING = object()
NOT_FOUND_MARK = "-"


def _dig(data: Any, path: str) -> Any:
    for part in [p for p in path.split(".") if p]:
        if not isinstance(data, dict) or part not in data:
            return _MISSING
        data = data[part]
    return data


def map_record(record: dict[str, Any], mapping: dict[str, Any]) -> dict[str, Any]:
    """Their JSON → our field names (unmapped fields are read under our own names)."""
    field_paths: dict[str, str] = {name: name for name in FIELDS if name != "receipt"}
    field_paths.update(mapping.get("fields") or {})
    mapped: dict[str, Any] = {}
    for name, path in field_paths.items():
        value = _dig(record, path)
        if value is not _MISSING and value is not None:
            mapped[name] = value
    status_values: dict[str, int] = mapping.get("status_values") or {}
    if "status" in mapped:
        raw = mapped["status"]
        if str(raw) in status_values:
            mapped["status"] = int(status_values[str(raw)])
        elif isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
            mapped["status"] = int(raw)
    return mapped


class HttpDossierSource:
    def __init__(
        self,
        client: redis.Redis,
        settings: Settings,
        config: DossierConfig,
        session: requests.Session | None = None,
    ) -> None:
        self.redis = client
        self.config = config
        self.session = session or requests.Session()
        self.cache_prefix = f"{settings.key_prefix}dossier:http-cache:"
        self.breaker = CircuitBreaker(
            client,
            f"{settings.key_prefix}dossier:http-breaker",
            config.breaker_failures,
            config.breaker_open_seconds,
        )

    def _headers(self) -> dict[str, str]:
        name, _, value = self.config.http_auth_header.partition(":")
        return {name.strip(): value.strip()} if name.strip() and value.strip() else {}

    def get(self, receipt: str) -> Dossier | None:
        cached = self.redis.get(self.cache_prefix + receipt)
        if cached is not None:
            return None if text(cached) == NOT_FOUND_MARK else Dossier.from_dict(json.loads(cached))
        if self.breaker.is_open():
            raise SourceUnavailable("circuit open")
        try:
            dossier = self._fetch(receipt)
        except SourceUnavailable:
            self.breaker.record_failure()
            raise
        self.breaker.record_success()
        value = NOT_FOUND_MARK if dossier is None else json.dumps(dossier.to_dict(), ensure_ascii=False)
        if self.config.http_cache_seconds > 0:
            self.redis.set(self.cache_prefix + receipt, value, ex=self.config.http_cache_seconds)
        return dossier

    def _fetch(self, receipt: str) -> Dossier | None:
        url = self.config.http_url.replace("{receipt}", quote(receipt, safe=""))
        try:
            response = self.session.get(
                url, headers=self._headers(), timeout=self.config.http_timeout_seconds
            )
        except requests.RequestException as exc:
            log.warning("dossier source unreachable", extra={"error": type(exc).__name__})
            raise SourceUnavailable(type(exc).__name__) from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            log.warning("dossier source answered HTTP %s", response.status_code)
            raise SourceUnavailable(f"HTTP {response.status_code}")
        try:
            record = _dig(response.json(), str(self.config.http_mapping.get("record", "")))
        except ValueError as exc:
            raise SourceUnavailable("not JSON") from exc
        if record is _MISSING or record is None:
            return None
        if not isinstance(record, dict):
            raise SourceUnavailable("record is not an object")
        try:
            return parse_dossier(
                receipt,
                map_record(record, self.config.http_mapping),
                self.config.id_secret,
                require_applicant=True,
                suffix_lengths=(self.config.verify_last_digits,),
            )
        except FieldError as exc:
            log.warning("dossier source answered an unusable record", extra={"field": exc.field})
            raise SourceUnavailable(f"bad field {exc.field}") from exc


def make_source(client: redis.Redis, settings: Settings, config: DossierConfig) -> DossierSource:
    """The configured DossierSource (the embedded store unless DOSSIER_SOURCE=http)."""
    from bot.dossiers.store import RedisDossierStore

    if config.source == "http" and config.http_url:
        return HttpDossierSource(client, settings, config)
    return RedisDossierStore(client, settings)
