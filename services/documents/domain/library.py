"""The instance's protocol library: a structure publishes a validated protocol (a snapshot of
its content and of the version the team validated) for every structure of the instance; the
others browse and search it (title, ACI theme, profession, the full text of the structured
fields), see where each comes from, and import a copy into their own space, as a draft to
adapt, which remembers its origin (structure, document, version).

Published contents are copied under ``library/``: the library does not depend on the
publishing structure keeping (or purging) its document.
"""
from __future__ import annotations

from maillage_shared.clock import new_id
from maillage_shared.contracts.identity import PROFESSIONS
from maillage_shared.contracts.projects import ACI_PROTOCOL_THEMES
from maillage_shared.errors import Conflict, Forbidden, Gone, NotFound

from .access import GUESTS_READ_ONLY, actor_in, readable_document, require_active, require_coordinator
from .changes import change_document
from .context import DocumentsContext
from .model import ACTIVE, DRAFT, VALIDATED, Document, LibraryEntry, Origin, Protocol, Version, protocol_published
from .ports import ContentMissing
from .storage import content_key, keep_content, library_key, release_library_content
from .text import fold, normalise_folder, search_words
from .views import content_ticket, document_view, library_summary, library_view

ENTRY_NOT_FOUND = "Protocol not found in the library."


def library_search_text(title: str, protocol: dict) -> str:
    parts = [title, protocol.get("need", ""), protocol.get("population", ""),
             ACI_PROTOCOL_THEMES.get(protocol.get("aci_theme") or "", ""),
             " ".join(PROFESSIONS.get(p, p) for p in protocol.get("professions", []))]
    for step in protocol.get("steps", []):
        parts += [step.get("what", ""), step.get("when", ""), step.get("how", "")]
    parts += [ref.get("citation", "") for ref in protocol.get("references", [])]
    return fold(" ".join(parts))


def publish_protocol(ctx: DocumentsContext, actor_id: str, document_id: str) -> dict:
    """Publish (or publish again, replacing the snapshot) a validated protocol."""
    document, member = readable_document(ctx, document_id, actor_id)
    require_active(document)
    require_coordinator(member)
    protocol = document.protocol
    if protocol is None or protocol.status != VALIDATED:
        raise Conflict("Only a protocol the team validated can be published to the library.")
    if document.restricted_to:
        raise Conflict("A restricted document cannot be published: make it readable by the whole structure first.")
    version = document.version(protocol.validated_version) or document.current
    if version.missing:
        raise Gone("The content of the validated version was lost; upload it again and validate it.")
    key = library_key(version.sha256)
    with ctx.locks.holding(key):
        try:
            keep_content(ctx, version.object_key, key, version.size)
        except ContentMissing:
            raise Gone("The content of the validated version is missing from the storage; upload it again.") from None
        previous = ctx.library.for_document(document.id)
        entry = LibraryEntry(
            id=previous.id if previous else new_id(), origin_structure_id=document.structure_id,
            origin_structure_name=ctx.directory.structure_name(document.structure_id) or "",
            origin_document_id=document.id, origin_version=version.number, title=document.title,
            protocol=protocol.content(), validated_on=protocol.validated_on, review_on=protocol.review_on,
            filename=version.filename, content_type=version.content_type, size=version.size, sha256=version.sha256,
            object_key=key, published_at=ctx.now(), published_by=actor_id,
            search_key=library_search_text(document.title, protocol.content()))
        ctx.library.upsert(entry)
    if previous is not None and previous.object_key != key:
        release_library_content(ctx, previous.object_key)

    def link(fresh: Document):
        if fresh.protocol is None:
            raise Conflict("This document is no longer a protocol.")
        fresh.protocol.library_entry_id = entry.id
        return [protocol_published(fresh, entry)]

    change_document(ctx, document_id, link)
    ctx.audit("protocol.published", document.structure_id, actor_id, document_id, library_entry_id=entry.id,
              version=entry.origin_version)
    return library_view(entry)


