"""Worked examples of the ACI computation, written by hand from ACI-REFERENCE.md (values of the
catalogues as shipped; C-graded values are the reference's reconstructions).

1 point = 7 € = 700 cents; variable points are prorated to the patientèle / 4,000.
"""
from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from services.finance.domain.distribution import compute_distribution
from services.finance.domain.model import CoordinationTime, MeetingFigures, ProtocolRecord, YearEvidence
from services.finance.domain.money import round_half_up
from services.finance.domain.remuneration import compute_remuneration
from services.finance.domain.schedule import expected_schedule

from .fakes import load_catalogues

CATALOGUES = load_catalogues()
POINT = 700


def concertations(count: int, cases_each: int, year: int = 2026) -> list[MeetingFigures]:
    return [MeetingFigures(f"m{i}", "s", 1, "closed", "concertation", "Concertation", date(year, 1 + i, 10), 90,
                           {"ald": cases_each, "age_75": 0, "complex": 0, "total": cases_each},
                           [{"user_id": "doc", "profession": "medecin_generaliste", "status": "present", "minutes": 90}])
            for i in range(count)]


def protocols(count: int, ipa: bool = False) -> list[ProtocolRecord]:
    return [ProtocolRecord(f"d{i}", "s", f"Protocole {i}", "iatrogenic_risk", ["infirmier"], ipa, date(2025, 3, 1), 1)
            for i in range(count)]


def by_code(result: dict) -> dict:
    return {line["code"]: line for line in result["indicators"]}


def test_a_4000_patient_msp_meeting_every_indicator():
    catalogue = CATALOGUES.for_year("msp", 2026)
    declaration = {
        "patientele": 4000, "partner_professionals": 13, "ald_or_75_patients": 800, "ipa_present": False,
        "missions": [{"title": "Vaccination", "topic": "vaccination", "done": True},
                     {"title": "Obésité de l'enfant", "topic": "child_obesity", "done": True}],
        "indicators": {"opening_hours": {"hours": 12, "met": True}, "crisis_response": {"met": True},
                       "care_diversity": {"level": 2}, "cstm_physician": {"met": True}, "users_involvement": {"level": 2},
                       "sas_participation": {"level": 2}, "coordination": {"met": True}, "trainees": {"count": 4},
                       "external_coordination": {"met": True}, "quality_approach": {"level": 3},
                       "cooperation_protocols": {"count": 6}, "heart_failure_pathway": {"met": True},
                       "child_obesity_pathway": {"met": True}, "si_label": {"level": 2}}}
    evidence = YearEvidence(2026, meetings=concertations(6, 7), protocols=protocols(8),
                            coordination=[CoordinationTime("t1", "s", "coord", "coordinateur", date(2026, 3, 1), 600)])

    result = compute_remuneration(catalogue, declaration, evidence, "msp", 2026)

    points = {code: line["points"] for code, line in by_code(result).items()}
    assert points == {
        "opening_hours": 800, "crisis_response": 100,  # the crisis variable only if a crisis occurs
        "care_diversity": 2 * 300, "cstm_physician": 200, "public_health_missions": 2 * 350,
        "users_involvement": 200 + 300, "sas_participation": 200, "coordination": 1000 + 1700,
        "protocols": 8 * 100, "concertation": 1000,  # 6 meetings, 42 cases ≥ 5 % of 800 = 40
        "trainees": 450 + 225 + 225, "external_coordination": 200, "quality_approach": 100 + 300,
        "cooperation_protocols": 6 * 100, "heart_failure_pathway": 100, "child_obesity_pathway": 100,
        "si_label": 500 + 13 * 200, "si_advanced": 100}
    assert all(line["status"] == "met" for line in result["indicators"])
    assert result["prerequisites_met"] and result["not_paid_reasons"] == []
    assert result["totals"]["points"] == 13_100
    assert result["totals"]["amount_cents"] == 13_100 * POINT == 9_170_000  # 91,700 €
    # Advance: 60 % of 100 % of prerequisites (800 + 2,700 + 3,100) and core (100 + 800 + 1,000) points.
    schedule = expected_schedule(catalogue, declaration, result, 2026)
    assert result["totals"]["advance_base_cents"] == 8_500 * POINT
    assert schedule["advance_cents"] == 3_570_000 and schedule["advance_due_on"] == "2026-04-30"
    assert schedule["balance_cents"] == 9_170_000 - 3_570_000 and schedule["balance_due_on"] == "2027-04-30"


def msp_2410(meetings: int, cases_each: int) -> tuple[dict, dict]:
    catalogue = CATALOGUES.for_year("msp", 2026)
    declaration = {"patientele": 2410, "partner_professionals": 11, "ald_or_75_patients": 2410,
                   "indicators": {"opening_hours": {"hours": 12, "met": True}, "coordination": {"met": True},
                                  "si_label": {"level": 1}, "crisis_response": {"met": True},
                                  "trainees": {"count": 2}}}
    evidence = YearEvidence(2026, meetings=concertations(meetings, cases_each), protocols=protocols(5))
    result = compute_remuneration(catalogue, declaration, evidence, "msp", 2026)
    return result, expected_schedule(catalogue, declaration, result, 2026)


