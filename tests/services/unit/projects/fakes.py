"""In-memory stand-ins for the projects domain's ports.

They keep the rules the domain relies on: conditional writes on the version (False when
stale), events kept in an outbox next to the state they describe, activity ids unique.
"""
from __future__ import annotations

import copy
from datetime import date, datetime, timedelta

from services.projects.domain.context import ProjectsContext
from services.projects.domain.model import Member, StructureMembership


class FakeClock:
    """Naive UTC time that tests move forward by hand (Monday 23 November 2026, 09:00 UTC)."""

    def __init__(self, start: datetime = datetime(2026, 11, 23, 9, 0, 0)):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta) -> None:
        self.current += timedelta(**delta)


class _Versioned:
    def __init__(self):
        self.rows: dict = {}
        self.outbox: list = []
        self.writes = 0

    def add(self, entity, events):
        self.rows[entity.id] = copy.deepcopy(entity)
        self.outbox.extend(events)
        self.writes += 1

    def get(self, entity_id):
        return copy.deepcopy(self.rows.get(entity_id))

    def update(self, entity_id, version, changes, events):
        row = self.rows.get(entity_id)
        if row is None or row.version != version:
            return False
        for name, value in changes.items():
            setattr(row, name, copy.deepcopy(value))
        row.version = version + 1
        self.outbox.extend(events)
        self.writes += 1
        return True

    def all(self):
        return [copy.deepcopy(r) for r in self.rows.values()]


class FakeProjects(_Versioned):
    def in_structure(self, structure_id, archived=False):
        return [p for p in self.all() if p.structure_id == structure_id
                and (archived is None or bool(p.archived) == bool(archived))]

    def many(self, project_ids):
        ids = set(project_ids)
        return [p for p in self.all() if p.id in ids]

    def involving(self, structure_ids, user_id):
        ids = set(structure_ids)
        return [p for p in self.all() if p.structure_id in ids and not p.archived
                and (p.lead_id == user_id or user_id in p.participant_ids)]


class FakeTasks(_Versioned):
    def of_project(self, project_id):
        return self._by_due(t for t in self.all() if t.project_id == project_id)

    def of_projects(self, project_ids):
        ids = set(project_ids)
        return self._by_due(t for t in self.all() if t.project_id in ids)

    def assigned_to(self, structure_ids, user_id, open_only=True):
        ids = set(structure_ids)
        return [t for t in self.all() if t.structure_id in ids and user_id in t.assignee_ids
                and (t.is_open or not open_only)]

    @staticmethod
    def _by_due(tasks):
        return sorted(tasks, key=lambda t: (t.due_on is None, t.due_on or date.max, t.created_at, t.id))


class FakeComments:
    def __init__(self):
        self.rows: list = []

    def add(self, comment):
        self.rows.append(copy.deepcopy(comment))

    def of_task(self, task_id):
        return [c for c in self.rows if c.task_id == task_id]

    def counts(self, task_ids):
        ids = set(task_ids)
        counts: dict = {}
        for c in self.rows:
            if c.task_id in ids:
                counts[c.task_id] = counts.get(c.task_id, 0) + 1
        return counts


class FakeActivities:
    def __init__(self):
        self.rows: dict = {}

    def add(self, activity):
        if activity.id in self.rows:
            return False
        self.rows[activity.id] = copy.deepcopy(activity)
        return True

    def _newest(self, rows):
        return sorted(rows, key=lambda a: a.at, reverse=True)

    def of_project(self, project_id, limit):
        return self._newest(a for a in self.rows.values() if a.project_id == project_id)[:limit]

    def of_projects(self, structure_id, project_ids, limit):
        ids = set(project_ids)
        return self._newest(a for a in self.rows.values()
                            if a.structure_id == structure_id and a.project_id in ids)[:limit]

    def actions(self, project_id=None):
        """In the order they were written."""
        return [a.action for a in self.rows.values() if project_id is None or a.project_id == project_id]


class FakeProcessedEvents:
    def __init__(self):
        self.ids: set = set()

    def seen(self, event_id):
        return event_id in self.ids

    def mark(self, event):
        if event["event_id"] in self.ids:
            return False
        self.ids.add(event["event_id"])
        return True


class FakeDirectory:
    """Structures and their members, as identity would answer."""

    def __init__(self):
        self.structures: dict[str, str] = {}  # id -> name
        self.people: dict[str, dict[str, Member]] = {}  # structure id -> user id -> member
        self.names: dict[str, str] = {}
        self.calls: list[str] = []

    def add(self, structure_id, user_id, role="member", first_name="Paul", last_name="Leroy",
            structure_name="MSP des Tilleuls"):
        self.structures.setdefault(structure_id, structure_name)
        self.people.setdefault(structure_id, {})[user_id] = Member(user_id, role, first_name, last_name)
        self.names[user_id] = f"{first_name} {last_name}"

    def remove(self, structure_id, user_id):
        self.people.get(structure_id, {}).pop(user_id, None)

    def membership(self, structure_id, user_id):
        self.calls.append("membership")
        member = self.people.get(structure_id, {}).get(user_id)
        return Member(member.user_id, member.role) if member else None

    def members(self, structure_id):
        self.calls.append("members")
        return dict(self.people.get(structure_id, {}))

    def structures_of(self, user_id):
        self.calls.append("structures_of")
        return [StructureMembership(sid, self.structures[sid], people[user_id].role)
                for sid, people in self.people.items() if user_id in people]

    def person_name(self, user_id):
        return self.names.get(user_id)


def fake_context(clock: FakeClock | None = None, directory: FakeDirectory | None = None) -> ProjectsContext:
    return ProjectsContext(projects=FakeProjects(), tasks=FakeTasks(), comments=FakeComments(),
                           activities=FakeActivities(), processed_events=FakeProcessedEvents(),
                           directory=directory or FakeDirectory(), clock=clock or FakeClock())
