"""Responses that are files rather than JSON (CSV exports, iCalendar feeds)."""
from __future__ import annotations

from flask import Response


def csv_response(text: str, filename: str) -> Response:
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def calendar_response(text: str) -> Response:
    response = Response(text, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="maillage.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
