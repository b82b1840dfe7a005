"""Documents of a structure: folders and search, upload with progress, a document's page
(preview, versions, a new version, restoring one), its details and who may read it, the trash.

Uploads are multipart forms read as they arrive (``file_streams.MultipartFile``): the form's
fields come first (CSRF token included, checked before any byte is stored), the file last,
piped to the object store. With JavaScript, ``static/documents-upload.js`` sends the same
form with a progress bar and gets JSON back; without it, the form posts and redirects.
"""
from __future__ import annotations

import re
from datetime import timedelta

from flask import flash, jsonify, redirect, request, url_for
from flask_babel import format_decimal, gettext, ngettext
from maillage_shared.contracts.documents import validate_folder
from maillage_shared.contracts.projects import ACI_PROTOCOL_THEMES
from maillage_shared.errors import (
    Conflict,
    Forbidden,
    Gone,
    Invalid,
    MaillageError,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    UnsupportedMediaType,
)
from marshmallow import ValidationError

from .. import file_streams
from ..context import rpc
from .forms import Form
from .i18n import N_, long_date, profession_label, service_message, today_in_paris
from .pages import STREAMED_FORMS, Page, bp, render_page, structure_page
from .session import require_user

REVIEW_AFTER_DAYS = 2 * 365  # the review date suggested when validating a protocol
# Messages of the documents service, for the translation catalogue (the French is in messages.po).
SERVICE_MESSAGES = (
    N_("The file is empty."), N_("The file did not arrive completely; please send it again."),
    N_("The upload was interrupted before the end; nothing was kept. Please send the file again."),
    N_("Choose a file to send."), N_("Give the file a name."), N_("A file name cannot contain folders (/ or \\)."),
    N_("A file name cannot start with '..'."), N_("A file name cannot contain control characters."),
    N_("Separate folder names with a single /; '.' and '..' are not folder names."),
    N_("A tag has 1 to 40 characters and no comma."), N_("Guests can read documents but not change them."),
    N_("Only whoever uploaded this document, or a coordinator, can do this."),
    N_("This document is in the trash: restore it first."),
    N_("A document can only be restricted to members of the structure."), N_("Choose members of the structure."),
    N_("Name yourself among the members who may read it, or you would lose it."),
    N_("No such project in this structure."),
    N_("Only the project's lead and participants, or a coordinator, can add its documents."),
    N_("The content of this version was lost; it cannot be restored."),
    N_("Only a document in the trash can be deleted for good."),
    N_("Several changes to this document were made at the same moment; please try again."),
    N_("Too many files are being sent right now; please try again in a moment."),
    N_("The document storage is temporarily unavailable; please try again in a moment."),
    N_("The projects service is temporarily unavailable; please try again in a moment."),
    N_("This upload was cancelled; please send the file again."),
    N_("The form could not be read."), N_("Send the file with a multipart/form-data form."),
)


@bp.app_template_filter("file_size")
def file_size(value) -> str:
    """« 1,2 Mo » in French, « 1.2 MB » in English."""
    size = int(value or 0)
    for unit, message in ((1024 ** 3, N_("%(size)s GB")), (1024 ** 2, N_("%(size)s MB")), (1024, N_("%(size)s KB"))):
        if size >= unit:
            return gettext(message, size=format_decimal(round(size / unit, 1)))
    return ngettext("%(num)s byte", "%(num)s bytes", size)


@bp.app_template_filter("profession")
def profession(code: str) -> str:
    return profession_label(code)


# What the service says a file is (content.KINDS), and its two messages that carry them.
KIND_LABELS = {
    "a PDF document": N_("a PDF document"), "a PNG image": N_("a PNG image"), "a JPEG image": N_("a JPEG image"),
    "a GIF image": N_("a GIF image"), "a WebP image": N_("a WebP image"),
    "a ZIP container (Office, OpenDocument or ZIP file)": N_("a ZIP container (Office, OpenDocument or ZIP file)"),
    "an old Microsoft Office file": N_("an old Microsoft Office file"), "an RTF document": N_("an RTF document"),
    "a text file": N_("a text file"), "a file of an unknown kind": N_("a file of an unknown kind"),
}
CONTENT_MISMATCH = re.compile(r"^The content is (.+), not (.+)\.$")


def upload_error(exc: MaillageError) -> str | None:
    """The upload errors whose words are computed by the service, in the reader's language."""
    if isinstance(exc, PayloadTooLarge):
        return gettext("The file is too large: the limit is %(size)s.", size=file_size(file_streams.max_bytes()))
    match = CONTENT_MISMATCH.match((exc.fields or {}).get("file", "")) if isinstance(exc, UnsupportedMediaType) else None
    if match:
        actual, expected = (gettext(KIND_LABELS.get(text, text)) for text in match.groups())
        return gettext("The file's content does not match its type: it is %(actual)s, not %(expected)s.",
                       actual=actual, expected=expected)
    return None


