"""The live shares: events move them idempotently, revisions replace (never add), reopening
withdraws, a policy edit racing an event loses nothing, every change is kept and published."""
from __future__ import annotations

import pytest
from maillage_shared.errors import Forbidden, Invalid, NotFound

from services.finance.domain import admin, files, sharing

from .conftest import ANNE, CLAIRE, CPTS_SID, GUEST, MINUTES_POLICY, OUTSIDER, PAUL, SID, closed_event, envelope


def shares(ctx, year=2026, sid=SID):
    return {s["user_id"]: s["amount_cents"] for s in ctx.ledgers.get(sid, year).state["shares"]}


@pytest.fixture
def with_policy(ctx):
    sharing.set_policy(ctx, CLAIRE, SID, 2026, MINUTES_POLICY)
    return ctx


def test_a_closed_meeting_moves_the_shares_and_its_redelivery_does_not(with_policy):
    ctx = with_policy
    event, payload = closed_event()

    first = sharing.on_event(ctx, event, payload)
    again = sharing.on_event(ctx, event, payload)
    copy = sharing.on_event(ctx, {**event, "event_id": "another-delivery-id"}, payload)  # same revision

    assert first["recomputed"] == [2026] and again["recomputed"] == [] and copy["recomputed"] == []
    # 10,000 € − 10 % reserve = 9,000 € on 90 + 60 minutes.
    assert shares(ctx) == {PAUL: 540_000, ANNE: 360_000}
    published = [e for e in ctx.ledgers.outbox if e["type"] == "finance.distribution_updated.v1"]
    assert [e["payload"]["version"] for e in published] == [1, 2]
    assert published[-1]["payload"]["shares"] == [{"user_id": PAUL, "amount_cents": 540_000},
                                                  {"user_id": ANNE, "amount_cents": 360_000}]


def test_a_new_revision_replaces_the_figures_and_an_older_one_is_ignored(with_policy):
    ctx = with_policy
    sharing.on_event(ctx, *closed_event(revision=1))
    only_paul = [{"user_id": PAUL, "profession": "medecin_generaliste", "status": "present", "minutes": 90}]
    sharing.on_event(ctx, *closed_event(revision=2, participants=only_paul))
    assert shares(ctx) == {PAUL: 900_000}

    late = sharing.on_event(ctx, *closed_event(revision=1))  # delivered late, out of order
    assert late["recomputed"] == [] and shares(ctx) == {PAUL: 900_000}


def test_reopening_withdraws_the_revision_even_when_it_arrives_first(with_policy):
    ctx = with_policy
    sharing.on_event(ctx, *closed_event(meeting_id="m1"))
    sharing.on_event(ctx, *closed_event(meeting_id="m2", participants=[
        {"user_id": ANNE, "profession": "infirmier", "status": "present", "minutes": 30}]))
    reopened = {"meeting_id": "m1", "revision": 1, "reason": "Oubli"}
    sharing.on_event(ctx, envelope("meetings.meeting_reopened.v1", reopened), reopened)
    assert shares(ctx) == {ANNE: 900_000}

    # m3's reopening overtakes its closing: the closing of that revision must not count.
    early = {"meeting_id": "m3", "revision": 1, "reason": "Erreur"}
    sharing.on_event(ctx, envelope("meetings.meeting_reopened.v1", early), early)
    sharing.on_event(ctx, *closed_event(meeting_id="m3", revision=1))
    assert shares(ctx) == {ANNE: 900_000}


def test_coordination_time_counts_once_and_its_deletion_sticks(ctx):
    sharing.set_policy(ctx, CLAIRE, SID, 2026, {"basis": "fixed", "fixed_amount_cents": 100_000,
                                               "keys": [{"kind": "coordination_time", "weight": 1}]})
    recorded = {"time_id": "t1", "user_id": CLAIRE, "profession": "coordinateur", "date": "2026-02-03",
                "minutes": 120, "label": "Dossier ACI"}
    event = envelope("meetings.coordination_time_recorded.v1", recorded)
    sharing.on_event(ctx, event, recorded)
    sharing.on_event(ctx, {**event, "event_id": "redelivered"}, recorded)
    assert shares(ctx) == {CLAIRE: 100_000}
    assert ctx.ledgers.get(SID, 2026).state["keys"][0]["total_measure"] == 120

    deleted = {"time_id": "t1", "user_id": CLAIRE}
    sharing.on_event(ctx, envelope("meetings.coordination_time_deleted.v1", deleted), deleted)
    sharing.on_event(ctx, {**event, "event_id": "very-late"}, recorded)
    assert shares(ctx) == {} and ctx.ledgers.get(SID, 2026).state["undistributed_cents"] == 100_000


