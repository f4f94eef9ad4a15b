"""What each commune's OA has of its own beyond its credentials, set with `flask tenant …` and kept in
the registry: the sources its polls read (CAP feeds, the dossier system and its key) and the message
templates Zalo approved for its OA. Real Redis, the real CLI, the sandbox serving both OAs."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
import redis
from cryptography.fernet import Fernet

from bot.app import create_app
from bot.broadcasts.store import BroadcastStore
from bot.config import Settings
from bot.console.users import UserStore
from bot.stores.followers import FollowerRegistry
from bot.tenants.admin import add_tenant
from bot.tenants.model import DossierSource, tenant_settings
from bot.tenants.registry import TenantRegistry
from bot.zalo.client import ZaloClient
from bot.zalo.errors import ZaloError
from tests.broadcast_helpers import add_followers
from tests.conftest import RunningSandbox
from tests.helpers import csrf_of
from tests.test_broadcast_fanout import run_all, start

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


def test_each_oa_sends_its_alerts_with_its_own_approved_templates(zalo_settings: Settings, sandbox: RunningSandbox,
                                                                   redis_client: redis.Redis) -> None:
    """A follower outside Zalo's 7-day window gets the alert by ZBS template: the first commune's with
    the environment's template id, the other commune's with the id set for its OA, through its own OA."""
    base = replace(zalo_settings, broadcast_template_id="tpl-first", broadcast_rate_per_second=0)
    sandbox.control("POST", "/_sandbox/oas", json={"oa_id": OA, "oa_secret_key": "tp-oa-secret",
                                                   "access_token": "tp-access", "refresh_token": "tp-refresh",
                                                   "templates": ["tpl-tan-phu", "9071"]})
    add_tenant(TenantRegistry(redis_client, base), NAME, OA, "123", "tp-oa-secret", "app-secret", "tp-access",
               "tp-refresh")
    shown = _cli(base, "tenant", "templates", NAME, "--broadcast", "tpl-tan-phu", "--broadcast-zns", "9071")
    assert "broadcast: tpl-tan-phu" in shown and "broadcast_zns: 9071" in shown and "dossier: -" in shown
    refused = create_app(base).test_cli_runner().invoke(args=["tenant", "templates", NAME, "--dossier", "mẫu 1"])
    assert refused.exit_code != 0
    tenant = TenantRegistry(redis_client, base).get("ubnd-xa-tan-phu")
    assert tenant is not None
    commune = tenant_settings(base, tenant)
    assert (commune.broadcast_template_id, commune.reach.broadcast_zns_template_id) == ("tpl-tan-phu", "9071")
    stale = time.time() - 9 * 86400
    for settings, prefix, oa in ((base, "61", ""), (commune, "62", OA)):
        answer = sandbox.control("POST", "/_sandbox/followers/bulk", json={"count": 2, "prefix": prefix, "oa_id": oa})
        ids = [f"{prefix}{answer['users'] - 2 + i}" for i in range(2)]
        add_followers(redis_client, settings, ids, last_interaction=stale)
        broadcast_id, queue = start(redis_client, settings)
        run_all(queue, redis_client, settings)
        assert BroadcastStore(redis_client, settings).counts(broadcast_id)["sent_template"] == 2
    sent = {(m["oa_id"], m["payload"]["template_id"]) for m in sandbox.messages()}
    assert sent == {("", "tpl-first"), (OA, "tpl-tan-phu")}
    with pytest.raises(ZaloError) as refused_id:  # the first OA's template is not the other OA's to send
        ZaloClient(redis_client, commune).send_template(ids[0], "tpl-first", {}, "k-1")
    assert refused_id.value.code == -109

    # The commune's console shows its OA's template ids.
    UserStore(redis_client, commune).create("admin-tp", "admin", "tan-phu-admin-1")
    web = create_app(base).test_client()
    token = csrf_of(web.get("/t/ubnd-xa-tan-phu/console/login").get_data(as_text=True))
    web.post("/t/ubnd-xa-tan-phu/console/login",
             data={"username": "admin-tp", "password": "tan-phu-admin-1", "csrf_token": token})
    page = web.get("/t/ubnd-xa-tan-phu/console/settings/").get_data(as_text=True)
    assert 'value="tpl-tan-phu"' in page and "<strong>9071</strong>" in page and "tpl-first" not in page


def test_followers_sync_for_one_commune_reads_its_own_oas_list(zalo_settings: Settings, sandbox: RunningSandbox,
                                                                redis_client: redis.Redis) -> None:
    sandbox.control("POST", "/_sandbox/oas", json={"oa_id": OA, "oa_secret_key": "tp-oa-secret",
                                                   "access_token": "tp-access", "refresh_token": "tp-refresh"})
    add_tenant(TenantRegistry(redis_client, zalo_settings), NAME, OA, "123", "tp-oa-secret", "app-secret",
               "tp-access", "tp-refresh")
    sandbox.control("POST", "/_sandbox/followers/bulk", json={"count": 120, "prefix": "71", "oa_id": OA})
    sandbox.control("POST", "/_sandbox/followers/bulk", json={"count": 30, "prefix": "72"})
    assert "synced 120 followers" in _cli(zalo_settings, "followers", "--tenant", NAME, "sync")
    tenant = TenantRegistry(redis_client, zalo_settings).get("ubnd-xa-tan-phu")
    assert tenant is not None
    commune = FollowerRegistry(redis_client, tenant_settings(zalo_settings, tenant))
    assert commune.count() == 120 and all(uid.startswith("71") for uid in commune.active_ids())
    assert FollowerRegistry(redis_client, zalo_settings).count() == 0  # the first commune's registry is untouched
    assert "synced 30 followers" in _cli(zalo_settings, "followers", "sync")
    unknown = create_app(zalo_settings).test_cli_runner().invoke(args=["followers", "--tenant", "Xã Không Có", "sync"])
    assert unknown.exit_code != 0 and "no tenant" in unknown.output
