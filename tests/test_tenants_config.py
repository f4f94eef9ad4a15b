"""What each commune's OA has of its own beyond its credentials, set with `flask tenant …` and kept in
the registry: the sources its polls read (CAP feeds, the dossier system and its key). Real Redis, the
real CLI."""

from __future__ import annotations

from dataclasses import replace

import redis
from cryptography.fernet import Fernet

from bot.app import create_app
from bot.config import Settings
from bot.tenants.model import DossierSource, tenant_settings
from bot.tenants.registry import TenantRegistry

NAME = "UBND xã Tân Phú"
OA = "1190223344556677889"


def _cli(settings: Settings, *args: str) -> str:
    result = create_app(settings).test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_communes_sources_are_set_shown_and_kept_across_a_re_add(settings: Settings,
                                                                  redis_client: redis.Redis) -> None:
    settings = replace(settings, tenant_secrets_key=Fernet.generate_key().decode())
    registry = TenantRegistry(redis_client, settings)
    registry.add(NAME, OA, "123", "oa-secret", "app-secret")
    assert "CAP feeds: the deployment's" in _cli(settings, "tenant", "sources", NAME)
    shown = _cli(settings, "tenant", "sources", NAME, "--cap-feed", "https://kttv.example.vn/cap.atom",
                 "--dossier-url", "https://motcua.example.vn/hoso/{receipt}",
                 "--dossier-auth-header", "X-Api-Key: hidden-k9")
    assert "https://kttv.example.vn/cap.atom" in shown and "http https://motcua.example.vn" in shown
    assert "hidden-k9" not in shown and "with an auth header" in shown
    assert b"hidden-k9" not in redis_client.hget(registry.key, "ubnd-xa-tan-phu")  # sealed like the secrets
    registry.add(NAME, OA, "123", "oa-secret-2", "app-secret")  # new credentials: its sources stay
    tenant = registry.get("ubnd-xa-tan-phu")
    assert tenant is not None and tenant.cap_feeds == ("https://kttv.example.vn/cap.atom",)
    assert tenant.dossier == DossierSource("http", "https://motcua.example.vn/hoso/{receipt}", "X-Api-Key: hidden-k9")
    derived = tenant_settings(settings, tenant).dossier
    assert (derived.source, derived.http_url, derived.http_auth_header) == (
        "http", "https://motcua.example.vn/hoso/{receipt}", "X-Api-Key: hidden-k9")
    assert "CAP feeds: none" in _cli(settings, "tenant", "sources", NAME, "--no-cap-feeds")
    back = _cli(settings, "tenant", "sources", NAME, "--deployment-cap-feeds", "--dossier-source", "deployment")
    assert "CAP feeds: the deployment's" in back and "dossiers: the deployment's" in back
    assert tenant_settings(settings, registry.get("ubnd-xa-tan-phu")).dossier == settings.dossier  # type: ignore[arg-type]
