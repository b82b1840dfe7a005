"""In-memory stand-ins for the meetings domain's ports: repositories keeping their events
and e-mail notices next to the state (like the outboxes), identity's member list, an
absent projects service, and a clock tests move by hand."""
from __future__ import annotations

import copy
from datetime import datetime, timedelta

from services.meetings.domain.context import MeetingsContext
from services.meetings.domain.model import Member
from services.meetings.domain.ports import AlreadyExists


class FakeClock:
    def __init__(self, start: datetime = datetime(2026, 11, 23, 9, 0, 0)):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta) -> None:
        self.current += timedelta(**delta)


def _copy(value):
    return copy.deepcopy(value) if value is not None else None


class FakePolls:
    def __init__(self):
        self.rows, self.mail = {}, []

    def add(self, poll, notices=()):
        self.rows[poll.id] = _copy(poll)
        self.mail.extend(notices)

    def get(self, structure_id, poll_id):
        poll = self.rows.get(poll_id)
        return _copy(poll) if poll and poll.structure_id == structure_id else None

    def structure_of(self, poll_id):
        return self.rows[poll_id].structure_id if poll_id in self.rows else None

    def list(self, structure_id, status=None):
        return [_copy(p) for p in self.rows.values() if p.structure_id == structure_id
                and (status is None or p.status == status)]

    def record_ballot(self, poll_id, user_id, ballot, invitee_ids):
        poll = self.rows[poll_id]
        if poll.status != "open":
            return False
        poll.ballots[user_id], poll.invitee_ids = _copy(ballot), list(invitee_ids)
        return True

    def close(self, poll_id, slot_id, meeting_id, by, at):
        poll = self.rows[poll_id]
        if poll.status != "open":
            return False
        poll.status, poll.chosen_slot_id, poll.meeting_id, poll.closed_by, poll.closed_at = (
            "closed", slot_id, meeting_id, by, at)
        return True

    def delete_open(self, structure_id, poll_id):
        poll = self.rows.get(poll_id)
        if poll is None or poll.structure_id != structure_id or poll.status != "open":
            return False
        del self.rows[poll_id]
        return True

    def reopen(self, poll_id):
        poll = self.rows[poll_id]
        poll.status, poll.chosen_slot_id, poll.meeting_id, poll.closed_by, poll.closed_at = (
            "open", None, None, None, None)

    def open_with_invitee(self, structure_id, user_id):
        return [_copy(p) for p in self.rows.values() if p.structure_id == structure_id and p.status == "open"
                and user_id in p.invitee_ids]

    def set_people(self, poll_id, invitee_ids, ballots):
        self.rows[poll_id].invitee_ids, self.rows[poll_id].ballots = list(invitee_ids), _copy(ballots)

    def by_demo_key(self, structure_id, demo_key):
        return next((_copy(p) for p in self.rows.values() if p.structure_id == structure_id
                     and p.demo_key == demo_key), None)


class FakeMeetings:
    def __init__(self):
        self.rows, self.mail, self.outbox = {}, [], []

    def add(self, meeting, notices=()):
        self.rows[meeting.id] = _copy(meeting)
        self.mail.extend(notices)

    def get(self, structure_id, meeting_id):
        meeting = self.rows.get(meeting_id)
        return _copy(meeting) if meeting and meeting.structure_id == structure_id else None

    def structure_of(self, meeting_id):
        return self.rows[meeting_id].structure_id if meeting_id in self.rows else None

    def between(self, structure_id, starts_from, starts_before, status=None, kind=None, newest_first=False):
        found = [m for m in self.rows.values() if m.structure_id == structure_id
                 and (starts_from is None or m.starts_at >= starts_from)
                 and (starts_before is None or m.starts_at < starts_before)
                 and (status is None or m.status == status) and (kind is None or m.kind == kind)]
        return [_copy(m) for m in sorted(found, key=lambda m: m.starts_at, reverse=newest_first)]

    def update(self, meeting_id, changes, *, expect=None, events=(), notices=()):
        meeting = self.rows[meeting_id]
        if any(getattr(meeting, name) != value for name, value in (expect or {}).items()):
            return False
        for name, value in changes.items():
            setattr(meeting, name, _copy(value))
        self.outbox.extend(events)
        self.mail.extend(notices)
        return True

    def for_invitee(self, user_id, starts_from):
        return [_copy(m) for m in self.rows.values() if user_id in m.invitee_ids and m.starts_at >= starts_from]

    def upcoming_with_invitee(self, structure_id, user_id, now):
        return [_copy(m) for m in self.rows.values() if m.structure_id == structure_id and user_id in m.invitee_ids
                and m.starts_at > now and m.status == "scheduled"]

    def by_demo_key(self, structure_id, demo_key):
        return next((_copy(m) for m in self.rows.values() if m.structure_id == structure_id
                     and m.demo_key == demo_key), None)


