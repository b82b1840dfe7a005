"""Minutes, attendance, closing and reopening a meeting.

Minutes and attendance can be edited until the meeting is closed; closing freezes them,
counts invitees without an entry as absent and publishes ``meetings.meeting_closed``
through the outbox, numbered by ``revision``. A coordinator may reopen a closed meeting
with a reason (kept): ``meeting_reopened`` withdraws that revision's figures until the
meeting is closed again with the next revision, so a consumer replaces, never adds.
"""
from __future__ import annotations

from maillage_shared.errors import Conflict, Invalid

from . import pseudonymity
from .access import get_meeting, require_coordinator, require_manager, team
from .context import MeetingsContext
from .meetings import CLOSED_MESSAGE, require_open
from .model import (
    ABSENT,
    CLOSED,
    CONCERTATION,
    GUEST,
    PRESENT,
    SCHEDULED,
    Meeting,
    Member,
    meeting_closed,
    meeting_reopened,
)
from .views import meeting_view, snapshot_people

CHANGED_MEANWHILE = "The meeting changed meanwhile; reload it and try again."
TASKS_UNAVAILABLE = ("Actions are recorded with their owner and due date; they will become project tasks once the "
                     "projects service is available.")


def may_write_minutes(actor: Member, meeting: Meeting) -> bool:
    return actor.is_coordinator or actor.user_id == meeting.organizer_id or (
        actor.user_id in meeting.invitee_ids and actor.role != GUEST)


def save_minutes(ctx: MeetingsContext, actor_id: str, structure_id: str, meeting_id: str, request: dict) -> dict:
    actor, members = team(ctx, structure_id, actor_id)
    meeting = get_meeting(ctx, structure_id, meeting_id)
    if not may_write_minutes(actor, meeting):
        require_manager(actor, meeting)
    require_open(meeting)
    minutes = _checked_minutes(ctx, meeting, request, members)
    notice = _link_actions(ctx, actor_id, meeting, minutes)
    now = ctx.now()
    minutes.update(updated_at=now, updated_by=actor_id)
    people = snapshot_people([a["owner_id"] for a in minutes["actions"] if a.get("owner_id")], members,
                             meeting.people)
    if not ctx.meetings.update(meeting.id, {"minutes": minutes, "people": people, "updated_at": now},
                               expect={"status": SCHEDULED}):
        raise Conflict(CLOSED_MESSAGE)
    meeting.minutes, meeting.people = minutes, people
    return meeting_view(meeting, members, actor_id, notice)


def _checked_minutes(ctx: MeetingsContext, meeting: Meeting, request: dict, members: dict[str, Member]) -> dict:
    year, problems = meeting.date.year, {}

    def guard(field: str, text: str) -> None:
        reason = pseudonymity.find_identifier(text, year)
        if reason:
            problems.setdefault(field, reason)

    guard("notes", request.get("notes") or "")
    for i, decision in enumerate(request.get("decisions") or []):
        guard(f"decisions.{i}.text", decision["text"])
    for i, action in enumerate(request.get("actions") or []):
        guard(f"actions.{i}.text", action["text"])
        if action.get("owner_id") and action["owner_id"] not in members and action["owner_id"] not in meeting.people:
            problems[f"actions.{i}.owner_id"] = "Not a member of this structure."
    cases = request.get("cases") or []
    if cases and meeting.kind != CONCERTATION:
        problems["cases"] = "Cases are recorded for concertation meetings only."
    codes: dict[str, int] = {}
    for i, case in enumerate(cases):
        code_problem = pseudonymity.check_case_code(case["code"])
        if code_problem:
            problems[f"cases.{i}.code"] = code_problem
        elif case["code"].casefold() in codes:
            problems[f"cases.{i}.code"] = f"Same code as case {codes[case['code'].casefold()] + 1}."
        codes.setdefault(case["code"].casefold(), i)
        guard(f"cases.{i}.question", case.get("question") or "")
        guard(f"cases.{i}.decisions", case.get("decisions") or "")
    if problems:
        identifying = any(text in pseudonymity.REFUSALS for text in problems.values())
        raise Invalid("The minutes must not identify patients: use pseudonymous case codes only."
                      if identifying else "Some parts of the minutes need correcting.", problems)
    previous = {a.get("task_id") for a in meeting.minutes.get("actions") or [] if a.get("task_id")}
    return {"notes": request.get("notes") or "",
            "decisions": [{"text": d["text"]} for d in request.get("decisions") or []],
            "actions": [{"text": a["text"], "owner_id": a.get("owner_id"),
                         "due_on": a.get("due_on"),
                         "to_task": bool(a.get("to_task")),
                         "task_id": a.get("task_id") if a.get("task_id") in previous else None,
                         "task_status": a.get("task_status") if a.get("task_id") in previous else None}
                        for a in request.get("actions") or []],
            "cases": [{"code": c["code"], "criterion": c["criterion"], "question": c.get("question") or "",
                       "decisions": c.get("decisions") or "", "recorded_in_file": bool(c.get("recorded_in_file"))}
                      for c in cases]}


