"""`flask --app wsgi user ...`: bootstrap and manage console users from the command line."""

from __future__ import annotations

import getpass

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.broadcasts.audit import AuditLog
from bot.console.users import ROLES, UserError, UserStore
from bot.tenants.cli import cli_settings, tenant_option


def _store() -> UserStore:
    """The users of the deployment's console, or of one commune's (`user --tenant NAME …`)."""
    return UserStore(current_app.config["REDIS"], cli_settings())


def _audit(action: str, name: str, detail: str = "") -> None:
    """Changes made from the command line are in the console's audit log too, under the machine account."""
    AuditLog(current_app.config["REDIS"], current_app.config["SETTINGS"]).record(
        f"dòng lệnh ({getpass.getuser()})", action, f"user:{name}", detail)


@click.group("user")
@tenant_option
def user_command() -> None:
    """Console users (admin, official, staff; province: alerts to many communes)."""


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
    _audit("user.create", name, role)
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
    _audit("user.password", name)
    click.echo(f"password changed for {name}")


@user_command.command("list")
@with_appcontext
def list_users() -> None:
    for user in _store().all():
        click.echo(f"{user.name}\t{user.role}\t{'active' if user.active else 'disabled'}\t{user.display_name}")
