"""What the domain returns to the edge: plain dicts shaped like the contract schemas
(``maillage_shared.contracts.documents``), with what the caller may do computed for them."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from maillage_shared.contracts.documents import PREVIEWABLE_TYPES

from .access import can_edit, can_manage
from .context import DocumentsContext
from .model import TRASHED, VALIDATED, Document, LibraryEntry, Member, Protocol, Version


def version_view(version: Version) -> dict:
    return {"number": version.number, "name": version.name, "note": version.note, "filename": version.filename,
            "content_type": version.content_type, "size": version.size, "sha256": version.sha256,
            "uploaded_by": version.uploaded_by, "uploaded_at": version.uploaded_at,
            "restored_from": version.restored_from, "missing": bool(version.missing)}


def review_due(protocol: Protocol | None, today: date) -> bool:
    return bool(protocol and protocol.status == VALIDATED and protocol.review_on and protocol.review_on <= today)


def protocol_view(protocol: Protocol, today: date) -> dict:
    return {**protocol.content(), "status": protocol.status, "review_on": protocol.review_on,
            "validated_on": protocol.validated_on, "validated_by": protocol.validated_by,
            "validated_version": protocol.validated_version, "review_due": review_due(protocol, today),
            "library_entry_id": protocol.library_entry_id, "updated_at": protocol.updated_at,
            "updated_by": protocol.updated_by}


def purge_after(ctx: DocumentsContext, document: Document) -> datetime | None:
    if document.state != TRASHED or document.trashed_at is None:
        return None
    return document.trashed_at + timedelta(days=ctx.policy.trash_days)


def document_view(ctx: DocumentsContext, document: Document, member: Member) -> dict:
    origin = document.origin
    return {
        "id": document.id, "structure_id": document.structure_id, "title": document.title,
        "folder": document.folder, "tags": list(document.tags), "access": document.access,
        "project_id": document.project_id, "meeting_id": document.meeting_id,
        "restricted_to": list(document.restricted_to), "current_version": document.current_version,
        "current": version_view(document.current),
        "versions": [version_view(v) for v in sorted(document.versions, key=lambda v: -v.number)],
        "state": document.state, "created_at": document.created_at, "created_by": document.created_by,
        "updated_at": document.updated_at, "trashed_at": document.trashed_at, "trashed_by": document.trashed_by,
        "purge_after": purge_after(ctx, document),
        "protocol": protocol_view(document.protocol, ctx.today()) if document.protocol else None,
        "origin": None if origin is None else {
            "library_entry_id": origin.library_entry_id, "structure_id": origin.structure_id,
            "structure_name": origin.structure_name, "document_id": origin.document_id, "version": origin.version,
            "imported_at": origin.imported_at},
        "can_edit": can_edit(ctx, document, member) and document.state != TRASHED,
        "can_manage": can_manage(ctx, document, member),
    }


def summary_view(ctx: DocumentsContext, document: Document) -> dict:
    current = document.current
    return {"id": document.id, "title": document.title, "folder": document.folder, "tags": list(document.tags),
            "access": document.access, "project_id": document.project_id, "meeting_id": document.meeting_id,
            "current_version": document.current_version, "filename": current.filename,
            "content_type": current.content_type, "size": current.size, "updated_at": document.updated_at,
            "protocol_status": document.protocol.status if document.protocol else None,
            "review_due": review_due(document.protocol, ctx.today()), "trashed_at": document.trashed_at,
            "purge_after": purge_after(ctx, document)}


def protocol_summary(ctx: DocumentsContext, document: Document) -> dict:
    protocol = document.protocol
    return {"document_id": document.id, "title": document.title, "status": protocol.status,
            "aci_theme": protocol.aci_theme, "professions": list(protocol.professions),
            "validated_on": protocol.validated_on, "review_on": protocol.review_on,
            "review_due": review_due(protocol, ctx.today()), "published": bool(protocol.library_entry_id),
            "imported": document.origin is not None}


def content_ticket(bucket: str, version: Version) -> dict:
    return {"bucket": bucket, "key": version.object_key, "number": version.number, "filename": version.filename,
            "content_type": version.content_type, "size": version.size, "sha256": version.sha256,
            "previewable": version.content_type.split(";")[0] in PREVIEWABLE_TYPES}


def library_view(entry: LibraryEntry) -> dict:
    protocol = entry.protocol
    return {"id": entry.id, "title": entry.title, "need": protocol.get("need", ""),
            "population": protocol.get("population", ""), "professions": list(protocol.get("professions", [])),
            "steps": [dict(s) for s in protocol.get("steps", [])],
            "references": [dict(r) for r in protocol.get("references", [])],
            "aci_theme": protocol.get("aci_theme"), "validated_on": entry.validated_on, "review_on": entry.review_on,
            "origin_structure_id": entry.origin_structure_id, "origin_structure_name": entry.origin_structure_name,
            "origin_document_id": entry.origin_document_id, "origin_version": entry.origin_version,
            "filename": entry.filename, "content_type": entry.content_type, "size": entry.size,
            "sha256": entry.sha256, "published_at": entry.published_at, "published_by": entry.published_by}


def library_summary(entry: LibraryEntry) -> dict:
    protocol = entry.protocol
    return {"id": entry.id, "title": entry.title, "aci_theme": protocol.get("aci_theme"),
            "professions": list(protocol.get("professions", [])), "need": protocol.get("need", ""),
            "origin_structure_name": entry.origin_structure_name, "origin_version": entry.origin_version,
            "validated_on": entry.validated_on, "published_at": entry.published_at}