def test_a_2410_patient_msp_missing_one_core_indicator():
    result, schedule = msp_2410(meetings=4, cases_each=33)  # 132 cases, but 4 meetings < 6
    lines = by_code(result)
    factor = Fraction(2410, 4000)

    concertation = lines["concertation"]
    assert concertation["status"] == "not_met" and concertation["amount_cents"] == 0
    assert [m["code"] for m in concertation["missing"]] == ["too_few_meetings"]
    assert concertation["evidence"]["meetings_held"] == 4 and concertation["evidence"]["cases"] == 132
    assert concertation["evidence"]["target"] == 121  # ⌈5 % × 2,410⌉
    assert lines["coordination"]["points"] == pytest.approx(float(1000 + 1700 * factor))  # 2,024.25
    expected = {"opening_hours": 800 * POINT, "coordination": round_half_up((1000 + 1700 * factor) * POINT),
                "si_label": (500 + 11 * 200) * POINT, "crisis_response": 100 * POINT, "protocols": 5 * 100 * POINT,
                "concertation": 0, "trainees": 450 * POINT}
    assert {code: lines[code]["amount_cents"] for code in expected} == expected
    assert result["totals"]["amount_cents"] == sum(expected.values()) == 4_601_975  # 46,019.75 €
    assert result["prerequisites_met"]
    # The advance is computed on 100 % achievement, the missing indicator included.
    base = 800 + (1000 + 1700 * factor) + 2700 + 100 + 800 + 1000 * factor
    assert result["totals"]["advance_base_cents"] == round_half_up(base * POINT) == 4_918_725
    assert schedule["advance_cents"] == 2_951_235
    assert schedule["balance_cents"] == 4_601_975 - 2_951_235


def test_the_same_msp_with_six_meetings_meets_concertation_and_below_target_is_prorated():
    met, _ = msp_2410(meetings=6, cases_each=22)  # 132 cases ≥ 121
    assert by_code(met)["concertation"]["status"] == "met"
    assert by_code(met)["concertation"]["amount_cents"] == round_half_up(Fraction(1000 * 2410, 4000) * POINT)

    prorated, _ = msp_2410(meetings=6, cases_each=10)  # 60 cases of 121
    line = by_code(prorated)["concertation"]
    assert line["status"] == "partial" and [m["code"] for m in line["missing"]] == ["cases_below_target"]
    assert line["amount_cents"] == round_half_up(Fraction(1000 * 2410, 4000) * Fraction(60, 121) * POINT)


def test_a_new_msp_under_the_guarantee():
    catalogue = CATALOGUES.for_year("msp", 2026)
    declaration = {"patientele": 900, "partner_professionals": 4, "ald_or_75_patients": 150, "new_structure": True,
                   "contract_signed_on": date(2025, 9, 15),
                   "indicators": {"opening_hours": {"hours": 12, "met": True}, "coordination": {"met": True},
                                  "si_label": {"level": 0}}}  # the labelled software is not there yet

    second_year = compute_remuneration(catalogue, declaration, YearEvidence(2026), "msp", 2026)
    assert not second_year["prerequisites_met"]
    assert [r["code"] for r in second_year["not_paid_reasons"]] == ["prerequisites_not_met_guarantee",
                                                                    "prerequisite_missing"]
    assert second_year["not_paid_reasons"][1]["indicator"] == "si_label"
    assert second_year["totals"]["guarantee"]["applied"] and second_year["totals"]["guarantee"]["nth_year"] == 2
    assert second_year["totals"]["amount_cents"] == 2_000_000  # the €20,000 minimum
    schedule = expected_schedule(catalogue, declaration, second_year, 2026)
    base = 800 + 1000 + Fraction(1700 * 900, 4000) + 500 + 4 * 200 + 100 + 800 + Fraction(1000 * 900, 4000)
    assert schedule["advance_cents"] == round_half_up(round_half_up(base * POINT) * Fraction(60, 100))
    assert schedule["advance_cents"] >= 1_200_000

    first_year = compute_remuneration(catalogue, declaration, YearEvidence(2025), "msp", 2025)
    covered = Fraction((date(2025, 12, 31) - date(2025, 9, 15)).days + 1, 365)  # 108 days
    assert first_year["coverage_percent"] == pytest.approx(float(covered) * 100, abs=0.01)
    assert first_year["totals"]["amount_cents"] == round_half_up(2_000_000 * covered)
    first_schedule = expected_schedule(catalogue, declaration, first_year, 2025)
    assert first_schedule["advance_due_on"] == "2025-12-15"  # within 3 months of signing

    third_year = compute_remuneration(catalogue, declaration, YearEvidence(2027), "msp", 2027)
    assert not third_year["totals"]["guarantee"]["applies"] and third_year["totals"]["amount_cents"] == 0
    assert [r["code"] for r in third_year["not_paid_reasons"]][0] == "prerequisites_not_met"


