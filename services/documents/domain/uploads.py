"""New documents and new versions: a ticket to stream the file to, then filing it.

1. ``begin_document_upload`` / ``begin_version_upload`` check all that does not need the
   bytes (who, where, names, declared size) and record a pending upload with its staging key;
2. the gateway streams the bytes to that key, counting their size and SHA-256 on the way;
3. ``complete_upload`` checks the staged object (the size the gateway counted, not empty,
   under the limit, content matching its declared type and extension), copies it to its
   content-addressed key unless that content is already stored, then records the version
   (or the new document). Only then is the upload confirmed; completing it again returns
   what was filed the first time.

``abort_upload`` (the gateway could not stream the file) and ``expire_uploads`` (the janitor)
remove what is left; a refused file never stays in the store.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from maillage_shared.clock import new_id
from maillage_shared.contracts.documents import too_large_message
from maillage_shared.errors import (
    Forbidden,
    Gone,
    Invalid,
    MaillageError,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
)

from .access import (
    DOCUMENT_NOT_FOUND,
    GUESTS_READ_ONLY,
    actor_in,
    readable_document,
    require_active,
    require_edit,
)
from .changes import change_document
from .content import recognise
from .context import UNSET, DocumentsContext
from .model import ACTIVE, Document, Member, Upload, Version
from .ports import AlreadyExists, ContentMissing
from .storage import content_key, keep_content, staging_key
from .text import normalise_folder, normalise_tags, title_from_filename
from .views import document_view

log = logging.getLogger(__name__)

UPLOAD_NOT_FOUND = "Upload not found."
EMPTY = "The file is empty."
NOT_ARRIVED = "The file did not arrive completely; please send it again."


def too_large(max_bytes: int) -> PayloadTooLarge:
    message = too_large_message(max_bytes)
    return PayloadTooLarge(message, {"file": message})


def begin_document_upload(ctx: DocumentsContext, actor_id: str, structure_id: str, request: dict) -> dict:
    member = actor_in(ctx, structure_id, actor_id)
    if not member.can_contribute:
        raise Forbidden(GUESTS_READ_ONLY)
    _check_declared_size(ctx, request.get("size"))
    check_restricted_to(ctx, structure_id, request.get("restricted_to") or [])
    if request.get("project_id"):
        check_project(ctx, member, structure_id, request["project_id"])
    return _ticket(ctx, Upload(id=new_id(), structure_id=structure_id, actor_id=actor_id, kind="document",
                               document_id=new_id(), staging_key="", created_at=ctx.now(), request=dict(request)))


def begin_version_upload(ctx: DocumentsContext, actor_id: str, document_id: str, request: dict) -> dict:
    document, member = readable_document(ctx, document_id, actor_id)
    require_active(document)
    require_edit(ctx, document, member)
    _check_declared_size(ctx, request.get("size"))
    return _ticket(ctx, Upload(id=new_id(), structure_id=document.structure_id, actor_id=actor_id, kind="version",
                               document_id=document.id, staging_key="", created_at=ctx.now(), request=dict(request)))


def _ticket(ctx: DocumentsContext, upload: Upload) -> dict:
    upload.staging_key = staging_key(upload.structure_id, upload.id)
    ctx.uploads.add(upload)
    return {"upload_id": upload.id, "bucket": ctx.contents.bucket, "key": upload.staging_key,
            "max_bytes": ctx.policy.max_bytes}


def _check_declared_size(ctx: DocumentsContext, size: int | None) -> None:
    if size is None:
        return
    if size == 0:
        raise Invalid(EMPTY, {"file": EMPTY})
    if size > ctx.policy.max_bytes:
        raise too_large(ctx.policy.max_bytes)


def check_restricted_to(ctx: DocumentsContext, structure_id: str, user_ids: list[str]) -> list[str]:
    if not user_ids:
        return []
    members = ctx.directory.member_ids(structure_id)
    strangers = [user_id for user_id in user_ids if user_id not in members]
    if strangers:
        raise Invalid("A document can only be restricted to members of the structure.",
                      {"restricted_to": "Choose members of the structure."})
    return list(dict.fromkeys(user_ids))


def check_project(ctx: DocumentsContext, member: Member, structure_id: str, project_id: str) -> None:
    """The project is one of this structure's that the member may put documents in."""
    team = ctx.team(member.user_id, project_id)
    if team is UNSET:
        raise ServiceUnavailable("The projects service is temporarily unavailable; please try again in a moment.")
    if team is None or team.structure_id != structure_id:
        raise Invalid("No such project in this structure.", {"project_id": "No such project in this structure."})
    if not member.is_coordinator and member.user_id not in team.member_ids:
        raise Forbidden("Only the project's lead and participants, or a coordinator, can add its documents.")


