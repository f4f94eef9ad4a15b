"""Adding a commune's OA, as the CLI and the province console both do it: register it, then seed its
token pair into its own token store (where refreshes keep it)."""

from __future__ import annotations

from bot.tenants.model import Tenant, tenant_settings
from bot.tenants.registry import TenantError, TenantRegistry
from bot.zalo.tokens import TokenStore


def add_tenant(registry: TenantRegistry, name: str, oa_id: str, app_id: str, oa_secret_key: str,
               app_secret: str, access_token: str, refresh_token: str) -> Tenant:
    if not access_token.strip() or not refresh_token.strip():
        raise TenantError("Cần access token và refresh token của OA.")
    tenant = registry.add(name, oa_id, app_id, oa_secret_key, app_secret)
    TokenStore(registry.redis, tenant_settings(registry.settings, tenant)).store_pair(
        access_token.strip(), refresh_token.strip(), None)
    return tenant
