"""E-mail notices: what to send to whom, decided by the domain, sent later by the mailer.

A notice is a JSON-friendly dict stored in the mail outbox of the meeting (or poll)
document in the same write as the change it announces; a relay sends it with its
iCalendar attachment and removes it once the SMTP server accepted it. ``method`` is the
iTIP method (RFC 5546): REQUEST for an invitation or an update, CANCEL when the meeting
is cancelled or the person is no longer invited; ``sequence`` orders the versions.
Nothing is sent for a meeting that has already ended.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from maillage_shared.clock import new_id

from .model import Meeting, Member, Poll

REQUEST, CANCEL = "REQUEST", "CANCEL"


def _address(member: Member) -> dict:
    return {"email": member.email, "name": member.full_name}


def meeting_snapshot(meeting: Meeting) -> dict:
    return {"id": meeting.id, "structure_id": meeting.structure_id, "title": meeting.title, "kind": meeting.kind,
            "starts_at": meeting.starts_at.isoformat(), "ends_at": meeting.ends_at.isoformat(),
            "place": meeting.place, "visio_url": meeting.visio_url, "agenda": list(meeting.agenda),
            "sequence": meeting.sequence, "status": meeting.status}


def meeting_notices(meeting: Meeting, members: dict[str, Member], method: str, user_ids: Iterable[str],
                    now: datetime, *, kind: str, reason: str = "") -> list[dict]:
    """One notice per recipient who is still a member (identity gives the address)."""
    if meeting.ends_at <= now:
        return []
    organizer = members.get(meeting.organizer_id)
    attendees = [_address(members[u]) for u in meeting.invitee_ids if u in members]
    snapshot = meeting_snapshot(meeting)
    return [{"id": new_id(), "kind": kind, "method": method, "to": _address(members[user_id]),
             "meeting": snapshot, "organizer": _address(organizer) if organizer else None,
             "attendees": attendees, "reason": reason, "attempts": 0}
            for user_id in dict.fromkeys(user_ids) if user_id in members]


def poll_notices(poll: Poll, members: dict[str, Member], organizer: Member) -> list[dict]:
    """"Please answer": to every invitee except the organiser."""
    summary = {"id": poll.id, "structure_id": poll.structure_id, "title": poll.title, "kind": poll.kind,
               "slots": [{"starts_at": s["starts_at"].isoformat(), "ends_at": s["ends_at"].isoformat()}
                         for s in poll.slots]}
    return [{"id": new_id(), "kind": "poll", "method": None, "to": _address(members[user_id]), "poll": summary,
             "organizer": _address(organizer), "attempts": 0}
            for user_id in poll.invitee_ids if user_id in members and user_id != organizer.user_id]
