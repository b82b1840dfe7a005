"""The instance admins' catalogue page of the finance web client, alone: Flask's test client and a
fake RPC pool. Checked here: the current overrides (who, when, old → new, reason), the form (CSRF,
indicator + field → path, numbers and texts, field errors in French), the 403 for anyone else and
the link from the finance pages."""
from __future__ import annotations

import re

import pytest
from maillage_shared.errors import Forbidden, Invalid, NotFound

from .test_web_unit import DIRECTORY, SID, USER_ID, log_in, make_client, me, membership, settings, text  # noqa: F401

YEAR = 2026
PAGE = f"/app/s/{SID}/finance/{YEAR}/catalogue"
CATALOGUES = [{
    "id": "aci_msp_avenant1", "title": "ACI MSP, avenant 1", "legal_text": "Avenant 1", "unit": "points",
    "years": {"from": 2022, "to": None}, "structure_kinds": ["msp"],
    "values": [
        {"path": "indicators.concertation.variable", "value": 1000, "grade": "C", "source": "JO", "note": "",
         "overridden": True, "original": 800},
        {"path": "parameters.point_value_cents", "value": 700, "grade": "A", "source": "JO", "note": "",
         "overridden": False, "original": None},
        {"path": "parameters.advance_due", "value": "04-30", "grade": "A", "source": "JO", "note": "",
         "overridden": False, "original": None}]}]
CHANGE = {"catalogue_id": "aci_msp_avenant1", "path": "indicators.concertation.variable", "before": 800,
          "after": 1000, "cleared": False, "reason": "Vérifié sur Légifrance", "by": USER_ID,
          "at": "2026-03-02T10:15:00"}
PAYMENTS = {"year": YEAR, "schedule": {"notes": []}, "payments": [],
            "comparison": {"lines": [], "expected_cents": 0, "received_cents": 0, "difference_cents": 0}}


def replies(role: str = "coordinator", **more) -> dict:
    base = {("identity", "get_me"): me(role), ("identity", "get_membership"): membership(role),
            ("identity", "list_members"): DIRECTORY, ("finance", "list_catalogues"): CATALOGUES,
            ("finance", "override_history"): [CHANGE], ("finance", "override_value"): CHANGE,
            ("finance", "payments"): PAYMENTS}
    base.update({("finance", name): value for name, value in more.items()})
    return base


@pytest.fixture
def client_with(make_client, log_in):  # noqa: F811
    def make(role: str = "coordinator", **more):
        client, pool = make_client(replies(role, **more))
        log_in(client)
        return client, pool

    return make


def post(client, **fields):
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(client.get(PAGE))).group(1)
    return client.post(PAGE, data={"csrf_token": token, "catalogue_id": "aci_msp_avenant1", **fields})


def test_the_page_lists_the_overrides_in_force_with_who_when_and_why(client_with):
    client, _ = client_with()

    response = client.get(PAGE)

    html = text(response)
    assert response.status_code == 200
    assert "Valeurs des référentiels" in html
    overrides = html[html.index('id="overrides"'):html.index("</table>")]
    assert "indicators.concertation.variable" in overrides and "800 → <strong>1000</strong>" in overrides
    assert "Claire Martin" in overrides and "Vérifié sur Légifrance" in overrides and "2026" in overrides
    assert "parameters.point_value_cents" not in overrides
    assert '<option value="concertation">' in html and '<option value="variable">' in html
    assert '<option value="parameters.point_value_cents">' in html


def test_an_override_sends_the_path_and_a_whole_number(client_with):
    client, pool = client_with()

    response = post(client, indicator="concertation", field="variable", value="1 200", reason="Vérifié sur le JO")

    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    assert pool.args_of("override_value") == (USER_ID, {
        "catalogue_id": "aci_msp_avenant1", "path": "indicators.concertation.variable", "value": 1200,
        "clear": False, "reason": "Vérifié sur le JO"})


def test_a_text_value_outside_the_indicators_and_going_back_to_the_file(client_with):
    client, pool = client_with()

    post(client, field="parameters.advance_due", value="05-15", reason="Nouvel avenant")
    assert pool.args_of("override_value")[1]["path"] == "parameters.advance_due"
    assert pool.args_of("override_value")[1]["value"] == "05-15"

    pool.calls.clear()
    post(client, indicator="concertation", field="variable", clear="1", reason="Retour au texte")
    assert pool.args_of("override_value")[1] | {"reason": ""} == {
        "catalogue_id": "aci_msp_avenant1", "path": "indicators.concertation.variable", "value": None,
        "clear": True, "reason": ""}


def test_missing_inputs_are_named_next_to_their_field_before_any_call(client_with):
    client, pool = client_with()

    response = post(client, field="", value="", reason="x")

    html = text(response)
    assert response.status_code == 400 and "override_value" not in pool.methods()
    assert 'id="f-field-error"' in html and "Indiquez le champ à modifier." in html
    assert "f-value-error" in html


def test_the_service_s_refusals_sit_next_to_their_input_in_french(client_with):
    error = Invalid("Unknown value path.", {"path": "aci_msp_avenant1 has no value at indicators.nope.variable."})
    client, _ = client_with(override_value=error)

    response = post(client, indicator="nope", field="variable", value="3", reason="Vérifié")

    html = text(response)
    assert response.status_code == 400
    assert "aci_msp_avenant1 n’a pas de valeur à indicators.nope.variable." in html
    assert 'value="nope"' in html


def test_an_unknown_catalogue_is_an_error_on_the_catalogue(client_with):
    client, _ = client_with(override_value=NotFound("No such catalogue."))

    response = post(client, field="parameters.advance_due", value="05-15", reason="Vérifié")

    assert response.status_code == 400
    assert "Référentiel inconnu." in text(response)


def test_someone_who_is_not_an_instance_admin_gets_the_403_page(client_with):
    client, _ = client_with(list_catalogues=Forbidden("Only an instance admin can change the catalogues."))

    response = client.get(PAGE)

    assert response.status_code == 403
    assert "Accès refusé" in text(response) and 'name="reason"' not in text(response)


@pytest.mark.parametrize(("role", "linked"), [("coordinator", True), ("member", False)])
def test_the_finance_pages_link_to_it_for_coordinators_only(client_with, role, linked):
    client, _ = client_with(role)

    html = text(client.get(f"/app/s/{SID}/finance/{YEAR}/payments"))

    assert (PAGE in html) is linked
