"""The finance service in a real Nameko container next to the real identity service, on a real
RabbitMQ vhost and Mongo-wire server: a ``meetings.meeting_closed.v1`` event published on the
broker moves the shares, its re-delivery does not, and the new shares are published through the
outbox as ``finance.distribution_updated.v1``."""
import base64
import copy
import uuid

import pytest
from maillage_shared.contracts.envelope import EventEnvelopeSchema
from maillage_shared.contracts.finance import DistributionUpdatedPayload
from maillage_shared.contracts.identity import SignupRequestSchema
from maillage_shared.contracts.meetings import MeetingClosedPayload
from maillage_shared.errors import Forbidden, Invalid, NotFound
from maillage_shared.events import make_event
from nameko.events import event_handler
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter
from pymongo import MongoClient

from services.finance.service import FinanceService
from services.identity.service import IdentityService

from ..conftest import nameko_config

SIGNUP = SignupRequestSchema.EXAMPLES[0]


class DistributionProbe:
    """A consumer of ``finance.distribution_updated.v1``."""

    name = "finance_distribution_probe"

    @event_handler("finance", "distribution_updated.v1")
    def handle(self, event):
        return event


@pytest.fixture
def settings(service_settings):
    return service_settings(instance_admins="federation.admin@example.org")


@pytest.fixture
def containers(container_factory, settings):
    identity = container_factory(IdentityService, nameko_config(settings))
    finance = container_factory(FinanceService, nameko_config(settings))
    identity.start()
    finance.start()
    return {"identity": identity, "finance": finance}


@pytest.fixture
def identity(containers, connect):
    return connect("identity")


@pytest.fixture
def finance(containers, connect):
    return connect("finance")


@pytest.fixture
def database(settings, mongo_uri):
    client = MongoClient(mongo_uri, serverSelectionTimeoutMS=5000)
    yield client[settings.database_name("finance")]
    client.close()


@pytest.fixture
def coordinator(identity):
    signed = identity.signup(SIGNUP, "192.0.2.1")
    return {"sid": signed["structure"]["id"], "user_id": signed["user_id"]}


def closed_meeting(sid: str, user_id: str, revision: int = 1, minutes: int = 90) -> dict:
    payload = copy.deepcopy(MeetingClosedPayload.EXAMPLES[0])
    payload.update(meeting_id="m-finance-1", revision=revision, date="2026-03-12", participants=[
        {"user_id": user_id, "profession": "coordinateur", "status": "present", "minutes": minutes}])
    return make_event("meetings.meeting_closed.v1", sid, payload)


def test_a_meeting_closed_on_the_broker_moves_the_shares_once(finance, coordinator, containers, container_factory,
                                                              settings, database):
    sid, me = coordinator["sid"], coordinator["user_id"]
    finance.set_policy(me, sid, 2026, {"basis": "fixed", "fixed_amount_cents": 250_000,
                                       "reserve": {"kind": "fixed", "amount_cents": 50_000},
                                       "keys": [{"kind": "meeting_minutes", "weight": 1, "scope": "concertation"}]})
    before = finance.distribution(me, sid, 2026)
    assert before["shares"] == [] and before["undistributed_cents"] == 200_000
    probe = container_factory(DistributionProbe, nameko_config(settings))
    probe.start()
    dispatch = event_dispatcher(nameko_config(settings))
    event = closed_meeting(sid, me)

    with entrypoint_waiter(probe, "handle", timeout=15,
                           callback=lambda worker_ctx, result, exc_info: result["payload"]["version"] == 2) as published:
        with entrypoint_waiter(containers["finance"], "on_meeting_closed", timeout=15) as handled:
            dispatch("meetings", "meeting_closed.v1", event)
    assert handled.get()["recomputed"] == [2026]
    after = finance.distribution(me, sid, 2026)
    assert [(s["user_id"], s["amount_cents"]) for s in after["shares"]] == [(me, 200_000)]
    assert after["version"] == 2 and after["shares"][0]["first_name"] == SIGNUP["coordinator"]["first_name"]
    envelope = published.get()
    assert EventEnvelopeSchema().validate(envelope) == {}
    assert DistributionUpdatedPayload().load(envelope["payload"])["shares"] == [{"user_id": me, "amount_cents": 200_000}]

    with entrypoint_waiter(containers["finance"], "on_meeting_closed", timeout=15) as again:
        dispatch("meetings", "meeting_closed.v1", event)  # the broker delivers it a second time
    assert again.get() == {"event_id": event["event_id"], "handled": False, "recomputed": []}
    with entrypoint_waiter(containers["finance"], "on_meeting_closed", timeout=15) as copy_of_it:
        dispatch("meetings", "meeting_closed.v1", {**event, "event_id": str(uuid.uuid4())})  # same revision
    assert copy_of_it.get()["recomputed"] == []
    assert finance.distribution(me, sid, 2026)["version"] == 2
    assert database["ledgers"].count_documents({"structure_id": sid}) == 1
    assert database["recomputations"].count_documents({"structure_id": sid}) == 2


def test_the_aci_page_declaration_payments_and_report_through_the_service(finance, identity, coordinator):
    sid, me = coordinator["sid"], coordinator["user_id"]
    page = finance.save_declaration(me, sid, 2026, {
        "patientele": 2410, "partner_professionals": 11, "ald_or_75_patients": 2410,
        "indicators": {"opening_hours": {"hours": 12, "met": True}, "coordination": {"met": True},
                       "si_label": {"level": 1}}, "contract_signed_on": "2024-01-10"})
    assert page["declared"] and page["remuneration"]["prerequisites_met"] and page["can_edit"]
    assert page["declaration"]["contract_signed_on"] == "2024-01-10"
    assert finance.get_declaration(me, sid, 2026)["version"] == 1
    with pytest.raises(Invalid) as error:
        finance.save_declaration(me, sid, 2026, {"patientele": -1})
    assert "patientele" in error.value.fields
    with pytest.raises(Invalid) as error:
        finance.aci_page(me, sid, 2012)
    assert "year" in error.value.fields

    paid = finance.record_payment(me, sid, 2026, {"kind": "advance", "amount_cents": 1_000_000,
                                                  "received_on": "2026-04-29", "request_id": "r1"})
    assert paid["comparison"]["received_cents"] == 1_000_000 and len(paid["payments"]) == 1

    report = finance.report(me, sid, 2026)
    assert report["structure"]["name"] == SIGNUP["structure"]["name"]
    assert report["payments"]["payments"][0]["amount_cents"] == 1_000_000
    assert "Total de l'année" in finance.report_csv(me, sid, 2026)
    assert base64.b64decode(finance.report_pdf(me, sid, 2026)).startswith(b"%PDF")

    other = identity.signup({**SIGNUP, "coordinator": {**SIGNUP["coordinator"], "email": "olga@example.org"},
                             "structure": {**SIGNUP["structure"], "name": "MSP du Port"}}, "192.0.2.2")
    with pytest.raises(NotFound):
        finance.aci_page(other["user_id"], sid, 2026)
    with pytest.raises(Forbidden):
        finance.list_catalogues(me)
