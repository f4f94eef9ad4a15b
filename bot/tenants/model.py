"""What a tenant is, how its settings derive from the deployment's, and which tenant an event is for. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from bot.broadcasts.areas import fold
from bot.config import Settings

# The environment's OA: no registration, its keys stay exactly where they always were.
BASE = ""
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
MAX_SLUG = 48


@dataclass(frozen=True)
class TemplateIds:
    """The message templates Zalo approved for one OA ("" = none of that kind): ZBS templates reach a
    follower outside the 7-day window, ZNS templates a phone number the citizen shared."""

    dossier: str = ""
    broadcast: str = ""
    dossier_zns: str = ""
    broadcast_zns: str = ""


TEMPLATE_KINDS = ("dossier", "broadcast", "dossier_zns", "broadcast_zns")
TEMPLATE_ID = re.compile(r"[A-Za-z0-9_\-]{1,64}")  # Zalo's template ids are digits or short codes


@dataclass(frozen=True)
class DossierSource:
    """Where a commune's dossier statuses come from, when it is not the deployment's source."""

    source: str = "embedded"  # "embedded" (fed by the API) or "http" (polled)
    http_url: str = ""  # with a {receipt} placeholder
    http_auth_header: str = ""  # "Name: value": a secret


@dataclass(frozen=True)
class Tenant:
    slug: str
    name: str  # the commune's name as citizens read it ("UBND xã Tân Phú")
    oa_id: str
    app_id: str
    oa_secret_key: str
    app_secret: str
    enabled: bool = True
    created_at: float = 0.0
    templates: TemplateIds = TemplateIds()
    # The CAP feeds the commune reads; None = the deployment's (CAP_FEEDS), () = none.
    cap_feeds: tuple[str, ...] | None = None
    dossier: DossierSource | None = None  # None = the deployment's source (DOSSIER_SOURCE, …)

    def public(self) -> dict[str, Any]:
        """What may be shown or logged: never a secret."""
        return {"slug": self.slug or "(env)", "name": self.name, "oa_id": self.oa_id, "app_id": self.app_id,
                "enabled": self.enabled}


def feeds_of(tenant: Tenant | None, deployment_feeds: tuple[str, ...]) -> tuple[str, ...]:
    """The CAP feeds a commune reads: its own list when it has one, else the deployment's."""
    if tenant is None or tenant.cap_feeds is None:
        return deployment_feeds
    return tenant.cap_feeds


def slug_for(name: str) -> str:
    """'UBND xã Tân Phú' → 'ubnd-xa-tan-phu': ASCII, fits a Redis hash tag and a URL."""
    slug = _SLUG_JUNK.sub("-", fold(name)).strip("-")[:MAX_SLUG].strip("-")
    if not slug:
        raise ValueError("Tên xã cần có chữ hoặc số.")
    return slug


def tenant_prefix(deployment_prefix: str, slug: str) -> str:
    """`xa:{t:tan-phu}:`: the braces are a Redis Cluster hash tag, so one tenant's keys share a slot."""
    return f"{deployment_prefix}{{t:{slug}}}:"


def base_tenant(settings: Settings) -> Tenant:
    templates = TemplateIds(settings.dossier.template_id, settings.broadcast_template_id,
                            settings.reach.dossier_zns_template_id, settings.reach.broadcast_zns_template_id)
    return Tenant(BASE, settings.commune_name, settings.zalo_oa_id, settings.zalo_app_id,
                  settings.zalo_oa_secret_key, settings.zalo_app_secret, templates=templates)


def tenant_settings(base: Settings, tenant: Tenant) -> Settings:
    """The deployment's settings with this commune's namespace, OA credentials and name."""
    if tenant.slug == BASE:
        return base
    deployment = base.shared_prefix
    # What belongs to the first commune or its OA is not inherited: its phone number, and the message
    # templates Zalo approved for that OA (ZBS, ZNS), which another OA cannot send: each OA has its own.
    templates = tenant.templates
    dossier = replace(base.dossier, template_id=templates.dossier)
    if tenant.dossier is not None:
        dossier = replace(dossier, source=tenant.dossier.source, http_url=tenant.dossier.http_url,
                          http_auth_header=tenant.dossier.http_auth_header)
    return replace(base, key_prefix=tenant_prefix(deployment, tenant.slug), tenant=tenant.slug,
                   deployment_prefix=deployment, commune_name=tenant.name, zalo_oa_id=tenant.oa_id,
                   zalo_app_id=tenant.app_id, zalo_oa_secret_key=tenant.oa_secret_key,
                   zalo_app_secret=tenant.app_secret, zalo_access_token="", zalo_refresh_token="",
                   office_phone="", broadcast_template_id=templates.broadcast, dossier=dossier,
                   reach=replace(base.reach, dossier_zns_template_id=templates.dossier_zns,
                                 broadcast_zns_template_id=templates.broadcast_zns))


def event_oa_id(payload: Mapping[str, Any]) -> str:
    """The OA an event is for: `oa_id` (follow/unfollow), else `recipient.id` of a citizen's event, else
    `sender.id` of an echo of the OA's own message; "" when the event names none."""
    if payload.get("oa_id") not in (None, ""):
        return str(payload["oa_id"])
    name = str(payload.get("event_name") or "")
    party = payload.get("sender" if name.startswith("oa_send_") else "recipient")
    if isinstance(party, dict) and party.get("id") not in (None, ""):
        return str(party["id"])
    return ""


def route(tenants: Iterable[Tenant], app_id: str, oa_id: str) -> Tenant | None:
    """The registered tenant for (app_id, oa_id), enabled or not (a disabled one's events are verified
    with its secret, then acknowledged and dropped); None means the environment's OA, whose own secret
    then decides, so an event for an unknown OA is refused unless the base OA signed it."""
    for tenant in tenants:
        if tenant.app_id == app_id and oa_id and tenant.oa_id == oa_id:
            return tenant
    return None
