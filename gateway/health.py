"""Liveness, readiness and metrics of the gateway."""
from __future__ import annotations

import os

from flask import Blueprint, Response, current_app, jsonify
from maillage_shared.errors import MaillageError
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

bp = Blueprint("health", __name__)

READINESS_SERVICES = ("identity", "projects", "meetings", "documents", "finance")


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """Ready when the broker answers and every service replies to ``health``."""
    checks, ready = {}, True
    pool = current_app.extensions["rpc"]
    for service in READINESS_SERVICES:
        try:
            pool.call(service, "health")
            checks[service] = "ok"
        except MaillageError as exc:
            checks[service] = exc.message
            ready = False
    response = jsonify({"status": "ready" if ready else "unavailable", "checks": checks})
    response.status_code = 200 if ready else 503
    return response


@bp.get("/metrics")
def metrics():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), content_type=CONTENT_TYPE_LATEST)
