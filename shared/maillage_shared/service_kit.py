"""The Nameko edge: dependency providers every service uses, and the outbox relay step.

This is the only module of the shared library that imports Nameko or eventlet; domain
code never sees it.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable

from nameko.extensions import DependencyProvider
from pymongo.database import Database

from . import errors, logs, metrics
from .events import OutboxRelay, split_type
from .mongo import connect, service_database
from .settings import Settings, get_settings

log = logging.getLogger(__name__)
errors.register_with_nameko()

EXPECTED_ERRORS = errors.DOMAIN_ERRORS


def settings_for(container) -> Settings:
    settings = container.config.get("MAILLAGE_SETTINGS")
    return settings if isinstance(settings, Settings) else get_settings()


class SettingsProvider(DependencyProvider):
    def setup(self):
        self.settings = settings_for(self.container)

    def get_dependency(self, worker_ctx):
        return self.settings


class MongoDatabase(DependencyProvider):
    """The service's own database (``<prefix><service>``); one client per container."""

    def __init__(self, service: str):
        self.service = service
        self.client = None

    def setup(self):
        settings = settings_for(self.container)
        self.client = connect(settings)
        self.database = service_database(self.client, settings, self.service)

    def stop(self):
        if self.client is not None:
            self.client.close()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx) -> Database:
        return self.database


class ObjectStorage(DependencyProvider):
    """The service's S3 bucket (``<MAILLAGE_S3_BUCKET_PREFIX><name>``) as a small facade:
    ``get_dependency`` gives ``(ObjectStore, bucket name)``; the bucket is created on first use."""

    def __init__(self, name: str):
        self.name = name
        self.store = None

    def setup(self):
        from .objects import ObjectStore

        self.store = ObjectStore.from_settings(settings_for(self.container))
        self.bucket = self.store.bucket(self.name)

    def get_dependency(self, worker_ctx):
        return self.store, self.bucket


class CorrelationId(DependencyProvider):
    """The correlation id the caller passed as context data (or a new one)."""

    def get_dependency(self, worker_ctx):
        return worker_ctx.data.get("correlation_id") or worker_ctx.call_id

    def worker_setup(self, worker_ctx):
        logs.correlation_id.set(worker_ctx.data.get("correlation_id"))


class Metrics(DependencyProvider):
    """Times every entrypoint and serves ``/metrics``, ``/healthz`` on MAILLAGE_METRICS_PORT."""

    def __init__(self, service: str):
        self.service = service
        self.started: dict = {}
        self.server = None

    def setup(self):
        settings = settings_for(self.container)
        self.port, self.host = settings.metrics_port, settings.metrics_host

    def start(self):
        if not self.port:
            return
        import eventlet
        from eventlet import wsgi
        from prometheus_client import make_wsgi_app

        metrics_app = make_wsgi_app()

        def app(environ, start_response):
            if environ.get("PATH_INFO") in ("/healthz", "/readyz"):
                start_response("200 OK", [("Content-Type", "application/json")])
                return [json.dumps({"status": "ok", "service": self.service}).encode()]
            return metrics_app(environ, start_response)

        sock = eventlet.listen((self.host, self.port))
        self.server = self.container.spawn_managed_thread(
            lambda: wsgi.server(sock, app, log_output=False))

    def stop(self):
        if self.server is not None:
            self.server.kill()
            self.server = None

    def worker_setup(self, worker_ctx):
        self.started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self.started.pop(worker_ctx, None)
        method = worker_ctx.entrypoint.method_name
        if started is not None:
            metrics.RPC_DURATION.labels(self.service, method).observe(time.perf_counter() - started)
        if exc_info is not None:
            metrics.RPC_ERRORS.labels(self.service, method, exc_info[0].__name__).inc()

    def get_dependency(self, worker_ctx):
        return None


def routing_key(event_type: str) -> str:
    """``identity.member_joined.v1`` is published on ``identity.events`` as ``member_joined.v1``."""
    _, name, version = split_type(event_type)
    return f"{name}.{version}"


def relay_outbox(service: str, db: Database, collection_names: Iterable[str],
                 dispatch: Callable[[str, dict], None]) -> int:
    """One relay pass: publish pending events through Nameko's (confirming) dispatcher."""

    def publish(event: dict) -> None:
        dispatch(routing_key(event["type"]), event)
        metrics.EVENTS_PUBLISHED.labels(service, event["type"]).inc()

    relay = OutboxRelay([db[name] for name in collection_names], publish)
    published = relay.relay_once()
    metrics.OUTBOX_PENDING.labels(service).set(relay.pending_count())
    return published
