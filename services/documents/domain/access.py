"""Who may read or change a document.

- Members of other structures never see anything: NotFound, exactly like a document that
  does not exist (the same for a document one may not read).
- A structure-wide document is read by every member of the structure.
- A project's document is read by the project's lead and participants (as the projects
  service reports them), the structure's coordinators and whoever uploaded it. When the
  projects service cannot answer, only coordinators and the uploader read it (never more).
- A restricted document is read only by the members named on it and whoever uploaded it.
- Readers who are not guests add versions and draft its protocol; the uploader and the
  coordinators (among its readers) manage it: details, access, trash. Coordinators validate
  and publish protocols.
"""
from __future__ import annotations

from maillage_shared.errors import Conflict, Forbidden, NotFound

from .context import UNSET, DocumentsContext
from .model import TRASHED, Document, Member

DOCUMENT_NOT_FOUND = "Document not found."
STRUCTURE_NOT_FOUND = "Structure not found."
GUESTS_READ_ONLY = "Guests can read documents but not change them."
ONLY_MANAGERS = "Only whoever uploaded this document, or a coordinator, can do this."
ONLY_COORDINATORS = "Only a coordinator of this structure can do this."
IN_TRASH = "This document is in the trash: restore it first."


def actor_in(ctx: DocumentsContext, structure_id: str, user_id: str | None,
             missing: str = STRUCTURE_NOT_FOUND) -> Member:
    member = ctx.directory.membership(structure_id, user_id) if user_id else None
    if member is None:
        raise NotFound(missing)
    return member


def on_project_team(ctx: DocumentsContext, document: Document, member: Member) -> bool:
    team = ctx.team(member.user_id, document.project_id)
    if team is UNSET or team is None:
        return False
    return team.structure_id == document.structure_id and member.user_id in team.member_ids


def can_read(ctx: DocumentsContext, document: Document, member: Member) -> bool:
    if member.user_id == document.created_by:
        return True
    if document.restricted_to:
        return member.user_id in document.restricted_to
    if document.project_id:
        return member.is_coordinator or on_project_team(ctx, document, member)
    return True


def can_edit(ctx: DocumentsContext, document: Document, member: Member) -> bool:
    return member.can_contribute and can_read(ctx, document, member)


def can_manage(ctx: DocumentsContext, document: Document, member: Member) -> bool:
    return (member.can_contribute and (member.is_coordinator or member.user_id == document.created_by)
            and can_read(ctx, document, member))


def readable_document(ctx: DocumentsContext, document_id: str, actor_id: str) -> tuple[Document, Member]:
    """The document and the actor's membership; NotFound unless the actor may read it (trashed
    documents included: their readers see them in the trash)."""
    document = ctx.documents.get(document_id)
    if document is None:
        raise NotFound(DOCUMENT_NOT_FOUND)
    member = actor_in(ctx, document.structure_id, actor_id, missing=DOCUMENT_NOT_FOUND)
    if not can_read(ctx, document, member):
        raise NotFound(DOCUMENT_NOT_FOUND)
    return document, member


def require_edit(ctx: DocumentsContext, document: Document, member: Member) -> None:
    if not can_edit(ctx, document, member):
        raise Forbidden(GUESTS_READ_ONLY)


def require_manage(ctx: DocumentsContext, document: Document, member: Member) -> None:
    if not member.can_contribute:
        raise Forbidden(GUESTS_READ_ONLY)
    if not can_manage(ctx, document, member):
        raise Forbidden(ONLY_MANAGERS)


def require_coordinator(member: Member) -> None:
    if not member.is_coordinator:
        raise Forbidden(ONLY_COORDINATORS)


def require_active(document: Document) -> None:
    if document.state == TRASHED:
        raise Conflict(IN_TRASH)
