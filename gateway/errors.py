"""The one error table: every error becomes the same JSON envelope.

``{"error": {"code": "...", "message": "...", "fields": {...}}}`` — bad input is a 4xx
naming the field, never a 500 with a stack trace.
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from maillage_shared.errors import MaillageError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 410: "gone", 413: "too_large",
              415: "unsupported_media_type", 429: "too_many_requests", 503: "service_unavailable"}


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    if status == 503:
        response.headers["Retry-After"] = "5"
    return response


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/public/") or request.is_json


def register_error_handlers(app: Flask, html_handler=None) -> None:
    """``html_handler(status, code, message)`` renders errors for web pages when given."""

    def render(status: int, code: str, message: str, fields: dict | None = None):
        if html_handler is not None and not wants_json():
            return html_handler(status, code, message, fields or {})
        return error_response(status, code, message, fields)

    @app.errorhandler(MaillageError)
    def domain_error(exc: MaillageError):
        return render(exc.http_status, exc.code, exc.message, exc.fields)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        return render(status, HTTP_CODES.get(status, "error"), exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return render(500, "internal", "Something went wrong on our side; the team has been told.")
