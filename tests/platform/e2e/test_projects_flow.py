"""Projects and tasks through the real HTTP API: a coordinator runs a project with her team,
a nurse follows her own tasks across structures; bad input is a 400 naming the field, a stale
version a 409, and every answer fits the documented schemas."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
from marshmallow import ValidationError

from tests.platform.helpers import signup

from .steps import expect, expect_error, founder, join, today_in_paris
from .test_bad_input import assert_names_field
from .test_openapi import OPERATION_BY_PATH, mismatches, served_spec, spec_path  # noqa: F401 - fixture

EXCHANGES: list[requests.Response] = []


def keep(response: requests.Response) -> requests.Response:
    """Remember an answer so that it is checked against the OpenAPI document at the end."""
    EXCHANGES.append(response)
    return response


@pytest.fixture(scope="module")
def team(platform):
    """A structure with its coordinator, a nurse, a GP, a guest; and another structure whose
    coordinator also belongs to the first one as a nurse would (two structures for one person)."""
    signed_up = signup(platform.base_url)
    sid = signed_up["structure"]["id"]
    claire = founder(signed_up).api(platform.base_url)
    anne = join(platform, claire, sid, "member", "infirmier", first_name="Anne")
    paul = join(platform, claire, sid, "member", "medecin_generaliste", first_name="Paul")
    guest = join(platform, claire, sid, "guest", "secretaire", first_name="Gaëlle")
    other = signup(platform.base_url)
    other_sid = other["structure"]["id"]
    olga = founder(other).api(platform.base_url)
    return {"sid": sid, "claire": claire, "claire_id": signed_up["user_id"], "anne": anne, "paul": paul,
            "guest": guest, "other_sid": other_sid, "olga": olga, "olga_id": other["user_id"], "platform": platform}


def test_a_coordinator_runs_a_project_and_a_nurse_follows_her_tasks(team):
    base, sid, claire = team["platform"].base_url, team["sid"], team["claire"]
    anne, paul = team["anne"].api(base), team["paul"].api(base)
    today = today_in_paris()
    project = expect(keep(claire.post(f"/structures/{sid}/projects", json={
        "title": "Protocole AVK", "description": "Circuit de l'**INR**.", "theme": "pathways",
        "aci": {"kind": "protocol", "theme": "iatrogenic_risk"}, "lead_id": team["paul"].user_id,
        "participant_ids": [team["anne"].user_id], "status": "active", "starts_on": today.isoformat(),
        "due_on": (today + timedelta(days=90)).isoformat()})), 201)
    pid = project["id"]
    read = expect(keep(claire.post(f"/projects/{pid}/tasks", json={
        "title": "Relire les recommandations", "assignee_ids": [team["anne"].user_id],
        "due_on": (today - timedelta(days=2)).isoformat(), "checklist": [{"text": "HAS"}, {"text": "ANSM"}]})), 201)
    write = expect(keep(claire.post(f"/projects/{pid}/tasks", json={
        "title": "Rédiger le circuit", "assignee_ids": [team["anne"].user_id],
        "due_on": (today + timedelta(days=3)).isoformat(), "depends_on": [read["id"]]})), 201)
    expect(keep(claire.post(f"/projects/{pid}/tasks", json={"title": "Valider en équipe",
                                                            "assignee_ids": [team["paul"].user_id]})), 201)

    mine = expect(keep(anne.get("/me/tasks")), 200)
    assert [(t["title"], t["overdue"]) for t in mine] == [("Relire les recommandations", True),
                                                          ("Rédiger le circuit", False)]
    assert mine[1]["waiting_for"] == [read["id"]] and mine[0]["structure_id"] == sid

    refused = expect_error(keep(anne.patch(f"/tasks/{write['id']}", json={"version": 1, "status": "done"})), 409,
                           "conflict")
    assert "status" in refused["fields"]
    detail = expect(keep(anne.get(f"/tasks/{read['id']}")), 200)
    checklist = [{**item, "done": True} for item in detail["checklist"]]
    ticked = expect(keep(anne.patch(f"/tasks/{read['id']}", json={"version": detail["version"],
                                                                   "checklist": checklist})), 200)
    done = expect(keep(anne.patch(f"/tasks/{read['id']}", json={"version": ticked["version"],
                                                                 "status": "done"})), 200)
    assert (done["status"], done["completed_by"], done["version"]) == ("done", team["anne"].user_id, 3)
    expect(keep(paul.post(f"/tasks/{write['id']}/comments", json={"body": "Le labo est d'accord."})), 201)

    board = expect(keep(claire.get(f"/structures/{sid}/dashboard")), 200)
    [active] = board["active_projects"]
    assert active["progress"] == {"total": 3, "done": 1, "percent": 33, "overdue": 0}
    assert board["overdue"] == []
    assert [t["title"] for t in board["due_this_week"] + board["due_next_week"]] == ["Rédiger le circuit"]
    assert {c["code"]: c["count"] for c in board["aci_counts"]}["protocol"] == 1
    assert board["recent_activity"][0]["action"] == "task.commented"
    assert [t["title"] for t in expect(keep(anne.get("/me/tasks")), 200)] == ["Rédiger le circuit"]
    assert [p["my_part"] for p in expect(keep(paul.get("/me/projects")), 200)] == ["lead"]
    history = expect(keep(claire.get(f"/projects/{pid}/activity", params={"limit": 50})), 200)
    assert {"project.created", "task.created", "task.status_changed", "task.updated", "task.commented"} <= {
        h["action"] for h in history}
    listed = expect(keep(claire.get(f"/structures/{sid}/projects", params={"aci": "protocol", "sort": "title"})),
                    200)
    assert [p["id"] for p in listed] == [pid]
    assert expect(keep(claire.get(f"/projects/{pid}/tasks")), 200)[0]["id"] == read["id"]
    keep(requests.get(f"{base}/api/v1/reference/projects", timeout=30))


def test_a_stale_version_is_a_409_and_the_first_change_survives(team):
    base, sid, claire = team["platform"].base_url, team["sid"], team["claire"]
    anne = team["anne"].api(base)
    project = expect(claire.post(f"/structures/{sid}/projects", json={
        "title": "Dépistage BPCO", "participant_ids": [team["anne"].user_id]}), 201)
    task = expect(claire.post(f"/projects/{project['id']}/tasks", json={"title": "Commander un spiromètre"}), 201)

    expect(anne.patch(f"/tasks/{task['id']}", json={"version": 1, "notes": "Devis demandé"}), 200)
    conflict = expect_error(keep(claire.patch(f"/tasks/{task['id']}", json={"version": 1, "notes": "Autre"})), 409,
                            "conflict")
    project_changed = expect(claire.patch(f"/projects/{project['id']}", json={"version": 1, "status": "active"}),
                              200)
    expect_error(keep(anne.patch(f"/projects/{project['id']}", json={"version": 1, "title": "X"})), 409, "conflict")

    assert "version" in conflict["fields"]
    assert expect(anne.get(f"/tasks/{task['id']}"), 200)["notes"] == "Devis demandé"
    assert project_changed["version"] == 2


def test_who_may_change_read_or_comment(team):
    base, sid, claire = team["platform"].base_url, team["sid"], team["claire"]
    paul, guest = team["paul"].api(base), team["guest"].api(base)
    project = expect(claire.post(f"/structures/{sid}/projects", json={
        "title": "Recrutement d'une IPA", "participant_ids": [team["anne"].user_id], "restricted": True}), 201)
    shared = expect(claire.post(f"/structures/{sid}/projects", json={"title": "Groupe de marche"}), 201)

    expect_error(keep(paul.get(f"/projects/{project['id']}")), 404, "not_found")
    assert project["id"] not in {p["id"] for p in expect(paul.get(f"/structures/{sid}/projects"), 200)}
    expect_error(keep(paul.patch(f"/projects/{shared['id']}", json={"version": 1, "title": "À moi"})), 403,
                 "forbidden")
    expect_error(keep(guest.post(f"/structures/{sid}/projects", json={"title": "Mon projet"})), 403, "forbidden")
    assert expect(guest.get(f"/projects/{shared['id']}"), 200)["can_edit"] is False
    expect_error(team["olga"].get(f"/projects/{shared['id']}"), 404, "not_found")


def project_cases(team) -> list[tuple[str, dict, str]]:
    today = today_in_paris()
    return [
        ("unknown participant", {"title": "X", "participant_ids": ["inconnu"]}, "participant_ids"),
        ("participant of another structure", {"title": "X", "participant_ids": [team["olga_id"]]}, "participant_ids"),
        ("guest as lead", {"title": "X", "lead_id": team["guest"].user_id}, "lead_id"),
        ("due before start", {"title": "X", "starts_on": today.isoformat(),
                              "due_on": (today - timedelta(days=1)).isoformat()}, "due_on"),
        ("unknown ACI theme", {"title": "X", "aci": {"kind": "protocol", "theme": "astrologie"}}, "aci.theme"),
        ("protocol without theme", {"title": "X", "aci": {"kind": "protocol"}}, "aci.theme"),
        ("unknown mission topic", {"title": "X", "aci": {"kind": "public_health_mission", "topic": "x"}}, "aci.topic"),
        ("unknown status", {"title": "X", "status": "en pause"}, "status"),
        ("public and restricted", {"title": "X", "public": True, "restricted": True}, "public"),
        ("no title", {"description": "sans titre"}, "title"),
        ("date not a date", {"title": "X", "due_on": "demain"}, "due_on"),
        ("unknown field", {"title": "X", "budget": 1000}, "budget"),
    ]


def test_bad_projects_are_refused_naming_the_field_and_nothing_is_written(team):
    sid, claire = team["sid"], team["claire"]
    before = len(expect(claire.get(f"/structures/{sid}/projects"), 200))

    problems = []
    for name, body, field in project_cases(team):
        error = expect_error(keep(claire.post(f"/structures/{sid}/projects", json=body)), 400, "invalid")
        try:
            assert_names_field(error, field)
        except AssertionError as exc:
            problems.append(f"{name}: {exc}")

    assert not problems, "\n".join(problems)
    assert len(expect(claire.get(f"/structures/{sid}/projects"), 200)) == before


def test_bad_tasks_are_refused_naming_the_field(team):
    base, sid, claire = team["platform"].base_url, team["sid"], team["claire"]
    project = expect(claire.post(f"/structures/{sid}/projects", json={
        "title": "Dossier ACI", "participant_ids": [team["anne"].user_id]}), 201)
    pid = project["id"]
    first = expect(claire.post(f"/projects/{pid}/tasks", json={"title": "Rassembler les CR"}), 201)
    second = expect(claire.post(f"/projects/{pid}/tasks", json={"title": "Déclarer", "depends_on": [first["id"]]}),
                    201)
    today = today_in_paris()
    cases = [
        ("POST", f"/projects/{pid}/tasks", {"title": "X", "assignee_ids": ["inconnu"]}, "assignee_ids"),
        ("POST", f"/projects/{pid}/tasks", {"title": "X", "assignee_ids": [team["olga_id"]]}, "assignee_ids"),
        ("POST", f"/projects/{pid}/tasks", {"title": "X", "assignee_ids": [team["paul"].user_id]}, "assignee_ids"),
        ("POST", f"/projects/{pid}/tasks", {"title": "X", "depends_on": ["inconnue"]}, "depends_on"),
        ("POST", f"/projects/{pid}/tasks", {"title": "X", "starts_on": today.isoformat(),
                                            "due_on": (today - timedelta(days=3)).isoformat()}, "due_on"),
        ("POST", f"/projects/{pid}/tasks", {"title": "X", "status": "fini"}, "status"),
        ("PATCH", f"/tasks/{first['id']}", {"version": 1, "depends_on": [second["id"]]}, "depends_on"),
        ("PATCH", f"/tasks/{first['id']}", {"version": 1, "depends_on": [first["id"]]}, "depends_on"),
        ("PATCH", f"/tasks/{first['id']}", {"status": "done"}, "version"),
        ("PATCH", f"/tasks/{first['id']}", {"version": "1", "status": "done"}, "version"),
        ("PATCH", f"/tasks/{first['id']}", {"version": 1, "checklist": [{"done": True}]}, "checklist"),
        ("PATCH", f"/projects/{pid}", {"version": 1, "status": "done"}, "status"),  # idea -> done skips active
        ("POST", f"/tasks/{first['id']}/comments", {"body": "   "}, "body"),
    ]

    problems = []
    for method, path, body, field in cases:
        error = expect_error(keep(claire.call(method, path, json=body)), 400, "invalid")
        try:
            assert_names_field(error, field)
        except AssertionError as exc:
            problems.append(f"{method} {path} {body}: {exc}")

    assert not problems, "\n".join(problems)
    assert expect(claire.get(f"/tasks/{first['id']}"), 200)["depends_on"] == []
    assert expect(claire.get(f"/projects/{pid}/tasks"), 200).__len__() == 2
    assert requests.get(f"{base}/api/v1/me/tasks", timeout=30).status_code == 401


def test_every_projects_answer_fits_the_documented_schemas(served_spec):  # noqa: F811 - the fixture
    assert EXCHANGES, "the tests above record their answers first"
    problems = [p for response in EXCHANGES for p in mismatches(served_spec, response)]
    for response in filter(lambda r: r.ok and r.content, EXCHANGES):
        template = spec_path(served_spec, response.request.method, response.url)
        operation = OPERATION_BY_PATH[(response.request.method, template)]
        try:
            operation.response.load(response.json())
        except ValidationError as err:
            problems.append(f"{response.request.method} {urlsplit(response.url).path}: {err.messages}")
    assert not problems, "\n".join(problems)