def document_page(did: str) -> tuple[Page, dict]:
    """The document's structure page and the document: 404 unless the user may read it."""
    require_user()
    sid = rpc("documents", "structure_of_document", did)
    page = structure_page(sid)
    return page, rpc("documents", "get_document", page.user_id, did)


def member_names(sid: str) -> dict[str, str]:
    return {m["user_id"]: f"{m['first_name']} {m['last_name']}".strip() for m in rpc("identity", "list_members", sid)}


def _is_folder(value: str) -> bool:
    try:
        validate_folder(value)
        return True
    except ValidationError:
        return False


@bp.get("/app/s/<sid>/documents")
def documents(sid: str):
    page = structure_page(sid)
    q = request.args.get("q", "").strip()[:200]
    folder = request.args.get("folder", "").strip()
    tag = request.args.get("tag", "").strip()[:40]
    folder = folder if _is_folder(folder) else ""
    found = rpc("documents", "list_documents", page.user_id, sid,
                {"q": q, "folder": folder or None, "tag": tag or None})
    folders = rpc("documents", "folders", page.user_id, sid)
    due = [p for p in rpc("documents", "list_protocols", page.user_id, sid, {"review_due": True})]
    return render_page("documents.html", page, active="documents", documents=found, folders=folders, q=q,
                       folder=folder, tag=tag, searching=bool(q or tag), reviews_due=due)


# Uploads -------------------------------------------------------------------------------

@bp.get("/app/s/<sid>/documents/new")
def new_document(sid: str):
    page = structure_page(sid)
    form = Form({"folder": request.args.get("folder", "") if _is_folder(request.args.get("folder", "")) else "",
                 "project_id": request.args.get("project_id", "")[:64]})
    return _upload_page(page, form)


@bp.post("/app/s/<sid>/documents/new")
def upload_document(sid: str):
    page = structure_page(sid)

    def payload(fields: dict, filename: str, file_type: str) -> tuple:
        return ("begin_document_upload", page.user_id, sid, {
            "filename": filename, "content_type": file_type or "application/octet-stream",
            "title": fields.get("title", "").strip() or None, "folder": fields.get("folder", "").strip(),
            "tags": [t.strip() for t in fields.get("tags", "").split(",") if t.strip()],
            "project_id": fields.get("project_id", "").strip() or None,
            "restricted_to": [page.user_id] if fields.get("private") else [],
            "version_note": fields.get("version_note", "").strip()})

    return _streamed_upload(page, payload, lambda form: _upload_page(page, form, 400))


@bp.post("/app/documents/<did>/versions")
def upload_version(did: str):
    page, document = document_page(did)

    def payload(fields: dict, filename: str, file_type: str) -> tuple:
        return ("begin_version_upload", page.user_id, did, {
            "filename": filename, "content_type": file_type or "application/octet-stream",
            "version_name": fields.get("version_name", "").strip(), "version_note": fields.get("version_note", "").strip()})

    return _streamed_upload(page, payload, lambda form: show_document(page, document, version_form=form, status=400))


STREAMED_FORMS.update({"web.upload_document", "web.upload_version"})


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _streamed_upload(page: Page, payload, failed_page):
    """Read the form's fields, check its CSRF token, stream its file; then go to the document."""
    form = Form()
    try:
        if request.content_length and request.content_length > file_streams.max_bytes() + file_streams.FORM_SLACK:
            raise file_streams.too_large(file_streams.max_bytes())
        multipart = file_streams.MultipartFile(file_streams.request_stream(), request.content_type)
        fields = multipart.read_fields()
        file_streams.check_csrf_field(fields)
        form = Form({k: v for k, v in fields.items() if k != "csrf_token"})
        if not multipart.filename:
            raise Invalid("Choose a file to send.", {"file": "Choose a file to send."})
        method, *args = payload(fields, multipart.filename, multipart.file_type)
        document = file_streams.upload(page.user_id, lambda: rpc("documents", method, *args), multipart)
    except MaillageError as exc:
        if isinstance(exc, NotFound) and not exc.fields:
            raise
        translated = upload_error(exc)
        if translated:
            form.add_error("file", translated)
            form.message = translated
        else:
            form.fail(exc, {"filename": "file", "size": "file", "content_type": "file"})
        if _wants_json():
            message = next(iter(form.errors.values()), "") or form.message
            return jsonify({"error": {"message": message, "fields": form.errors}}), exc.http_status
        response, _ = failed_page(form)
        return response, exc.http_status
    current = document["current"]
    flash(gettext("« %(title)s » is saved (version %(number)s).", title=document["title"], number=current["number"]),
          "success")
    location = url_for("web.document", did=document["id"])
    if _wants_json():
        return jsonify({"location": location}), 201
    return redirect(location, 303)


