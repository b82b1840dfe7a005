"""Contracts of the documents service: documents and their versions, uploads, access, trash,
team protocols (the HAS method) and the instance's protocol library. Every schema carries
example payloads.

File bytes never travel over RPC: an upload is a ticket (``UploadTicketSchema``: where the
gateway streams the bytes in the object store) and a receipt (``UploadReceiptSchema``: the
size and SHA-256 the gateway counted); a download is a ``ContentTicketSchema`` the gateway
streams from. The ACI protocol themes (annexe 3 of the ACI MSP) are the ones the projects
contracts hold.
"""
from __future__ import annotations

import re

from marshmallow import ValidationError, fields, validate, validates_schema

from .base import ContractSchema
from .fields import StrippedString, UtcDateTime
from .identity import PROFESSIONS
from .projects import ACI_PROTOCOL_THEMES

TITLE_MAX = 200
FILENAME_MAX = 200
FOLDER_MAX = 200
FOLDER_DEPTH = 6
TAG_MAX = 40
MAX_TAGS = 20
MAX_RESTRICTED = 300
TEXT_MAX = 4000
MAX_STEPS = 60
MAX_REFERENCES = 40
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
DOCUMENT_STATES = ("active", "trashed")
ACCESS_MODES = ("structure", "project", "restricted")
PROTOCOL_STATUSES = ("draft", "validated")
# Shown in the browser (PDF viewer, <img>); everything else is only downloaded.
PREVIEWABLE_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp")


def too_large_message(max_bytes: int) -> str:
    """« The file is too large: the limit is 200 MB. » (the same words from the gateway and the service)."""
    megabytes = max_bytes / (1024 * 1024)
    shown = f"{megabytes:.0f} MB" if megabytes >= 1 else f"{max_bytes} bytes"
    return f"The file is too large: the limit is {shown}."


def validate_filename(value: str) -> None:
    """A file name, never a path: ``../secret`` or ``dossier/fichier.pdf`` are refused."""
    if not value or not value.strip():
        raise ValidationError("Give the file a name.")
    if "/" in value or "\\" in value:
        raise ValidationError("A file name cannot contain folders (/ or \\).")
    if value.strip() in (".", "..") or value.startswith(".."):
        raise ValidationError("A file name cannot start with '..'.")
    if _CONTROL.search(value):
        raise ValidationError("A file name cannot contain control characters.")
    if len(value) > FILENAME_MAX:
        raise ValidationError(f"A file name has at most {FILENAME_MAX} characters.")


def validate_folder(value: str) -> None:
    """``Protocoles/Cardiologie``: names separated by ``/``, no ``..``, at most 6 levels."""
    if value is None or value == "":
        return
    if len(value) > FOLDER_MAX:
        raise ValidationError(f"A folder path has at most {FOLDER_MAX} characters.")
    if "\\" in value or _CONTROL.search(value):
        raise ValidationError("A folder name cannot contain \\ or control characters.")
    parts = [part.strip() for part in value.strip().strip("/").split("/")]
    if any(part in ("", ".", "..") for part in parts):
        raise ValidationError("Separate folder names with a single /; '.' and '..' are not folder names.")
    if len(parts) > FOLDER_DEPTH:
        raise ValidationError(f"Folders nest at most {FOLDER_DEPTH} levels deep.")


def validate_tag(value: str) -> None:
    if not value or len(value) > TAG_MAX or _CONTROL.search(value) or "," in value:
        raise ValidationError(f"A tag has 1 to {TAG_MAX} characters and no comma.")


def validate_sha256(value: str) -> None:
    if not SHA256_RE.match(value or ""):
        raise ValidationError("A SHA-256 is 64 lower-case hexadecimal characters.")


def _validate_url(value: str) -> None:
    if value and not re.match(r"^https?://[^\s]+$", value):
        raise ValidationError("A link starts with http:// or https://.")


def Title(**kwargs) -> fields.String:  # noqa: N802 - a field factory reads like a type
    return StrippedString(validate=validate.Length(min=1, max=TITLE_MAX), **kwargs)


def Tags(**kwargs) -> fields.List:  # noqa: N802
    return fields.List(StrippedString(validate=validate_tag), validate=validate.Length(max=MAX_TAGS), **kwargs)


