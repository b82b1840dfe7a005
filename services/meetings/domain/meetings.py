"""Meetings: schedule, list, change, cancel — and the invitations each change sends.

Invitees must be active members of the structure (identity's list). The organiser is
always invited. A change of time, place, title or agenda bumps the iCalendar SEQUENCE
and sends an update to everyone invited; people removed from the list get a CANCEL.
"""
from __future__ import annotations

from maillage_shared.clock import new_id
from maillage_shared.errors import Conflict, Invalid, NotFound

from . import notices
from .access import get_meeting, require_manager, require_organiser_role, team
from .context import MeetingsContext
from .model import CANCELLED, CLOSED, SCHEDULED, Meeting, Member
from .schedule import local_slot, year_bounds
from .views import meeting_summary, meeting_view, snapshot_people

CALENDAR_FIELDS = ("title", "place", "visio_url", "agenda", "starts_at", "ends_at")
CLOSED_MESSAGE = "This meeting is closed: a coordinator can reopen it."
CANCELLED_MESSAGE = "This meeting was cancelled."
NOT_A_MEMBER = "Not a member of this structure."


def check_invitees(invitee_ids, members: dict[str, Member], field: str = "invitee_ids") -> list[str]:
    unknown = {f"{field}.{i}": NOT_A_MEMBER for i, user_id in enumerate(invitee_ids) if user_id not in members}
    if unknown:
        raise Invalid("Invitees must be members of the structure.", unknown)
    return list(dict.fromkeys(invitee_ids))


def check_project(ctx: MeetingsContext, structure_id: str, project_id: str | None) -> bool:
    return bool(project_id) and ctx.projects.verify_project(structure_id, project_id)


def create_meeting(ctx: MeetingsContext, actor_id: str, structure_id: str, request: dict, *,
                   poll_id: str | None = None, notify: bool = True, meeting_id: str | None = None,
                   demo_key: str | None = None) -> dict:
    actor, members = team(ctx, structure_id, actor_id)
    require_organiser_role(actor)
    meeting = plan_meeting(ctx, actor, members, structure_id, request, poll_id=poll_id, meeting_id=meeting_id,
                           demo_key=demo_key)
    sent = notices.meeting_notices(meeting, members, notices.REQUEST, meeting.invitee_ids, ctx.now(),
                                   kind="invitation") if notify else []
    ctx.meetings.add(meeting, sent)
    return meeting_view(meeting, members, actor_id)


def plan_meeting(ctx: MeetingsContext, actor: Member, members: dict[str, Member], structure_id: str, request: dict,
                 *, poll_id: str | None = None, meeting_id: str | None = None,
                 demo_key: str | None = None) -> Meeting:
    slot = local_slot(request["date"], request["start"], request["end"])
    invitee_ids = check_invitees(request.get("invitee_ids") or [], members)
    if actor.user_id not in invitee_ids:
        invitee_ids.insert(0, actor.user_id)
    now = ctx.now()
    return Meeting(id=meeting_id or new_id(), structure_id=structure_id, kind=request["kind"],
                   title=request["title"].strip(), starts_at=slot.starts_at, ends_at=slot.ends_at,
                   organizer_id=actor.user_id, created_by=actor.user_id, created_at=now,
                   invitee_ids=invitee_ids, agenda=list(request.get("agenda") or []),
                   place=request.get("place") or "", visio_url=request.get("visio_url"),
                   project_id=request.get("project_id"),
                   project_verified=check_project(ctx, structure_id, request.get("project_id")),
                   poll_id=poll_id, people=snapshot_people(invitee_ids, members), updated_at=now,
                   demo_key=demo_key)


def get(ctx: MeetingsContext, actor_id: str, structure_id: str, meeting_id: str) -> dict:
    _, members = team(ctx, structure_id, actor_id)
    return meeting_view(get_meeting(ctx, structure_id, meeting_id), members, actor_id)


def list_meetings(ctx: MeetingsContext, actor_id: str, structure_id: str, query: dict) -> list[dict]:
    """Upcoming (not yet ended, soonest first), past (newest first) or all, in a year or of a kind."""
    team(ctx, structure_id, actor_id)
    when, year, kind = query.get("when") or "upcoming", query.get("year"), query.get("kind")
    starts_from, starts_before = year_bounds(year) if year else (None, None)
    now = ctx.now()
    found = ctx.meetings.between(structure_id, starts_from, starts_before, kind=kind, newest_first=(when == "past"))
    if when == "upcoming":
        found = [m for m in found if m.ends_at > now and m.status != CANCELLED]
    elif when == "past":
        found = [m for m in found if m.ends_at <= now or m.status == CLOSED]
    return [meeting_summary(m, actor_id) for m in found]