def complete_upload(ctx: DocumentsContext, actor_id: str, upload_id: str, receipt: dict) -> dict:
    upload = _own_upload(ctx, actor_id, upload_id)
    if upload.state == "completed":
        return _view(ctx, actor_id, upload.document_id)
    if upload.state == "aborted":
        raise Gone("This upload was cancelled; please send the file again.")
    try:
        content_type = _check_staged(ctx, upload, receipt)
        _check_still_allowed(ctx, upload)
    except MaillageError as exc:
        if not isinstance(exc, ServiceUnavailable):
            _abort(ctx, upload, type(exc).__name__)
        raise
    request = upload.request
    key = content_key(upload.structure_id, receipt["sha256"])
    version = Version(number=1, filename=request["filename"], content_type=content_type, size=receipt["size"],
                      sha256=receipt["sha256"], object_key=key, uploaded_by=actor_id, uploaded_at=ctx.now(),
                      name=request.get("version_name") or "", note=request.get("version_note") or "",
                      upload_id=upload.id)
    with ctx.locks.holding(key):
        try:
            keep_content(ctx, upload.staging_key, key, receipt["size"])
        except ContentMissing:
            _abort(ctx, upload, "missing")
            raise Invalid(NOT_ARRIVED, {"file": NOT_ARRIVED}) from None
        if upload.kind == "document":
            document = _create_document(ctx, upload, version)
        else:
            document = _add_version(ctx, upload, version)
    ctx.uploads.finish(upload.id, "completed", ctx.now())
    _discard_staging(ctx, upload)
    action = "document.created" if upload.kind == "document" else "version.added"
    ctx.audit(action, upload.structure_id, actor_id, document.id, version=document.current_version,
              size=version.size, sha256=version.sha256)
    return _view(ctx, actor_id, document.id)


def abort_upload(ctx: DocumentsContext, actor_id: str, upload_id: str, reason: str = "interrupted") -> None:
    """The gateway could not stream the file: forget the upload and whatever reached the store."""
    upload = _own_upload(ctx, actor_id, upload_id)
    if upload.state == "pending":
        _abort(ctx, upload, reason)


def expire_uploads(ctx: DocumentsContext) -> int:
    """Uploads left pending for too long (a gateway or service that stopped mid-way): their
    staging objects are removed; those filed before the stop are marked completed."""
    cutoff = ctx.now() - timedelta(hours=ctx.policy.staging_hours)
    expired = 0
    for upload in ctx.uploads.pending_before(cutoff):
        document = ctx.documents.get(upload.document_id)
        filed = document is not None and any(v.upload_id == upload.id for v in document.versions)
        ctx.uploads.finish(upload.id, "completed" if filed else "aborted", ctx.now(), None if filed else "expired")
        _discard_staging(ctx, upload)
        expired += 1
    return expired


def _own_upload(ctx: DocumentsContext, actor_id: str, upload_id: str) -> Upload:
    upload = ctx.uploads.get(upload_id)
    if upload is None or upload.actor_id != actor_id:
        raise NotFound(UPLOAD_NOT_FOUND)
    return upload


def _check_staged(ctx: DocumentsContext, upload: Upload, receipt: dict) -> str:
    found = ctx.contents.stat(upload.staging_key)
    if found is None or found.size != receipt["size"]:
        raise Invalid(NOT_ARRIVED, {"file": NOT_ARRIVED})
    if found.size == 0:
        raise Invalid(EMPTY, {"file": EMPTY})
    if found.size > ctx.policy.max_bytes:
        raise too_large(ctx.policy.max_bytes)
    head = ctx.contents.head(upload.staging_key)
    return recognise(upload.request["filename"], upload.request.get("content_type"), head).content_type


def _check_still_allowed(ctx: DocumentsContext, upload: Upload) -> None:
    """Rights may have changed while the file was on its way (removed member, trashed document)."""
    if upload.kind == "document":
        member = actor_in(ctx, upload.structure_id, upload.actor_id)
        if not member.can_contribute:
            raise Forbidden(GUESTS_READ_ONLY)
        return
    document, member = readable_document(ctx, upload.document_id, upload.actor_id)
    if not any(v.upload_id == upload.id for v in document.versions):
        require_active(document)
        require_edit(ctx, document, member)


def _create_document(ctx: DocumentsContext, upload: Upload, version: Version) -> Document:
    existing = ctx.documents.get(upload.document_id)
    if existing is not None:  # a completion retried after the first one filed it
        return existing
    request, now = upload.request, ctx.now()
    document = Document(
        id=upload.document_id, structure_id=upload.structure_id,
        title=(request.get("title") or "").strip() or title_from_filename(request["filename"]),
        created_at=now, created_by=upload.actor_id, updated_at=now, versions=[version], current_version=1,
        folder=normalise_folder(request.get("folder")), tags=normalise_tags(request.get("tags")),
        project_id=request.get("project_id") or None, meeting_id=request.get("meeting_id") or None,
        restricted_to=list(dict.fromkeys(request.get("restricted_to") or [])), state=ACTIVE)
    try:
        ctx.documents.add(document)
    except AlreadyExists:
        return ctx.documents.get(upload.document_id)
    return document


def _add_version(ctx: DocumentsContext, upload: Upload, version: Version) -> Document:
    def add(document: Document):
        if any(v.upload_id == upload.id for v in document.versions):
            return []
        require_active(document)
        version.number = document.next_number
        document.versions.append(version)
        document.current_version = version.number
        document.updated_at = ctx.now()
        return []

    return change_document(ctx, upload.document_id, add)


def _abort(ctx: DocumentsContext, upload: Upload, reason: str) -> None:
    ctx.uploads.finish(upload.id, "aborted", ctx.now(), reason)
    _discard_staging(ctx, upload)


def _discard_staging(ctx: DocumentsContext, upload: Upload) -> None:
    try:
        ctx.contents.discard(upload.staging_key)
    except ServiceUnavailable:  # the janitor or the store's lifecycle rule removes it later
        log.warning("staging object %s left behind: the store did not answer", upload.staging_key)


def _view(ctx: DocumentsContext, actor_id: str, document_id: str) -> dict:
    document = ctx.documents.get(document_id)
    if document is None:
        raise NotFound(DOCUMENT_NOT_FOUND)
    member = actor_in(ctx, document.structure_id, actor_id, missing=DOCUMENT_NOT_FOUND)
    return document_view(ctx, document, member)
