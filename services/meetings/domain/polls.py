"""Date polls: propose slots, collect yes / if need be / no, close on a slot → a meeting.

Answers can change until the poll is closed; closing is done once (a second close is a
conflict), and it schedules the meeting with everyone who answered invited. The poll is
marked closed first (a conditional write, so two coordinators cannot both close it) and
reopened if the meeting could not be created.
"""
from __future__ import annotations

import csv
import io

from maillage_shared.clock import new_id
from maillage_shared.errors import Conflict, Invalid, NotFound

from . import meetings as meeting_use_cases
from . import notices
from .access import get_poll, require_coordinator, require_manager, require_organiser_role, team
from .context import MeetingsContext
from .model import OPEN, Poll
from .schedule import in_paris, local_slot
from .views import poll_summary, poll_view, tally

ANSWER_LABELS_FR = {"yes": "oui", "maybe": "si besoin", "no": "non"}
CLOSED_POLL = "This poll is closed; answers can no longer change."
CLOSED_POLL_STAYS = "This poll is closed: it led to a meeting and cannot be deleted."


def create_poll(ctx: MeetingsContext, actor_id: str, structure_id: str, request: dict, *, notify: bool = True,
                demo_key: str | None = None) -> dict:
    actor, members = team(ctx, structure_id, actor_id)
    require_organiser_role(actor)
    now = ctx.now()
    slots, seen = [], {}
    for index, wanted in enumerate(request["slots"]):
        slot = local_slot(wanted["date"], wanted["start"], wanted["end"], prefix=f"slots.{index}.")
        if slot.starts_at < now:
            raise Invalid("A proposed slot is in the past.", {f"slots.{index}.date": "This slot is in the past."})
        if (slot.starts_at, slot.ends_at) in seen:
            raise Invalid("The same slot is proposed twice.",
                          {f"slots.{index}.start": f"Same as slot {seen[(slot.starts_at, slot.ends_at)] + 1}."})
        seen[(slot.starts_at, slot.ends_at)] = index
        slots.append({"id": f"s{index + 1}", "date": slot.date, "start": slot.start, "end": slot.end,
                      "starts_at": slot.starts_at, "ends_at": slot.ends_at})
    slots.sort(key=lambda s: s["starts_at"])
    wanted_invitees = request.get("invitee_ids")
    invitee_ids = list(members) if wanted_invitees is None else meeting_use_cases.check_invitees(wanted_invitees,
                                                                                                 members)
    if actor_id not in invitee_ids:
        invitee_ids.insert(0, actor_id)
    meeting_use_cases.check_project(ctx, structure_id, request.get("project_id"))
    poll = Poll(id=new_id(), structure_id=structure_id, title=request["title"].strip(), kind=request["kind"],
                slots=slots, invitee_ids=invitee_ids, created_by=actor_id, created_at=now,
                project_id=request.get("project_id"), place=request.get("place") or "",
                visio_url=request.get("visio_url"), description=request.get("description") or "", demo_key=demo_key)
    ctx.polls.add(poll, notices.poll_notices(poll, members, actor) if notify else [])
    return poll_view(poll, members, actor_id)


def get(ctx: MeetingsContext, actor_id: str, structure_id: str, poll_id: str) -> dict:
    _, members = team(ctx, structure_id, actor_id)
    return poll_view(get_poll(ctx, structure_id, poll_id), members, actor_id)


def list_polls(ctx: MeetingsContext, actor_id: str, structure_id: str, query: dict) -> list[dict]:
    team(ctx, structure_id, actor_id)
    polls = ctx.polls.list(structure_id, query.get("status"))
    return [poll_summary(p, actor_id) for p in sorted(polls, key=lambda p: p.created_at, reverse=True)]


