"""The caller's private calendar feed: a secret link calendar applications subscribe to.

Calendar applications cannot log in, so the feed URL itself is the credential: it needs
no bearer token, only its ``token`` (shown once when made; regenerate or revoke it here).
"""
from __future__ import annotations

from flask import Blueprint, current_app, request
from maillage_shared.contracts.meetings import CalendarFeedLinkSchema, CalendarQuerySchema

from ..context import current_user_id, rpc
from . import API_PREFIX, endpoint
from .downloads import calendar_response

bp = Blueprint("meetings_calendar", __name__, url_prefix=API_PREFIX)
FEED_PATH = f"{API_PREFIX}/me/calendar.ics"


def feed_url(token: str | None) -> str | None:
    if not token:
        return None
    return f"{current_app.extensions['settings'].public_url.rstrip('/')}{FEED_PATH}?token={token}"


def _link(state: dict) -> dict:
    return {"active": state["active"], "created_at": state["created_at"], "url": feed_url(state.get("token"))}


@endpoint(bp, "/me/calendar-feed", "GET", summary="Whether the caller has a calendar link (the URL is not shown again)",
          tags=["calendar"], response=CalendarFeedLinkSchema())
def feed_status():
    return _link(rpc("meetings", "calendar_feed_status", current_user_id()))


@endpoint(bp, "/me/calendar-feed", "POST", summary="Make (or regenerate) the caller's private calendar link",
          tags=["calendar"], response=CalendarFeedLinkSchema(), status=201,
          description="The URL is shown once; a previous link stops working.")
def issue_feed():
    return _link(rpc("meetings", "issue_calendar_feed", current_user_id()))


@endpoint(bp, "/me/calendar-feed", "DELETE", summary="Revoke the caller's calendar link", tags=["calendar"],
          status=204)
def revoke_feed():
    rpc("meetings", "revoke_calendar_feed", current_user_id())


@endpoint(bp, "/me/calendar.ics", "GET", summary="The private calendar feed (iCalendar), for calendar applications",
          tags=["calendar"], auth="none", query=CalendarQuerySchema(), errors=(401, 404),
          description="No bearer token: the `token` of the link is the credential. 401 without it, 404 when it "
                      "is unknown, regenerated or revoked.")
def calendar(query):
    return calendar_response(rpc("meetings", "calendar_feed", request.args.get("token")))