def _link_actions(ctx: MeetingsContext, actor_id: str, meeting: Meeting, minutes: dict) -> str | None:
    """Actions marked ``to_task`` become tasks of the meeting's project, when there is one."""
    wanted = [a for a in minutes["actions"] if a["to_task"] and not a["task_id"]]
    if not wanted:
        return None
    if not meeting.project_id:
        for action in wanted:
            action["task_status"] = "no_project"
        return "Link the meeting to a project to turn actions into tasks."
    unavailable = False
    for action in wanted:
        action["task_id"], action["task_status"] = ctx.projects.create_task(
            actor_id, meeting.structure_id, meeting.project_id, action)
        unavailable = unavailable or action["task_status"] == "unavailable"
    return TASKS_UNAVAILABLE if unavailable else None


def record_attendance(ctx: MeetingsContext, actor_id: str, structure_id: str, meeting_id: str,
                      request: dict) -> dict:
    """Who was present, excused or absent, and for how long (default: the whole meeting)."""
    actor, members = team(ctx, structure_id, actor_id)
    meeting = get_meeting(ctx, structure_id, meeting_id)
    require_manager(actor, meeting)
    require_open(meeting)
    duration, attendance, problems = meeting.duration_minutes, {}, {}
    for i, entry in enumerate(request["entries"]):
        user_id, status, minutes = entry["user_id"], entry["status"], entry.get("minutes")
        field = f"entries.{i}"
        if user_id not in members and user_id not in meeting.invitee_ids:
            problems[f"{field}.user_id"] = "Not a member of this structure."
        elif user_id in attendance:
            problems[f"{field}.user_id"] = "This person is listed twice."
        if status == PRESENT:
            minutes = duration if minutes is None else minutes
            if minutes < 0:
                problems[f"{field}.minutes"] = "Minutes attended cannot be negative."
            elif minutes > duration:
                problems[f"{field}.minutes"] = (f"At most {duration} minutes: the meeting lasts {duration} "
                                                "minutes.")
        elif minutes:
            problems[f"{field}.minutes"] = "Only people present have minutes attended."
        attendance[user_id] = {"status": status, "minutes": minutes if status == PRESENT else 0}
    if problems:
        raise Invalid("Some attendance entries need correcting.", problems)
    people = snapshot_people(attendance, members, meeting.people)
    if not ctx.meetings.update(meeting.id, {"attendance": attendance, "people": people, "updated_at": ctx.now()},
                               expect={"status": SCHEDULED}):
        raise Conflict(CLOSED_MESSAGE)
    meeting.attendance, meeting.people = attendance, people
    return meeting_view(meeting, members, actor_id)


def close_meeting(ctx: MeetingsContext, actor_id: str, structure_id: str, meeting_id: str) -> dict:
    actor, members = team(ctx, structure_id, actor_id)
    meeting = get_meeting(ctx, structure_id, meeting_id)
    require_manager(actor, meeting)
    if meeting.status == CLOSED:
        raise Conflict("This meeting is already closed.")
    require_open(meeting)
    if not any(entry["status"] == PRESENT for entry in meeting.attendance.values()):
        raise Conflict("Record the attendance before closing: nobody is marked present.")
    attendance = dict(meeting.attendance)
    for user_id in meeting.invitee_ids:
        attendance.setdefault(user_id, {"status": ABSENT, "minutes": 0})
    now, previous_revision = ctx.now(), meeting.revision
    meeting.attendance, meeting.revision = attendance, previous_revision + 1
    meeting.people = snapshot_people(attendance, members, meeting.people)
    meeting.status, meeting.closed_at, meeting.closed_by = CLOSED, now, actor_id
    if not ctx.meetings.update(meeting.id, {"status": CLOSED, "attendance": attendance, "revision": meeting.revision,
                                            "people": meeting.people, "closed_at": now, "closed_by": actor_id,
                                            "updated_at": now},
                               expect={"status": SCHEDULED, "revision": previous_revision},
                               events=[meeting_closed(meeting)]):
        raise Conflict("This meeting is already closed.")
    return meeting_view(meeting, members, actor_id)


def reopen_meeting(ctx: MeetingsContext, actor_id: str, structure_id: str, meeting_id: str, request: dict) -> dict:
    actor, members = team(ctx, structure_id, actor_id)
    meeting = get_meeting(ctx, structure_id, meeting_id)
    require_coordinator(actor)
    if meeting.status != CLOSED:
        raise Conflict("Only a closed meeting can be reopened.")
    now, reason = ctx.now(), request["reason"].strip()
    reopenings = [*meeting.reopenings, {"at": now, "by": actor_id, "reason": reason}]
    if not ctx.meetings.update(meeting.id, {"status": SCHEDULED, "reopenings": reopenings, "closed_at": None,
                                            "closed_by": None, "updated_at": now},
                               expect={"status": CLOSED, "revision": meeting.revision},
                               events=[meeting_reopened(meeting, meeting.revision, reason)]):
        raise Conflict(CHANGED_MEANWHILE)
    meeting.status, meeting.reopenings, meeting.closed_at, meeting.closed_by = SCHEDULED, reopenings, None, None
    return meeting_view(meeting, members, actor_id)
