"""Who is who and who is around: the directory, leave and on-call periods."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint
from maillage_shared.clock import PARIS
from maillage_shared.contracts.identity import (
    AvailabilityRequestSchema,
    AvailabilitySchema,
    DateQuerySchema,
    DirectoryEntrySchema,
    DirectoryQuerySchema,
    PeriodQuerySchema,
)

from ..context import current_user_id, rpc
from . import API_PREFIX, endpoint

bp = Blueprint("identity_directory", __name__, url_prefix=API_PREFIX)


@endpoint(bp, "/structures/<sid>/directory", "GET", summary="Search the members' directory",
          tags=["directory"], auth="tenant", query=DirectoryQuerySchema(), response=DirectoryEntrySchema(many=True),
          description="`q` matches names; `profession` filters. Each entry says whether the person is on leave "
                      "or on call today.")
def directory(sid, query):
    return rpc("identity", "directory", sid, query)


@endpoint(bp, "/structures/<sid>/availability", "GET", summary="Leave and on-call periods overlapping a period",
          tags=["availability"], auth="tenant", query=PeriodQuerySchema(), response=AvailabilitySchema(many=True))
def list_availability(sid, query):
    return rpc("identity", "list_availability", sid, query)


@endpoint(bp, "/structures/<sid>/availability", "POST", summary="Declare leave or an on-call period",
          tags=["availability"], auth="tenant", body=AvailabilityRequestSchema(), response=AvailabilitySchema(),
          status=201, errors=(403,),
          description="For oneself; a coordinator may declare it for another member (`user_id`). "
                      "A period may not overlap another of the same kind.")
def declare_availability(sid, body):
    return rpc("identity", "declare_availability", current_user_id(), sid, body)


@endpoint(bp, "/structures/<sid>/availability/<aid>", "DELETE", summary="Delete a leave or on-call period",
          tags=["availability"], auth="tenant", status=204, errors=(403,),
          description="One's own periods; a coordinator may delete anyone's.")
def delete_availability(sid, aid):
    rpc("identity", "delete_availability", current_user_id(), sid, aid)


@endpoint(bp, "/structures/<sid>/on-call", "GET", summary="Who is on call on a day (default today, Paris time)",
          tags=["availability"], auth="tenant", query=DateQuerySchema(), response=AvailabilitySchema(many=True))
def on_call(sid, query):
    return rpc("identity", "on_call", sid, query)


@endpoint(bp, "/structures/<sid>/away", "GET", summary="Who is on leave during a period (default this week)",
          tags=["availability"], auth="tenant", query=PeriodQuerySchema(exclude=("kind",)),
          response=AvailabilitySchema(many=True),
          description="Without dates: this week, Monday to Sunday, Paris time. "
                      "With one date only, the period is the seven days from (or up to) it.")
def away(sid, query):
    starts_on, ends_on = away_period(query.get("starts_on"), query.get("ends_on"), today_in_paris())
    return rpc("identity", "list_availability", sid,
               {"kind": "leave", "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()})


def today_in_paris() -> date:
    return datetime.now(PARIS).date()


def away_period(starts_on: str | None, ends_on: str | None, today: date) -> tuple[date, date]:
    """The period asked for, completed to a week; the query has already been validated."""
    start = date.fromisoformat(starts_on) if starts_on else None
    end = date.fromisoformat(ends_on) if ends_on else None
    if start is None:
        start = end - timedelta(days=6) if end else today - timedelta(days=today.weekday())
    if end is None:
        end = start + timedelta(days=6)
    return start, end
