"""Application factory: nothing happens at import time except blueprint declarations."""
from __future__ import annotations

import importlib
import logging
import pkgutil
import secrets
import time
from pathlib import Path

from flask import Flask, g, request
from maillage_shared import metrics
from maillage_shared.logs import configure_logging
from maillage_shared.logs import correlation_id as log_correlation_id
from maillage_shared.settings import Settings
from maillage_shared.tokens import AccessTokenVerifier, ensure_dev_keys, load_public_key

from . import health
from .api import API_PREFIX
from .context import CORRELATION_HEADER, correlation_id
from .errors import register_error_handlers
from .rpc import RpcPool

log = logging.getLogger(__name__)


def _api_blueprints():
    """Every blueprint of the JSON API: each module of ``gateway.api`` that defines
    ``blueprints()`` (one per bounded context: identity, projects, meetings…)."""
    from . import api

    found = []
    for module_info in sorted(pkgutil.iter_modules(api.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{api.__name__}.{module_info.name}")
        if callable(getattr(module, "blueprints", None)):
            found.extend(module.blueprints())
    return found


def _web_blueprint():
    try:
        from . import web
    except ImportError:  # the web client is optional for API-only deployments
        return None
    return web


_api_blueprints()  # import-time declaration of the operations, used by the OpenAPI generator


def _secret_key(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    path = settings.keys_dir / "flask-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(settings: Settings | None = None, rpc_pool: RpcPool | None = None) -> Flask:
    settings = settings or Settings.from_env()
    if not logging.getLogger().handlers:
        configure_logging("gateway", settings.log_level)
    if not settings.is_production:
        ensure_dev_keys(settings)

    app = Flask(__name__)
    if settings.trusted_proxies:
        # Behind an ingress or reverse proxy: take the client address (login throttling per IP,
        # audit) and scheme from the X-Forwarded-* headers those proxies set, and only theirs.
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.config.update(
        SECRET_KEY=_secret_key(settings),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        JSON_SORT_KEYS=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_url.startswith("https://"),
        MAILLAGE_SETTINGS=settings,
    )
    app.json.sort_keys = False
    app.extensions["settings"] = settings
    app.extensions["rpc"] = rpc_pool or RpcPool(settings.nameko_config(), settings.rpc_pool_size,
                                                settings.rpc_timeout_seconds)
    app.extensions["token_verifier"] = AccessTokenVerifier(load_public_key(settings))

    @app.before_request
    def start_timer():
        g.started = time.perf_counter()
        log_correlation_id.set(correlation_id())

    @app.after_request
    def finish(response):
        response.headers[CORRELATION_HEADER] = correlation_id()
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        metrics.HTTP_DURATION.labels(request.method, endpoint, str(response.status_code)).observe(
            time.perf_counter() - g.get("started", time.perf_counter()))
        return response

    app.register_blueprint(health.bp)
    for bp in _api_blueprints():
        app.register_blueprint(bp)
    from . import docs

    app.register_blueprint(docs.bp, url_prefix=API_PREFIX)
    web = _web_blueprint()
    html_handler = None
    if web is not None:
        web.init_app(app)
        html_handler = web.render_error
    register_error_handlers(app, html_handler)
    return app


def static_dir() -> Path:
    return Path(__file__).parent / "static"
