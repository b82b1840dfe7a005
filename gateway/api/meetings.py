"""The meetings bounded context's JSON API: meetings, minutes, attendance, closing; date
polls, coordination time and the yearly report, the private calendar feed."""
from __future__ import annotations

from flask import Blueprint, g
from maillage_shared.contracts.meetings import (
    AttendanceRequestSchema,
    CancelSchema,
    MeetingCreateSchema,
    MeetingListQuerySchema,
    MeetingSchema,
    MeetingSummarySchema,
    MeetingUpdateSchema,
    MinutesRequestSchema,
    ReopenSchema,
)

from ..context import current_user_id, rpc
from . import API_PREFIX, endpoint

bp = Blueprint("meetings_meetings", __name__, url_prefix=API_PREFIX)


def blueprints() -> list[Blueprint]:
    from . import calendar_feed, polls, timesheets

    return [bp, polls.bp, timesheets.bp, calendar_feed.bp]


def meeting_structure(path: dict) -> str:
    return rpc("meetings", "structure_of_meeting", path["mid"])


def _call(method: str, mid: str, *args):
    return rpc("meetings", method, current_user_id(), g.structure_id, mid, *args)


@endpoint(bp, "/structures/<sid>/meetings", "POST", summary="Schedule a meeting (invitations by e-mail)",
          tags=["meetings"], auth="tenant", body=MeetingCreateSchema(), response=MeetingSchema(), status=201,
          errors=(403,),
          description="`date`, `start` and `end` are Paris wall-clock values; `starts_at`/`ends_at` in the answer "
                      "are UTC. Invitees must be members of the structure; the organiser is always invited.")
def create_meeting(sid, body):
    return rpc("meetings", "create_meeting", current_user_id(), sid, body)


@endpoint(bp, "/structures/<sid>/meetings", "GET", summary="Upcoming, past or all meetings", tags=["meetings"],
          auth="tenant", query=MeetingListQuerySchema(), response=MeetingSummarySchema(many=True),
          description="`when=upcoming` (default, soonest first), `past` (newest first) or `all`; "
                      "`year` and `kind` filter.")
def list_meetings(sid, query):
    return rpc("meetings", "list_meetings", current_user_id(), sid, query)


@endpoint(bp, "/meetings/<mid>", "GET", summary="A meeting with its agenda, invitees, minutes and attendance",
          tags=["meetings"], auth="tenant", structure_of=meeting_structure, response=MeetingSchema())
def get_meeting(mid):
    return _call("get_meeting", mid)


@endpoint(bp, "/meetings/<mid>", "PATCH", summary="Change a meeting (only the fields sent)", tags=["meetings"],
          auth="tenant", structure_of=meeting_structure, body=MeetingUpdateSchema(), response=MeetingSchema(),
          errors=(403, 409),
          description="A change of time, place, title or agenda sends an update (SEQUENCE + 1) to every invitee; "
                      "people removed from the invitees get a cancellation. Conflict when closed or cancelled.")
def update_meeting(mid, body):
    return _call("update_meeting", mid, body)


@endpoint(bp, "/meetings/<mid>/cancel", "POST", summary="Cancel a meeting (cancellation by e-mail)",
          tags=["meetings"], auth="tenant", structure_of=meeting_structure, body=CancelSchema(),
          response=MeetingSchema(), errors=(403, 409))
def cancel_meeting(mid, body):
    return _call("cancel_meeting", mid, body)


@endpoint(bp, "/meetings/<mid>/minutes", "PUT", summary="Write the minutes (decisions, actions, notes, cases)",
          tags=["minutes"], auth="tenant", structure_of=meeting_structure, body=MinutesRequestSchema(),
          response=MeetingSchema(), errors=(403, 409),
          description="Concertation cases are pseudonymous references only: obvious identifiers (NIR, date of "
                      "birth, e-mail, phone, a civility and a name) are refused with a 400 naming the field. "
                      "`notes` are Markdown. Conflict once the meeting is closed.")
def save_minutes(mid, body):
    return _call("save_minutes", mid, body)


@endpoint(bp, "/meetings/<mid>/attendance", "PUT", summary="Record who attended and for how long",
          tags=["attendance"], auth="tenant", structure_of=meeting_structure, body=AttendanceRequestSchema(),
          response=MeetingSchema(), errors=(403, 409),
          description="Replaces the attendance. `minutes` defaults to the meeting's duration for people present; "
                      "it must be between 0 and the duration, and 0 for people excused or absent.")
def record_attendance(mid, body):
    return _call("record_attendance", mid, body)


@endpoint(bp, "/meetings/<mid>/close", "POST", summary="Close the meeting: minutes and attendance freeze",
          tags=["attendance"], auth="tenant", structure_of=meeting_structure, response=MeetingSchema(),
          errors=(403, 409),
          description="Publishes `meetings.meeting_closed.v1` (each participant's minutes, a new `revision`). "
                      "Conflict when already closed or when nobody is marked present.")
def close_meeting(mid):
    return _call("close_meeting", mid)


@endpoint(bp, "/meetings/<mid>/reopen", "POST", summary="Reopen a closed meeting (coordinators, with a reason)",
          tags=["attendance"], auth="tenant", role="coordinator", structure_of=meeting_structure,
          body=ReopenSchema(), response=MeetingSchema(), errors=(409,),
          description="The reason is kept; `meetings.meeting_reopened.v1` withdraws the closed revision's figures.")
def reopen_meeting(mid, body):
    return _call("reopen_meeting", mid, body)