def test_a_taille_2_cpts():
    catalogue = CATALOGUES.for_year("cpts", 2026)
    declaration = {"size_tier": 2, "contract_signed_on": date(2023, 4, 15), "cpts_missions": {
        "access": {"started": True, "variable_percent": 80},
        "unscheduled_care": {"started": True, "variable_percent": 50},
        "pathways": {"started": True, "actions": [
            {"label": "Parcours insuffisance cardiaque", "amount_cents": 500_000, "achieved": True,
             "deliverables": ["Feuilles d'émargement"]},
            {"label": "Parcours diabète", "amount_cents": 300_000, "achieved": False, "deliverables": []}]},
        "prevention": {"started": True, "variable_percent": 100},
        "professionals_support": {"started": True, "variable_percent": 0}}}

    result = compute_remuneration(catalogue, declaration, YearEvidence(2026), "cpts", 2026)

    amounts = {m["code"]: (m["fixed_cents"], m["variable_cents"]) for m in result["missions"]}
    assert amounts == {"operating": (6_000_000, 0), "operating_uplift": (0, 0), "access": (1_750_000, 1_400_000),
                       "unscheduled_care": (1_200_000, 2_250_000), "pathways": (3_500_000, 500_000),
                       "prevention": (1_500_000, 1_500_000), "crisis_response": (0, 0), "quality": (0, 0),
                       "professionals_support": (750_000, 0)}
    assert result["totals"]["amount_cents"] == 20_350_000  # 203,500 €
    assert "value_missing" in {w["code"] for w in result["warnings"]}  # taille-2 crisis values are unknown
    schedule = expected_schedule(catalogue, declaration, result, 2026)
    assert schedule["advance_cents"] == round_half_up(Fraction(6_000_000 + 1_750_000 + 1_200_000 + 3_500_000
                                                               + 1_500_000 + 750_000) * Fraction(75, 100))
    assert (schedule["advance_due_on"], schedule["balance_due_on"]) == ("2026-04-15", "2027-04-15")


def test_a_cpts_member_above_the_pass_cap():
    pass_cents, pass_year = CATALOGUES.pass_cents(2026)
    assert (pass_cents, pass_year) == (4_806_000, 2026)
    evidence = YearEvidence(2026, coordination=[
        CoordinationTime("t1", "s", "anne", "infirmier", date(2026, 2, 1), 1000),
        CoordinationTime("t2", "s", "paul", "medecin_generaliste", date(2026, 2, 1), 100),
        CoordinationTime("t3", "s", "lea", "pharmacien", date(2026, 2, 1), 100)])
    policy = {"basis": "fixed", "keys": [{"kind": "coordination_time", "weight": 1}], "reserve": {"kind": "none"},
              "pass_cap_excess": "redistribute"}

    result = compute_distribution(policy, 15_000_000, evidence, {}, 2026, pass_cap=pass_cents)

    shares = {s["user_id"]: s for s in result["shares"]}
    assert shares["anne"]["capped"] and shares["anne"]["amount_cents"] == pass_cents
    assert shares["anne"]["cap_cut_cents"] == 12_500_000 - pass_cents
    # Anne's excess went to the others, who reached the cap in turn; the rest stays with the structure.
    assert all(s["amount_cents"] <= pass_cents for s in result["shares"])
    assert result["distributed_cents"] == 3 * pass_cents
    assert result["undistributed_cents"] == 15_000_000 - 3 * pass_cents
    assert [r["code"] for r in result["undistributed_reasons"]] == ["pass_cap_kept"]

    below = compute_distribution(policy, 6_000_000, evidence, {}, 2026, pass_cap=pass_cents)
    assert below["undistributed_cents"] == 0 and sum(s["amount_cents"] for s in below["shares"]) == 6_000_000
    assert {s["user_id"] for s in below["shares"] if s["capped"]} == {"anne"}


def test_the_2017_catalogue_applies_before_2022_with_1100_coordination_points():
    catalogue = CATALOGUES.for_year("msp", 2021)
    assert catalogue.id == "aci_msp_2017"
    declaration = {"patientele": 4000, "partner_professionals": 13, "indicators": {"coordination": {"met": True}}}
    result = compute_remuneration(catalogue, declaration, YearEvidence(2021), "msp", 2021)
    assert by_code(result)["coordination"]["points"] == 1000 + 1100  # "€15,000 max" ≈ 2,100 × 7
    assert "crisis_response" not in by_code(result)
