"""The catalogue files load, every value is sourced and graded, malformed files are refused;
the reasons have French texts (report) and web translations; the demo data is idempotent."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from maillage_shared.contracts.finance import REASON_MESSAGES
from maillage_shared.errors import Invalid

from services.finance import demo
from services.finance.domain.catalogue import CatalogueError, CatalogueSet, parse_catalogue
from services.finance.domain.messages import FRENCH

from .conftest import ANNE, CLAIRE, PAUL, SID
from .fakes import load_catalogues

PO = Path(__file__).resolve().parents[4] / "gateway" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"


def test_every_catalogue_value_has_a_grade_and_a_listed_source():
    catalogues = load_catalogues()
    assert {c.id for c in catalogues.all()} == {"aci_msp_2017", "aci_msp_avenant1", "aci_cpts_2019",
                                                "aci_cpts_avenant2", "cds_accord_2025", "pass"}
    for catalogue in catalogues.all():
        for value in catalogue.values.values():
            assert value.grade in "ABC" and value.source_text, value.path
    msp = catalogues.for_year("msp", 2026)
    assert msp.get("parameters.point_value_cents").value == 700 and msp.get("parameters.point_value_cents").grade == "A"
    assert msp.get("indicators.concertation.variable").grade == "C"
    assert catalogues.for_year("cpts", 2020).id == "aci_cpts_2019"
    assert catalogues.for_year("cds", 2026).unit == "cents"


@pytest.mark.parametrize("kind, year", [("msp", 2016), ("cpts", 2018), ("cds", 2025)])
def test_a_year_without_a_catalogue_is_bad_input(kind, year):
    with pytest.raises(Invalid) as error:
        load_catalogues().for_year(kind, year)
    assert "year" in error.value.fields


@pytest.mark.parametrize("broken, complaint", [
    ({"indicators": [{"code": "x", "class": "core", "rule": "declared",
                      "fixed": {"value": 1, "grade": "D", "source": "s"}}]}, "grade"),
    ({"indicators": [{"code": "x", "class": "core", "rule": "declared",
                      "fixed": {"value": 1, "grade": "A", "source": "nowhere"}}]}, "source"),
    ({"indicators": [{"code": "x", "class": "core", "rule": "teleport"}]}, "rule"),
    ({"indicators": [{"code": "x", "class": "core", "rule": "declared", "fixed": 800}]}, "sourced value"),
])
def test_a_malformed_catalogue_is_refused_naming_the_problem(broken, complaint):
    raw = {"id": "t", "title": "T", "years": {"from": 2030}, "structure_kinds": ["msp"], "sources": {"s": "src"},
           **broken}
    with pytest.raises(CatalogueError) as error:
        parse_catalogue(raw, "t.yaml")
    assert complaint in str(error.value) and "t.yaml" in str(error.value)


def test_overlapping_catalogues_are_refused():
    raw = {"title": "T", "years": {"from": 2020}, "structure_kinds": ["msp"], "sources": {}}
    with pytest.raises(CatalogueError):
        CatalogueSet.from_documents([("a.yaml", {**raw, "id": "a"}), ("b.yaml", {**raw, "id": "b"})])


def test_every_reason_has_a_french_text_and_a_web_translation():
    assert set(FRENCH) == set(REASON_MESSAGES)
    catalogue = read_po(PO.open("rb"))
    untranslated = [text for text in REASON_MESSAGES.values() if not (catalogue.get(text) and catalogue.get(text).string)]
    assert untranslated == []


def test_the_demo_declares_the_year_and_sets_a_policy_once(ctx):
    identity_demo = {"structure_id": SID, "members": [
        {"user_id": CLAIRE, "role": "coordinator", "profession": "coordinateur"},
        {"user_id": PAUL, "role": "member", "profession": "medecin_generaliste"},
        {"user_id": ANNE, "role": "member", "profession": "infirmier"}]}

    first = demo.ensure_demo_data(ctx, identity_demo)
    again = demo.ensure_demo_data(ctx, identity_demo)

    assert first["created"] == ["declaration", "policy"] and again["created"] == []
    assert ctx.declarations.get(SID, first["year"])["version"] == 1
    assert ctx.policies.get(SID, first["year"])["version"] == 1
    equal = ctx.ledgers.get(SID, first["year"]).state["shares"]
    assert {s["user_id"] for s in equal} == {CLAIRE, PAUL, ANNE}
