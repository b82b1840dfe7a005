"""Entities of the projects context and the events they cause.

Plain dataclasses: the repositories store and return them; the service dumps read models
built from them through the contract schemas. Times are naive UTC datetimes; start and due
dates are calendar dates (Europe/Paris).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from maillage_shared.contracts.projects import OPEN_TASK_STATUSES

PROJECT_PUBLISHED = "projects.project_published.v1"
PROJECT_UNPUBLISHED = "projects.project_unpublished.v1"
TASK_COMPLETED = "projects.task_completed.v1"

COORDINATOR = "coordinator"
GUEST = "guest"
DONE = "done"


@dataclass(frozen=True)
class Event:
    """Written in the same document update as the change it reports (outbox)."""

    type: str
    structure_id: str
    payload: dict


@dataclass
class Project:
    id: str
    structure_id: str
    title: str
    created_at: datetime
    created_by: str
    updated_at: datetime
    description: str = ""
    theme: str = "other"
    aci: dict | None = None
    lead_id: str | None = None
    participant_ids: list = field(default_factory=list)
    starts_on: date | None = None
    due_on: date | None = None
    status: str = "idea"
    archived: bool = False
    public: bool = False
    restricted: bool = False
    version: int = 1

    @property
    def team(self) -> set[str]:
        """Who works on it: the lead and the participants."""
        return set(self.participant_ids) | ({self.lead_id} if self.lead_id else set())

    def public_view(self) -> dict:
        return {"id": self.id, "title": self.title, "description": self.description, "theme": self.theme,
                "aci": self.aci, "status": self.status,
                "starts_on": self.starts_on.isoformat() if self.starts_on else None,
                "due_on": self.due_on.isoformat() if self.due_on else None}


@dataclass
class Task:
    id: str
    structure_id: str
    project_id: str
    title: str
    created_at: datetime
    created_by: str
    updated_at: datetime
    notes: str = ""
    assignee_ids: list = field(default_factory=list)
    starts_on: date | None = None
    due_on: date | None = None
    status: str = "todo"
    checklist: list = field(default_factory=list)  # [{"id", "text", "done"}]
    depends_on: list = field(default_factory=list)  # ids of tasks of the same project
    completed_at: datetime | None = None
    completed_by: str | None = None
    version: int = 1

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TASK_STATUSES


@dataclass
class Comment:
    id: str
    structure_id: str
    project_id: str
    task_id: str
    author_id: str
    author_name: str
    body: str
    created_at: datetime


@dataclass
class Activity:
    """One line of a project's history: who did what, when. ``for_user_id`` names the
    person it is addressed to (the lead, when a member left)."""

    id: str
    structure_id: str
    project_id: str
    at: datetime
    action: str
    actor_id: str | None
    actor_name: str
    task_id: str | None = None
    details: dict = field(default_factory=dict)
    for_user_id: str | None = None


@dataclass(frozen=True)
class Member:
    """A person's active membership of a structure, as identity tells it."""

    user_id: str
    role: str
    first_name: str = ""
    last_name: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_coordinator(self) -> bool:
        return self.role == COORDINATOR

    @property
    def can_contribute(self) -> bool:
        """Guests read only."""
        return self.role != GUEST


@dataclass(frozen=True)
class StructureMembership:
    structure_id: str
    structure_name: str
    role: str


# Events -------------------------------------------------------------------------------

def project_published(project: Project) -> Event:
    return Event(PROJECT_PUBLISHED, project.structure_id, {"project": project.public_view()})


def project_unpublished(project: Project) -> Event:
    return Event(PROJECT_UNPUBLISHED, project.structure_id, {"project_id": project.id})


def task_completed(task: Task, project: Project) -> Event:
    return Event(TASK_COMPLETED, task.structure_id, {
        "task_id": task.id, "project_id": project.id, "project_title": project.title, "title": task.title,
        "aci": project.aci, "assignee_ids": list(task.assignee_ids), "completed_by": task.completed_by,
        "completed_at": task.completed_at.isoformat() + "Z" if task.completed_at else ""})
