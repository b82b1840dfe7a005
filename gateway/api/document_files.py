"""Documents, their versions and their contents.

Uploads are raw request bodies (``Content-Type`` the file's type, metadata in the query
string), streamed to the object store; downloads are streamed back. The documents service
decides everything else by RPC: who may, where it goes, what is kept.
"""
from __future__ import annotations

from flask import Blueprint, request
from maillage_shared.contracts.documents import (
    ContentQuerySchema,
    DocumentAuditEntrySchema,
    DocumentQuerySchema,
    DocumentSchema,
    DocumentSummarySchema,
    DocumentUpdateSchema,
    DocumentUploadQuerySchema,
    FolderSchema,
    VersionUploadQuerySchema,
)

from .. import file_streams
from ..context import current_user_id, rpc
from . import API_PREFIX, endpoint

bp = Blueprint("documents_files", __name__, url_prefix=API_PREFIX)


def document_structure(path: dict) -> str:
    return rpc("documents", "structure_of_document", path["did"])


def _split(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _declared_type() -> str:
    return request.mimetype or "application/octet-stream"


UPLOAD_HELP = ("Send the file's bytes as the body (any `Content-Type`; the content decides what is stored), "
               "its name and details in the query string (`tags` and `restricted_to` comma-separated). "
               "The body is streamed to the object store: any size up to MAILLAGE_DOCUMENTS_MAX_BYTES "
               "(200 MB by default, 413 above it). A file whose content contradicts its type or its name's "
               "extension is refused (415); an empty or interrupted upload is refused (400); nothing of a "
               "refused file is kept.")


@endpoint(bp, "/structures/<sid>/documents", "GET", summary="Search the structure's documents",
          tags=["documents"], auth="tenant", query=DocumentQuerySchema(), response=DocumentSummarySchema(many=True),
          description="`q` matches every word in titles, folders, tags and file names (no case, no accents); "
                      "`folder` includes its sub-folders. Only what the caller may read is listed.")
def list_documents(sid, query):
    return rpc("documents", "list_documents", current_user_id(), sid, query)


@endpoint(bp, "/structures/<sid>/documents", "POST", summary="Upload a new document (its first version)",
          tags=["documents"], auth="tenant", query=DocumentUploadQuerySchema(), response=DocumentSchema(),
          status=201, errors=(403, 413, 415), raw_body=True, description=UPLOAD_HELP)
def upload_document(sid, query):
    file_streams.refuse_early(request.content_length)
    actor = current_user_id()
    payload = {"filename": query["filename"], "content_type": _declared_type(), "size": request.content_length,
               "title": query.get("title") or None, "folder": query.get("folder", ""),
               "tags": _split(query.get("tags")), "project_id": query.get("project_id") or None,
               "meeting_id": query.get("meeting_id") or None, "restricted_to": _split(query.get("restricted_to")),
               "version_name": query.get("version_name", ""), "version_note": query.get("version_note", "")}
    return file_streams.upload(actor, lambda: rpc("documents", "begin_document_upload", actor, sid, payload),
                               file_streams.request_stream(), expected_size=request.content_length)


@endpoint(bp, "/structures/<sid>/documents/folders", "GET", summary="Folders holding documents, with their counts",
          tags=["documents"], auth="tenant", response=FolderSchema(many=True))
def folders(sid):
    return rpc("documents", "folders", current_user_id(), sid)


@endpoint(bp, "/structures/<sid>/documents/trash", "GET", summary="Documents in the trash the caller could restore",
          tags=["trash"], auth="tenant", response=DocumentSummarySchema(many=True),
          description="A document stays in the trash for MAILLAGE_DOCUMENTS_TRASH_DAYS days (30 by default), "
                      "then it is deleted for good (`purge_after`).")
def list_trash(sid):
    return rpc("documents", "list_trash", current_user_id(), sid)


@endpoint(bp, "/structures/<sid>/documents/audit", "GET", summary="Who changed which document, newest first",
          tags=["documents"], auth="tenant", role="coordinator", response=DocumentAuditEntrySchema(many=True))
def audit_log(sid):
    return rpc("documents", "audit_log", current_user_id(), sid)


@endpoint(bp, "/documents/<did>", "GET", summary="A document with all its versions", tags=["documents"],
          auth="tenant", structure_of=document_structure, response=DocumentSchema())
def get_document(did):
    return rpc("documents", "get_document", current_user_id(), did)


@endpoint(bp, "/documents/<did>", "PATCH", summary="Change a document's title, folder, tags or who may read it",
          tags=["documents"], auth="tenant", structure_of=document_structure, body=DocumentUpdateSchema(),
          response=DocumentSchema(), errors=(403, 409),
          description="Only the fields sent change. `restricted_to` (member ids) limits who may read it; an empty "
                      "list opens it to the structure again (uploader or coordinators only).")
def update_document(did, body):
    return rpc("documents", "update_document", current_user_id(), did, body)


@endpoint(bp, "/documents/<did>", "DELETE", summary="Delete a document in the trash for good (coordinators)",
          tags=["trash"], auth="tenant", structure_of=document_structure, role="coordinator", status=204,
          errors=(400,))
def delete_document(did):
    rpc("documents", "delete_document", current_user_id(), did)


@endpoint(bp, "/documents/<did>/trash", "POST", summary="Move a document to the trash", tags=["trash"],
          auth="tenant", structure_of=document_structure, response=DocumentSchema(), errors=(403,))
def trash_document(did):
    return rpc("documents", "trash_document", current_user_id(), did)


@endpoint(bp, "/documents/<did>/restore", "POST", summary="Take a document out of the trash", tags=["trash"],
          auth="tenant", structure_of=document_structure, response=DocumentSchema(), errors=(403,))
def restore_document(did):
    return rpc("documents", "restore_document", current_user_id(), did)


@endpoint(bp, "/documents/<did>/versions", "POST", summary="Upload a new version of a document", tags=["versions"],
          auth="tenant", structure_of=document_structure, query=VersionUploadQuerySchema(),
          response=DocumentSchema(), status=201, errors=(403, 409, 413, 415), raw_body=True,
          description=UPLOAD_HELP + " The older versions are kept; identical content is stored once.")
def upload_version(did, query):
    file_streams.refuse_early(request.content_length)
    actor = current_user_id()
    payload = {"filename": query["filename"], "content_type": _declared_type(), "size": request.content_length,
               "version_name": query.get("version_name", ""), "version_note": query.get("version_note", "")}
    return file_streams.upload(actor, lambda: rpc("documents", "begin_version_upload", actor, did, payload),
                               file_streams.request_stream(), expected_size=request.content_length)


@endpoint(bp, "/documents/<did>/content", "GET", summary="The latest version's file", tags=["versions"],
          auth="tenant", structure_of=document_structure, query=ContentQuerySchema(), binary_response=True,
          errors=(410,), description="`disposition=inline` shows PDFs and images in the browser; other files "
                                     "are always downloaded.")
def latest_content(did, query):
    ticket = rpc("documents", "open_version", current_user_id(), did, "latest")
    return file_streams.content_response(ticket, inline=query.get("disposition") == "inline")


@endpoint(bp, "/documents/<did>/versions/<n>/content", "GET", summary="A version's file", tags=["versions"],
          auth="tenant", structure_of=document_structure, query=ContentQuerySchema(), binary_response=True,
          errors=(410,))
def version_content(did, n, query):
    ticket = rpc("documents", "open_version", current_user_id(), did, n)
    return file_streams.content_response(ticket, inline=query.get("disposition") == "inline")


@endpoint(bp, "/documents/<did>/versions/<n>/restore", "POST", summary="Make an old version the latest again",
          tags=["versions"], auth="tenant", structure_of=document_structure, response=DocumentSchema(),
          errors=(403, 409, 410), description="A new version with that version's content (nothing is copied).")
def restore_version(did, n):
    return rpc("documents", "restore_version", current_user_id(), did, n)
