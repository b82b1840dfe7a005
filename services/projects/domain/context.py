"""What every projects use case receives: repositories, the member directory and a clock.

The composition root (the Nameko service, or a test with fakes) builds one per call.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from maillage_shared.clock import PARIS, new_id, utcnow

from .model import Activity, Member
from .ports import (
    ActivityRepository,
    CommentRepository,
    MemberDirectory,
    ProcessedEventLog,
    ProjectRepository,
    TaskRepository,
)


@dataclass
class ProjectsContext:
    projects: ProjectRepository
    tasks: TaskRepository
    comments: CommentRepository
    activities: ActivityRepository
    processed_events: ProcessedEventLog
    directory: MemberDirectory
    clock: Callable[[], datetime] = utcnow
    _members: dict = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """Today in Europe/Paris: what "overdue" and "this week" mean to the team."""
        return self.clock().replace(tzinfo=UTC).astimezone(PARIS).date()

    def members(self, structure_id: str) -> dict[str, Member]:
        """Active members of a structure, asked once per use case."""
        if structure_id not in self._members:
            self._members[structure_id] = self.directory.members(structure_id)
        return self._members[structure_id]

    def record(self, project_id: str, structure_id: str, action: str, actor: Member | None,
               task_id: str | None = None, activity_id: str | None = None, for_user_id: str | None = None,
               **details) -> bool:
        return self.activities.add(Activity(
            id=activity_id or new_id(), structure_id=structure_id, project_id=project_id, at=self.now(),
            action=action, actor_id=actor.user_id if actor else None, actor_name=actor.full_name if actor else "",
            task_id=task_id, details=details, for_user_id=for_user_id))
