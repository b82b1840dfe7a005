"""Reaction to ``identity.member_left``: someone who left is no longer expected at the
structure's upcoming meetings nor asked about open polls. Past meetings keep them (they
took part). Naturally idempotent: a re-delivered event finds nothing left to remove.
"""
from __future__ import annotations

from .context import MeetingsContext


def forget_member(ctx: MeetingsContext, structure_id: str, user_id: str) -> int:
    changed = 0
    for meeting in ctx.meetings.upcoming_with_invitee(structure_id, user_id, ctx.now()):
        invitees = [u for u in meeting.invitee_ids if u != user_id]
        if ctx.meetings.update(meeting.id, {"invitee_ids": invitees}, expect={"status": meeting.status}):
            changed += 1
    for poll in ctx.polls.open_with_invitee(structure_id, user_id):
        ballots = {u: b for u, b in poll.ballots.items() if u != user_id}
        ctx.polls.set_people(poll.id, [u for u in poll.invitee_ids if u != user_id], ballots)
        changed += 1
    return changed
