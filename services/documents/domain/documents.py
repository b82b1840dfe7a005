"""Reading and organising documents: one document, search within a structure, folders,
details and access, versions restored as the latest, the trash and its purge, and the
tickets the gateway streams contents with."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from maillage_shared.errors import Gone, Invalid, NotFound

from .access import (
    DOCUMENT_NOT_FOUND,
    actor_in,
    can_manage,
    can_read,
    readable_document,
    require_active,
    require_coordinator,
    require_edit,
    require_manage,
)
from .changes import change_document
from .context import DocumentsContext
from .model import ACTIVE, TRASHED, Document, Version
from .storage import release_content
from .text import in_folder, normalise_folder, normalise_tags, search_words
from .uploads import check_project, check_restricted_to
from .views import content_ticket, document_view, summary_view

MAX_AUDIT_ENTRIES = 500


def structure_of_document(ctx: DocumentsContext, document_id: str) -> str:
    document = ctx.documents.get(document_id)
    if document is None:
        raise NotFound(DOCUMENT_NOT_FOUND)
    return document.structure_id


def get_document(ctx: DocumentsContext, actor_id: str, document_id: str) -> dict:
    document, member = readable_document(ctx, document_id, actor_id)
    return document_view(ctx, document, member)


def list_documents(ctx: DocumentsContext, actor_id: str, structure_id: str, query: dict) -> list[dict]:
    """The structure's documents the actor may read, matching every word of ``q`` (title,
    folder, tags, file name; no case, no accents), in ``folder`` or below, by title."""
    member = actor_in(ctx, structure_id, actor_id)
    folder = normalise_folder(query.get("folder"))
    tag = (query.get("tag") or "").strip().casefold()
    found = []
    for document in ctx.documents.in_structure(structure_id, ACTIVE, search_words(query.get("q") or "")):
        if not in_folder(document.folder, folder):
            continue
        if tag and tag not in {t.casefold() for t in document.tags}:
            continue
        if query.get("project_id") and document.project_id != query["project_id"]:
            continue
        if query.get("meeting_id") and document.meeting_id != query["meeting_id"]:
            continue
        if query.get("protocols") and document.protocol is None:
            continue
        if can_read(ctx, document, member):
            found.append(document)
    found.sort(key=lambda d: (d.folder.casefold(), d.title.casefold()))
    return [summary_view(ctx, d) for d in found]


def folders(ctx: DocumentsContext, actor_id: str, structure_id: str) -> list[dict]:
    """Every folder holding documents the actor may read (and the folders above them), with
    the number of documents in it and below."""
    member = actor_in(ctx, structure_id, actor_id)
    counts: Counter = Counter()
    for document in ctx.documents.in_structure(structure_id, ACTIVE):
        if not document.folder or not can_read(ctx, document, member):
            continue
        parts = document.folder.split("/")
        for depth in range(1, len(parts) + 1):
            counts["/".join(parts[:depth])] += 1
    return [{"folder": name, "documents": count} for name, count in sorted(counts.items(),
                                                                              key=lambda i: i[0].casefold())]


def update_document(ctx: DocumentsContext, actor_id: str, document_id: str, changes: dict) -> dict:
    document, member = readable_document(ctx, document_id, actor_id)
    require_active(document)
    changes = dict(changes)
    if "folder" in changes:
        changes["folder"] = normalise_folder(changes["folder"])
    if "tags" in changes:
        changes["tags"] = normalise_tags(changes["tags"])
    if "title" in changes:
        changes["title"] = changes["title"].strip()
    if {"restricted_to", "project_id"} & set(changes):  # who may read it: its managers decide
        require_manage(ctx, document, member)
    else:
        require_edit(ctx, document, member)
    if "restricted_to" in changes:
        changes["restricted_to"] = check_restricted_to(ctx, document.structure_id, changes["restricted_to"] or [])
        if changes["restricted_to"] and actor_id not in changes["restricted_to"] and actor_id != document.created_by:
            raise Invalid("Name yourself among the members who may read it, or you would lose it.",
                          {"restricted_to": "Include yourself."})
    if changes.get("project_id") and changes["project_id"] != document.project_id:
        check_project(ctx, member, document.structure_id, changes["project_id"])

    def apply(fresh: Document):
        require_active(fresh)
        for name, value in changes.items():
            setattr(fresh, name, value)
        fresh.updated_at = ctx.now()

    updated = change_document(ctx, document_id, apply)
    if {"restricted_to", "project_id"} & set(changes):
        ctx.audit("document.access_changed", updated.structure_id, actor_id, document_id,
                  access=updated.access, restricted_to=list(updated.restricted_to), project_id=updated.project_id)
    return _view_for(ctx, updated, actor_id)


def restore_version(ctx: DocumentsContext, actor_id: str, document_id: str, number: int) -> dict:
    """Make an old version the latest again: a new version with the same content (nothing is
    copied: the content is already stored under its key), noting where it comes from."""
    document, member = readable_document(ctx, document_id, actor_id)
    require_active(document)
    require_edit(ctx, document, member)
    if document.version(number) is None:
        raise NotFound("Version not found.")
    if document.version(number).missing:
        raise Gone("The content of this version was lost; it cannot be restored.")

    def restore(fresh: Document):
        require_active(fresh)
        old = fresh.version(number)
        fresh.versions.append(Version(
            number=fresh.next_number, filename=old.filename, content_type=old.content_type, size=old.size,
            sha256=old.sha256, object_key=old.object_key, uploaded_by=actor_id, uploaded_at=ctx.now(),
            name=old.name, restored_from=number))
        fresh.current_version = fresh.versions[-1].number
        fresh.updated_at = ctx.now()

    updated = change_document(ctx, document_id, restore)
    ctx.audit("version.restored", updated.structure_id, actor_id, document_id, restored_from=number,
              version=updated.current_version)
    return _view_for(ctx, updated, actor_id)


def open_version(ctx: DocumentsContext, actor_id: str, document_id: str, number: int | None = None) -> dict:
    """Where the gateway reads a version's bytes (the latest when ``number`` is None)."""
    document, _ = readable_document(ctx, document_id, actor_id)
    version = document.current if number is None else document.version(number)
    if version is None:
        raise NotFound("Version not found.")
    if version.missing:
        raise Gone("The content of this version was lost from the storage; restore another version.")
    return content_ticket(ctx.contents.bucket, version)