def UserIds(**kwargs) -> fields.List:  # noqa: N802
    return fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                       validate=validate.Length(max=MAX_RESTRICTED), **kwargs)


def Text(max_length: int = TEXT_MAX, **kwargs) -> fields.String:  # noqa: N802
    return StrippedString(validate=validate.Length(max=max_length), **kwargs)


# Uploads ------------------------------------------------------------------------------

class DocumentUploadQuerySchema(ContractSchema):
    """What the raw-body upload endpoint reads from its query string (lists are comma-separated)."""

    title = fields.String(validate=validate.Length(max=TITLE_MAX))
    filename = fields.String(required=True, validate=validate_filename)
    folder = fields.String(validate=validate_folder)
    tags = fields.String(validate=validate.Length(max=MAX_TAGS * (TAG_MAX + 1)))
    project_id = fields.String(validate=validate.Length(max=64))
    meeting_id = fields.String(validate=validate.Length(max=64))
    restricted_to = fields.String(validate=validate.Length(max=MAX_RESTRICTED * 65))
    version_name = fields.String(validate=validate.Length(max=TITLE_MAX))
    version_note = fields.String(validate=validate.Length(max=TEXT_MAX))

    EXAMPLES = [{"title": "Protocole AVK", "filename": "protocole-avk.pdf", "folder": "Protocoles",
                 "tags": "avk,inr", "version_name": "v1", "version_note": "Validé en réunion du 12 novembre"}]


class VersionUploadQuerySchema(ContractSchema):
    filename = fields.String(required=True, validate=validate_filename)
    version_name = fields.String(validate=validate.Length(max=TITLE_MAX))
    version_note = fields.String(validate=validate.Length(max=TEXT_MAX))

    EXAMPLES = [{"filename": "protocole-avk-v2.pdf", "version_name": "v2",
                 "version_note": "Relu par l'équipe le 3 décembre"}]


class NewDocumentSchema(ContractSchema):
    """Begin the upload of a new document (its first version)."""

    title = Title(load_default=None, allow_none=True)
    filename = StrippedString(required=True, validate=validate_filename)
    content_type = fields.String(load_default="application/octet-stream", validate=validate.Length(max=200))
    size = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))
    folder = StrippedString(load_default="", validate=validate_folder)
    tags = Tags(load_default=list)
    project_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))
    meeting_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))
    restricted_to = UserIds(load_default=list)
    version_name = Text(TITLE_MAX, load_default="")
    version_note = Text(load_default="")

    EXAMPLES = [{"title": "Protocole AVK", "filename": "protocole-avk.pdf", "content_type": "application/pdf",
                 "size": 182044, "folder": "Protocoles", "tags": ["avk", "inr"], "project_id": None,
                 "meeting_id": None, "restricted_to": [], "version_name": "v1", "version_note": ""}]


class NewVersionSchema(ContractSchema):
    filename = StrippedString(required=True, validate=validate_filename)
    content_type = fields.String(load_default="application/octet-stream", validate=validate.Length(max=200))
    size = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))
    version_name = Text(TITLE_MAX, load_default="")
    version_note = Text(load_default="")

    EXAMPLES = [{"filename": "protocole-avk-v2.pdf", "content_type": "application/pdf", "size": 190321,
                 "version_name": "v2", "version_note": "Relu par l'équipe le 3 décembre"}]


class UploadTicketSchema(ContractSchema):
    """Where the gateway streams the bytes: a staging object of the documents bucket."""

    upload_id = fields.String(required=True)
    bucket = fields.String(required=True)
    key = fields.String(required=True)
    max_bytes = fields.Integer(required=True)

    EXAMPLES = [{"upload_id": "u1", "bucket": "maillage-documents", "key": "uploads/5b0c/u1",
                 "max_bytes": 209715200}]


