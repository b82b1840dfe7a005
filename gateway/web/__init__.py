"""The web client: server-rendered pages for coordinators and professionals.

French first (Flask-Babel), usable on a phone, no JavaScript needed. The pages call the
same identity RPCs as the JSON API, through the gateway's pool. ``init_app`` plugs it into
the application; ``render_error`` is the HTML error page of every non-API path.
"""
from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import Flask, g, render_template, request, url_for
from flask_babel import Babel, get_locale, gettext

from . import i18n
from .forms import field_id
from .pages import bp
from .session import CsrfFailure, LoginRequired, apply_cookies, csrf_token, login_redirect

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                           "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

ERROR_PAGES = {
    400: (i18n.N_("This request could not be handled"),
          i18n.N_("Something in what was sent is not right. Go back and try again.")),
    403: (i18n.N_("Access denied"),
          i18n.N_("Your role in this structure does not allow this. Ask a coordinator if you need it.")),
    404: (i18n.N_("Page not found"),
          i18n.N_("This page does not exist, or you do not have access to it. Check the address, or go back "
                  "to your home page.")),
    405: (i18n.N_("This request could not be handled"),
          i18n.N_("Something in what was sent is not right. Go back and try again.")),
    409: (i18n.N_("This could not be done"), ""),
    410: (i18n.N_("This link has expired"),
          i18n.N_("This link has expired or has already been used. Ask for a new one.")),
    429: (i18n.N_("Too many attempts"),
          i18n.N_("Too many attempts; try again in a few minutes.")),
    503: (i18n.N_("Service temporarily unavailable"),
          i18n.N_("Part of the platform is not answering right now. Your data is safe: try again in a "
                  "moment.")),
    500: (i18n.N_("Something went wrong"),
          i18n.N_("An error occurred on our side. The team has been told; try again in a moment.")),
}
CSRF_MESSAGE = i18n.N_("This form has expired. Reload the page and try again.")
STATUS_SHOWING_DETAIL = (400, 409)


def init_app(app: Flask) -> None:
    from . import (  # noqa: F401 - declare the views
        auth_views,
        availability_views,
        directory_views,
        documents_views,
        finance_views,
        home_views,
        meeting_report_views,
        meetings_views,
        members_views,
        polls_views,
        profile_views,
        projects_views,
        protocols_views,
        structure_views,
    )

    translations = i18n.ensure_compiled()
    Babel(app, locale_selector=i18n.select_locale, default_locale=i18n.DEFAULT_LOCALE,
          default_timezone="Europe/Paris", default_translation_directories=str(translations))
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals.update(
        csrf_token=csrf_token, field_id=field_id, label=i18n.label, profession_label=i18n.profession_label,
        role_label=i18n.role_label, long_date=i18n.long_date, period=i18n.period,
        lang_url=lang_url, current_locale=lambda: str(get_locale() or i18n.DEFAULT_LOCALE),
        PROFESSION_LABELS=i18n.PROFESSION_LABELS, ROLE_LABELS=i18n.ROLE_LABELS,
        STRUCTURE_KIND_LABELS=i18n.STRUCTURE_KIND_LABELS, STRUCTURE_KIND_SHORT=i18n.STRUCTURE_KIND_SHORT,
        WEEKDAY_LABELS=i18n.WEEKDAY_LABELS, AVAILABILITY_KIND_LABELS=i18n.AVAILABILITY_KIND_LABELS,
        LANGUAGE_NAMES=i18n.LANGUAGE_NAMES, LOCALES=i18n.LOCALES,
    )
    app.jinja_env.filters.update(zip_labels=zip_labels, zip_languages=zip_languages)
    app.register_blueprint(bp)
    app.register_error_handler(LoginRequired, lambda exc: login_redirect())
    app.register_error_handler(CsrfFailure, lambda exc: render_error(400, "csrf", CSRF_MESSAGE, {}))

    @app.before_request
    def remember_language():
        asked = request.args.get("lang")
        if asked in i18n.LOCALES and not request.path.startswith("/api/"):
            g.remember_lang = asked

    @app.after_request
    def web_headers(response):
        apply_cookies(response)
        if g.get("web_page"):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("Cache-Control", "no-store")
            response.vary.add("Cookie")
        return response


def zip_labels(codes, table: dict) -> list[tuple[str, str]]:
    """Options of a select or radios: (code, translated label)."""
    return [(code, i18n.label(table, code)) for code in codes]


def zip_languages(codes) -> list[tuple[str, str]]:
    return [(code, i18n.LANGUAGE_NAMES[code]) for code in codes]


def lang_url(code: str) -> str:
    """The current page in another language (the choice is then remembered in a cookie)."""
    args = request.args.to_dict(flat=True)
    args["lang"] = code
    return f"{request.path}?{urlencode(args)}"


def render_error(status: int, code: str, message: str, fields: dict | None = None):
    """The friendly HTML page of an error (the JSON API has its own envelope)."""
    if status == 401:
        return login_redirect()
    g.web_page = True
    g.rendering_error = True
    title, explanation = ERROR_PAGES.get(status, ERROR_PAGES[500] if status >= 500 else ERROR_PAGES[400])
    detail = ""
    if code == "csrf":
        explanation = CSRF_MESSAGE
    elif status in STATUS_SHOWING_DETAIL and message:
        detail = i18n.service_message(message)
    try:
        body = render_template("error.html", status=status, title=gettext(title),
                               explanation=gettext(explanation) if explanation else "", detail=detail,
                               reference=g.get("correlation_id", ""), page=g.get("page"),
                               home_url=url_for("web.index"))
    except Exception:  # the error page must not fail in turn: plain text, still in French
        log.exception("rendering the error page failed")
        body = f"<!doctype html><html lang=fr><title>Erreur {status}</title><p>Erreur {status}.</p></html>"
    headers = {"Retry-After": "5"} if status == 503 else {}
    if status == 429:
        headers["Retry-After"] = "60"
    return body, status, headers


__all__ = ["init_app", "render_error"]

