"""Entities of the meetings context, the e-mail notices and the events they cause.

Plain dataclasses; times are naive UTC datetimes (Paris wall-clock times are derived for
display, see ``schedule``), calendar dates are ``date``. Nested parts that are always
written whole (slots, minutes, attendance, reopenings) are plain dicts and lists.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from maillage_shared.contracts.meetings import CASE_CRITERIA, MEETING_KINDS  # noqa: F401

from .schedule import duration_minutes, paris_date, paris_hhmm

COORDINATOR = "coordinator"
GUEST = "guest"
CONCERTATION = "concertation"

SCHEDULED, CANCELLED, CLOSED = "scheduled", "cancelled", "closed"
OPEN = "open"
PRESENT, EXCUSED, ABSENT = "present", "excused", "absent"

MEETING_CLOSED = "meetings.meeting_closed.v1"
MEETING_REOPENED = "meetings.meeting_reopened.v1"
TIME_RECORDED = "meetings.coordination_time_recorded.v1"
TIME_DELETED = "meetings.coordination_time_deleted.v1"


@dataclass(frozen=True)
class Event:
    type: str
    structure_id: str
    payload: dict


@dataclass(frozen=True)
class Member:
    """An active member of a structure, as identity knows them."""

    user_id: str
    first_name: str
    last_name: str
    email: str
    role: str
    profession: str

    @property
    def is_coordinator(self) -> bool:
        return self.role == COORDINATOR

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def person(self) -> dict:
        return {"first_name": self.first_name, "last_name": self.last_name, "profession": self.profession}


def empty_minutes() -> dict:
    return {"notes": "", "decisions": [], "actions": [], "cases": [], "updated_at": None, "updated_by": None}


@dataclass
class Poll:
    id: str
    structure_id: str
    title: str
    kind: str
    slots: list  # [{id, date, start, end, starts_at, ends_at}]
    invitee_ids: list
    created_by: str
    created_at: datetime
    project_id: str | None = None
    place: str = ""
    visio_url: str | None = None
    description: str = ""
    ballots: dict = field(default_factory=dict)  # user_id -> {answers: {slot_id: answer}, voted_at}
    status: str = OPEN
    closed_at: datetime | None = None
    closed_by: str | None = None
    chosen_slot_id: str | None = None
    meeting_id: str | None = None
    demo_key: str | None = None

    def slot(self, slot_id: str) -> dict | None:
        return next((s for s in self.slots if s["id"] == slot_id), None)


@dataclass
class Meeting:
    id: str
    structure_id: str
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    organizer_id: str
    created_by: str
    created_at: datetime
    invitee_ids: list = field(default_factory=list)
    agenda: list = field(default_factory=list)
    place: str = ""
    visio_url: str | None = None
    project_id: str | None = None
    project_verified: bool = False
    poll_id: str | None = None
    status: str = SCHEDULED
    sequence: int = 0
    minutes: dict = field(default_factory=empty_minutes)
    attendance: dict = field(default_factory=dict)  # user_id -> {status, minutes}
    people: dict = field(default_factory=dict)  # user_id -> {first_name, last_name, profession} (kept after leaving)
    revision: int = 0
    closed_at: datetime | None = None
    closed_by: str | None = None
    reopenings: list = field(default_factory=list)
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    updated_at: datetime | None = None
    demo_key: str | None = None

    @property
    def duration_minutes(self) -> int:
        return duration_minutes(self.starts_at, self.ends_at)

    @property
    def date(self) -> date:
        return paris_date(self.starts_at)

    @property
    def start(self) -> str:
        return paris_hhmm(self.starts_at)

    @property
    def end(self) -> str:
        return paris_hhmm(self.ends_at)

    def case_counts(self) -> dict:
        counts = {criterion: 0 for criterion in CASE_CRITERIA}
        for case in self.minutes.get("cases") or []:
            counts[case["criterion"]] = counts.get(case["criterion"], 0) + 1
        return {**counts, "total": sum(counts.values())}


@dataclass
class TimeRecord:
    """Coordination time not tied to a meeting (e.g. preparing the ACI file)."""

    id: str
    structure_id: str
    user_id: str
    date: date
    minutes: int
    label: str
    recorded_by: str
    recorded_at: datetime
    request_key: str
    person: dict = field(default_factory=dict)
    deleted_at: datetime | None = None


@dataclass
class CalendarFeed:
    user_id: str
    token_digest: str
    created_at: datetime


# Events -----------------------------------------------------------------------------------

def meeting_closed(meeting: Meeting) -> Event:
    participants = [{"user_id": user_id, "profession": meeting.people.get(user_id, {}).get("profession", "autre"),
                     "status": entry["status"], "minutes": entry["minutes"]}
                    for user_id, entry in sorted(meeting.attendance.items())]
    return Event(MEETING_CLOSED, meeting.structure_id, {
        "meeting_id": meeting.id, "revision": meeting.revision, "kind": meeting.kind, "title": meeting.title,
        "project_id": meeting.project_id, "date": meeting.date.isoformat(),
        "starts_at": meeting.starts_at.isoformat() + "Z", "ends_at": meeting.ends_at.isoformat() + "Z",
        "duration_minutes": meeting.duration_minutes, "case_counts": meeting.case_counts(),
        "participants": participants})


def meeting_reopened(meeting: Meeting, revision: int, reason: str) -> Event:
    return Event(MEETING_REOPENED, meeting.structure_id,
                 {"meeting_id": meeting.id, "revision": revision, "reason": reason})


def time_recorded(record: TimeRecord) -> Event:
    return Event(TIME_RECORDED, record.structure_id, {
        "time_id": record.id, "user_id": record.user_id, "profession": record.person.get("profession", "autre"),
        "date": record.date.isoformat(), "minutes": record.minutes, "label": record.label})


def time_deleted(record: TimeRecord) -> Event:
    return Event(TIME_DELETED, record.structure_id, {"time_id": record.id, "user_id": record.user_id})
