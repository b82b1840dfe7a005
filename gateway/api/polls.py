"""Date polls: propose slots, answer, see the tally, close on a slot (→ a meeting), CSV."""
from __future__ import annotations

from flask import Blueprint, g
from maillage_shared.contracts.meetings import (
    MeetingSchema,
    PollCloseSchema,
    PollCreateSchema,
    PollListQuerySchema,
    PollSchema,
    PollSummarySchema,
    VoteSchema,
)

from ..context import current_user_id, rpc
from . import API_PREFIX, endpoint
from .downloads import csv_response

bp = Blueprint("meetings_polls", __name__, url_prefix=API_PREFIX)


def poll_structure(path: dict) -> str:
    return rpc("meetings", "structure_of_poll", path["poll_id"])


@endpoint(bp, "/structures/<sid>/polls", "POST", summary="Propose a date poll (several slots)", tags=["polls"],
          auth="tenant", body=PollCreateSchema(), response=PollSchema(), status=201, errors=(403,),
          description="Slots are a date and Paris wall-clock start/end times; they are stored and answered "
                      "in UTC. Without `invitee_ids`, every member is asked (by e-mail).")
def create_poll(sid, body):
    return rpc("meetings", "create_poll", current_user_id(), sid, body)


@endpoint(bp, "/structures/<sid>/polls", "GET", summary="Date polls of the structure, newest first",
          tags=["polls"], auth="tenant", query=PollListQuerySchema(), response=PollSummarySchema(many=True))
def list_polls(sid, query):
    return rpc("meetings", "list_polls", current_user_id(), sid, query)


@endpoint(bp, "/polls/<poll_id>", "GET", summary="A poll with its slots, answers and tally", tags=["polls"],
          auth="tenant", structure_of=poll_structure, response=PollSchema())
def get_poll(poll_id):
    return rpc("meetings", "get_poll", current_user_id(), g.structure_id, poll_id)


@endpoint(bp, "/polls/<poll_id>/votes", "PUT", summary="Give or change one's answers (yes / maybe / no per slot)",
          tags=["polls"], auth="tenant", structure_of=poll_structure, body=VoteSchema(), response=PollSchema(),
          errors=(409,), description="Answers replace the caller's previous ones. Conflict once the poll is closed.")
def vote(poll_id, body):
    return rpc("meetings", "vote", current_user_id(), g.structure_id, poll_id, body)


@endpoint(bp, "/polls/<poll_id>/close", "POST", summary="Close the poll on a slot: the meeting is scheduled",
          tags=["polls"], auth="tenant", structure_of=poll_structure, body=PollCloseSchema(),
          response=MeetingSchema(), status=201, errors=(403, 409),
          description="Everyone who answered is invited (e-mail with an iCalendar invitation). "
                      "Conflict when the poll is already closed.")
def close_poll(poll_id, body):
    return rpc("meetings", "close_poll", current_user_id(), g.structure_id, poll_id, body)


@endpoint(bp, "/polls/<poll_id>", "DELETE", summary="Delete a poll still open (coordinators)", tags=["polls"],
          auth="tenant", role="coordinator", structure_of=poll_structure, status=204, errors=(409,),
          description="The poll, its answers and its e-mails not yet sent are removed. Conflict once the poll "
                      "is closed: it led to a meeting, which can be cancelled instead.")
def delete_poll(poll_id):
    rpc("meetings", "delete_poll", current_user_id(), g.structure_id, poll_id)


@endpoint(bp, "/polls/<poll_id>/answers.csv", "GET", summary="The answers as CSV (one row per person)",
          tags=["polls"], auth="tenant", structure_of=poll_structure,
          description="`;`-separated UTF-8 with a byte-order mark, as French spreadsheets expect.")
def poll_csv(poll_id):
    return csv_response(rpc("meetings", "poll_csv", current_user_id(), g.structure_id, poll_id),
                        f"sondage-{poll_id[:8]}.csv")
