"""The finance service's Nameko edge: each entrypoint loads its input through the contract
schema, calls one domain use case and dumps the result (JSON values only); the event handlers
feed the live shares (idempotently) from meetings and documents.

Run: ``python -m maillage_shared.runner services.finance.service:FinanceService``.
"""
from __future__ import annotations

import base64
import logging

from eventlet import tpool
from maillage_shared.contracts import load
from maillage_shared.contracts.documents import ProtocolValidatedPayload
from maillage_shared.contracts.finance import (
    AciPageSchema,
    CatalogueValuesSchema,
    DeclarationRequestSchema,
    DeclarationSchema,
    DistributionSchema,
    HistoryQuerySchema,
    HistorySchema,
    OverrideChangeSchema,
    OverrideRequestSchema,
    PaymentRequestSchema,
    PaymentsSchema,
    PolicyRequestSchema,
    PolicySchema,
    ReportSchema,
)
from maillage_shared.contracts.meetings import (
    CoordinationTimeDeletedPayload,
    CoordinationTimeRecordedPayload,
    MeetingClosedPayload,
    MeetingReopenedPayload,
)
from maillage_shared.errors import Invalid
from maillage_shared.service_kit import (
    EXPECTED_ERRORS,
    CorrelationId,
    Metrics,
    MongoDatabase,
    SettingsProvider,
    relay_outbox,
)
from nameko.events import EventDispatcher, event_handler
from nameko.rpc import RpcProxy, rpc
from nameko.timer import timer

from . import demo
from .adapters.mongo import OUTBOX_COLLECTIONS
from .adapters.pdf import render_report_pdf
from .domain import admin, files, report, sharing
from .domain.context import FinanceContext
from .wiring import FinanceWiring

log = logging.getLogger(__name__)


class FinanceService:
    name = "finance"

    db = MongoDatabase("finance")
    settings = SettingsProvider()
    correlation_id = CorrelationId()
    metrics = Metrics("finance")
    dispatch = EventDispatcher()
    identity = RpcProxy("identity")
    wiring = FinanceWiring()

    @property
    def finance(self) -> FinanceContext:
        return self.wiring.context(self.db, self.correlation_id, self.identity)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def health(self):
        self.db.command("ping")
        return {"status": "ok"}

    # The ACI file -------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def aci_page(self, actor_id, structure_id, year):
        return AciPageSchema().dump(files.aci_page(self.finance, actor_id, structure_id, year))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_declaration(self, actor_id, structure_id, year):
        return DeclarationSchema().dump(files.get_declaration(self.finance, actor_id, structure_id, year))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def save_declaration(self, actor_id, structure_id, year, payload):
        declaration = load(DeclarationRequestSchema(), payload)
        return AciPageSchema().dump(files.save_declaration(self.finance, actor_id, structure_id, year, declaration))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def payments(self, actor_id, structure_id, year):
        return PaymentsSchema().dump(files.payments_view(self.finance, actor_id, structure_id, year))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def record_payment(self, actor_id, structure_id, year, payload):
        request = load(PaymentRequestSchema(), payload)
        return PaymentsSchema().dump(files.record_payment(self.finance, actor_id, structure_id, year, request))

    # Sharing -------------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_policy(self, actor_id, structure_id, year):
        return PolicySchema().dump(sharing.get_policy(self.finance, actor_id, structure_id, year))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def set_policy(self, actor_id, structure_id, year, payload):
        policy = load(PolicyRequestSchema(), payload)
        return PolicySchema().dump(sharing.set_policy(self.finance, actor_id, structure_id, year, policy))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def distribution(self, actor_id, structure_id, year):
        return DistributionSchema().dump(sharing.distribution_view(self.finance, actor_id, structure_id, year))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def history(self, actor_id, structure_id, year, query=None):
        limit = load(HistoryQuerySchema(), query)["limit"]
        return HistorySchema().dump(sharing.history(self.finance, actor_id, structure_id, year, limit))

    # The annual report ------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def report(self, actor_id, structure_id, year):
        return ReportSchema().dump(report.build_report(self.finance, actor_id, structure_id, year))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def report_csv(self, actor_id, structure_id, year):
        return report.report_csv(report.build_report(self.finance, actor_id, structure_id, year))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def report_pdf(self, actor_id, structure_id, year):
        """The PDF's bytes, base64-encoded (RPC carries JSON); drawn in a real thread so the
        service keeps answering events meanwhile."""
        built = report.build_report(self.finance, actor_id, structure_id, year)
        try:
            pdf = tpool.execute(render_report_pdf, built, self.settings.pdf_font_dir)
        except ValueError as exc:
            raise Invalid(str(exc)) from None
        return base64.b64encode(pdf).decode("ascii")

    # Instance admin -----------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_catalogues(self, actor_id):
        return CatalogueValuesSchema(many=True).dump(admin.list_catalogues(self.finance, actor_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def override_value(self, actor_id, payload):
        request = load(OverrideRequestSchema(), payload)
        return OverrideChangeSchema().dump(admin.override_value(self.finance, actor_id, request))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def override_history(self, actor_id):
        return OverrideChangeSchema(many=True).dump(admin.override_history(self.finance, actor_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def ensure_demo_data(self, identity_demo):
        return demo.ensure_demo_data(self.finance, identity_demo)

    # Events ---------------------------------------------------------------------------------------------

    def _consume(self, event, schema):
        try:
            payload = load(schema(), event.get("payload"))
        except Invalid:
            log.error("ignoring a malformed %s event %s", event.get("type"), event.get("event_id"))
            return {"event_id": event.get("event_id"), "handled": False, "recomputed": []}
        return sharing.on_event(self.finance, event, payload)

    @event_handler("meetings", "meeting_closed.v1", requeue_on_error=True)
    def on_meeting_closed(self, event):
        """The meeting's highest revision replaces its figures; the shares move (idempotent)."""
        return self._consume(event, MeetingClosedPayload)

    @event_handler("meetings", "meeting_reopened.v1", requeue_on_error=True)
    def on_meeting_reopened(self, event):
        return self._consume(event, MeetingReopenedPayload)

    @event_handler("meetings", "coordination_time_recorded.v1", requeue_on_error=True)
    def on_coordination_time_recorded(self, event):
        return self._consume(event, CoordinationTimeRecordedPayload)

    @event_handler("meetings", "coordination_time_deleted.v1", requeue_on_error=True)
    def on_coordination_time_deleted(self, event):
        return self._consume(event, CoordinationTimeDeletedPayload)

    @event_handler("documents", "protocol_validated.v1", requeue_on_error=True)
    def on_protocol_validated(self, event):
        return self._consume(event, ProtocolValidatedPayload)

    @timer(interval=0.5)
    def relay_events(self):
        """Publish what the outbox holds (at-least-once; consumers keep the highest version)."""
        relay_outbox(self.name, self.db, OUTBOX_COLLECTIONS, self.dispatch)
