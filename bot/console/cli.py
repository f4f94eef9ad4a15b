"""`flask --app wsgi user ...`: bootstrap and manage console users from the command line."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.console.users import ROLES, UserError, UserStore


def _store() -> UserStore:
    """The users of the deployment's console, or of one commune's (`user --tenant NAME …`)."""
    from bot.tenants.model import tenant_settings
    from bot.tenants.registry import TenantRegistry

    settings = current_app.config["SETTINGS"]
    name = click.get_current_context().meta.get(_TENANT, "")
    if name:
        tenant = TenantRegistry(current_app.config["REDIS"], settings).find(name)
        if tenant is None:
            raise click.ClickException(f"no tenant {name!r} (see `tenant list`)")
        settings = tenant_settings(settings, tenant)
    return UserStore(current_app.config["REDIS"], settings)


_TENANT = "console.tenant"


@click.group("user")
@click.option("--tenant", default="", help="A commune added with `tenant add` (its name or slug); its officials "
              "log in at /t/<slug>/console/. Default: the deployment's own console.")
@click.pass_context
def user_command(ctx: click.Context, tenant: str) -> None:
    """Console users (admin, official, staff; province: alerts to many communes)."""
    ctx.meta[_TENANT] = tenant.strip()


@user_command.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="staff", show_default=True)
@click.option("--display-name", default="", help="The name shown in the console (Vietnamese).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create(name: str, role: str, display_name: str, password: str) -> None:
    """Create a user; the password is prompted unless given with --password."""
    try:
        user = _store().create(name, role, password, display_name)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {user.name} ({user.role})")


@user_command.command("set-password")
@click.argument("name")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def set_password(name: str, password: str) -> None:
    try:
        _store().set_password(name, password)
        _store().clear_failures(name)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"password changed for {name}")


@user_command.command("list")
@with_appcontext
def list_users() -> None:
    for user in _store().all():
        click.echo(f"{user.name}\t{user.role}\t{'active' if user.active else 'disabled'}\t{user.display_name}")
