"""What every documents use case receives: repositories, the content store, the member
directory, the projects service, a clock and the policy.

The composition root (the Nameko service, a command, or a test with fakes) builds one per call.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from maillage_shared.clock import PARIS, new_id, utcnow
from maillage_shared.errors import ServiceUnavailable

from .model import AuditEntry, ProjectTeam
from .ports import (
    AuditRepository,
    ContentLocks,
    ContentStore,
    DocumentRepository,
    LibraryRepository,
    MemberDirectory,
    ProjectTeams,
    UploadRepository,
)

UNSET = object()


@dataclass(frozen=True)
class Policy:
    """Limits from the settings (kept apart so the domain needs no settings object)."""

    max_bytes: int = 200 * 1024 * 1024
    trash_days: int = 30
    staging_hours: int = 24
    is_production: bool = False

    @classmethod
    def from_settings(cls, settings: Any) -> Policy:
        return cls(max_bytes=settings.documents_max_bytes, trash_days=settings.documents_trash_days,
                   is_production=settings.is_production)


@dataclass
class DocumentsContext:
    documents: DocumentRepository
    uploads: UploadRepository
    library: LibraryRepository
    audit_entries: AuditRepository
    contents: ContentStore
    locks: ContentLocks
    directory: MemberDirectory
    projects: ProjectTeams
    policy: Policy = field(default_factory=Policy)
    clock: Callable[[], datetime] = utcnow
    _teams: dict = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """Today in Europe/Paris: a review date "passes" at midnight there."""
        return self.clock().replace(tzinfo=UTC).astimezone(PARIS).date()

    def team(self, actor_id: str, project_id: str) -> ProjectTeam | None | object:
        """The project's team as the actor sees it, asked once per use case; ``UNSET`` when the
        projects service cannot answer (callers then fall back to a narrower rule)."""
        key = (actor_id, project_id)
        if key not in self._teams:
            try:
                self._teams[key] = self.projects.team(actor_id, project_id)
            except ServiceUnavailable:
                self._teams[key] = UNSET
        return self._teams[key]

    def audit(self, action: str, structure_id: str, actor_id: str | None, document_id: str | None = None,
              **details: Any) -> None:
        self.audit_entries.record(AuditEntry(id=new_id(), at=self.now(), action=action, structure_id=structure_id,
                                             actor_id=actor_id, document_id=document_id, details=details))
