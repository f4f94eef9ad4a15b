"""GET /metrics (Prometheus text, behind a bearer token) and GET /readyz (each dependency, in JSON).

/metrics is off (404) unless METRICS_TOKEN is set, and answers 401 to anyone without
`Authorization: Bearer $METRICS_TOKEN`.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterable

from flask import Blueprint, Response, current_app, jsonify, request
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from bot.config import Settings
from bot.ops.health import readiness
from bot.ops.state_metrics import StateCollector

ops = Blueprint("ops", __name__)


class _ThisProcess(Collector):
    """Without a multiprocess directory: this process's own metrics."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(StateCollector(current_app.config["REDIS"], current_app.config["SETTINGS"]))
    return registry


def _authorised(token: str) -> bool:
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


@ops.get("/metrics")
def metrics() -> Response | tuple[Response, int]:
    settings: Settings = current_app.config["SETTINGS"]
    if not settings.metrics_token:
        return jsonify({"ok": False, "error": "not found"}), 404
    if not _authorised(settings.metrics_token):
        response = jsonify({"ok": False, "error": "a bearer token is required"})
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response, 401
    return Response(generate_latest(_registry()), mimetype="text/plain; version=0.0.4; charset=utf-8")


@ops.get("/readyz")
def readyz() -> tuple[Response, int]:
    report = readiness(current_app.config["REDIS"], current_app.config["SETTINGS"])
    return jsonify(report), 200 if report["ok"] else 503
