"""Tenants: the registry in Redis, settings derived per commune, and routing of webhook events by app
and OA id with each OA's own secret (real Redis, the real Flask app)."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
import redis
from cryptography.fernet import Fernet
from flask.testing import FlaskClient
from rq import Queue

from bot.api.tokens import create_token, token_record, token_scopes
from bot.app import create_app
from bot.broadcasts.fanout import app_rate_key
from bot.config import Settings
from bot.queue.event_inbox import Keys
from bot.queue.jobs import ANY_CITIZEN, TENANT_META, delayed_drains, enqueue_drain, make_queue, release_delayed_drain
from bot.tenants.model import Tenant, event_oa_id, route, slug_for, tenant_prefix, tenant_settings
from bot.tenants.province import interleave
from bot.tenants.registry import TenantError, TenantRegistry
from bot.zalo.tokens import TokenStore
from tests.helpers import signed, text_event

OTHER_OA = "1190223344556677889"
OTHER_SECRET = "tan-phu-secret"


def _add(registry: TenantRegistry, name: str = "UBND xã Tân Phú", oa_id: str = OTHER_OA) -> Tenant:
    return registry.add(name, oa_id, "123", OTHER_SECRET, "tan-phu-app-secret")


# -- pure parts --------------------------------------------------------------------------------


def test_slug_is_the_name_without_diacritics() -> None:
    assert slug_for("UBND xã Tân Phú") == "ubnd-xa-tan-phu"
    assert slug_for("  Phường Đông Hưng Thuận ") == "phuong-dong-hung-thuan"
    with pytest.raises(ValueError):
        slug_for("!!!")


def test_a_tenants_keys_share_one_cluster_slot_under_the_deployment_prefix(settings: Settings) -> None:
    tenant = Tenant("tan-phu", "UBND xã Tân Phú", OTHER_OA, "123", OTHER_SECRET, "s")
    derived = tenant_settings(settings, tenant)
    assert tenant_prefix("xa:", "tan-phu") == "xa:{t:tan-phu}:"
    assert derived.key_prefix == f"{settings.key_prefix}{{t:tan-phu}}:"
    assert derived.shared_prefix == settings.key_prefix == settings.shared_prefix
    assert (derived.commune_name, derived.zalo_oa_id, derived.zalo_oa_secret_key, derived.tenant) == (
        "UBND xã Tân Phú", OTHER_OA, OTHER_SECRET, "tan-phu")
    assert derived.queue_name == settings.queue_name  # one queue, jobs tagged with their tenant
    assert app_rate_key(derived) == app_rate_key(settings)  # one Zalo app: one rate, whichever OA sends
    assert app_rate_key(replace(derived, zalo_app_id="456")) != app_rate_key(settings)
    branded = replace(settings, office_phone="0222 3854 123", broadcast_template_id="zbs-1")
    assert (tenant_settings(branded, tenant).office_phone, tenant_settings(branded, tenant).broadcast_template_id) == (
        "", "")  # the first commune's phone and its OA's templates are not another OA's
    assert tenant_settings(settings, Tenant("", "x", "", "", "", "")) is settings


def test_the_oa_id_comes_from_where_zalo_puts_it() -> None:
    # Captured shapes (shared/zalo-oa-api.md): follow has a flat oa_id; a citizen's message names the OA
    # as recipient; an echo of the OA's own message names it as sender.
    follow = {"oa_id": "4024926008133882615", "follower": {"id": "8958041078911298472"}, "event_name": "follow",
              "source": "oa_profile", "app_id": "3349222483842580322", "timestamp": "1725608725618"}
    assert event_oa_id(follow) == "4024926008133882615"
    assert event_oa_id(text_event("111", "hi")) == "4024926008133882615"
    echo = {"event_name": "oa_send_text", "sender": {"id": OTHER_OA}, "recipient": {"id": "111"}}
    assert event_oa_id(echo) == OTHER_OA
    assert event_oa_id({"event_name": "user_seen_message"}) == ""


def test_routing_needs_both_the_app_and_the_oa() -> None:
    tenant = Tenant("tan-phu", "UBND xã Tân Phú", OTHER_OA, "123", OTHER_SECRET, "s")
    assert route([tenant], "123", OTHER_OA) is tenant
    assert route([tenant], "999", OTHER_OA) is None  # another app's OA of the same id: not this one
    assert route([tenant], "123", "") is None
    assert route([tenant], "123", "4024926008133882615") is None  # the environment's OA


def test_province_batches_are_interleaved_across_communes() -> None:
    assert interleave({"a": 3, "b": 1, "c": 2}) == [("a", 0), ("b", 0), ("c", 0), ("a", 1), ("c", 1), ("a", 2)]
    assert interleave({}) == []


# -- the registry -------------------------------------------------------------------------------


def test_add_list_disable_and_the_version_moves(settings: Settings, redis_client: redis.Redis) -> None:
    registry = TenantRegistry(redis_client, settings)
    before = registry.version()
    tenant = _add(registry)
    assert registry.version() == before + 1
    assert [t.slug for t in registry.all()] == ["ubnd-xa-tan-phu"]
    assert registry.get("ubnd-xa-tan-phu") == tenant
    assert registry.find("UBND xã Tân Phú") == tenant
    assert registry.set_enabled("UBND xã Tân Phú", False).enabled is False
    assert registry.get(tenant.slug).enabled is False  # type: ignore[union-attr]
    assert [t.name for t in registry.everyone()] == [settings.commune_name, "UBND xã Tân Phú"]
    with pytest.raises(TenantError):
        registry.set_enabled("UBND xã Không Có", True)


def test_an_oa_is_registered_once_and_never_the_environments(settings: Settings, redis_client: redis.Redis) -> None:
    registry = TenantRegistry(redis_client, settings)
    _add(registry)
    with pytest.raises(TenantError, match="đã có"):
        _add(registry, name="UBND xã Khác")
    with pytest.raises(TenantError, match="môi trường"):
        _add(registry, name="UBND xã Khác", oa_id=settings.zalo_oa_id)
    with pytest.raises(TenantError, match="Cần đủ"):
        registry.add("UBND xã Khác", "42", "123", "", "s")
    again = registry.add("UBND xã Tân Phú", OTHER_OA, "123", "rotated-secret", "s2")  # same slug: an update
    assert registry.get(again.slug).oa_secret_key == "rotated-secret"  # type: ignore[union-attr]


def test_secrets_are_encrypted_when_a_key_is_set(settings: Settings, redis_client: redis.Redis) -> None:
    keyed = replace(settings, tenant_secrets_key=Fernet.generate_key().decode())
    _add(TenantRegistry(redis_client, keyed))
    stored = redis_client.hget(f"{settings.key_prefix}tenants", "ubnd-xa-tan-phu")
    assert stored is not None and OTHER_SECRET.encode() not in stored
    assert TenantRegistry(redis_client, keyed).get("ubnd-xa-tan-phu").oa_secret_key == OTHER_SECRET  # type: ignore[union-attr]
    with pytest.raises(TenantError, match="TENANT_SECRETS_KEY"):
        TenantRegistry(redis_client, settings).get("ubnd-xa-tan-phu")


def test_another_process_sees_a_new_tenant_within_a_second(settings: Settings, redis_client: redis.Redis) -> None:
    now = [100.0]
    reader = TenantRegistry(redis_client, settings, clock=lambda: now[0])
    assert reader.cached() == {}
    _add(TenantRegistry(redis_client, settings))
    assert reader.cached() == {}  # asked less than a second ago
    now[0] += 1.5
    assert list(reader.cached()) == ["ubnd-xa-tan-phu"]
    assert reader.settings_for("nobody") is None and reader.settings_for("") is settings


# -- the webhook and the queue ------------------------------------------------------------------


@pytest.fixture
def web(settings: Settings) -> FlaskClient:
    return create_app(settings).test_client()


def _event_for_other(user: str = "222") -> dict:
    event = text_event(user, "xin chào")
    event["recipient"] = {"id": OTHER_OA}
    return event


def test_an_event_lands_in_its_communes_namespace_and_job(web: FlaskClient, settings: Settings,
                                                          redis_client: redis.Redis) -> None:
    tenant = _add(TenantRegistry(redis_client, settings))
    body, headers = signed(_event_for_other(), secret=OTHER_SECRET)
    response = web.post("/webhook/zalo", data=body, headers=headers)
    assert response.status_code == 200 and response.json == {"ok": True, "duplicate": False}
    mine = tenant_settings(settings, tenant)
    assert redis_client.llen(Keys(mine).inbox("222")) == 1
    assert redis_client.llen(Keys(settings).inbox("222")) == 0
    [job] = Queue(settings.queue_name, connection=redis_client).jobs
    assert job.meta[TENANT_META] == tenant.slug and job.func_name.endswith("sweep_pending")
    [token] = job.args  # the drainer's place, counted in the commune's namespace
    assert redis_client.zscore(Keys(mine).drainers, token) is not None


def test_an_event_signed_with_another_oas_secret_is_refused(web: FlaskClient, settings: Settings,
                                                            redis_client: redis.Redis) -> None:
    _add(TenantRegistry(redis_client, settings))
    body, headers = signed(_event_for_other(), secret=settings.zalo_oa_secret_key)
    assert web.post("/webhook/zalo", data=body, headers=headers).status_code == 401
    body, headers = signed(text_event("111", "xin chào"), secret=OTHER_SECRET)  # for the environment's OA
    assert web.post("/webhook/zalo", data=body, headers=headers).status_code == 401
    unknown = text_event("111", "xin chào")
    unknown["recipient"] = {"id": "5550001112223334445"}
    body, headers = signed(unknown, secret=OTHER_SECRET)
    assert web.post("/webhook/zalo", data=body, headers=headers).status_code == 401
    assert Queue(settings.queue_name, connection=redis_client).count == 0


def test_a_tenant_added_after_start_is_routed_at_once(web: FlaskClient, settings: Settings,
                                                      redis_client: redis.Redis) -> None:
    body, headers = signed(text_event("111", "xin chào"))
    assert web.post("/webhook/zalo", data=body, headers=headers).status_code == 200  # the registry is cached now
    _add(TenantRegistry(redis_client, settings))
    time.sleep(0.15)  # an unknown OA re-reads the registry at once, but at most ten times a second
    body, headers = signed(_event_for_other(), secret=OTHER_SECRET)
    assert web.post("/webhook/zalo", data=body, headers=headers).status_code == 200


def test_a_disabled_communes_events_are_acknowledged_and_dropped(web: FlaskClient, settings: Settings,
                                                                 redis_client: redis.Redis) -> None:
    registry = TenantRegistry(redis_client, settings)
    tenant = _add(registry)
    registry.set_enabled(tenant.slug, False)
    body, headers = signed(_event_for_other(), secret=OTHER_SECRET)
    response = web.post("/webhook/zalo", data=body, headers=headers)
    assert response.status_code == 200 and response.json == {"ok": True, "ignored": "tenant disabled"}
    assert redis_client.llen(Keys(tenant_settings(settings, tenant)).inbox("222")) == 0


def test_a_delayed_drain_comes_back_on_its_tenants_queue(settings: Settings, redis_client: redis.Redis) -> None:
    tenant = _add(TenantRegistry(redis_client, settings))
    mine = tenant_settings(settings, tenant)
    enqueue_drain(make_queue(redis_client, mine), "222", delay_seconds=0.01, settings=mine)
    enqueue_drain(make_queue(redis_client, settings), "111", delay_seconds=0.01, settings=settings)
    # A sweep looking again at citizens whose lock holder may have died (bot.queue.jobs.sweep_pending).
    enqueue_drain(make_queue(redis_client, mine), ANY_CITIZEN, delay_seconds=0.01, settings=mine)
    time.sleep(0.05)
    assert delayed_drains(redis_client, mine).key == delayed_drains(redis_client, settings).key  # one key to poll
    delayed_drains(redis_client, settings).release_due(lambda m: release_delayed_drain(redis_client, settings, m))
    queued = Queue(settings.queue_name, connection=redis_client).jobs
    jobs = {job.args[0]: job.meta.get(TENANT_META, "") for job in queued}
    assert jobs == {"222": tenant.slug, "111": "", ANY_CITIZEN: tenant.slug}


def test_the_tenant_add_command_seeds_the_token_pair(settings: Settings, redis_client: redis.Redis) -> None:
    app = create_app(settings)
    result = app.test_cli_runner().invoke(args=[
        "tenant", "add", "UBND xã Tân Phú", "--oa-id", OTHER_OA, "--app-id", "123",
        "--oa-secret-key", OTHER_SECRET, "--app-secret", "app-2", "--access-token", "acc-2",
        "--refresh-token", "ref-2"])
    assert result.exit_code == 0, result.output
    assert OTHER_SECRET not in result.output and "acc-2" not in result.output
    tenant = TenantRegistry(redis_client, settings).get("ubnd-xa-tan-phu")
    assert tenant is not None
    pair = TokenStore(redis_client, tenant_settings(settings, tenant)).current()
    assert (pair.access_token, pair.refresh_token) == ("acc-2", "ref-2")
    assert TokenStore(redis_client, settings).current().access_token == "initial-access"  # the first OA's stays
    listing = app.test_cli_runner().invoke(args=["tenant", "list"]).output
    assert "UBND xã Tân Phú" in listing and OTHER_SECRET not in listing
    refused = app.test_cli_runner().invoke(args=["tenant", "disable", settings.commune_name])
    assert refused.exit_code != 0 and "môi trường" in refused.output


def test_an_unscoped_token_is_not_a_province_token(settings: Settings, redis_client: redis.Redis) -> None:
    plain = token_record(redis_client, settings, create_token(redis_client, settings, "xa"))
    province = token_record(redis_client, settings,
                            create_token(redis_client, settings, "tinh", ("province", "broadcasts:send")))
    assert plain is not None and province is not None
    assert "province" not in token_scopes(plain) and "broadcasts:send" in token_scopes(plain)
    assert "province" in token_scopes(province)


def test_another_commune_never_borrows_the_first_communes_office_facts(settings: Settings) -> None:
    from bot.office.info import commune_info_for

    first = commune_info_for(settings)
    tenant = Tenant("tan-phu-test", "UBND xã Tân Phú", OTHER_OA, "123", OTHER_SECRET, "s")
    other = commune_info_for(tenant_settings(settings, tenant))  # no data/communes/tan-phu-test.json
    assert other.name == "UBND xã Tân Phú"
    assert not other.address and not other.bank_account.known and not other.phone
    assert (first.address, first.name) != (other.address, other.name)


def test_every_tenant_shares_the_processs_catalogue_but_sends_with_its_own_client(
        settings: Settings, redis_client: redis.Redis) -> None:
    from bot.runtime import Runtime
    from bot.tenants.runtimes import TenantRuntimes

    base = Runtime.build(settings, redis_client)
    runtimes = TenantRuntimes(base)
    tenant = _add(runtimes.registry)
    mine = runtimes.get(tenant.slug)
    assert mine is not None and runtimes.get("nobody") is None and runtimes.get("") is base
    assert mine.services.shared is base.services  # catalogue and matcher: the deployment's, loaded once
    assert mine.sender.settings.zalo_oa_id == OTHER_OA and base.sender.settings.zalo_oa_id == settings.zalo_oa_id
    assert runtimes.get(tenant.slug) is mine  # cached until its record changes
    runtimes.registry.add(tenant.name, OTHER_OA, "123", "rotated", "s")
    assert runtimes.get(tenant.slug) is not mine
    assert [rt.settings.tenant for rt in runtimes.active()] == ["", tenant.slug]


def test_a_job_for_a_tenant_never_registered_fails_visibly(settings: Settings, redis_client: redis.Redis) -> None:
    from rq.registry import FailedJobRegistry

    from bot.queue.jobs import TenantQueue, drain_user
    from bot.runtime import Runtime
    from bot.tenants.runtimes import TenantRuntimes, TenantWorker

    base = Runtime.build(settings, redis_client)
    job = TenantQueue(settings.queue_name, redis_client, "ghost").enqueue(drain_user, "222")
    worker = TenantWorker([base.queue], connection=redis_client)
    worker.runtimes = TenantRuntimes(base)
    worker.work(burst=True)
    assert job.id in FailedJobRegistry(settings.queue_name, connection=redis_client).get_job_ids()
