"""Bearer tokens for the integrators' JSON API: shown once when made, stored only as a SHA-256.

`flask --app wsgi token create NAME` prints a new token; `token list` and `token revoke NAME`
manage them. Every /api/v1 route is wrapped in `require_token`.
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

F = TypeVar("F", bound=Callable[..., Any])
TOKEN_PREFIX = "xa_"


def _key(settings: Settings) -> str:
    return f"{settings.key_prefix}api:tokens"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(client: redis.Redis, settings: Settings, name: str) -> str:
    """A new token for `name`; the clear token exists only in the return value."""
    if not name.strip():
        raise ValueError("a token needs a name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = {"name": name.strip(), "created_at": datetime.now(UTC).isoformat()}
    client.hset(_key(settings), _digest(token), json.dumps(record, ensure_ascii=False))
    return token


def verify_token(client: redis.Redis, settings: Settings, token: str) -> str | None:
    """The token's name, or None. Looked up by its digest (a hash of a random token leaks nothing)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    digest = _digest(token)
    raw = client.hget(_key(settings), digest)
    if raw is None:
        return None
    # The lookup already matched; compare again in constant time out of caution against odd backends.
    return str(json.loads(raw)["name"]) if hmac.compare_digest(digest, _digest(token)) else None


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
        name = None
        if scheme.lower() == "bearer" and token.strip():
            name = verify_token(current_app.config["REDIS"], current_app.config["SETTINGS"], token.strip())
        if name is None:
            response = jsonify({"error": "a valid bearer token is required", "field": "Authorization"})
            response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
            return response, 401
        g.api_client = name
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


@click.group("token")
def token_command() -> None:
    """Bearer tokens for the /api/v1 JSON API."""


@token_command.command("create")
@click.argument("name")
@with_appcontext
def token_create(name: str) -> None:
    """Make a token for NAME and print it (only this once)."""
    click.echo(create_token(current_app.config["REDIS"], current_app.config["SETTINGS"], name))


@token_command.command("list")
@with_appcontext
def token_list() -> None:
    """Names and creation times of the tokens (never the tokens)."""
    for record in list_tokens(current_app.config["REDIS"], current_app.config["SETTINGS"]):
        click.echo(f"{record['name']}\t{record['created_at']}")


@token_command.command("revoke")
@click.argument("name")
@with_appcontext
def token_revoke(name: str) -> None:
    """Revoke every token named NAME."""
    count = revoke_tokens(current_app.config["REDIS"], current_app.config["SETTINGS"], name)
    click.echo(f"revoked {count} token(s)")
