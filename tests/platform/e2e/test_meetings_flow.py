"""Meetings through the gateway: poll → meeting → invitation e-mail → minutes → attendance →
close → report and CSV; the calendar feed; bad input; every answer checked against the
OpenAPI document."""
from __future__ import annotations

import email
import time
from datetime import timedelta
from email import policy
from pathlib import Path

import icalendar
import pytest
import requests

from tests.platform.helpers import signup

from .steps import API, Api, expect, expect_error, founder, join, today_in_paris
from .test_openapi import mismatches


def later(days: int) -> str:
    return (today_in_paris() + timedelta(days=days)).isoformat()


def calendar_mail(mail_dir: Path, address: str, subject_start: str, timeout: float = 15) -> icalendar.Calendar:
    """The iCalendar attachment of the newest e-mail to ``address`` whose subject starts so."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(Path(mail_dir).glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if address.lower() in str(message["To"]).lower() and str(message["Subject"]).startswith(subject_start):
                part = next(p for p in message.walk() if p.get_filename() == "invitation.ics")
                return icalendar.Calendar.from_ical(part.get_payload(decode=True))
        time.sleep(0.2)
    raise AssertionError(f"no « {subject_start} » e-mail for {address} in {mail_dir}")


@pytest.fixture(scope="module")
def team(platform):
    result = signup(platform.base_url)
    sid = result["structure"]["id"]
    coordinator = founder(result)
    api = coordinator.api(platform.base_url)
    doctor = join(platform, api, sid, "member", "medecin_generaliste", first_name="Paul")
    nurse = join(platform, api, sid, "member", "infirmier", first_name="Anne")
    return {"sid": sid, "coordinator": coordinator, "api": api, "doctor": doctor, "nurse": nurse}


@pytest.fixture(scope="module")
def spec(platform) -> dict:
    return requests.get(f"{platform.base_url}{API}/openapi.json", timeout=30).json()


def test_from_a_poll_to_credited_time(platform, team, spec):
    sid, api, doctor, nurse = team["sid"], team["api"], team["doctor"], team["nurse"]
    as_doctor, as_nurse = doctor.api(platform.base_url), nurse.api(platform.base_url)
    seen = []

    def keep(response):
        seen.append(response)
        return response

    poll = expect(keep(api.post(f"/structures/{sid}/polls", json={
        "title": "Concertation du mois", "kind": "concertation", "place": "Salle de réunion",
        "slots": [{"date": later(8), "start": "12:30", "end": "14:00"},
                  {"date": later(9), "start": "12:30", "end": "14:00"}]})), 201)
    first, second = (s["id"] for s in poll["slots"])
    keep(as_doctor.call("PUT", f"/polls/{poll['id']}/votes", json={"answers": {first: "no", second: "yes"}}))
    voted = expect(keep(as_nurse.call("PUT", f"/polls/{poll['id']}/votes",
                                      json={"answers": {first: "yes", second: "maybe"}})), 200)
    assert voted["best_slot_ids"] == [second]
    keep(api.get(f"/structures/{sid}/polls", params={"status": "open"}))
    csv_text = api.get(f"/polls/{poll['id']}/answers.csv").text
    assert csv_text.startswith("\ufeffNom;Prénom;") and "si besoin" in csv_text

    meeting = expect(keep(api.post(f"/polls/{poll['id']}/close", json={"slot_id": second,
                                                                      "agenda": ["Situations du mois"]})), 201)
    mid = meeting["id"]
    assert {p["user_id"] for p in meeting["invitees"]} == {team["coordinator"].user_id, doctor.user_id, nurse.user_id}
    [event] = calendar_mail(platform.mail_dir, nurse.email, "Invitation :").walk("VEVENT")
    assert str(event["UID"]).startswith(mid + "@") and int(event["SEQUENCE"]) == 0
    expect_error(api.post(f"/polls/{poll['id']}/close", json={"slot_id": second}), 409, "conflict")

    moved = expect(keep(api.patch(f"/meetings/{mid}", json={"start": "13:00", "end": "14:30"})), 200)
    assert moved["sequence"] == 1
    [update] = calendar_mail(platform.mail_dir, nurse.email, "Modifiée :").walk("VEVENT")
    assert (str(update["UID"]), int(update["SEQUENCE"])) == (str(event["UID"]), 1)

    keep(as_doctor.call("PUT", f"/meetings/{mid}/minutes", json={
        "notes": "Tour de table. **Prochaine réunion** dans un mois.",
        "decisions": [{"text": "Relire le protocole chutes"}],
        "actions": [{"text": "Relire le protocole", "owner_id": nurse.user_id, "due_on": later(30)}],
        "cases": [{"code": "C-01", "criterion": "ald", "question": "Retour à domicile", "recorded_in_file": True},
                  {"code": "C-02", "criterion": "age_75", "question": "Chutes répétées"}]}))
    attended = expect(keep(api.call("PUT", f"/meetings/{mid}/attendance", json={"entries": [
        {"user_id": team["coordinator"].user_id, "status": "present"},
        {"user_id": doctor.user_id, "status": "present", "minutes": 60},
        {"user_id": nurse.user_id, "status": "excused"}]})), 200)
    assert {a["user_id"]: a["minutes"] for a in attended["attendance"]}[team["coordinator"].user_id] == 90
    closed = expect(keep(api.post(f"/meetings/{mid}/close")), 200)
    assert (closed["status"], closed["revision"], closed["case_counts"]["total"]) == ("closed", 1, 2)
    expect_error(api.post(f"/meetings/{mid}/close"), 409, "conflict")
    expect_error(as_doctor.post(f"/meetings/{mid}/reopen", json={"reason": "Je veux corriger"}), 403, "forbidden")

    keep(api.post(f"/structures/{sid}/coordination-time", json={
        "user_id": doctor.user_id, "date": today_in_paris().isoformat(), "minutes": 120,
        "label": "Préparation du dossier ACI", "request_id": "e2e-aci"}))
    keep(api.post(f"/structures/{sid}/coordination-time", json={
        "user_id": doctor.user_id, "date": today_in_paris().isoformat(), "minutes": 120,
        "label": "Préparation du dossier ACI", "request_id": "e2e-aci"}))  # a retry: not counted twice
    year = int(closed["date"][:4])
    report = expect(keep(api.get(f"/structures/{sid}/reports/meetings", params={"year": year})), 200)
    line = next(m for m in report["members"] if m["user_id"] == doctor.user_id)
    if year == today_in_paris().year:
        assert (line["meeting_minutes"], line["coordination_minutes"]) == (60, 120)
    assert report["concertation"]["meetings"] == 1 and report["concertation"]["cases"]["ald"] == 1
    own = expect(keep(as_doctor.get(f"/structures/{sid}/reports/meetings", params={"year": year})), 200)
    assert own["scope"] == "self" and [m["user_id"] for m in own["members"]] == [doctor.user_id]
    members_csv = api.get(f"/structures/{sid}/reports/meetings.csv", params={"year": year, "part": "members"})
    assert members_csv.headers["Content-Type"].startswith("text/csv") and doctor.last_name in members_csv.text

    reopened = expect(keep(api.post(f"/meetings/{mid}/reopen", json={"reason": "Anne était finalement là"})), 200)
    assert reopened["status"] == "scheduled" and reopened["reopenings"][0]["reason"] == "Anne était finalement là"
    keep(api.get(f"/meetings/{mid}"))
    keep(api.get(f"/structures/{sid}/meetings", params={"when": "upcoming"}))
    keep(api.get(f"/structures/{sid}/coordination-time", params={"year": today_in_paris().year}))
    cancelled = expect(keep(api.post(f"/meetings/{mid}/cancel", json={"reason": "Reportée"})), 200)
    assert cancelled["status"] == "cancelled"

    problems = [problem for response in seen for problem in mismatches(spec, response)]
    assert not problems, "\n".join(problems)


def test_the_calendar_feed_needs_its_token(platform, team):
    as_nurse = team["nurse"].api(platform.base_url)
    expect(team["api"].post(f"/structures/{team['sid']}/meetings", json={
        "title": "Formation AVK", "kind": "training", "date": later(15), "start": "19:00", "end": "21:00",
        "invitee_ids": [team["nurse"].user_id]}), 201)
    link = expect(as_nurse.post("/me/calendar-feed"), 201)
    anonymous = Api(platform.base_url)

    feed = requests.get(link["url"], timeout=30)
    assert feed.status_code == 200 and feed.headers["Content-Type"].startswith("text/calendar")
    summaries = [str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(feed.content).walk("VEVENT")]
    assert "Formation AVK" in summaries
    assert expect(as_nurse.get("/me/calendar-feed"), 200) == {"active": True, "created_at": link["created_at"],
                                                               "url": None}
    expect_error(anonymous.get("/me/calendar.ics"), 401, "unauthorized")
    expect_error(anonymous.get("/me/calendar.ics", params={"token": "not-the-token"}), 404, "not_found")
    expect(as_nurse.delete("/me/calendar-feed"), 204)
    expect_error(requests.get(link["url"], timeout=30) and anonymous.get(
        "/me/calendar.ics", params={"token": link["url"].rsplit("=", 1)[1]}), 404, "not_found")


BAD_INPUT = [
    ("POST", "/structures/{sid}/polls", {"title": "S", "kind": "other",
                                         "slots": [{"date": "{later}", "start": "14:00", "end": "12:00"}]},
     400, "slots.0.end"),
    ("POST", "/structures/{sid}/polls", {"title": "S", "kind": "other", "slots": []}, 400, "slots"),
    ("POST", "/structures/{sid}/meetings", {"title": "R", "kind": "other", "date": "{later}", "start": "12:00",
                                            "end": "13:00", "invitee_ids": ["{outsider}"]}, 400, "invitee_ids.0"),
    ("POST", "/structures/{sid}/meetings", {"title": "R", "kind": "apéro", "date": "{later}", "start": "12:00",
                                            "end": "13:00"}, 400, "kind"),
    ("PUT", "/meetings/{mid}/attendance", {"entries": [{"user_id": "{coordinator}", "status": "present",
                                                        "minutes": 999}]}, 400, "entries.0.minutes"),
    ("PUT", "/meetings/{mid}/attendance", {"entries": [{"user_id": "{coordinator}", "status": "present",
                                                        "minutes": -10}]}, 400, "entries.0.minutes"),
    ("PUT", "/meetings/{mid}/minutes", {"cases": [{"code": "C-9", "criterion": "ald",
                                                   "question": "NIR 1 85 05 78 006 084 36"}]}, 400, "cases.0.question"),
    ("PUT", "/meetings/{mid}/minutes", {"cases": [{"code": "C-9", "criterion": "ald",
                                                   "decisions": "née le 03/04/1941"}]}, 400, "cases.0.decisions"),
    ("PUT", "/meetings/{mid}/minutes", {"cases": [{"code": "DUPONT", "criterion": "ald"}]}, 400, "cases.0.code"),
    ("POST", "/meetings/{mid}/close", None, 409, None),
    ("POST", "/structures/{sid}/coordination-time", {"user_id": "{coordinator}", "date": "{today}", "minutes": 0,
                                                     "label": "ACI"}, 400, "minutes"),
    ("GET", "/structures/{sid}/meetings?when=tomorrow", None, 400, "when"),
]


@pytest.fixture(scope="module")
def open_meeting(team):
    return expect(team["api"].post(f"/structures/{team['sid']}/meetings", json={
        "title": "Concertation", "kind": "concertation", "date": later(20), "start": "12:30", "end": "14:00"}), 201)


@pytest.mark.parametrize("method, path, body, status, field", BAD_INPUT,
                         ids=[f"{c[0]} {c[1]} {c[4] or c[3]}" for c in BAD_INPUT])
def test_bad_input_is_refused_with_a_clear_message(platform, team, open_meeting, method, path, body, status, field):
    outsider = signup(platform.base_url)["user_id"] if "{outsider}" in str(body) else ""
    values = {"sid": team["sid"], "mid": open_meeting["id"], "later": later(20), "today": today_in_paris().isoformat(),
              "coordinator": team["coordinator"].user_id, "outsider": outsider}
    fill = lambda text: text.format(**values)  # noqa: E731
    payload = _fill(body, fill) if body is not None else None

    error = expect_error(team["api"].call(method, fill(path), json=payload), status)

    assert error["message"]
    if field:
        assert any(name == field or name.startswith(field + ".") for name in error["fields"]), error


def _fill(value, fill):
    if isinstance(value, dict):
        return {k: _fill(v, fill) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, fill) for v in value]
    return fill(value) if isinstance(value, str) else value


def test_voting_on_a_closed_poll_is_a_conflict(platform, team):
    api = team["api"]
    poll = expect(api.post(f"/structures/{team['sid']}/polls", json={
        "title": "Vite", "kind": "other", "slots": [{"date": later(5), "start": "08:00", "end": "09:00"}]}), 201)
    slot = poll["slots"][0]["id"]
    expect(api.post(f"/polls/{poll['id']}/close", json={"slot_id": slot}), 201)

    error = expect_error(team["doctor"].api(platform.base_url).call(
        "PUT", f"/polls/{poll['id']}/votes", json={"answers": {slot: "yes"}}), 409, "conflict")
    assert "closed" in error["message"]


def test_a_coordinator_deletes_an_open_poll_but_not_a_closed_one(platform, team, spec):
    api, sid = team["api"], team["sid"]
    poll = expect(api.post(f"/structures/{sid}/polls", json={
        "title": "À supprimer", "kind": "other", "slots": [{"date": later(6), "start": "08:00", "end": "09:00"}]}), 201)

    expect_error(team["doctor"].api(platform.base_url).delete(f"/polls/{poll['id']}"), 403, "forbidden")
    deleted = api.delete(f"/polls/{poll['id']}")
    assert deleted.status_code == 204 and not mismatches(spec, deleted)
    expect_error(api.get(f"/polls/{poll['id']}"), 404, "not_found")
    expect_error(api.delete(f"/polls/{poll['id']}"), 404, "not_found")
    assert poll["id"] not in [p["id"] for p in expect(api.get(f"/structures/{sid}/polls"), 200)]

    kept = expect(api.post(f"/structures/{sid}/polls", json={
        "title": "Gardé", "kind": "other", "slots": [{"date": later(6), "start": "10:00", "end": "11:00"}]}), 201)
    expect(api.post(f"/polls/{kept['id']}/close", json={"slot_id": kept["slots"][0]["id"]}), 201)
    error = expect_error(api.delete(f"/polls/{kept['id']}"), 409, "conflict")
    assert "cannot be deleted" in error["message"]
    assert expect(api.get(f"/polls/{kept['id']}"), 200)["status"] == "closed"
