"""Each commune's own web app under /t/<slug>/ (console, staff inbox, statistics, API, public pages),
built from its settings on first use and rebuilt when its record changes: a commune's officials log in
at /t/<slug>/console/ and see their commune only, since everything they read lives under its key prefix.
Webhooks need no path of their own: /webhook/zalo routes every OA's events (bot.ingress.webhook)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import NotFound

from bot.config import Settings
from bot.tenants.model import Tenant, tenant_settings
from bot.tenants.registry import TenantRegistry

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

PATH_PREFIX = "/t/"


def tenant_path(slug: str) -> str:
    return f"{PATH_PREFIX}{slug}"


class TenantDispatcher:
    """WSGI middleware: /t/<slug>/… goes to that commune's app, everything else to the deployment's."""

    def __init__(self, base: WSGIApplication, registry: TenantRegistry, build: Callable[[Settings], Any]) -> None:
        self.base = base
        self.registry = registry
        self.build = build
        self._apps: dict[str, tuple[Tenant, Any]] = {}
        self._lock = threading.Lock()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or ""
        if not path.startswith(PATH_PREFIX):
            return self.base(environ, start_response)
        slug, _, rest = path[len(PATH_PREFIX):].partition("/")
        app = self._app(slug)
        if app is None:
            return NotFound()(environ, start_response)
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + tenant_path(slug)
        environ["PATH_INFO"] = "/" + rest
        return app(environ, start_response)

    def _app(self, slug: str) -> Any:
        tenant = self.registry.cached().get(slug)
        if tenant is None or not tenant.enabled:
            return None
        with self._lock:
            built = self._apps.get(slug)
            if built is None or built[0] != tenant:
                built = (tenant, self.build(tenant_settings(self.registry.settings, tenant)))
                self._apps[slug] = built
            return built[1]