class UploadReceiptSchema(ContractSchema):
    """What the gateway counted while streaming (the service checks the size against the store)."""

    size = fields.Integer(required=True, validate=validate.Range(min=0))
    sha256 = fields.String(required=True, validate=validate_sha256)

    EXAMPLES = [{"size": 182044, "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}]


class UploadAbortSchema(ContractSchema):
    reason = fields.String(load_default="interrupted",
                           validate=validate.OneOf(("interrupted", "too_large", "empty", "storage")))

    EXAMPLES = [{"reason": "too_large"}]


# Documents and versions ----------------------------------------------------------------

class VersionSchema(ContractSchema):
    number = fields.Integer(required=True)
    name = fields.String(required=True)
    note = fields.String(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    uploaded_by = fields.String(required=True)
    uploaded_at = UtcDateTime(required=True)
    restored_from = fields.Integer(allow_none=True)
    missing = fields.Boolean(required=True)

    EXAMPLES = [{"number": 1, "name": "v1", "note": "", "filename": "protocole-avk.pdf",
                 "content_type": "application/pdf", "size": 182044,
                 "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                 "uploaded_by": "7a1c", "uploaded_at": "2026-11-23T08:00:00Z", "restored_from": None,
                 "missing": False}]


class ProtocolStepSchema(ContractSchema):
    """One step of the protocol: who does what, when and how."""

    who = fields.List(fields.String(validate=validate.OneOf(tuple(PROFESSIONS))), required=True,
                      validate=validate.Length(min=1, max=10))
    what = StrippedString(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    when = Text(load_default="")
    how = Text(load_default="")

    EXAMPLES = [{"who": ["infirmier"], "what": "Mesure de l'INR au domicile",
                 "when": "Chaque semaine pendant l'équilibrage", "how": "Prélèvement capillaire, résultat transmis"}]


class ProtocolReferenceSchema(ContractSchema):
    citation = StrippedString(required=True, validate=validate.Length(min=1, max=1000))
    url = fields.String(load_default=None, allow_none=True, validate=_validate_url)

    EXAMPLES = [{"citation": "HAS. Comment élaborer et mettre en œuvre des protocoles pluriprofessionnels ? 2015.",
                 "url": "https://www.has-sante.fr/jcms/c_2033014"}]


class ProtocolFieldsSchema(ContractSchema):
    """The protocol's content, as the HAS method asks for it (all optional while a draft)."""

    need = Text(load_default="")
    population = Text(load_default="")
    professions = fields.List(fields.String(validate=validate.OneOf(tuple(PROFESSIONS))), load_default=list,
                              validate=validate.Length(max=len(PROFESSIONS)))
    steps = fields.List(fields.Nested(ProtocolStepSchema), load_default=list, validate=validate.Length(max=MAX_STEPS))
    references = fields.List(fields.Nested(ProtocolReferenceSchema), load_default=list,
                             validate=validate.Length(max=MAX_REFERENCES))
    aci_theme = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(tuple(ACI_PROTOCOL_THEMES)))
    review_on = fields.Date(load_default=None, allow_none=True)

    EXAMPLES = [{
        "need": "Des accidents hémorragiques chez des patients sous AVK mal équilibrés.",
        "population": "Patients adultes sous AVK suivis par l'équipe",
        "professions": ["medecin_generaliste", "infirmier", "pharmacien"],
        "steps": [ProtocolStepSchema.EXAMPLES[0],
                  {"who": ["medecin_generaliste"], "what": "Adaptation de la dose selon l'INR", "when": "Le jour même",
                   "how": "Appel de l'infirmier·e, ordonnance transmise à la pharmacie"}],
        "references": ProtocolReferenceSchema.EXAMPLES, "aci_theme": "iatrogenic_risk", "review_on": "2028-11-23",
    }]


class ProtocolValidationSchema(ContractSchema):
    """The team validated the protocol on a date; it will be reviewed by ``review_on``."""

    validated_on = fields.Date(load_default=None, allow_none=True)
    review_on = fields.Date(required=True)

    @validates_schema
    def review_after_validation(self, data, **kwargs):
        if data.get("validated_on") and data.get("review_on") and data["review_on"] <= data["validated_on"]:
            raise ValidationError("The review date must come after the validation date.", "review_on")

    EXAMPLES = [{"validated_on": "2026-11-12", "review_on": "2028-11-12"}]


class ProtocolSchema(ContractSchema):
    status = fields.String(required=True, validate=validate.OneOf(PROTOCOL_STATUSES))
    need = fields.String(required=True)
    population = fields.String(required=True)
    professions = fields.List(fields.String(), required=True)
    steps = fields.List(fields.Nested(ProtocolStepSchema), required=True)
    references = fields.List(fields.Nested(ProtocolReferenceSchema), required=True)
    aci_theme = fields.String(allow_none=True)
    review_on = fields.Date(allow_none=True)
    validated_on = fields.Date(allow_none=True)
    validated_by = fields.String(allow_none=True)
    validated_version = fields.Integer(allow_none=True)
    review_due = fields.Boolean(required=True)
    library_entry_id = fields.String(allow_none=True)
    updated_at = UtcDateTime(required=True)
    updated_by = fields.String(required=True)

    EXAMPLES = [{**ProtocolFieldsSchema.EXAMPLES[0], "status": "validated", "validated_on": "2026-11-12",
                 "validated_by": "7a1c", "validated_version": 2, "review_due": False, "library_entry_id": None,
                 "updated_at": "2026-11-23T08:00:00Z", "updated_by": "7a1c"}]


class OriginSchema(ContractSchema):
    """Where an imported protocol comes from."""

    library_entry_id = fields.String(required=True)
    structure_id = fields.String(required=True)
    structure_name = fields.String(required=True)
    document_id = fields.String(required=True)
    version = fields.Integer(required=True)
    imported_at = UtcDateTime(required=True)

    EXAMPLES = [{"library_entry_id": "l1", "structure_id": "5b0c", "structure_name": "MSP des Tilleuls",
                 "document_id": "d1", "version": 2, "imported_at": "2026-11-23T08:00:00Z"}]


class DocumentSchema(ContractSchema):
    id = fields.String(required=True)
    structure_id = fields.String(required=True)
    title = fields.String(required=True)
    folder = fields.String(required=True)
    tags = fields.List(fields.String(), required=True)
    access = fields.String(required=True, validate=validate.OneOf(ACCESS_MODES))
    project_id = fields.String(allow_none=True)
    meeting_id = fields.String(allow_none=True)
    restricted_to = fields.List(fields.String(), required=True)
    current_version = fields.Integer(required=True)
    current = fields.Nested(VersionSchema, required=True)
    versions = fields.List(fields.Nested(VersionSchema), required=True)
    state = fields.String(required=True, validate=validate.OneOf(DOCUMENT_STATES))
    created_at = UtcDateTime(required=True)
    created_by = fields.String(required=True)
    updated_at = UtcDateTime(required=True)
    trashed_at = UtcDateTime(allow_none=True)
    trashed_by = fields.String(allow_none=True)
    purge_after = UtcDateTime(allow_none=True)
    protocol = fields.Nested(ProtocolSchema, allow_none=True)
    origin = fields.Nested(OriginSchema, allow_none=True)
    can_edit = fields.Boolean(required=True)
    can_manage = fields.Boolean(required=True)

    EXAMPLES = [{
        "id": "d1", "structure_id": "5b0c", "title": "Protocole AVK", "folder": "Protocoles", "tags": ["avk"],
        "access": "structure", "project_id": None, "meeting_id": None, "restricted_to": [], "current_version": 1,
        "current": VersionSchema.EXAMPLES[0], "versions": VersionSchema.EXAMPLES, "state": "active",
        "created_at": "2026-11-23T08:00:00Z", "created_by": "7a1c", "updated_at": "2026-11-23T08:00:00Z",
        "trashed_at": None, "trashed_by": None, "purge_after": None, "protocol": None, "origin": None,
        "can_edit": True, "can_manage": True,
    }]


class DocumentSummarySchema(ContractSchema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    folder = fields.String(required=True)
    tags = fields.List(fields.String(), required=True)
    access = fields.String(required=True)
    project_id = fields.String(allow_none=True)
    meeting_id = fields.String(allow_none=True)
    current_version = fields.Integer(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    updated_at = UtcDateTime(required=True)
    protocol_status = fields.String(allow_none=True)
    review_due = fields.Boolean(required=True)
    trashed_at = UtcDateTime(allow_none=True)
    purge_after = UtcDateTime(allow_none=True)

    EXAMPLES = [{"id": "d1", "title": "Protocole AVK", "folder": "Protocoles", "tags": ["avk"], "access": "structure",
                 "project_id": None, "meeting_id": None, "current_version": 2, "filename": "protocole-avk.pdf",
                 "content_type": "application/pdf", "size": 182044, "updated_at": "2026-11-23T08:00:00Z",
                 "protocol_status": "validated", "review_due": False, "trashed_at": None, "purge_after": None}]


class DocumentQuerySchema(ContractSchema):
    q = StrippedString(load_default="", validate=validate.Length(max=200))
    folder = fields.String(load_default=None, allow_none=True, validate=validate_folder)
    tag = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=TAG_MAX))
    project_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    meeting_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    protocols = fields.Boolean(load_default=False)

    EXAMPLES = [{"q": "avk", "folder": "Protocoles"}, {"tag": "inr", "protocols": True}]


class DocumentUpdateSchema(ContractSchema):
    """Only the fields sent change. ``restricted_to`` empty: readable by every member again."""

    title = Title()
    folder = StrippedString(validate=validate_folder)
    tags = Tags()
    restricted_to = UserIds()
    project_id = fields.String(allow_none=True, validate=validate.Length(min=1, max=64))
    meeting_id = fields.String(allow_none=True, validate=validate.Length(min=1, max=64))

    EXAMPLES = [{"folder": "Protocoles/Cardiologie", "tags": ["avk", "inr", "anticoagulants"]},
                {"restricted_to": ["7a1c", "8b2d"]}]


class FolderSchema(ContractSchema):
    folder = fields.String(required=True)
    documents = fields.Integer(required=True)

    EXAMPLES = [{"folder": "Protocoles", "documents": 4}]


class ContentTicketSchema(ContractSchema):
    """Where the gateway reads a version's bytes (after the service checked the reader's access)."""

    bucket = fields.String(required=True)
    key = fields.String(required=True)
    number = fields.Integer(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    previewable = fields.Boolean(required=True)

    EXAMPLES = [{"bucket": "maillage-documents", "key": "5b0c/sha256/9f86d0", "number": 1,
                 "filename": "protocole-avk.pdf", "content_type": "application/pdf", "size": 182044,
                 "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "previewable": True}]


class ContentQuerySchema(ContractSchema):
    """``inline``: shown in the browser (PDF and images only; anything else is downloaded)."""

    disposition = fields.String(load_default="attachment", validate=validate.OneOf(("attachment", "inline")))

    EXAMPLES = [{"disposition": "inline"}]


class DocumentAuditEntrySchema(ContractSchema):
    id = fields.String(required=True)
    at = UtcDateTime(required=True)
    action = fields.String(required=True)
    actor_id = fields.String(allow_none=True)
    document_id = fields.String(allow_none=True)
    details = fields.Dict(required=True)

    EXAMPLES = [{"id": "e1", "at": "2026-11-23T08:00:00Z", "action": "document.trashed", "actor_id": "7a1c",
                 "document_id": "d1", "details": {"title": "Protocole AVK"}}]


# Protocols and the library ----------------------------------------------------------------

class ProtocolSummarySchema(ContractSchema):
    document_id = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)
    aci_theme = fields.String(allow_none=True)
    professions = fields.List(fields.String(), required=True)
    validated_on = fields.Date(allow_none=True)
    review_on = fields.Date(allow_none=True)
    review_due = fields.Boolean(required=True)
    published = fields.Boolean(required=True)
    imported = fields.Boolean(required=True)

    EXAMPLES = [{"document_id": "d1", "title": "Protocole AVK", "status": "validated", "aci_theme": "iatrogenic_risk",
                 "professions": ["medecin_generaliste", "infirmier"], "validated_on": "2026-11-12",
                 "review_on": "2028-11-12", "review_due": False, "published": True, "imported": False}]


class ProtocolQuerySchema(ContractSchema):
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(PROTOCOL_STATUSES))
    review_due = fields.Boolean(load_default=False)

    EXAMPLES = [{"status": "validated"}, {"review_due": True}]


class LibraryEntrySchema(ContractSchema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    need = fields.String(required=True)
    population = fields.String(required=True)
    professions = fields.List(fields.String(), required=True)
    steps = fields.List(fields.Nested(ProtocolStepSchema), required=True)
    references = fields.List(fields.Nested(ProtocolReferenceSchema), required=True)
    aci_theme = fields.String(allow_none=True)
    validated_on = fields.Date(allow_none=True)
    review_on = fields.Date(allow_none=True)
    origin_structure_id = fields.String(required=True)
    origin_structure_name = fields.String(required=True)
    origin_document_id = fields.String(required=True)
    origin_version = fields.Integer(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    published_at = UtcDateTime(required=True)
    published_by = fields.String(required=True)

    EXAMPLES = [{
        "id": "l1", "title": "Protocole AVK", **{k: ProtocolFieldsSchema.EXAMPLES[0][k] for k in (
            "need", "population", "professions", "steps", "references", "aci_theme")},
        "validated_on": "2026-11-12", "review_on": "2028-11-12", "origin_structure_id": "5b0c",
        "origin_structure_name": "MSP des Tilleuls", "origin_document_id": "d1", "origin_version": 2,
        "filename": "protocole-avk.pdf", "content_type": "application/pdf", "size": 182044,
        "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "published_at": "2026-11-23T08:00:00Z", "published_by": "7a1c",
    }]


class LibrarySummarySchema(ContractSchema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    aci_theme = fields.String(allow_none=True)
    professions = fields.List(fields.String(), required=True)
    need = fields.String(required=True)
    origin_structure_name = fields.String(required=True)
    origin_version = fields.Integer(required=True)
    validated_on = fields.Date(allow_none=True)
    published_at = UtcDateTime(required=True)

    EXAMPLES = [{"id": "l1", "title": "Protocole AVK", "aci_theme": "iatrogenic_risk",
                 "professions": ["medecin_generaliste", "infirmier"], "need": "Des accidents hémorragiques…",
                 "origin_structure_name": "MSP des Tilleuls", "origin_version": 2, "validated_on": "2026-11-12",
                 "published_at": "2026-11-23T08:00:00Z"}]


class LibraryQuerySchema(ContractSchema):
    q = StrippedString(load_default="", validate=validate.Length(max=200))
    theme = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(tuple(ACI_PROTOCOL_THEMES)))
    profession = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(tuple(PROFESSIONS)))

    EXAMPLES = [{"q": "inr", "theme": "iatrogenic_risk", "profession": "infirmier"}]


class LibraryImportSchema(ContractSchema):
    """Copy a library protocol into a structure (the caller's), as a draft to adapt."""

    structure_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    folder = StrippedString(load_default="Protocoles", validate=validate_folder)

    EXAMPLES = [{"structure_id": "9d9d", "folder": "Protocoles"}]


# Events -------------------------------------------------------------------------------

class ProtocolValidatedPayload(ContractSchema):
    """A team validated a protocol (finance counts distinct ``document_id``s for the ACI, at most 8)."""

    document_id = fields.String(required=True)
    title = fields.String(required=True)
    aci_theme = fields.String(required=True, allow_none=True)
    professions = fields.List(fields.String(), required=True)
    ipa_involved = fields.Boolean(required=True)
    validated_on = fields.Date(required=True)
    validated_by = fields.String(required=True)
    review_on = fields.Date(required=True)
    version = fields.Integer(required=True)

    EXAMPLES = [{"document_id": "d1", "title": "Protocole AVK", "aci_theme": "iatrogenic_risk",
                 "professions": ["medecin_generaliste", "infirmier", "pharmacien"], "ipa_involved": False,
                 "validated_on": "2026-11-12", "validated_by": "7a1c", "review_on": "2028-11-12", "version": 2}]


class ProtocolPublishedPayload(ContractSchema):
    library_entry_id = fields.String(required=True)
    document_id = fields.String(required=True)
    title = fields.String(required=True)
    aci_theme = fields.String(required=True, allow_none=True)
    version = fields.Integer(required=True)
    sha256 = fields.String(required=True, validate=validate_sha256)
    published_by = fields.String(required=True)

    EXAMPLES = [{"library_entry_id": "l1", "document_id": "d1", "title": "Protocole AVK",
                 "aci_theme": "iatrogenic_risk", "version": 2,
                 "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                 "published_by": "7a1c"}]


EVENTS = {
    "documents.protocol_validated.v1": ProtocolValidatedPayload,
    "documents.protocol_published.v1": ProtocolPublishedPayload,
}
