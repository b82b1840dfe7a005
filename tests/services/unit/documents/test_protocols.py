"""Protocols: the HAS fields, validation by the team and its event, reviews, FHIR export."""
from __future__ import annotations

import copy
from datetime import date

import pytest
from maillage_shared.contracts import load
from maillage_shared.contracts.documents import EVENTS, ProtocolFieldsSchema
from maillage_shared.errors import Conflict, Forbidden, Invalid

from services.documents.domain import protocols
from services.documents.domain.model import PROTOCOL_VALIDATED

from .conftest import CLAIRE, GUEST, PAUL, SID, new_version

FIELDS = load(ProtocolFieldsSchema(), ProtocolFieldsSchema.EXAMPLES[0])
VALIDATION = {"validated_on": date(2026, 11, 12), "review_on": date(2028, 11, 12)}


@pytest.fixture
def drafted(ctx, document):
    return protocols.declare_protocol(ctx, PAUL, document["id"], FIELDS)


def test_declaring_makes_a_draft_listing_every_profession_of_its_steps(ctx, document):
    fields = copy.deepcopy(FIELDS)
    fields["professions"] = ["pharmacien"]

    declared = protocols.declare_protocol(ctx, PAUL, document["id"], fields)

    protocol = declared["protocol"]
    assert protocol["status"] == "draft"
    assert protocol["professions"] == ["pharmacien", "infirmier", "medecin_generaliste"]
    assert protocol["aci_theme"] == "iatrogenic_risk"
    assert ctx.documents.events() == []


def test_a_coordinator_validates_and_the_event_is_written_with_the_change(ctx, drafted):
    validated = protocols.validate_protocol(ctx, CLAIRE, drafted["id"], VALIDATION)

    protocol = validated["protocol"]
    assert (protocol["status"], protocol["validated_on"], protocol["validated_by"]) == (
        "validated", date(2026, 11, 12), CLAIRE)
    assert protocol["validated_version"] == 1
    [event] = ctx.documents.events(PROTOCOL_VALIDATED)
    assert event.structure_id == SID
    payload = load(EVENTS[PROTOCOL_VALIDATED](), event.payload)
    assert payload["document_id"] == drafted["id"] and payload["aci_theme"] == "iatrogenic_risk"
    assert payload["ipa_involved"] is False


def test_only_coordinators_validate(ctx, drafted):
    for actor in (PAUL, GUEST):
        with pytest.raises(Forbidden):
            protocols.validate_protocol(ctx, actor, drafted["id"], VALIDATION)


@pytest.mark.parametrize("change, field", [
    ({"need": ""}, "need"),
    ({"professions": ["infirmier"], "steps": [{"who": ["infirmier"], "what": "INR", "when": "", "how": ""}]},
     "professions"),
    ({"steps": []}, "steps"),
    ({"aci_theme": None}, "aci_theme"),
])
def test_an_incomplete_protocol_cannot_be_validated(ctx, document, change, field):
    protocols.declare_protocol(ctx, CLAIRE, document["id"], {**FIELDS, **change})

    with pytest.raises(Invalid) as refused:
        protocols.validate_protocol(ctx, CLAIRE, document["id"], VALIDATION)

    assert field in refused.value.fields
    assert ctx.documents.events() == []


@pytest.mark.parametrize("validation, field", [
    ({"validated_on": date(2026, 12, 1), "review_on": date(2027, 12, 1)}, "validated_on"),  # in the future
    ({"validated_on": date(2026, 11, 12), "review_on": date(2026, 11, 12)}, "review_on"),
    ({"review_on": date(2026, 11, 1)}, "review_on"),  # validated today by default
])
def test_validation_dates_are_checked(ctx, drafted, validation, field):
    with pytest.raises(Invalid) as refused:
        protocols.validate_protocol(ctx, CLAIRE, drafted["id"], validation)

    assert field in refused.value.fields


def test_validating_needs_a_protocol(ctx, document):
    with pytest.raises(Conflict):
        protocols.validate_protocol(ctx, CLAIRE, document["id"], VALIDATION)


def test_changing_a_validated_protocol_makes_it_a_draft_to_validate_again(ctx, drafted):
    protocols.validate_protocol(ctx, CLAIRE, drafted["id"], VALIDATION)
    new_version(ctx, drafted["id"])

    unchanged = protocols.declare_protocol(ctx, PAUL, drafted["id"], {**FIELDS, "review_on": date(2028, 11, 12)})
    assert unchanged["protocol"]["status"] == "validated"
    revised = protocols.declare_protocol(ctx, PAUL, drafted["id"], {**FIELDS, "need": "Un autre besoin",
                                                                      "review_on": date(2028, 11, 12)})
    assert revised["protocol"]["status"] == "draft"

    again = protocols.validate_protocol(ctx, CLAIRE, drafted["id"], VALIDATION)
    assert again["protocol"]["validated_version"] == 2
    assert len(ctx.documents.events(PROTOCOL_VALIDATED)) == 2


def test_a_passed_review_date_is_flagged_and_listed_first(ctx, clock, drafted, document):
    from .conftest import upload

    other = upload(ctx, title="Aaa plaies chroniques", data=b"%PDF-1.4 autre")
    protocols.declare_protocol(ctx, CLAIRE, other["id"], FIELDS)
    protocols.validate_protocol(ctx, CLAIRE, drafted["id"], {"validated_on": date(2026, 1, 5),
                                                              "review_on": date(2027, 1, 5)})
    assert [p["review_due"] for p in protocols.list_protocols(ctx, PAUL, SID, {})] == [False, False]

    clock.advance(days=60)  # 2027-01-22

    listed = protocols.list_protocols(ctx, PAUL, SID, {})
    assert [(p["title"], p["review_due"]) for p in listed] == [("Protocole AVK", True),
                                                               ("Aaa plaies chroniques", False)]
    assert [p["title"] for p in protocols.list_protocols(ctx, PAUL, SID, {"review_due": True})] == ["Protocole AVK"]
    assert [p["title"] for p in protocols.list_protocols(ctx, PAUL, SID, {"status": "draft"})] == [
        "Aaa plaies chroniques"]


def test_the_protocol_as_a_fhir_plan_definition(ctx, drafted):
    protocols.validate_protocol(ctx, CLAIRE, drafted["id"], VALIDATION)

    plan = protocols.plan_definition(ctx, PAUL, drafted["id"])

    assert plan["resourceType"] == "PlanDefinition" and plan["status"] == "active"
    assert plan["type"]["coding"][0]["code"] == "clinical-protocol"
    assert plan["name"] == "ProtocoleAVK" and plan["approvalDate"] == "2026-11-12"
    assert plan["topic"][0]["coding"][0]["code"] == "iatrogenic_risk"
    first, second = plan["action"]
    assert first["participant"][0]["role"]["coding"][0]["code"] == "infirmier"
    assert first["timingTiming"]["code"]["text"] == FIELDS["steps"][0]["when"]
    assert second["relatedAction"] == [{"actionId": "step-1", "relationship": "after-end"}]
    assert plan["relatedArtifact"][0]["url"] == "https://www.has-sante.fr/jcms/c_2033014"


def test_removing_the_declaration(ctx, drafted):
    assert protocols.remove_protocol(ctx, CLAIRE, drafted["id"])["protocol"] is None
