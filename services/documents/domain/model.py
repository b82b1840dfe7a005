"""Entities of the documents context and the events they cause.

A document is one aggregate: its metadata, every version (the bytes live in the object
store under a content-addressed key, ``<structure_id>/sha256/<hex>``), its access rule, its
trash state and, when declared one, its protocol. Each change rewrites the aggregate
conditionally on its ``revision``, together with the events it causes (outbox).
Times are naive UTC datetimes; protocol dates are calendar dates.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from maillage_shared.contracts.documents import PREVIEWABLE_TYPES  # noqa: F401

PROTOCOL_VALIDATED = "documents.protocol_validated.v1"
PROTOCOL_PUBLISHED = "documents.protocol_published.v1"

COORDINATOR = "coordinator"
GUEST = "guest"
ACTIVE = "active"
TRASHED = "trashed"
DRAFT = "draft"
VALIDATED = "validated"


@dataclass(frozen=True)
class Event:
    type: str
    structure_id: str
    payload: dict


@dataclass(frozen=True)
class Member:
    user_id: str
    role: str

    @property
    def is_coordinator(self) -> bool:
        return self.role == COORDINATOR

    @property
    def can_contribute(self) -> bool:
        return self.role != GUEST


@dataclass(frozen=True)
class ProjectTeam:
    """A project as the projects service shows it to the caller: its structure and its people."""

    project_id: str
    structure_id: str
    member_ids: frozenset[str]


@dataclass
class Version:
    number: int
    filename: str
    content_type: str
    size: int
    sha256: str
    object_key: str
    uploaded_by: str
    uploaded_at: datetime
    name: str = ""
    note: str = ""
    restored_from: int | None = None
    upload_id: str | None = None
    missing: bool = False  # the reconciliation found its object gone and could not bring it back


@dataclass
class Protocol:
    """A protocole pluriprofessionnel, as the HAS method describes one."""

    updated_at: datetime
    updated_by: str
    status: str = DRAFT
    need: str = ""
    population: str = ""
    professions: list[str] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)       # {who: [professions], what, when, how}
    references: list[dict] = field(default_factory=list)  # {citation, url}
    aci_theme: str | None = None
    review_on: date | None = None
    validated_on: date | None = None
    validated_by: str | None = None
    validated_version: int | None = None
    library_entry_id: str | None = None

    def content(self) -> dict:
        return {"need": self.need, "population": self.population, "professions": list(self.professions),
                "steps": [dict(s) for s in self.steps], "references": [dict(r) for r in self.references],
                "aci_theme": self.aci_theme}


@dataclass
class Origin:
    library_entry_id: str
    structure_id: str
    structure_name: str
    document_id: str
    version: int
    imported_at: datetime


@dataclass
class Document:
    id: str
    structure_id: str
    title: str
    created_at: datetime
    created_by: str
    updated_at: datetime
    versions: list[Version]
    current_version: int
    folder: str = ""
    tags: list[str] = field(default_factory=list)
    project_id: str | None = None
    meeting_id: str | None = None
    restricted_to: list[str] = field(default_factory=list)
    state: str = ACTIVE
    trashed_at: datetime | None = None
    trashed_by: str | None = None
    protocol: Protocol | None = None
    origin: Origin | None = None
    revision: int = 1

    @property
    def current(self) -> Version:
        return self.version(self.current_version)

    def version(self, number: int) -> Version | None:
        return next((v for v in self.versions if v.number == number), None)

    @property
    def next_number(self) -> int:
        return max((v.number for v in self.versions), default=0) + 1

    @property
    def access(self) -> str:
        if self.restricted_to:
            return "restricted"
        return "project" if self.project_id else "structure"

    @property
    def object_keys(self) -> list[str]:
        return sorted({v.object_key for v in self.versions})


@dataclass
class Upload:
    """A file on its way: the gateway streams it to ``staging_key``, then the service files it."""

    id: str
    structure_id: str
    actor_id: str
    kind: str  # "document" | "version"
    document_id: str
    staging_key: str
    created_at: datetime
    request: dict
    state: str = "pending"  # pending | completed | aborted
    finished_at: datetime | None = None
    reason: str | None = None


@dataclass
class LibraryEntry:
    """A validated protocol a structure shared with every structure of the instance (a snapshot)."""

    id: str
    origin_structure_id: str
    origin_structure_name: str
    origin_document_id: str
    origin_version: int
    title: str
    protocol: dict  # need, population, professions, steps, references, aci_theme
    validated_on: date | None
    review_on: date | None
    filename: str
    content_type: str
    size: int
    sha256: str
    object_key: str
    published_at: datetime
    published_by: str
    search_key: str = ""
    state: str = "published"  # published | withdrawn


@dataclass
class AuditEntry:
    id: str
    at: datetime
    action: str
    structure_id: str
    actor_id: str | None
    document_id: str | None
    details: dict = field(default_factory=dict)


# Events -------------------------------------------------------------------------------

def protocol_validated(document: Document) -> Event:
    protocol = document.protocol
    return Event(PROTOCOL_VALIDATED, document.structure_id, {
        "document_id": document.id, "title": document.title, "aci_theme": protocol.aci_theme,
        "professions": list(protocol.professions), "ipa_involved": "ipa" in protocol.professions,
        "validated_on": protocol.validated_on.isoformat(), "validated_by": protocol.validated_by,
        "review_on": protocol.review_on.isoformat(), "version": protocol.validated_version})


def protocol_published(document: Document, entry: LibraryEntry) -> Event:
    return Event(PROTOCOL_PUBLISHED, document.structure_id, {
        "library_entry_id": entry.id, "document_id": document.id, "title": entry.title,
        "aci_theme": entry.protocol.get("aci_theme"), "version": entry.origin_version, "sha256": entry.sha256,
        "published_by": entry.published_by})