def test_a_policy_edit_racing_an_event_loses_nothing(with_policy):
    ctx = with_policy
    sharing.on_event(ctx, *closed_event(meeting_id="m1"))
    racing_event, racing_payload = closed_event(meeting_id="m2", participants=[
        {"user_id": CLAIRE, "profession": "coordinateur", "status": "present", "minutes": 150}])

    # While the policy edit recomputes (between its reads and its write), the event is stored
    # and recomputed by its own handler: the edit's write then fails and it reads again.
    ctx.ledgers.before_write = lambda: sharing.on_event(ctx, racing_event, racing_payload)
    sharing.set_policy(ctx, CLAIRE, SID, 2026, {**MINUTES_POLICY, "reserve": {"kind": "none"}})

    assert shares(ctx) == {PAUL: 300_000, ANNE: 200_000, CLAIRE: 500_000}  # 10,000 € on 90 + 60 + 150 min
    # The racing event's recomputation already read the new policy: the edit, retrying, found
    # the ledger up to date and wrote nothing more.
    causes = [h["cause"]["kind"] for h in sharing.history(ctx, CLAIRE, SID, 2026)["recomputations"]]
    assert causes == ["event", "event", "policy"]


def test_every_policy_change_and_recomputation_is_kept_with_who_and_what(with_policy):
    ctx = with_policy
    sharing.on_event(ctx, *closed_event())
    sharing.set_policy(ctx, CLAIRE, SID, 2026, {**MINUTES_POLICY, "reserve": {"kind": "percent", "percent": 20}})

    history = sharing.history(ctx, CLAIRE, SID, 2026)
    assert [c["version"] for c in history["policy_changes"]] == [2, 1]
    change = history["policy_changes"][0]
    assert change["by"] == CLAIRE and {"field": "reserve.percent", "before": 10, "after": 20} in change["changes"]
    latest = history["recomputations"][0]
    assert latest["cause"]["kind"] == "policy" and latest["cause"]["by"] == CLAIRE
    assert {c["user_id"]: (c["before_cents"], c["after_cents"]) for c in latest["changes"]} == {
        PAUL: (540_000, 480_000), ANNE: (360_000, 320_000)}
    assert {e.action for e in ctx.audit_entries.entries} == {"policy.changed"}


def test_members_see_the_totals_and_their_own_share_only(with_policy):
    ctx = with_policy
    sharing.on_event(ctx, *closed_event())

    mine = sharing.distribution_view(ctx, PAUL, SID, 2026)
    everyone = sharing.distribution_view(ctx, CLAIRE, SID, 2026)

    assert mine["scope"] == "self" and [s["user_id"] for s in mine["shares"]] == [PAUL]
    assert mine["my_share"]["amount_cents"] == 540_000 and mine["distributed_cents"] == 900_000
    assert everyone["scope"] == "structure" and len(everyone["shares"]) == 2
    assert everyone["shares"][0]["first_name"] == "Paul"
    with pytest.raises(Forbidden):
        sharing.distribution_view(ctx, GUEST, SID, 2026)
    with pytest.raises(NotFound):
        sharing.distribution_view(ctx, OUTSIDER, SID, 2026)
    with pytest.raises(Forbidden):
        sharing.set_policy(ctx, PAUL, SID, 2026, MINUTES_POLICY)


def test_a_protocol_counts_for_its_year_and_the_following_ones(ctx):
    files.save_declaration(ctx, CLAIRE, SID, 2026, {"patientele": 3000, "indicators": {}})
    validated = {"document_id": "d1", "title": "Protocole AVK", "aci_theme": "iatrogenic_risk",
                 "professions": ["infirmier"], "ipa_involved": False, "validated_on": "2025-11-12",
                 "validated_by": CLAIRE, "review_on": "2027-11-12", "version": 1}
    result = sharing.on_event(ctx, envelope("documents.protocol_validated.v1", validated), validated)
    assert result["recomputed"] == [2026]
    page = files.aci_page(ctx, PAUL, SID, 2026)
    protocols = next(i for i in page["remuneration"]["indicators"] if i["code"] == "protocols")
    assert protocols["points"] == 100 and protocols["evidence"]["protocols"][0]["title"] == "Protocole AVK"


def test_payments_compare_with_the_schedule_and_a_retry_counts_once(ctx):
    files.save_declaration(ctx, CLAIRE, SID, 2026, {"patientele": 4000, "partner_professionals": 10, "indicators": {
        "opening_hours": {"hours": 12, "met": True}, "coordination": {"met": True}, "si_label": {"level": 1}}})
    request = {"kind": "advance", "amount_cents": 1_000_000, "received_on": __import__("datetime").date(2026, 4, 28),
               "reference": "CPAM", "note": "", "request_id": "r1"}
    files.record_payment(ctx, CLAIRE, SID, 2026, request)
    view = files.record_payment(ctx, CLAIRE, SID, 2026, request)

    assert len(view["payments"]) == 1
    advance = view["comparison"]["lines"][0]
    assert advance["received_cents"] == 1_000_000
    assert advance["difference_cents"] == 1_000_000 - view["schedule"]["advance_cents"]
    with pytest.raises(Forbidden):
        files.record_payment(ctx, PAUL, SID, 2026, request)