class FakeTimes:
    def __init__(self):
        self.rows, self.outbox = {}, []

    def add(self, record, events):
        if any(r.request_key == record.request_key for r in self.rows.values()):
            raise AlreadyExists("request")
        self.rows[record.id] = _copy(record)
        self.outbox.extend(events)

    def by_request_key(self, request_key):
        return next((_copy(r) for r in self.rows.values() if r.request_key == request_key and not r.deleted_at), None)

    def get(self, structure_id, time_id):
        record = self.rows.get(time_id)
        return _copy(record) if record and record.structure_id == structure_id and not record.deleted_at else None

    def between(self, structure_id, first_day, last_day):
        return [_copy(r) for r in self.rows.values() if r.structure_id == structure_id and not r.deleted_at
                and first_day <= r.date <= last_day]

    def delete(self, time_id, at, events):
        record = self.rows[time_id]
        if record.deleted_at:
            return False
        record.deleted_at = at
        self.outbox.extend(events)
        return True


class FakeFeeds:
    def __init__(self):
        self.rows = {}

    def get(self, user_id):
        return _copy(self.rows.get(user_id))

    def by_digest(self, token_digest):
        return next((_copy(f) for f in self.rows.values() if f.token_digest == token_digest), None)

    def put(self, feed):
        self.rows[feed.user_id] = _copy(feed)

    def remove(self, user_id):
        self.rows.pop(user_id, None)


class FakeDirectory:
    """Identity's members, per structure; tests add and remove people."""

    def __init__(self):
        self.structures: dict[str, dict[str, Member]] = {}
        self.calls = 0

    def add(self, structure_id, user_id, first_name="Paul", last_name="Leroy", role="member",
            profession="medecin_generaliste", email=None) -> Member:
        member = Member(user_id, first_name, last_name, email or f"{user_id}@example.org", role, profession)
        self.structures.setdefault(structure_id, {})[user_id] = member
        return member

    def remove(self, structure_id, user_id):
        self.structures.get(structure_id, {}).pop(user_id, None)

    def active_members(self, structure_id):
        self.calls += 1
        return dict(self.structures.get(structure_id, {}))


class NoProjects:
    """Before the projects service exists: nothing can be checked, no task can be made."""

    def verify_project(self, structure_id, project_id):
        return False

    def create_task(self, actor_id, structure_id, project_id, action):
        return None, "unavailable"


class FakeProjects:
    def __init__(self, projects: dict[str, str]):
        self.projects, self.tasks = projects, []

    def verify_project(self, structure_id, project_id):
        from maillage_shared.errors import Invalid

        if self.projects.get(project_id) != structure_id:
            raise Invalid("No such project in this structure.", {"project_id": "No such project in this structure."})
        return True

    def create_task(self, actor_id, structure_id, project_id, action):
        self.tasks.append((project_id, action["text"], action.get("owner_id")))
        return f"task-{len(self.tasks)}", "created"


def fake_context(clock=None, directory=None, projects=None) -> MeetingsContext:
    return MeetingsContext(polls=FakePolls(), meetings=FakeMeetings(), times=FakeTimes(), feeds=FakeFeeds(),
                           members=directory or FakeDirectory(), projects=projects or NoProjects(),
                           clock=clock or FakeClock())
