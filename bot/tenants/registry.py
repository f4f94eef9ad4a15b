"""The tenant registry in Redis: one hash under the deployment's prefix (slug → record), and a version
that moves on every change so that running processes notice a new tenant without a restart.

The OA secret key and app secret are encrypted with TENANT_SECRETS_KEY (Fernet) when it is set. The
token pair is not kept here: `add` seeds it into the tenant's own `zalo:tokens` (bot.zalo.tokens), where
refreshes keep it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

import redis
from cryptography.fernet import Fernet, InvalidToken

from bot.config import Settings
from bot.stores.keys import KeyFamily
from bot.stores.values import text_hash
from bot.tenants.model import BASE, DossierSource, TemplateIds, Tenant, base_tenant, slug_for, tenant_settings

KEY_FAMILIES = (
    KeyFamily("tenants", per_citizen=False, kept="the registered communes' OAs (secrets encrypted when a key is set)"),
    KeyFamily("tenants:version", per_citizen=False, kept="a counter"),
)
_ENCRYPTED = "fernet:"
# How long a process trusts its copy of the registry before asking whether the version moved; asked
# sooner (an event for an OA not in the copy), at most this often: unknown OAs cannot flood Redis.
CHECK_SECONDS = 1.0
FORCED_CHECK_SECONDS = 0.1


class TenantError(ValueError):
    pass


class TenantRegistry:
    def __init__(self, client: redis.Redis, settings: Settings,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.redis = client
        self.settings = settings  # the deployment's (base) settings
        self.key = f"{settings.shared_prefix}tenants"
        self.version_key = f"{settings.shared_prefix}tenants:version"
        self._fernet = Fernet(settings.tenant_secrets_key.encode()) if settings.tenant_secrets_key else None
        self._clock = clock
        self._cache: tuple[int, dict[str, Tenant]] | None = None
        self._checked_at = -CHECK_SECONDS

    # -- changes (the CLI, the console) --------------------------------------------------------

    def add(self, name: str, oa_id: str, app_id: str, oa_secret_key: str, app_secret: str) -> Tenant:
        """Register (or re-register, keeping its slug) a commune's OA. Its OA id must be new to the
        deployment and differ from the environment's."""
        name, oa_id, app_id = name.strip(), oa_id.strip(), app_id.strip()
        if not (name and oa_id and app_id and oa_secret_key and app_secret):
            raise TenantError("Cần đủ tên xã, OA ID, App ID, OA Secret Key và App Secret.")
        if oa_id == self.settings.zalo_oa_id:
            raise TenantError("OA ID này là OA cấu hình bằng biến môi trường (xã đầu tiên).")
        try:
            slug = slug_for(name)
        except ValueError as exc:
            raise TenantError(str(exc)) from exc
        for other in self.all():
            if other.oa_id == oa_id and other.slug != slug:
                raise TenantError(f"OA {oa_id} đã có trên hệ thống ({other.name}).")
        existing = self.get(slug)
        tenant = Tenant(slug, name, oa_id, app_id, oa_secret_key, app_secret, True, time.time())
        if existing is not None:  # re-registered: its templates, feeds and dossier source stay
            tenant = replace(existing, name=name, oa_id=oa_id, app_id=app_id, oa_secret_key=oa_secret_key,
                             app_secret=app_secret, enabled=True)
        self._write(tenant)
        return tenant

    def set_enabled(self, slug_or_name: str, enabled: bool) -> Tenant:
        return self.update(slug_or_name, enabled=enabled)

    def update(self, slug_or_name: str, **changes: Any) -> Tenant:
        """Change a registered commune's record (`enabled`, `templates`, `cap_feeds`, `dossier`)."""
        tenant = self.find(slug_or_name)
        if tenant is None:
            raise TenantError(f"Không có xã {slug_or_name!r} trên hệ thống.")
        changed = replace(tenant, **changes)
        self._write(changed)
        return changed

    def _write(self, tenant: Tenant) -> None:
        dossier = None if tenant.dossier is None else {
            **asdict(tenant.dossier), "http_auth_header": self._seal(tenant.dossier.http_auth_header)}
        record = {"name": tenant.name, "oa_id": tenant.oa_id, "app_id": tenant.app_id,
                  "oa_secret_key": self._seal(tenant.oa_secret_key), "app_secret": self._seal(tenant.app_secret),
                  "enabled": tenant.enabled, "created_at": tenant.created_at, "templates": asdict(tenant.templates),
                  "cap_feeds": None if tenant.cap_feeds is None else list(tenant.cap_feeds), "dossier": dossier}
        pipe = self.redis.pipeline()
        pipe.hset(self.key, tenant.slug, json.dumps(record, ensure_ascii=False))
        pipe.incr(self.version_key)
        pipe.execute()
        self._cache = None

    # -- reading ----------------------------------------------------------------------------

    def version(self) -> int:
        return int(self.redis.get(self.version_key) or 0)

    def all(self) -> list[Tenant]:
        """Registered tenants (not the environment's), by slug; straight from Redis."""
        raw = text_hash(self.redis.hgetall(self.key))
        return [self._open(slug, json.loads(raw[slug])) for slug in sorted(raw)]

    def get(self, slug: str) -> Tenant | None:
        raw = self.redis.hget(self.key, slug)
        return self._open(slug, json.loads(raw)) if raw else None

    def find(self, slug_or_name: str) -> Tenant | None:
        try:
            return self.get(slug_for(slug_or_name))
        except ValueError:
            return None

    def cached(self, force: bool = False) -> dict[str, Tenant]:
        """Every registered tenant by slug, re-read when the version moved (asked at most once a
        second, or a tenth of a second with `force`): the hot paths' view."""
        now = self._clock()
        trusted = FORCED_CHECK_SECONDS if force else CHECK_SECONDS
        if self._cache is not None and now - self._checked_at < trusted:
            return self._cache[1]
        self._checked_at = now
        version = self.version()
        if self._cache is None or self._cache[0] != version:
            self._cache = (version, {tenant.slug: tenant for tenant in self.all()})
        return self._cache[1]

    def settings_for(self, slug: str) -> Settings | None:
        """The tenant's settings (the base settings for ""), or None for an unknown slug."""
        if slug == BASE:
            return self.settings
        tenant = self.cached().get(slug) or self.cached(force=True).get(slug)
        return tenant_settings(self.settings, tenant) if tenant else None

    def everyone(self) -> list[Tenant]:
        """The environment's OA first, then every registered one (enabled or not)."""
        return [base_tenant(self.settings), *self.cached().values()]

    # -- secrets ----------------------------------------------------------------------------

    def _seal(self, secret: str) -> str:
        return _ENCRYPTED + self._fernet.encrypt(secret.encode()).decode() if self._fernet else secret

    def _open(self, slug: str, record: dict[str, Any]) -> Tenant:
        feeds, dossier = record.get("cap_feeds"), record.get("dossier")
        return Tenant(slug, str(record["name"]), str(record["oa_id"]), str(record["app_id"]),
                      self._unseal(str(record["oa_secret_key"])), self._unseal(str(record["app_secret"])),
                      bool(record.get("enabled", True)), float(str(record.get("created_at") or 0)),
                      TemplateIds(**(record.get("templates") or {})),
                      None if feeds is None else tuple(str(url) for url in feeds),
                      None if dossier is None else DossierSource(
                          str(dossier["source"]), str(dossier["http_url"]),
                          self._unseal(str(dossier["http_auth_header"]))))

    def _unseal(self, stored: str) -> str:
        if not stored.startswith(_ENCRYPTED):
            return stored
        if self._fernet is None:
            raise TenantError("Khóa bí mật của các xã đã được mã hóa nhưng chưa đặt TENANT_SECRETS_KEY.")
        try:
            return self._fernet.decrypt(stored.removeprefix(_ENCRYPTED).encode()).decode()
        except InvalidToken as exc:
            raise TenantError("TENANT_SECRETS_KEY không mở được khóa bí mật đã lưu của các xã.") from exc