def _project_options(page: Page) -> list[tuple[str, str]] | None:
    """The structure's open projects a document can belong to; None when the projects service is away."""
    try:
        found = rpc("projects", "list_projects", page.user_id, page.sid, {})
    except ServiceUnavailable:
        return None
    return [(p["id"], p["title"]) for p in found if not p.get("archived")]


def _upload_page(page: Page, form: Form, status: int = 200):
    folders = rpc("documents", "folders", page.user_id, page.sid)
    return render_page("document_upload.html", page, active="documents", status=status, form=form, folders=folders,
                       projects=_project_options(page), max_bytes=file_streams.max_bytes())


# A document ------------------------------------------------------------------------------

@bp.get("/app/documents/<did>")
def document(did: str):
    page, found = document_page(did)
    return show_document(page, found)


def show_document(page: Page, document: dict, version_form: Form | None = None, details_form: Form | None = None,
                  validation_form: Form | None = None, status: int = 200):
    names = member_names(page.sid)
    details_form = details_form or Form({"title": document["title"], "folder": document["folder"],
                                         "tags": ", ".join(document["tags"])})
    today = today_in_paris()
    validation_form = validation_form or Form({"validated_on": today.isoformat(),
                                               "review_on": (today + timedelta(days=REVIEW_AFTER_DAYS)).isoformat()})
    return render_page("document.html", page, active="documents", status=status, document=document, names=names,
                       version_form=version_form or Form(), details_form=details_form,
                       validation_form=validation_form, max_bytes=file_streams.max_bytes(), themes=ACI_PROTOCOL_THEMES)


@bp.get("/app/documents/<did>/versions/<int:number>/content")
def document_content(did: str, number: int):
    user_id = require_user()
    ticket = rpc("documents", "open_version", user_id, did, number)
    return file_streams.content_response(ticket, inline=request.args.get("inline") == "1")


@bp.post("/app/documents/<did>/versions/<int:number>/restore")
def restore_version(did: str, number: int):
    page, _ = document_page(did)
    try:
        restored = rpc("documents", "restore_version", page.user_id, did, number)
    except (Forbidden, Conflict, Gone, Invalid) as exc:
        flash(service_message(exc.message), "error")
    else:
        flash(gettext("Version %(old)s is the latest again (version %(new)s).", old=number,
                      new=restored["current_version"]), "success")
    return redirect(url_for("web.document", did=did) + "#versions")


@bp.post("/app/documents/<did>/details")
def update_document(did: str):
    page, document = document_page(did)
    form = Form.from_request()
    changes = {"title": form.get("title"), "folder": form.get("folder"),
               "tags": [t.strip() for t in form.get("tags").split(",") if t.strip()]}
    if document["can_manage"]:
        chosen = request.form.getlist("restricted_to")
        changes["restricted_to"] = chosen if form.get("access") == "restricted" else []
    try:
        rpc("documents", "update_document", page.user_id, did, changes)
    except (Invalid, Forbidden, Conflict) as exc:
        field_map = {f"tags.{i}": "tags" for i in range(30)}
        return show_document(page, document, details_form=form.fail(exc, field_map), status=exc.http_status)
    flash(gettext("The document's details are saved."), "success")
    return redirect(url_for("web.document", did=did))


@bp.post("/app/documents/<did>/trash")
def trash_document(did: str):
    page, document = document_page(did)
    try:
        trashed = rpc("documents", "trash_document", page.user_id, did)
    except Forbidden as exc:
        flash(service_message(exc.message), "error")
        return redirect(url_for("web.document", did=did))
    flash(gettext("« %(title)s » is in the trash. It can be restored until %(date)s.", title=trashed["title"],
                  date=long_date(trashed["purge_after"])), "success")
    return redirect(url_for("web.documents", sid=page.sid))


@bp.post("/app/documents/<did>/restore")
def restore_document(did: str):
    page, _ = document_page(did)
    try:
        restored = rpc("documents", "restore_document", page.user_id, did)
    except Forbidden as exc:
        flash(service_message(exc.message), "error")
        return redirect(url_for("web.documents_trash", sid=page.sid))
    flash(gettext("« %(title)s » is back in its folder.", title=restored["title"]), "success")
    return redirect(url_for("web.document", did=did))


@bp.post("/app/documents/<did>/delete")
def delete_document(did: str):
    page, document = document_page(did)
    try:
        rpc("documents", "delete_document", page.user_id, did)
    except (Forbidden, Invalid) as exc:
        flash(service_message(exc.message), "error")
    else:
        flash(gettext("« %(title)s » is deleted for good.", title=document["title"]), "success")
    return redirect(url_for("web.documents_trash", sid=page.sid))


@bp.get("/app/s/<sid>/documents/trash")
def documents_trash(sid: str):
    page = structure_page(sid)
    trashed = rpc("documents", "list_trash", page.user_id, sid)
    return render_page("documents_trash.html", page, active="documents", documents=trashed)
