"""`flask --app wsgi tenant add|list|disable|enable|sources|templates`: the communes' OAs of a deployment.

`add` registers the OA and seeds its token pair into the tenant's own token store; the web and worker
processes notice within a second (the registry's version), so no restart is needed. Secrets are never
printed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any, TypeVar

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from bot.config import Settings
from bot.tenants.admin import add_tenant
from bot.tenants.model import TEMPLATE_ID, TEMPLATE_KINDS, DossierSource, Tenant, tenant_settings
from bot.tenants.registry import TenantError, TenantRegistry

F = TypeVar("F", bound=Callable[..., Any])
_TENANT = "tenants.cli.tenant"


def tenant_option(command: F) -> F:
    """`--tenant NAME` on a command group (`user`, `token`): its commands then act on that commune's
    console users or API tokens instead of the deployment's own (read with `cli_settings`)."""

    def remember(ctx: click.Context, _param: click.Parameter, value: str) -> str:
        ctx.meta[_TENANT] = value.strip()
        return value

    return click.option("--tenant", default="", expose_value=False, callback=remember, is_eager=True,
                        help="A commune added with `tenant add` (its name or slug); default: the deployment's "
                             "own commune.")(command)


def cli_settings(app: Flask | None = None) -> Settings:
    """The settings a CLI command acts on: the deployment's, or the `--tenant` commune's (`app`: the
    command's own app, when it has one, rather than the one Flask's CLI would load)."""
    config = (app or current_app).config
    settings: Settings = config["SETTINGS"]
    name = click.get_current_context().meta.get(_TENANT, "")
    if not name:
        return settings
    tenant = TenantRegistry(config["REDIS"], settings).find(name)
    if tenant is None:
        raise click.ClickException(f"no tenant {name!r} (see `tenant list`)")
    return tenant_settings(settings, tenant)


def _registry() -> TenantRegistry:
    settings: Settings = current_app.config["SETTINGS"]
    return TenantRegistry(current_app.config["REDIS"], settings)


@click.group("tenant")
def tenant_command() -> None:
    """The communes' Official Accounts this deployment serves."""


@tenant_command.command("add")
@click.argument("name")
@click.option("--oa-id", required=True, help="The commune's OA id.")
@click.option("--app-id", required=True, help="The Zalo app the OA is linked to.")
@click.option("--oa-secret-key", required=True, help="The OA secret key that signs the app's webhook events.")
@click.option("--app-secret", required=True, help="The app's secret (refreshes the OA's tokens).")
@click.option("--access-token", required=True)
@click.option("--refresh-token", required=True)
@with_appcontext
def tenant_add(name: str, oa_id: str, app_id: str, oa_secret_key: str, app_secret: str, access_token: str,
               refresh_token: str) -> None:
    """Add (or update) the commune NAME (as citizens read it, e.g. "UBND xã Tân Phú")."""
    try:
        tenant = add_tenant(_registry(), name, oa_id, app_id, oa_secret_key, app_secret, access_token, refresh_token)
    except TenantError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"added {tenant.slug}\t{tenant.name}\tOA {tenant.oa_id}\tapp {tenant.app_id}")


@tenant_command.command("list")
@with_appcontext
def tenant_list() -> None:
    """Every tenant: slug, name, OA id, app id, state (never a secret)."""
    for tenant in _registry().everyone():
        row = tenant.public()
        click.echo(f"{row['slug']}\t{row['name']}\tOA {row['oa_id'] or '-'}\tapp {row['app_id'] or '-'}\t"
                   f"{'enabled' if row['enabled'] else 'disabled'}")


def _set_enabled(name: str, enabled: bool) -> None:
    registry = _registry()
    try:
        tenant = registry.set_enabled(name, enabled)
    except TenantError as exc:
        raise click.ClickException(f"{exc} (xã đầu tiên được cấu hình bằng biến môi trường)") from exc
    click.echo(f"{'enabled' if enabled else 'disabled'} {tenant.slug}\t{tenant.name}")


@tenant_command.command("disable")
@click.argument("name")
@with_appcontext
def tenant_disable(name: str) -> None:
    """Stop serving NAME (its events are acknowledged and dropped; its data stays)."""
    _set_enabled(name, False)


@tenant_command.command("enable")
@click.argument("name")
@with_appcontext
def tenant_enable(name: str) -> None:
    """Serve NAME again."""
    _set_enabled(name, True)