def require_open(meeting: Meeting) -> None:
    if meeting.status == CLOSED:
        raise Conflict(CLOSED_MESSAGE)
    if meeting.status == CANCELLED:
        raise Conflict(CANCELLED_MESSAGE)


def update_meeting(ctx: MeetingsContext, actor_id: str, structure_id: str, meeting_id: str, changes: dict) -> dict:
    actor, members = team(ctx, structure_id, actor_id)
    meeting = get_meeting(ctx, structure_id, meeting_id)
    require_manager(actor, meeting)
    require_open(meeting)
    new = _apply_changes(ctx, meeting, changes, members)
    before_invitees = list(meeting.invitee_ids)
    calendar_changed = any(getattr(new, name) != getattr(meeting, name) for name in CALENDAR_FIELDS)
    removed = [u for u in before_invitees if u not in new.invitee_ids]
    added = [u for u in new.invitee_ids if u not in before_invitees]
    if calendar_changed or removed:
        new.sequence = meeting.sequence + 1
    now = ctx.now()
    recipients = new.invitee_ids if calendar_changed else added
    sent = notices.meeting_notices(new, members, notices.REQUEST, recipients, now, kind="update"
                                   if calendar_changed else "invitation")
    sent += notices.meeting_notices(new, members, notices.CANCEL, removed, now, kind="uninvited")
    stored = {name: getattr(new, name) for name in (*CALENDAR_FIELDS, "kind", "project_id", "project_verified",
                                                   "invitee_ids", "sequence", "people")}
    if not ctx.meetings.update(meeting.id, {**stored, "updated_at": now},
                               expect={"status": SCHEDULED, "sequence": meeting.sequence}, notices=sent):
        raise Conflict("The meeting changed meanwhile; reload it and try again.")
    return meeting_view(new, members, actor_id)


def _apply_changes(ctx: MeetingsContext, meeting: Meeting, changes: dict, members: dict[str, Member]) -> Meeting:
    new = Meeting(**{**meeting.__dict__, "agenda": list(meeting.agenda), "invitee_ids": list(meeting.invitee_ids)})
    for name in ("title", "kind", "place", "visio_url", "agenda"):
        if name in changes:
            setattr(new, name, changes[name].strip() if name == "title" else changes[name])
    if "project_id" in changes and changes["project_id"] != meeting.project_id:
        new.project_id = changes["project_id"]
        new.project_verified = check_project(ctx, meeting.structure_id, new.project_id)
    if {"date", "start", "end"} & set(changes):
        slot = local_slot(changes.get("date") or meeting.date, changes.get("start") or meeting.start,
                          changes.get("end") or meeting.end)
        new.starts_at, new.ends_at = slot.starts_at, slot.ends_at
    if "invitee_ids" in changes:
        invitees = check_invitees(changes["invitee_ids"], members)
        if meeting.organizer_id not in invitees:
            invitees.insert(0, meeting.organizer_id)
        new.invitee_ids = invitees
        new.people = snapshot_people(invitees, members, meeting.people)
    if new.minutes.get("cases") and new.kind != meeting.kind and meeting.kind == "concertation":
        raise Invalid("This concertation meeting has cases in its minutes; remove them before changing its kind.",
                      {"kind": "Remove the cases from the minutes first."})
    return new


def cancel_meeting(ctx: MeetingsContext, actor_id: str, structure_id: str, meeting_id: str, request: dict) -> dict:
    actor, members = team(ctx, structure_id, actor_id)
    meeting = get_meeting(ctx, structure_id, meeting_id)
    require_manager(actor, meeting)
    require_open(meeting)
    now = ctx.now()
    meeting.status, meeting.sequence = CANCELLED, meeting.sequence + 1
    meeting.cancelled_at, meeting.cancel_reason = now, request.get("reason") or ""
    sent = notices.meeting_notices(meeting, members, notices.CANCEL, meeting.invitee_ids, now,
                                   kind="cancellation", reason=meeting.cancel_reason)
    if not ctx.meetings.update(meeting.id, {"status": CANCELLED, "sequence": meeting.sequence, "cancelled_at": now,
                                            "cancel_reason": meeting.cancel_reason, "updated_at": now},
                               expect={"status": SCHEDULED, "sequence": meeting.sequence - 1}, notices=sent):
        raise Conflict("The meeting changed meanwhile; reload it and try again.")
    return meeting_view(meeting, members, actor_id)


def structure_of(ctx: MeetingsContext, meeting_id: str) -> str:
    structure_id = ctx.meetings.structure_of(meeting_id)
    if structure_id is None:
        raise NotFound("Meeting not found.")
    return structure_id

