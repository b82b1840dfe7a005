"""Private calendar feeds: one secret link per person, for calendar applications.

The link's token is the credential (calendar applications cannot log in), so it is long,
random, stored only as a SHA-256 digest, shown once when made, and can be regenerated
(the old link stops working) or revoked. The feed lists the meetings the person is
invited to, across their structures, from 90 days back.
"""
from __future__ import annotations

from datetime import timedelta

from maillage_shared.errors import NotFound, Unauthorized
from maillage_shared.tokens import digest, new_opaque_token

from .context import MeetingsContext
from .model import CalendarFeed, Meeting

FEED_HISTORY = timedelta(days=90)


def feed_status(ctx: MeetingsContext, user_id: str) -> dict:
    feed = ctx.feeds.get(user_id)
    return {"active": feed is not None, "created_at": feed.created_at if feed else None, "token": None}


def issue_feed(ctx: MeetingsContext, user_id: str) -> dict:
    """A new secret link; any previous one stops working."""
    token = new_opaque_token()
    feed = CalendarFeed(user_id=user_id, token_digest=digest(token), created_at=ctx.now())
    ctx.feeds.put(feed)
    return {"active": True, "created_at": feed.created_at, "token": token}


def revoke_feed(ctx: MeetingsContext, user_id: str) -> None:
    ctx.feeds.remove(user_id)


def feed_meetings(ctx: MeetingsContext, token: str | None) -> tuple[str, list[Meeting]]:
    """The owner of ``token`` and their meetings; 401 without a token, 404 for an unknown,
    regenerated or revoked one."""
    if not token:
        raise Unauthorized("This calendar link needs its token.")
    feed = ctx.feeds.by_digest(digest(token))
    if feed is None:
        raise NotFound("This calendar link is not valid (it may have been regenerated or revoked).")
    meetings = ctx.meetings.for_invitee(feed.user_id, ctx.now() - FEED_HISTORY)
    return feed.user_id, sorted(meetings, key=lambda m: m.starts_at)
