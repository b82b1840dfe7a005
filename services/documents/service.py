"""The documents service's Nameko edge: each entrypoint loads its input through the contract
schema, calls one domain use case and dumps the result (JSON values only; file bytes never
travel over RPC: uploads and downloads are tickets the gateway streams with).

Run: ``python -m maillage_shared.runner services.documents.service:DocumentsService``.
"""
from __future__ import annotations

import logging

from maillage_shared.contracts import load
from maillage_shared.contracts.documents import (
    ContentTicketSchema,
    DocumentAuditEntrySchema,
    DocumentQuerySchema,
    DocumentSchema,
    DocumentSummarySchema,
    DocumentUpdateSchema,
    FolderSchema,
    LibraryEntrySchema,
    LibraryImportSchema,
    LibraryQuerySchema,
    LibrarySummarySchema,
    NewDocumentSchema,
    NewVersionSchema,
    ProtocolFieldsSchema,
    ProtocolQuerySchema,
    ProtocolSummarySchema,
    ProtocolValidationSchema,
    UploadAbortSchema,
    UploadReceiptSchema,
    UploadTicketSchema,
)
from maillage_shared.errors import Invalid
from maillage_shared.service_kit import (
    EXPECTED_ERRORS,
    CorrelationId,
    Metrics,
    MongoDatabase,
    ObjectStorage,
    SettingsProvider,
    relay_outbox,
)
from nameko.events import EventDispatcher
from nameko.rpc import RpcProxy, rpc
from nameko.timer import timer

from . import demo
from .adapters.mongo import OUTBOX_COLLECTIONS
from .domain import documents, library, protocols, uploads
from .domain.context import DocumentsContext
from .wiring import DocumentsWiring

log = logging.getLogger(__name__)


