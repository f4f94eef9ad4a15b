"""The Flask application factory: webhook, health, console and API, and the CLI commands."""

from __future__ import annotations

import html
import logging
from pathlib import Path

import click
from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from bot.config import Settings
from bot.ingress.webhook import webhook
from bot.logs import configure_logging
from bot.queue.jobs import make_queue
from bot.runtime import Runtime
from bot.services import Services
from bot.stores.connection import connect
from bot.stores.follower_sync import sync_from_zalo
from bot.stores.followers import FollowerRegistry
from bot.tenants.runtimes import TenantRuntimes
from bot.tenants.web import TenantDispatcher, tenant_path

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, shared: Runtime | None = None) -> Flask:
    """The deployment's app; with `shared` (the deployment's runtime), a commune's own app (bot.tenants.web)
    on the same Redis connection, catalogue and matcher."""
    settings = settings or Settings.from_env()
    configure_logging(settings)
    app = Flask(__name__)
    if shared is None:
        client = connect(settings, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30)
        runtime = Runtime.build(settings, client)
    else:
        runtime = Runtime(settings, shared.redis, make_queue(shared.redis, settings),
                          Services(shared.redis, settings, shared=shared.services))
    app.extensions["runtime"] = runtime
    app.extensions["tenants"] = tenants = TenantRuntimes(runtime)  # the webhook routes each event to its commune
    app.config.update(
        SETTINGS=runtime.settings,
        REDIS=runtime.redis,
        QUEUE=runtime.queue,
        # Werkzeug refuses larger bodies before reading them (413).
        MAX_CONTENT_LENGTH=settings.webhook_max_body_bytes,
    )
    app.register_blueprint(webhook)
    _register_api(app)
    _register_console(app)
    _register_site_verification(app, settings)
    _register_health(app)
    _register_errors(app)
    _register_cli(app)
    if shared is None:  # /t/<slug>/…: each commune's console and API, on its own settings
        from bot.tenants.console import create_province_blueprint

        app.register_blueprint(create_province_blueprint())  # one alert to many communes
        app.wsgi_app = TenantDispatcher(app.wsgi_app, tenants.registry,  # type: ignore[method-assign]
                                        lambda tenant: create_app(tenant, shared=runtime))
    else:  # its own session cookie: a login to one commune is no login to another
        app.config.update(SESSION_COOKIE_NAME=f"xa_console_{settings.tenant}",
                          SESSION_COOKIE_PATH=f"{tenant_path(settings.tenant)}/")
    return app


def _register_api(app: Flask) -> None:
    from bot.api import create_api_blueprint
    from bot.dossiers.status_jobs import enqueue_push_with

    app.config["ENQUEUE_DOSSIER_PUSH"] = enqueue_push_with(app.config["QUEUE"])
    app.register_blueprint(create_api_blueprint())


def _register_console(app: Flask) -> None:
    """The console (login, users, broadcasts), the staff inbox, statistics, posters, public pages and the
    public CAP feed."""
    from bot.broadcasts.public_feed import create_public_feed_blueprint
    from bot.console import init_console
    from bot.console.inbox import create_inbox_blueprint
    from bot.console.settings_views import create_settings_blueprint
    from bot.console.stats import create_posters_blueprint, create_stats_blueprint
    from bot.console.zalo_connect import create_zalo_connect_blueprint
    from bot.procedures.public_pages import create_public_blueprint

    init_console(app)
    for blueprint in (create_inbox_blueprint(), create_stats_blueprint(), create_posters_blueprint(),
                      create_zalo_connect_blueprint(), create_settings_blueprint(), create_public_blueprint(),
                      create_public_feed_blueprint()):
        app.register_blueprint(blueprint)


def _register_site_verification(app: Flask, settings: Settings) -> None:
    """Zalo verifies the webhook's domain by a file `zalo_verifier<CODE>.html` or a meta tag."""
    code = html.escape(settings.zalo_site_verification)
    page = (f'<!doctype html><html><head><meta charset="utf-8">'
            f'<meta name="zalo-platform-site-verification" content="{code}"><title>{html.escape(settings.commune_name)}'
            f"</title></head><body>{html.escape(settings.commune_name)}</body></html>")

    @app.get("/")
    def home():
        return page

    @app.get("/favicon.ico")
    def favicon():
        """Browsers ask for it on every site; the console's icon (SVG, which they all draw)."""
        icon = Path(__file__).parent / "console" / "static" / "favicon.svg"
        return Response(icon.read_bytes(), mimetype="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/zalo_verifier<given>.html")
    def zalo_verifier(given: str):
        if not code or given != code:
            return jsonify({"ok": False, "error": "not found"}), 404
        return page


def _register_health(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():
        return jsonify({"ok": True})

    from bot.ops.web import ops  # /readyz (each dependency) and /metrics

    app.register_blueprint(ops)


def _register_errors(app: Flask) -> None:
    from bot.console import console_error_page

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        page = console_error_page(exc.code or 500)
        if page is not None:
            return page
        return jsonify({"ok": False, "error": exc.description or exc.name}), exc.code or 500

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error")
        page = console_error_page(500)
        if page is not None:
            return page
        return jsonify({"ok": False, "error": "internal error"}), 500


def _register_cli(app: Flask) -> None:
    from bot.api.tokens import token_command
    from bot.procedures.cards_command import cards_command
    from bot.procedures.catalogue_import.command import import_catalogue_command
    from bot.procedures.cli_match import match_command
    from bot.tenants.cli import cli_settings, tenant_command, tenant_option

    app.cli.add_command(match_command)
    app.cli.add_command(import_catalogue_command)
    app.cli.add_command(cards_command)
    app.cli.add_command(token_command)
    app.cli.add_command(tenant_command)

    @app.cli.group("followers")
    @tenant_option
    def followers() -> None:
        """The follower registry (`--tenant NAME`: another commune's OA, added with `tenant add`)."""

    @followers.command("sync")
    def followers_sync() -> None:
        """Page through Zalo's follower list and record everyone in the registry."""
        from bot.zalo.client import ZaloClient

        settings: Settings = cli_settings(app)
        client = ZaloClient(app.config["REDIS"], settings)
        registry = FollowerRegistry(app.config["REDIS"], settings)

        def get_page(offset: int, count: int, period: str | None) -> dict:
            params: dict[str, object] = {"offset": offset, "count": count, "is_follower": "true"}
            if period:
                params["last_interaction_period"] = period
            return client.get("/v3.0/oa/user/getlist", params)

        report = sync_from_zalo(registry, get_page)
        click.echo(f"synced {report.listed} followers ({report.added} new, {report.removed} gone; "
                   f"{report.slices} slices, {report.pages} pages); {registry.count()} following now")
        if not report.complete:
            click.echo("some day holds more followers than Zalo lists at once: follow events complete them")
