"""Finance through the gateway: a coordinator declares the year, sets the distribution policy,
a meeting closes and the shares move (the event travels meetings → broker → finance); members
see the totals and their own share; payments; the annual report as JSON, CSV and PDF; bad
input names the field; every JSON answer checked against the OpenAPI document."""
from __future__ import annotations

import shutil
import subprocess
import time
from datetime import timedelta

import pytest
import requests

from tests.platform.helpers import signup

from .steps import API, expect, expect_error, founder, join, today_in_paris
from .test_openapi import mismatches


@pytest.fixture(scope="module")
def team(platform):
    result = signup(platform.base_url)
    sid = result["structure"]["id"]
    coordinator = founder(result)
    api = coordinator.api(platform.base_url)
    doctor = join(platform, api, sid, "member", "medecin_generaliste", first_name="Paul")
    meeting_day = today_in_paris() + timedelta(days=1)
    return {"sid": sid, "coordinator": coordinator, "api": api, "doctor": doctor, "day": meeting_day,
            "year": meeting_day.year, "name": result["structure"]["name"]}


@pytest.fixture(scope="module")
def spec(platform) -> dict:
    return requests.get(f"{platform.base_url}{API}/openapi.json", timeout=30).json()


def wait_for(read, condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if condition(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout} s: {value}")
        time.sleep(0.1)


def test_a_closed_meeting_moves_the_shares_and_the_report_shows_it(platform, team, spec):
    sid, api, year, doctor = team["sid"], team["api"], team["year"], team["doctor"]
    me = team["coordinator"].user_id
    as_doctor = doctor.api(platform.base_url)
    seen = []

    def keep(response):
        seen.append(response)
        return response

    page = expect(keep(api.call("PUT", f"/structures/{sid}/aci/{year}/declaration", json={
        "patientele": 2410, "partner_professionals": 11, "ald_or_75_patients": 2410,
        "indicators": {"opening_hours": {"hours": 12, "met": True}, "coordination": {"met": True},
                       "si_label": {"level": 1}, "crisis_response": {"met": True}}})), 200)
    assert page["remuneration"]["prerequisites_met"] and page["remuneration"]["totals"]["amount_cents"] > 0
    keep(api.call("PUT", f"/structures/{sid}/finance/{year}/policy", json={
        "basis": "fixed", "fixed_amount_cents": 1_000_000, "reserve": {"kind": "percent", "percent": 10},
        "keys": [{"kind": "meeting_minutes", "weight": 1, "scope": "concertation"}]}))
    before = expect(keep(api.get(f"/structures/{sid}/finance/{year}/distribution")), 200)
    assert before["shares"] == [] and before["undistributed_cents"] == 900_000

    meeting = expect(api.post(f"/structures/{sid}/meetings", json={
        "title": "Concertation", "kind": "concertation", "date": team["day"].isoformat(), "start": "12:30",
        "end": "14:00", "invitee_ids": [doctor.user_id]}), 201)
    api.call("PUT", f"/meetings/{meeting['id']}/minutes", json={"cases": [
        {"code": "C-01", "criterion": "ald"}, {"code": "C-02", "criterion": "age_75"}]})
    api.call("PUT", f"/meetings/{meeting['id']}/attendance", json={"entries": [
        {"user_id": me, "status": "present", "minutes": 60}, {"user_id": doctor.user_id, "status": "present"}]})
    expect(api.post(f"/meetings/{meeting['id']}/close"), 200)

    moved = wait_for(lambda: expect(api.get(f"/structures/{sid}/finance/{year}/distribution"), 200),
                     lambda d: len(d["shares"]) == 2)
    assert {s["user_id"]: s["amount_cents"] for s in moved["shares"]} == {doctor.user_id: 540_000, me: 360_000}
    assert moved["distributed_cents"] == 900_000 and moved["version"] > before["version"]
    mine = expect(keep(as_doctor.get(f"/structures/{sid}/finance/{year}/distribution")), 200)
    assert mine["scope"] == "self" and [s["user_id"] for s in mine["shares"]] == [doctor.user_id]
    assert mine["my_share"]["amount_cents"] == 540_000
    aci = expect(keep(as_doctor.get(f"/structures/{sid}/aci/{year}")), 200)
    concertation = next(i for i in aci["remuneration"]["indicators"] if i["code"] == "concertation")
    assert concertation["evidence"]["meetings_held"] == 1 and concertation["evidence"]["cases"] == 2
    assert not aci["can_edit"]
    expect_error(as_doctor.call("PUT", f"/structures/{sid}/finance/{year}/policy", json={}), 403, "forbidden")
    expect_error(as_doctor.get(f"/structures/{sid}/reports/aci/{year}.json"), 403, "forbidden")

    paid = expect(keep(api.post(f"/structures/{sid}/finance/{year}/payments", json={
        "kind": "advance", "amount_cents": 2_000_000, "received_on": f"{year}-04-28", "request_id": "e2e-1"})), 201)
    assert paid["comparison"]["lines"][0]["received_cents"] == 2_000_000
    keep(api.get(f"/structures/{sid}/finance/{year}/payments"))
    keep(api.get(f"/structures/{sid}/finance/{year}/policy"))
    keep(api.get(f"/structures/{sid}/aci/{year}/declaration"))
    history = expect(keep(api.get(f"/structures/{sid}/finance/{year}/history")), 200)
    assert {"event", "policy"} <= {r["cause"]["kind"] for r in history["recomputations"]}

    report = expect(keep(api.get(f"/structures/{sid}/reports/aci/{year}.json")), 200)
    assert report["structure"]["name"] == team["name"] and len(report["evidence"]["meetings"]) == 1
    assert {s["user_id"] for s in report["distribution"]["shares"]} == {me, doctor.user_id}
    csv_answer = api.get(f"/structures/{sid}/reports/aci/{year}.csv")
    assert csv_answer.headers["Content-Type"].startswith("text/csv") and "Concertation" in csv_answer.text
    pdf_answer = api.get(f"/structures/{sid}/reports/aci/{year}.pdf")
    assert pdf_answer.headers["Content-Type"] == "application/pdf" and pdf_answer.content.startswith(b"%PDF")
    assert not [problem for response in seen for problem in mismatches(spec, response)]


def test_the_pdf_report_renders_with_its_totals(platform, team, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian poppler-utils) is not installed: scripts/install.sh installs it")
    year = team["year"]
    pdf = team["api"].get(f"/structures/{team['sid']}/reports/aci/{year}.pdf").content
    (tmp_path / "report.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    report = expect(team["api"].get(f"/structures/{team['sid']}/reports/aci/{year}.json"), 200)
    total = report["remuneration"]["totals"]["amount_cents"]
    euros = f"{total // 100:,}".replace(",", "\u00a0") + f",{total % 100:02d}"
    assert f"Rapport annuel ACI {year}" in text and team["name"] in text
    assert euros.replace("\u00a0", " ") in text.replace("\u00a0", " ")
    assert "Répartition entre les membres" in text and "page 1 /" in text


@pytest.mark.parametrize("method, path, body, field", [
    ("PUT", "/aci/{year}/declaration", {"patientele": -4}, "patientele"),
    ("PUT", "/aci/{year}/declaration", {"indicators": {"teleportation": {"met": True}}}, "indicators.teleportation"),
    ("GET", "/aci/1999", None, "year"),
    ("PUT", "/aci/1999/declaration", {}, "year"),
    ("PUT", "/finance/{year}/policy", {"keys": [{"kind": "meeting_minutes", "weight": 0},
                                                {"kind": "coordination_time", "weight": 0}]}, "keys"),
    ("PUT", "/finance/{year}/policy", {"keys": [{"kind": "coordination_time", "weight": -1}]}, "keys.0.weight"),
    ("PUT", "/finance/{year}/policy", {"reserve": {"kind": "percent", "percent": 120}}, "reserve.percent"),
    ("POST", "/finance/{year}/payments", {"kind": "advance", "amount_cents": 0, "received_on": "2026-04-28"},
     "amount_cents"),
])
def test_bad_input_is_a_400_naming_the_field(team, method, path, body, field):
    url = f"/structures/{team['sid']}" + path.format(year=team["year"])
    response = team["api"].call(method, url, **({"json": body} if body is not None else {}))
    error = expect_error(response, 400, "invalid")
    assert field in error["fields"], error


def test_the_admin_catalogue_is_for_instance_admins_only(team):
    expect_error(team["api"].get("/admin/finance/catalogues"), 403, "forbidden")
    expect_error(team["api"].call("PUT", "/admin/finance/overrides", json={
        "catalogue_id": "aci_msp_avenant1", "path": "indicators.concertation.variable", "value": 1000,
        "reason": "Vérifié"}), 403, "forbidden")