def version_number(value) -> int:
    """A version number from a path (``"3"``) or a caller (``3``)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if isinstance(value, bool) or number < 1:
        raise Invalid("Invalid input: number", {"number": "A version number is a whole number from 1."})
    return number


class DocumentsService:
    name = "documents"

    db = MongoDatabase("documents")
    objects = ObjectStorage("documents")
    settings = SettingsProvider()
    correlation_id = CorrelationId()
    metrics = Metrics("documents")
    dispatch = EventDispatcher()
    identity = RpcProxy("identity")
    projects = RpcProxy("projects")
    wiring = DocumentsWiring()

    @property
    def documents(self) -> DocumentsContext:
        return self.wiring.context(self.db, self.correlation_id, self.objects, self.identity, self.projects)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def health(self):
        self.db.command("ping")
        self.documents.contents.stat("health-check")  # the store answers (ServiceUnavailable if not)
        return {"status": "ok"}

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def structure_of_document(self, document_id):
        return documents.structure_of_document(self.documents, document_id)

    # Uploads ---------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def begin_document_upload(self, actor_id, structure_id, payload):
        request = load(NewDocumentSchema(), payload)
        return UploadTicketSchema().dump(uploads.begin_document_upload(self.documents, actor_id, structure_id, request))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def begin_version_upload(self, actor_id, document_id, payload):
        request = load(NewVersionSchema(), payload)
        return UploadTicketSchema().dump(uploads.begin_version_upload(self.documents, actor_id, document_id, request))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def complete_upload(self, actor_id, upload_id, payload):
        receipt = load(UploadReceiptSchema(), payload)
        return DocumentSchema().dump(uploads.complete_upload(self.documents, actor_id, upload_id, receipt))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def abort_upload(self, actor_id, upload_id, payload=None):
        uploads.abort_upload(self.documents, actor_id, upload_id, load(UploadAbortSchema(), payload)["reason"])

    # Documents -------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_document(self, actor_id, document_id):
        return DocumentSchema().dump(documents.get_document(self.documents, actor_id, document_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_documents(self, actor_id, structure_id, query=None):
        found = documents.list_documents(self.documents, actor_id, structure_id, load(DocumentQuerySchema(), query))
        return DocumentSummarySchema(many=True).dump(found)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def folders(self, actor_id, structure_id):
        return FolderSchema(many=True).dump(documents.folders(self.documents, actor_id, structure_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def update_document(self, actor_id, document_id, payload):
        changes = load(DocumentUpdateSchema(), payload)
        return DocumentSchema().dump(documents.update_document(self.documents, actor_id, document_id, changes))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def restore_version(self, actor_id, document_id, number):
        restored = documents.restore_version(self.documents, actor_id, document_id, version_number(number))
        return DocumentSchema().dump(restored)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def open_version(self, actor_id, document_id, number=None):
        number = None if number in (None, "latest") else version_number(number)
        return ContentTicketSchema().dump(documents.open_version(self.documents, actor_id, document_id, number))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def trash_document(self, actor_id, document_id):
        return DocumentSchema().dump(documents.trash_document(self.documents, actor_id, document_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def restore_document(self, actor_id, document_id):
        return DocumentSchema().dump(documents.restore_document(self.documents, actor_id, document_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def delete_document(self, actor_id, document_id):
        documents.delete_now(self.documents, actor_id, document_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_trash(self, actor_id, structure_id):
        return DocumentSummarySchema(many=True).dump(documents.list_trash(self.documents, actor_id, structure_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def audit_log(self, actor_id, structure_id, limit=100):
        entries = documents.audit_log(self.documents, actor_id, structure_id, limit)
        return DocumentAuditEntrySchema(many=True).dump(entries)

    # Protocols ---------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def declare_protocol(self, actor_id, document_id, payload):
        fields = load(ProtocolFieldsSchema(), payload)
        return DocumentSchema().dump(protocols.declare_protocol(self.documents, actor_id, document_id, fields))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def remove_protocol(self, actor_id, document_id):
        return DocumentSchema().dump(protocols.remove_protocol(self.documents, actor_id, document_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def validate_protocol(self, actor_id, document_id, payload):
        request = load(ProtocolValidationSchema(), payload)
        return DocumentSchema().dump(protocols.validate_protocol(self.documents, actor_id, document_id, request))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_protocols(self, actor_id, structure_id, query=None):
        found = protocols.list_protocols(self.documents, actor_id, structure_id, load(ProtocolQuerySchema(), query))
        return ProtocolSummarySchema(many=True).dump(found)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def protocol_plan_definition(self, actor_id, document_id):
        return protocols.plan_definition(self.documents, actor_id, document_id)

    # Library -----------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def publish_protocol(self, actor_id, document_id):
        return LibraryEntrySchema().dump(library.publish_protocol(self.documents, actor_id, document_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def withdraw_protocol(self, actor_id, document_id):
        return DocumentSchema().dump(library.withdraw_protocol(self.documents, actor_id, document_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def search_library(self, actor_id, query=None):
        found = library.search_library(self.documents, actor_id, load(LibraryQuerySchema(), query))
        return LibrarySummarySchema(many=True).dump(found)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_library_entry(self, actor_id, entry_id):
        return LibraryEntrySchema().dump(library.get_library_entry(self.documents, actor_id, entry_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def open_library_content(self, actor_id, entry_id):
        return ContentTicketSchema().dump(library.open_library_content(self.documents, actor_id, entry_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def import_protocol(self, actor_id, entry_id, payload):
        request = load(LibraryImportSchema(), payload)
        return DocumentSchema().dump(library.import_protocol(self.documents, actor_id, entry_id, request))

    # Demo, housekeeping, events ------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def ensure_demo_data(self, identity_demo):
        return demo.ensure_demo_data(self.documents, identity_demo)

    @timer(interval=3600)
    def housekeeping(self):
        """Empty the trash of what stayed there long enough; forget uploads that never finished."""
        ctx = self.documents
        purged = documents.purge_trash(ctx)
        expired = uploads.expire_uploads(ctx)
        if purged["documents"] or expired:
            log.info("housekeeping", extra={"purged": purged, "expired_uploads": expired})

    @timer(interval=0.5)
    def relay_events(self):
        """Publish what the outbox holds (at-least-once; consumers are idempotent)."""
        relay_outbox(self.name, self.db, OUTBOX_COLLECTIONS, self.dispatch)
