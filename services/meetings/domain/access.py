"""Who may do what with polls and meetings.

Someone who is not an active member of the structure gets NotFound (its existence is not
revealed). Members may organise; guests may read and answer polls. The organiser of a
meeting or poll and the coordinators manage it; reopening a closed meeting and recording
coordination time are for coordinators.
"""
from __future__ import annotations

from maillage_shared.errors import Forbidden, NotFound

from .context import MeetingsContext
from .model import GUEST, Meeting, Member, Poll

MANAGERS_ONLY = "Only the organiser or a coordinator can do this."
COORDINATORS_ONLY = "Only a coordinator of this structure can do this."


def team(ctx: MeetingsContext, structure_id: str, actor_id: str | None) -> tuple[Member, dict[str, Member]]:
    """The actor and every active member of the structure (one call to identity)."""
    members = ctx.members.active_members(structure_id) if actor_id else {}
    actor = members.get(actor_id) if actor_id else None
    if actor is None:
        raise NotFound("Structure not found.")
    return actor, members


def require_organiser_role(actor: Member) -> None:
    if actor.role == GUEST:
        raise Forbidden("Guests cannot organise meetings or polls.")


def require_coordinator(actor: Member) -> None:
    if not actor.is_coordinator:
        raise Forbidden(COORDINATORS_ONLY)


def may_manage(actor: Member, thing: Meeting | Poll) -> bool:
    owner = thing.organizer_id if isinstance(thing, Meeting) else thing.created_by
    return actor.is_coordinator or actor.user_id == owner


def require_manager(actor: Member, thing: Meeting | Poll) -> None:
    if not may_manage(actor, thing):
        raise Forbidden(MANAGERS_ONLY)


def get_meeting(ctx: MeetingsContext, structure_id: str, meeting_id: str) -> Meeting:
    meeting = ctx.meetings.get(structure_id, meeting_id)
    if meeting is None:
        raise NotFound("Meeting not found.")
    return meeting


def get_poll(ctx: MeetingsContext, structure_id: str, poll_id: str) -> Poll:
    poll = ctx.polls.get(structure_id, poll_id)
    if poll is None:
        raise NotFound("Poll not found.")
    return poll