def withdraw_protocol(ctx: DocumentsContext, actor_id: str, document_id: str) -> dict:
    """Take the protocol out of the library (copies already imported stay where they are)."""
    document, member = readable_document(ctx, document_id, actor_id)
    require_coordinator(member)
    entry = ctx.library.for_document(document.id)
    if entry is not None and entry.state == "published":
        entry.state = "withdrawn"
        ctx.library.upsert(entry)
        release_library_content(ctx, entry.object_key)

    def unlink(fresh: Document):
        if fresh.protocol is not None:
            fresh.protocol.library_entry_id = None

    updated = change_document(ctx, document_id, unlink)
    ctx.audit("protocol.withdrawn", document.structure_id, actor_id, document_id)
    return document_view(ctx, updated, member)


def search_library(ctx: DocumentsContext, actor_id: str, query: dict) -> list[dict]:
    entries = ctx.library.search(search_words(query.get("q") or ""), query.get("theme"), query.get("profession"))
    return [library_summary(entry) for entry in entries]


def _published(ctx: DocumentsContext, entry_id: str) -> LibraryEntry:
    entry = ctx.library.get(entry_id)
    if entry is None or entry.state != "published":
        raise NotFound(ENTRY_NOT_FOUND)
    return entry


def get_library_entry(ctx: DocumentsContext, actor_id: str, entry_id: str) -> dict:
    return library_view(_published(ctx, entry_id))


def open_library_content(ctx: DocumentsContext, actor_id: str, entry_id: str) -> dict:
    entry = _published(ctx, entry_id)
    version = Version(number=entry.origin_version, filename=entry.filename, content_type=entry.content_type,
                      size=entry.size, sha256=entry.sha256, object_key=entry.object_key,
                      uploaded_by=entry.published_by, uploaded_at=entry.published_at)
    return content_ticket(ctx.contents.bucket, version)


def import_protocol(ctx: DocumentsContext, actor_id: str, entry_id: str, request: dict) -> dict:
    """A copy in the actor's structure: the file (stored again under that structure) and the
    protocol's content as a draft, remembering where it comes from."""
    entry = _published(ctx, entry_id)
    structure_id = request["structure_id"]
    member = actor_in(ctx, structure_id, actor_id)
    if not member.can_contribute:
        raise Forbidden(GUESTS_READ_ONLY)
    now = ctx.now()
    key = content_key(structure_id, entry.sha256)
    version = Version(number=1, filename=entry.filename, content_type=entry.content_type, size=entry.size,
                      sha256=entry.sha256, object_key=key, uploaded_by=actor_id, uploaded_at=now,
                      name=f"v{entry.origin_version}")
    protocol = Protocol(updated_at=now, updated_by=actor_id, status=DRAFT, **{
        name: value for name, value in entry.protocol.items() if name in (
            "need", "population", "professions", "steps", "references", "aci_theme")})
    document = Document(
        id=new_id(), structure_id=structure_id, title=entry.title, created_at=now, created_by=actor_id,
        updated_at=now, versions=[version], current_version=1, folder=normalise_folder(request.get("folder")),
        tags=[], state=ACTIVE, protocol=protocol,
        origin=Origin(library_entry_id=entry.id, structure_id=entry.origin_structure_id,
                      structure_name=entry.origin_structure_name, document_id=entry.origin_document_id,
                      version=entry.origin_version, imported_at=now))
    with ctx.locks.holding(key):
        try:
            keep_content(ctx, entry.object_key, key, entry.size)
        except ContentMissing:
            raise Gone("The library's copy of this protocol is missing; ask its authors to publish it again.") from None
        ctx.documents.add(document)
    ctx.audit("protocol.imported", structure_id, actor_id, document.id, library_entry_id=entry.id,
              origin_structure_id=entry.origin_structure_id, origin_version=entry.origin_version)
    return document_view(ctx, document, member)