def vote(ctx: MeetingsContext, actor_id: str, structure_id: str, poll_id: str, request: dict) -> dict:
    """The caller's answers replace their previous ones (slots left out stay unanswered)."""
    actor, members = team(ctx, structure_id, actor_id)
    poll = get_poll(ctx, structure_id, poll_id)
    if poll.status != OPEN:
        raise Conflict(CLOSED_POLL)
    answers = request["answers"]
    unknown = {f"answers.{slot_id}": "Unknown slot." for slot_id in answers if poll.slot(slot_id) is None}
    if unknown:
        raise Invalid("Some answers are for slots this poll does not have.", unknown)
    if not answers:
        raise Invalid("Answer at least one slot.", {"answers": "Answer at least one slot."})
    ballot = {"answers": dict(answers), "voted_at": ctx.now()}
    invitee_ids = poll.invitee_ids if actor_id in poll.invitee_ids else [*poll.invitee_ids, actor_id]
    if not ctx.polls.record_ballot(poll.id, actor_id, ballot, invitee_ids):
        raise Conflict(CLOSED_POLL)
    poll.ballots[actor_id], poll.invitee_ids = ballot, invitee_ids
    return poll_view(poll, members, actor_id)


def close_poll(ctx: MeetingsContext, actor_id: str, structure_id: str, poll_id: str, request: dict) -> dict:
    """Close on one slot: the meeting is scheduled then, with every respondent invited."""
    actor, members = team(ctx, structure_id, actor_id)
    poll = get_poll(ctx, structure_id, poll_id)
    require_manager(actor, poll)
    if poll.status != OPEN:
        raise Conflict("This poll is already closed.")
    slot = poll.slot(request["slot_id"])
    if slot is None:
        raise Invalid("Choose one of the poll's slots.", {"slot_id": "Unknown slot."})
    respondents = [u for u in poll.ballots if u in members]
    meeting_id = new_id()
    if not ctx.polls.close(poll.id, slot["id"], meeting_id, actor_id, ctx.now()):
        raise Conflict("This poll is already closed.")
    local = in_paris(slot["starts_at"])
    plan = {"title": poll.title, "kind": poll.kind, "project_id": poll.project_id, "place": poll.place,
            "visio_url": poll.visio_url, "date": local.date(), "start": slot["start"], "end": slot["end"],
            "agenda": request.get("agenda") or [], "invitee_ids": [poll.created_by, *respondents]
            if poll.created_by in members else respondents}
    try:
        return meeting_use_cases.create_meeting(ctx, actor_id, structure_id, plan, poll_id=poll.id,
                                                meeting_id=meeting_id)
    except BaseException:
        ctx.polls.reopen(poll.id)
        raise


def delete_poll(ctx: MeetingsContext, actor_id: str, structure_id: str, poll_id: str) -> None:
    """A coordinator deletes a poll still open (its pending e-mails go with it); a closed poll
    led to a meeting and stays."""
    actor, _ = team(ctx, structure_id, actor_id)
    poll = get_poll(ctx, structure_id, poll_id)
    require_coordinator(actor)
    if poll.status != OPEN or not ctx.polls.delete_open(structure_id, poll.id):
        raise Conflict(CLOSED_POLL_STAYS)


def poll_csv(ctx: MeetingsContext, actor_id: str, structure_id: str, poll_id: str) -> str:
    """The answers for a spreadsheet: one row per person, one column per slot, totals last.
    French Excel reads ``;``-separated UTF-8 with a byte-order mark."""
    view = get(ctx, actor_id, structure_id, poll_id)
    poll = get_poll(ctx, structure_id, poll_id)
    counts = tally(poll)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    headers = [f"{s['date'].strftime('%d/%m/%Y')} {s['start']}-{s['end']}" for s in view["slots"]]
    writer.writerow(["Nom", "Prénom", *headers])
    for respondent in view["respondents"]:
        writer.writerow([respondent["last_name"], respondent["first_name"],
                         *(ANSWER_LABELS_FR.get(respondent["answers"].get(s["id"]), "") for s in view["slots"])])
    for answer in ("yes", "maybe", "no"):
        writer.writerow([f"Total {ANSWER_LABELS_FR[answer]}", "", *(counts[s["id"]][answer] for s in view["slots"])])
    return out.getvalue()


def structure_of(ctx: MeetingsContext, poll_id: str) -> str:
    structure_id = ctx.polls.structure_of(poll_id)
    if structure_id is None:
        raise NotFound("Poll not found.")
    return structure_id
