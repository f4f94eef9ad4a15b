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
class Tenant:
    slug: str
    name: str  # the commune's name as citizens read it ("UBND xã Tân Phú")
    oa_id: str
    app_id: str
    oa_secret_key: str
    app_secret: str
    enabled: bool = True
    created_at: float = 0.0

    def public(self) -> dict[str, Any]:
        """What may be shown or logged: never a secret."""
        return {"slug": self.slug or "(env)", "name": self.name, "oa_id": self.oa_id, "app_id": self.app_id,
                "enabled": self.enabled}


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
    return Tenant(BASE, settings.commune_name, settings.zalo_oa_id, settings.zalo_app_id,
                  settings.zalo_oa_secret_key, settings.zalo_app_secret)


def tenant_settings(base: Settings, tenant: Tenant) -> Settings:
    """The deployment's settings with this commune's namespace, OA credentials and name."""
    if tenant.slug == BASE:
        return base
    deployment = base.shared_prefix
    # What belongs to the first commune or its OA is not inherited: its phone number, and the message
    # templates Zalo approved for that OA (ZBS, ZNS), which another OA cannot send.
    return replace(base, key_prefix=tenant_prefix(deployment, tenant.slug), tenant=tenant.slug,
                   deployment_prefix=deployment, commune_name=tenant.name, zalo_oa_id=tenant.oa_id,
                   zalo_app_id=tenant.app_id, zalo_oa_secret_key=tenant.oa_secret_key,
                   zalo_app_secret=tenant.app_secret, zalo_access_token="", zalo_refresh_token="",
                   office_phone="", broadcast_template_id="", dossier=replace(base.dossier, template_id=""),
                   reach=replace(base.reach, dossier_zns_template_id="", broadcast_zns_template_id=""))


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