def _describe_sources(tenant: Tenant) -> str:
    feeds = "the deployment's (CAP_FEEDS)" if tenant.cap_feeds is None else " ".join(tenant.cap_feeds) or "none"
    source = tenant.dossier
    if source is None:
        dossier = "the deployment's (DOSSIER_SOURCE)"
    elif source.source == "http":
        dossier = f"http {source.http_url}{' (with an auth header)' if source.http_auth_header else ''}"
    else:
        dossier = source.source
    return f"{tenant.slug}\tCAP feeds: {feeds}\tdossiers: {dossier}"


@tenant_command.command("sources")
@click.argument("name")
@click.option("--cap-feed", "cap_feeds", multiple=True, help="A CAP feed the commune reads (repeat the option); "
                                                               "replaces its list.")
@click.option("--no-cap-feeds", is_flag=True, help="Read no CAP feed.")
@click.option("--deployment-cap-feeds", is_flag=True, help="Read the deployment's CAP_FEEDS (the default).")
@click.option("--dossier-source", type=click.Choice(["http", "embedded", "deployment"]),
              help="Where dossier statuses come from: polled over http, fed by the API, or as the deployment.")
@click.option("--dossier-url", help="The one-stop system's URL for this commune, with {receipt}.")
@click.option("--dossier-auth-header", help='"Name: value" sent with each request (kept encrypted when '
                                            "TENANT_SECRETS_KEY is set).")
@with_appcontext
def tenant_sources(name: str, cap_feeds: tuple[str, ...], no_cap_feeds: bool, deployment_cap_feeds: bool,
                   dossier_source: str | None, dossier_url: str | None, dossier_auth_header: str | None) -> None:
    """Show or set the CAP feeds and the dossier source the scheduler polls for NAME."""
    registry = _registry()
    tenant = registry.find(name)
    if tenant is None:
        raise click.ClickException(f"no tenant {name!r} (see `tenant list`)")
    if sum((bool(cap_feeds), no_cap_feeds, deployment_cap_feeds)) > 1:
        raise click.ClickException("give --cap-feed, --no-cap-feeds or --deployment-cap-feeds, not several")
    changes: dict[str, Any] = {}
    if cap_feeds or no_cap_feeds:
        changes["cap_feeds"] = tuple(url.strip() for url in cap_feeds if url.strip())
    elif deployment_cap_feeds:
        changes["cap_feeds"] = None
    if dossier_source == "deployment":
        changes["dossier"] = None
    elif dossier_source or dossier_url is not None or dossier_auth_header is not None:
        current = tenant.dossier or DossierSource()
        url = current.http_url if dossier_url is None else dossier_url.strip()
        header = current.http_auth_header if dossier_auth_header is None else dossier_auth_header.strip()
        changed = DossierSource(dossier_source or ("http" if dossier_url else current.source), url, header)
        if changed.source == "http" and "{receipt}" not in changed.http_url:
            raise click.ClickException("--dossier-url needs a {receipt} placeholder for an http source")
        changes["dossier"] = changed
    if changes:
        tenant = registry.update(tenant.slug, **changes)
    click.echo(_describe_sources(tenant))


def _describe_templates(tenant: Tenant) -> str:
    ids = asdict(tenant.templates)
    return f"{tenant.slug or '(env)'}\t" + "\t".join(f"{kind}: {ids[kind] or '-'}" for kind in TEMPLATE_KINDS)


@tenant_command.command("templates")
@click.argument("name")
@click.option("--dossier", help="ZBS template for dossier status changes outside the 7-day window.")
@click.option("--broadcast", help="ZBS template for alerts outside the 7-day window.")
@click.option("--dossier-zns", help="ZNS template for dossier status changes, by the phone a citizen shared.")
@click.option("--broadcast-zns", help="ZNS template for alerts, by the phone a citizen shared.")
@with_appcontext
def tenant_templates(name: str, **ids: str | None) -> None:
    """Show or set the Zalo template ids approved for NAME's OA ("" clears one). The commune's console
    settings show them; a ZBS id an official saved there is the one in force."""
    registry = _registry()
    tenant = registry.find(name)
    if tenant is None:
        raise click.ClickException(f"no tenant {name!r} (see `tenant list`; the environment's commune takes "
                                   "DOSSIER_TEMPLATE_ID, BROADCAST_TEMPLATE_ID, …)")
    given = {kind: value.strip() for kind, value in ids.items() if value is not None}
    bad = [kind for kind, value in given.items() if value and not TEMPLATE_ID.fullmatch(value)]
    if bad:
        raise click.ClickException(f"--{bad[0].replace('_', '-')}: a template id is letters, digits, - or _")
    if given:
        tenant = registry.update(tenant.slug, templates=replace(tenant.templates, **given))
    click.echo(_describe_templates(tenant))
