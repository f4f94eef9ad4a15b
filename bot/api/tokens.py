"""Bearer tokens for the integrators' JSON API: shown once when made, stored only as a SHA-256.

`flask --app wsgi token create NAME` prints a new token; `token list` and `token revoke NAME`
manage them. Every /api/v1 route is wrapped in `require_token`.

A token may be narrowed to scopes (`--scope`, repeatable): `dossiers`, `tickets`,
`broadcasts:draft` (alerts wait for an official's approval) and `broadcasts:send` (alerts go out
at once); `province` (given only explicitly) makes its alerts go to every commune of the deployment.
A token made without scopes may do everything for the commune, as tokens always could. The scope a
route needs follows from its path (/api/v1/<feature>/…), so every feature's routes are covered
without each declaring it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar

import click
import redis
from flask import current_app, g, jsonify, request
from flask.cli import with_appcontext

from bot.config import Settings
from bot.tenants.cli import cli_settings, tenant_option

F = TypeVar("F", bound=Callable[..., Any])
TOKEN_PREFIX = "xa_"
SCOPES = ("dossiers", "tickets", "broadcasts:draft", "broadcasts:send", "closures", "province")
ALL_SCOPES = frozenset(SCOPES)
# `province` (an alert goes to every commune of the deployment, bot.tenants.province) is never implied:
# a token without scopes keeps its one-commune meaning.
UNSCOPED = ALL_SCOPES - {"province"}
# The scopes that open each feature's routes (any one of them is enough).
ROUTE_SCOPES = {"dossiers": {"dossiers"}, "tickets": {"tickets"},
                "broadcasts": {"broadcasts:draft", "broadcasts:send"}, "closures": {"closures"}}


def _key(settings: Settings) -> str:
    return f"{settings.key_prefix}api:tokens"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(client: redis.Redis, settings: Settings, name: str, scopes: tuple[str, ...] = ()) -> str:
    """A new token for `name` (every scope unless `scopes` narrows it); the clear token exists only in
    the return value."""
    if not name.strip():
        raise ValueError("a token needs a name")
    unknown = set(scopes) - ALL_SCOPES
    if unknown:
        raise ValueError(f"unknown scope(s) {', '.join(sorted(unknown))}; choose from {', '.join(SCOPES)}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record: dict[str, object] = {"name": name.strip(), "created_at": datetime.now(UTC).isoformat()}
    if scopes:
        record["scopes"] = sorted(set(scopes))
    client.hset(_key(settings), _digest(token), json.dumps(record, ensure_ascii=False))
    return token


def verify_token(client: redis.Redis, settings: Settings, token: str) -> str | None:
    """The token's name, or None. Looked up by its digest (a hash of a random token leaks nothing)."""
    record = token_record(client, settings, token)
    return str(record["name"]) if record else None


def token_record(client: redis.Redis, settings: Settings, token: str) -> dict[str, Any] | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    digest = _digest(token)
    raw = client.hget(_key(settings), digest)
    if raw is None:
        return None
    # The lookup already matched; compare again in constant time out of caution against odd backends.
    return json.loads(raw) if hmac.compare_digest(digest, _digest(token)) else None


def token_scopes(record: dict[str, Any]) -> frozenset[str]:
    """A token made before scopes existed, or without any, may do everything a commune may."""
    return frozenset(record.get("scopes") or UNSCOPED)


def scopes_for_path(path: str) -> set[str] | None:
    """The scopes that open a route under /api/v1/<feature>/; None for a feature with no scope of its own."""
    feature = path.removeprefix("/api/v1/").split("/", 1)[0]
    return ROUTE_SCOPES.get(feature)


def list_tokens(client: redis.Redis, settings: Settings) -> list[dict[str, str]]:
    records = [json.loads(raw) for raw in client.hvals(_key(settings))]
    return sorted(records, key=lambda r: (r["name"], r["created_at"]))


def revoke_tokens(client: redis.Redis, settings: Settings, name: str) -> int:
    doomed = [
        digest for digest, raw in client.hgetall(_key(settings)).items() if json.loads(raw)["name"] == name
    ]
    return int(client.hdel(_key(settings), *doomed)) if doomed else 0


def require_token(view: F) -> F:
    """401 (JSON) unless the request carries `Authorization: Bearer <a valid token>`."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        record = None
        if scheme.lower() == "bearer" and token.strip():
            record = token_record(current_app.config["REDIS"], current_app.config["SETTINGS"], token.strip())
        if record is None:
            response = jsonify({"error": "a valid bearer token is required", "field": "Authorization"})
            response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
            return response, 401
        scopes = token_scopes(record)
        needed = scopes_for_path(request.path)
        if needed is not None and not needed & scopes:
            return jsonify({"error": f"this token may not use this route (needs {' or '.join(sorted(needed))})",
                            "field": "Authorization"}), 403
        g.api_client = str(record["name"])
        g.api_scopes = scopes
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


@click.group("token")
@tenant_option
def token_command() -> None:
    """Bearer tokens for the /api/v1 JSON API (`--tenant NAME`: a commune's, for /t/<slug>/api/v1)."""


@token_command.command("create")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(SCOPES),
              help="Narrow the token (repeatable); without it the token may do everything.")
@with_appcontext
def token_create(name: str, scopes: tuple[str, ...]) -> None:
    """Make a token for NAME and print it (only this once, as the last word of the output)."""
    token = create_token(current_app.config["REDIS"], cli_settings(), name, scopes)
    if scopes:
        click.echo(f"scopes: {', '.join(sorted(set(scopes)))}", err=True)
    click.echo(token)


@token_command.command("list")
@with_appcontext
def token_list() -> None:
    """Names and creation times of the tokens (never the tokens)."""
    for record in list_tokens(current_app.config["REDIS"], cli_settings()):
        click.echo(f"{record['name']}\t{record['created_at']}\t{','.join(record.get('scopes') or ['all'])}")


@token_command.command("revoke")
@click.argument("name")
@with_appcontext
def token_revoke(name: str) -> None:
    """Revoke every token named NAME."""
    count = revoke_tokens(current_app.config["REDIS"], cli_settings(), name)
    click.echo(f"revoked {count} token(s)")