# Trash -----------------------------------------------------------------------------------

def trash_document(ctx: DocumentsContext, actor_id: str, document_id: str) -> dict:
    """Into the trash: hidden from the folders, restorable for ``trash_days`` days, then purged."""
    document, member = readable_document(ctx, document_id, actor_id)
    require_manage(ctx, document, member)
    if document.state == TRASHED:
        return document_view(ctx, document, member)

    def trash(fresh: Document):
        if fresh.state != TRASHED:
            fresh.state, fresh.trashed_at, fresh.trashed_by = TRASHED, ctx.now(), actor_id

    updated = change_document(ctx, document_id, trash)
    ctx.audit("document.trashed", updated.structure_id, actor_id, document_id, title=updated.title)
    return document_view(ctx, updated, member)


def restore_document(ctx: DocumentsContext, actor_id: str, document_id: str) -> dict:
    document, member = readable_document(ctx, document_id, actor_id)
    require_manage(ctx, document, member)
    if document.state != TRASHED:
        return document_view(ctx, document, member)

    def untrash(fresh: Document):
        fresh.state, fresh.trashed_at, fresh.trashed_by = ACTIVE, None, None
        fresh.updated_at = ctx.now()

    updated = change_document(ctx, document_id, untrash)
    ctx.audit("document.restored", updated.structure_id, actor_id, document_id, title=updated.title)
    return document_view(ctx, updated, member)


def list_trash(ctx: DocumentsContext, actor_id: str, structure_id: str) -> list[dict]:
    """What the actor could restore, most recently trashed first."""
    member = actor_in(ctx, structure_id, actor_id)
    found = [d for d in ctx.documents.in_structure(structure_id, TRASHED) if can_manage(ctx, d, member)]
    found.sort(key=lambda d: d.trashed_at, reverse=True)
    return [summary_view(ctx, d) for d in found]


def purge_trash(ctx: DocumentsContext) -> dict:
    """Delete for good what has been in the trash for ``trash_days`` days: the metadata, then
    each content no other document of the structure still uses."""
    cutoff = ctx.now() - timedelta(days=ctx.policy.trash_days)
    purged, released = 0, 0
    for document in ctx.documents.trashed_before(cutoff):
        released += purge_document(ctx, document)
        purged += 1
    return {"documents": purged, "objects": released}


def purge_document(ctx: DocumentsContext, document: Document, actor_id: str | None = None) -> int:
    ctx.documents.remove(document.id)
    ctx.audit("document.purged", document.structure_id, actor_id, document.id, title=document.title,
              trashed_by=document.trashed_by)
    return sum(1 for key in document.object_keys if release_content(ctx, document.structure_id, key))


def delete_now(ctx: DocumentsContext, actor_id: str, document_id: str) -> None:
    """A coordinator empties a document from the trash without waiting."""
    document, member = readable_document(ctx, document_id, actor_id)
    require_coordinator(member)
    if document.state != TRASHED:
        raise Invalid("Only a document in the trash can be deleted for good.", {"state": "Put it in the trash first."})
    purge_document(ctx, document, actor_id)


def audit_log(ctx: DocumentsContext, actor_id: str, structure_id: str, limit: int = 100) -> list[dict]:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_AUDIT_ENTRIES:
        raise Invalid("Invalid input: limit", {"limit": f"Must be a whole number between 1 and {MAX_AUDIT_ENTRIES}."})
    require_coordinator(actor_in(ctx, structure_id, actor_id))
    return [{"id": e.id, "at": e.at, "action": e.action, "actor_id": e.actor_id, "document_id": e.document_id,
             "details": dict(e.details)} for e in ctx.audit_entries.for_structure(structure_id, limit)]


def _view_for(ctx: DocumentsContext, document: Document, actor_id: str) -> dict:
    member = actor_in(ctx, document.structure_id, actor_id, missing=DOCUMENT_NOT_FOUND)
    return document_view(ctx, document, member)
