"""Read models returned to the edge: JSON-friendly dicts shaped like the contract schemas.

Names come from identity's current list of members, or from the snapshot a meeting keeps
of the people it concerned (someone who left the structure keeps their name in the
minutes and the attendance of past meetings).
"""
from __future__ import annotations

from .model import Meeting, Member, Poll
from .schedule import duration_minutes

FORMER_MEMBER = {"first_name": "Ancien", "last_name": "membre", "profession": "autre"}
ANSWER_WEIGHTS = {"yes": 2, "maybe": 1, "no": 0}


def person(user_id: str, members: dict[str, Member], snapshot: dict | None = None) -> dict:
    member = members.get(user_id)
    known = member.person() if member else (snapshot or {}).get(user_id) or FORMER_MEMBER
    return {"user_id": user_id, "first_name": known["first_name"], "last_name": known["last_name"],
            "profession": known["profession"]}


def snapshot_people(user_ids, members: dict[str, Member], previous: dict | None = None) -> dict:
    """The people a meeting concerns, named as identity names them today when it can."""
    people = dict(previous or {})
    for user_id in user_ids:
        if user_id in members:
            people[user_id] = members[user_id].person()
    return people


def meeting_summary(meeting: Meeting, actor_id: str) -> dict:
    return {"id": meeting.id, "kind": meeting.kind, "title": meeting.title, "status": meeting.status,
            "date": meeting.date, "start": meeting.start, "end": meeting.end, "starts_at": meeting.starts_at,
            "ends_at": meeting.ends_at, "duration_minutes": meeting.duration_minutes, "place": meeting.place,
            "visio_url": meeting.visio_url, "invitee_count": len(meeting.invitee_ids),
            "invited": actor_id in meeting.invitee_ids, "case_counts": meeting.case_counts(),
            "has_minutes": has_minutes(meeting)}


def has_minutes(meeting: Meeting) -> bool:
    minutes = meeting.minutes or {}
    return bool((minutes.get("notes") or "").strip() or minutes.get("decisions") or minutes.get("actions")
                or minutes.get("cases"))


def meeting_view(meeting: Meeting, members: dict[str, Member], actor_id: str, notice: str | None = None) -> dict:
    attendance = [{**person(user_id, members, meeting.people), "status": entry["status"], "minutes": entry["minutes"]}
                  for user_id, entry in meeting.attendance.items()]
    attendance.sort(key=lambda a: (a["last_name"].casefold(), a["first_name"].casefold()))
    invitees = sorted((person(u, members, meeting.people) for u in meeting.invitee_ids),
                      key=lambda p: (p["last_name"].casefold(), p["first_name"].casefold()))
    return {**meeting_summary(meeting, actor_id), "structure_id": meeting.structure_id,
            "project_id": meeting.project_id, "project_verified": meeting.project_verified,
            "agenda": list(meeting.agenda), "invitees": invitees, "organizer_id": meeting.organizer_id,
            "sequence": meeting.sequence, "poll_id": meeting.poll_id, "minutes": dict(meeting.minutes),
            "attendance": attendance, "revision": meeting.revision, "closed_at": meeting.closed_at,
            "closed_by": meeting.closed_by, "reopenings": list(meeting.reopenings),
            "cancelled_at": meeting.cancelled_at, "cancel_reason": meeting.cancel_reason,
            "created_by": meeting.created_by, "created_at": meeting.created_at, "notice": notice}


def tally(poll: Poll) -> dict[str, dict]:
    """Per slot: how many yes / if need be / no, and a score (yes 2, if need be 1)."""
    counts = {slot["id"]: {"yes": 0, "maybe": 0, "no": 0, "score": 0} for slot in poll.slots}
    for ballot in poll.ballots.values():
        for slot_id, answer in (ballot.get("answers") or {}).items():
            if slot_id in counts and answer in ANSWER_WEIGHTS:
                counts[slot_id][answer] += 1
                counts[slot_id]["score"] += ANSWER_WEIGHTS[answer]
    return counts


def best_slot_ids(poll: Poll, counts: dict[str, dict] | None = None) -> list[str]:
    """The slots with the best score (several on a tie); none before anyone answered."""
    counts = counts or tally(poll)
    if not poll.ballots:
        return []
    best = max(c["score"] for c in counts.values())
    return [slot["id"] for slot in poll.slots if counts[slot["id"]]["score"] == best and best > 0]


def poll_view(poll: Poll, members: dict[str, Member], actor_id: str) -> dict:
    counts = tally(poll)
    slots = [{"id": s["id"], "date": s["date"], "start": s["start"], "end": s["end"], "starts_at": s["starts_at"],
              "ends_at": s["ends_at"], "duration_minutes": duration_minutes(s["starts_at"], s["ends_at"]),
              "tally": counts[s["id"]]} for s in poll.slots]
    respondents = [{**person(user_id, members), "answers": dict(ballot["answers"]), "voted_at": ballot["voted_at"]}
                   for user_id, ballot in poll.ballots.items()]
    respondents.sort(key=lambda r: (r["last_name"].casefold(), r["first_name"].casefold()))
    invitees = sorted((person(u, members) for u in poll.invitee_ids),
                      key=lambda p: (p["last_name"].casefold(), p["first_name"].casefold()))
    mine = poll.ballots.get(actor_id, {}).get("answers", {})
    return {"id": poll.id, "structure_id": poll.structure_id, "title": poll.title, "kind": poll.kind,
            "project_id": poll.project_id, "place": poll.place, "visio_url": poll.visio_url,
            "description": poll.description, "status": poll.status, "slots": slots,
            "best_slot_ids": best_slot_ids(poll, counts), "invitees": invitees, "respondents": respondents,
            "my_answers": dict(mine), "created_by": poll.created_by, "created_at": poll.created_at,
            "closed_at": poll.closed_at, "chosen_slot_id": poll.chosen_slot_id, "meeting_id": poll.meeting_id}


def poll_summary(poll: Poll, actor_id: str) -> dict:
    return {"id": poll.id, "title": poll.title, "kind": poll.kind, "status": poll.status,
            "slot_count": len(poll.slots), "respondent_count": len(poll.ballots),
            "invitee_count": len(poll.invitee_ids), "answered": actor_id in poll.ballots,
            "first_starts_at": min(s["starts_at"] for s in poll.slots), "created_at": poll.created_at,
            "meeting_id": poll.meeting_id}