@pytest.mark.parametrize("year, declaration, field", [
    (2026, {"indicators": {"teleportation": {"met": True}}}, "indicators.teleportation"),
    (1999, {}, "year"),
    (2015, {}, "year"),
    (2026, {"size_tier": 2}, "size_tier"),
    (2026, {"missions": [{"title": "Vaccination", "lead_id": OUTSIDER, "done": True}]}, "missions.0.lead_id"),
])
def test_bad_declarations_name_the_field(ctx, year, declaration, field):
    with pytest.raises(Invalid) as error:
        files.save_declaration(ctx, CLAIRE, SID, year, declaration)
    assert field in error.value.fields


@pytest.mark.parametrize("policy, field", [
    ({"keys": [{"kind": "meeting_minutes", "weight": 0}, {"kind": "coordination_time", "weight": 0}]}, "keys"),
    ({"keys": [{"kind": "equal_share", "weight": 1, "user_ids": []}]}, "keys.0.user_ids"),
    ({"keys": [{"kind": "equal_share", "weight": 1, "user_ids": [OUTSIDER]}]}, "keys.0.user_ids"),
    ({"basis": "fixed"}, "fixed_amount_cents"),
    ({"manual_amounts": [{"user_id": OUTSIDER, "amount_cents": 100}]}, "manual_amounts.0.user_id"),
])
def test_bad_policies_name_the_field(ctx, policy, field):
    with pytest.raises(Invalid) as error:
        sharing.set_policy(ctx, CLAIRE, SID, 2026, policy)
    assert field in error.value.fields


def test_an_instance_admin_overrides_a_value_audited_and_the_ledgers_follow(ctx):
    files.save_declaration(ctx, CLAIRE, SID, 2026, {"patientele": 4000, "indicators": {
        "opening_hours": {"hours": 12, "met": True}, "coordination": {"met": True}, "si_label": {"level": 1}}})
    sharing.set_policy(ctx, CLAIRE, SID, 2026, {"basis": "expected", "reserve": {"kind": "percent", "percent": 100}})
    before = ctx.ledgers.get(SID, 2026).state["amount_cents"]
    with pytest.raises(Forbidden):
        admin.override_value(ctx, CLAIRE, {"catalogue_id": "aci_msp_avenant1", "reason": "test",
                                           "path": "indicators.opening_hours.fixed", "value": 700})

    change = admin.override_value(ctx, "admin", {"catalogue_id": "aci_msp_avenant1", "value": 700,
                                                 "path": "indicators.opening_hours.fixed", "reason": "Légifrance"})

    assert (change["before"], change["after"], change["by"]) == (800, 700, "admin")
    assert ctx.ledgers.get(SID, 2026).state["amount_cents"] == before - 100 * 700
    values = {v["path"]: v for c in admin.list_catalogues(ctx, "admin") if c["id"] == "aci_msp_avenant1"
              for v in c["values"]}
    assert values["indicators.opening_hours.fixed"]["overridden"] and values["indicators.opening_hours.fixed"][
        "original"] == 800
    with pytest.raises(Invalid) as error:
        admin.override_value(ctx, "admin", {"catalogue_id": "aci_msp_avenant1", "path": "nowhere", "value": 1,
                                            "reason": "test"})
    assert "path" in error.value.fields
    admin.override_value(ctx, "admin", {"catalogue_id": "aci_msp_avenant1", "path": "indicators.opening_hours.fixed",
                                        "clear": True, "reason": "Back to the file"})
    assert ctx.ledgers.get(SID, 2026).state["amount_cents"] == before


def test_a_cpts_year_applies_the_pass_cap_from_the_catalogue(ctx):
    sharing.set_policy(ctx, CLAIRE, CPTS_SID, 2026, {"basis": "fixed", "fixed_amount_cents": 20_000_000,
                                                    "keys": [{"kind": "equal_share", "weight": 1,
                                                              "user_ids": [CLAIRE, PAUL]}]})
    state = ctx.ledgers.get(CPTS_SID, 2026).state
    assert state["pass_cap_cents"] == 4_806_000 and state["pass_year"] == 2026
    assert all(s["capped"] and s["amount_cents"] == 4_806_000 for s in state["shares"])
    assert state["undistributed_cents"] == 20_000_000 - 2 * 4_806_000
