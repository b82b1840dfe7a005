"""The interfaces the documents domain needs from the outside world.

Repositories are named after what they hold; each method is one read or one atomic write.
``DocumentRepository.save`` rewrites the aggregate only if its stored ``revision`` is the one
the caller read, and persists the events in the same write (outbox).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from .model import AuditEntry, Document, Event, LibraryEntry, Member, ProjectTeam, Upload


class AlreadyExists(Exception):
    """The id is taken (a retried creation)."""


class DocumentRepository(Protocol):
    def add(self, document: Document, events: Iterable[Event] = ()) -> None: ...  # AlreadyExists
    def get(self, document_id: str) -> Document | None: ...
    def save(self, document: Document, events: Iterable[Event] = ()) -> bool:
        """Write ``document`` with ``revision + 1`` if the stored revision is ``document.revision``;
        False (nothing written) when someone else changed it first."""
        ...
    def in_structure(self, structure_id: str, state: str = "active", words: Iterable[str] = ()) -> list[Document]:
        """Documents of a structure in that state whose search text contains every word."""
        ...
    def trashed_before(self, cutoff: datetime) -> list[Document]: ...
    def remove(self, document_id: str) -> None: ...
    def count_referencing(self, structure_id: str, object_key: str) -> int:
        """Documents (active or trashed) with a version stored under ``object_key``."""
        ...
    def everything(self) -> Iterator[Document]: ...
    def mark_missing(self, document_id: str, object_key: str) -> None:
        """Flag the versions stored under ``object_key`` as lost (reconciliation)."""
        ...


class UploadRepository(Protocol):
    def add(self, upload: Upload) -> None: ...
    def get(self, upload_id: str) -> Upload | None: ...
    def finish(self, upload_id: str, state: str, at: datetime, reason: str | None = None) -> bool:
        """pending → completed | aborted; False when it was not pending any more."""
        ...
    def pending_before(self, cutoff: datetime) -> list[Upload]: ...
    def pending(self) -> list[Upload]: ...


class LibraryRepository(Protocol):
    def upsert(self, entry: LibraryEntry) -> None: ...
    def get(self, entry_id: str) -> LibraryEntry | None: ...
    def for_document(self, document_id: str) -> LibraryEntry | None: ...
    def search(self, words: Iterable[str], theme: str | None, profession: str | None) -> list[LibraryEntry]:
        """Published entries, newest first."""
        ...
    def count_referencing(self, object_key: str) -> int: ...
    def everything(self) -> Iterator[LibraryEntry]: ...


class AuditRepository(Protocol):
    def record(self, entry: AuditEntry) -> None: ...
    def for_structure(self, structure_id: str, limit: int) -> list[AuditEntry]: ...


@dataclass(frozen=True)
class StoredContent:
    key: str
    size: int
    last_modified: datetime | None = None


class ContentMissing(Exception):
    """The object is not in the store."""


class ContentStore(Protocol):
    """The documents bucket of the object store."""

    bucket: str

    def stat(self, key: str) -> StoredContent | None: ...
    def store(self, key: str, data: bytes, content_type: str) -> None: ...  # small contents (demo data)
    def head(self, key: str, length: int = 8192) -> bytes: ...
    def copy(self, source_key: str, target_key: str, size: int) -> None: ...  # ContentMissing
    def discard(self, key: str) -> None: ...  # idempotent
    def listing(self, prefix: str = "") -> Iterator[StoredContent]: ...
    def digest(self, key: str) -> tuple[int, str]: ...  # (size, sha256) read back


class ContentLocks(Protocol):
    def holding(self, key: str) -> AbstractContextManager[None]:
        """Exclusive, across processes, while content under ``key`` is added or deleted."""
        ...


class MemberDirectory(Protocol):
    """Who belongs to which structure: asked of the identity service."""

    def membership(self, structure_id: str, user_id: str) -> Member | None: ...
    def member_ids(self, structure_id: str) -> set[str]: ...
    def structure_name(self, structure_id: str) -> str | None: ...


class ProjectTeams(Protocol):
    """Projects as the projects service shows them to a member."""

    def team(self, actor_id: str, project_id: str) -> ProjectTeam | None:
        """None when the project does not exist or the actor may not see it; raises
        ServiceUnavailable when the projects service cannot answer."""
        ...
