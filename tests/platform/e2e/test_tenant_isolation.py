"""A member of structure B can neither read nor change anything of structure A.

The endpoints are not listed by hand: every operation the gateway declares with
``auth="tenant"`` is attacked, so a new endpoint is covered the day it is added, and the
suite fails if it does not know how to fill one of its path parameters.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import requests

import gateway.app  # noqa: F401 - importing the app declares every operation
from gateway.api import API_PREFIX, OPERATIONS, Operation
from tests.platform.helpers import signup, unique_email

from .steps import Api, expect, expect_error, founder, join, today_in_paris

# Declared tenant, or naming a structure in its path whatever it declares.
TENANT_OPERATIONS = sorted((op for op in OPERATIONS if op.auth == "tenant" or "<sid>" in op.rule),
                           key=lambda op: (op.rule, op.method))
PATH_PARAMETER = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")
A_ITEMS = ("sid", "uid", "iid", "aid", "pid", "tid", "mid", "poll_id", "time_id", "did", "n", "year")  # structure,
# member, invitation, availability period, project, task, meeting, date poll, coordination time record, document,
# version, a year (finance)
# Path parameters that name no item of A's (a year): under B's own sid they address B's own data.
NOT_A_RESOURCE = {"sid", "year"}


def path_parameters(op: Operation) -> list[str]:
    return PATH_PARAMETER.findall(op.rule)


SUB_RESOURCE_OPERATIONS = [op for op in TENANT_OPERATIONS if set(path_parameters(op)) - NOT_A_RESOURCE]


def op_id(op: Operation) -> str:
    return f"{op.method} {op.rule.removeprefix(API_PREFIX)}"


@dataclass
class Tenants:
    """Structure A with some of everything, and B's coordinator, who attacks it."""
    a_ids: dict[str, str]
    a_secrets: list[str]
    a_coordinator: Api
    a_structure_fields: tuple
    b_sid: str
    b_coordinator: Api
    b_coordinator_id: str
    attacks: dict[tuple[str, str, str], requests.Response] = field(default_factory=dict)


@pytest.fixture(scope="module")
def tenants(platform) -> Tenants:
    a, b = signup(platform.base_url), signup(platform.base_url)
    a_sid = a["structure"]["id"]
    a_coordinator = founder(a).api(platform.base_url)
    a_doctor = join(platform, a_coordinator, a_sid, "member", "medecin_generaliste", first_name="Marius")
    today = today_in_paris().isoformat()
    leave = expect(a_doctor.api(platform.base_url).post(
        f"/structures/{a_sid}/availability", json={"kind": "leave", "starts_on": today, "ends_on": today}), 201)
    pending = expect(a_coordinator.post(f"/structures/{a_sid}/invitations", json={
        "email": unique_email("pending"), "role": "member", "profession": "pharmacien"}), 201)
    project = expect(a_coordinator.post(f"/structures/{a_sid}/projects", json={
        "title": f"Projet secret {uuid.uuid4().hex[:6]}", "participant_ids": [a_doctor.user_id]}), 201)
    task = expect(a_coordinator.post(f"/projects/{project['id']}/tasks", json={
        "title": f"Tâche secrète {uuid.uuid4().hex[:6]}", "assignee_ids": [a_doctor.user_id]}), 201)
    meeting = expect(a_coordinator.post(f"/structures/{a_sid}/meetings", json={
        "title": f"Réunion secrète {uuid.uuid4().hex[:6]}", "kind": "concertation", "date": later(30),
        "start": "12:30", "end": "14:00", "invitee_ids": [a_doctor.user_id]}), 201)
    poll = expect(a_coordinator.post(f"/structures/{a_sid}/polls", json={
        "title": f"Sondage secret {uuid.uuid4().hex[:6]}", "kind": "project",
        "slots": [{"date": later(37), "start": "12:30", "end": "14:00"}]}), 201)
    coordination = expect(a_coordinator.post(f"/structures/{a_sid}/coordination-time", json={
        "user_id": a_doctor.user_id, "date": today, "minutes": 45, "label": f"Dossier secret {uuid.uuid4().hex[:6]}"}),
        201)
    document = expect(a_coordinator.post(f"/structures/{a_sid}/documents", params={
        "filename": "secret.pdf", "title": f"Document secret {uuid.uuid4().hex[:6]}"}, data=b"%PDF-1.4 secret",
        headers={"Content-Type": "application/pdf"}), 201)
    a_ids = {"sid": a_sid, "uid": a_doctor.user_id, "iid": pending["id"], "aid": leave["id"], "pid": project["id"],
             "tid": task["id"], "mid": meeting["id"], "poll_id": poll["id"], "time_id": coordination["id"],
             "did": document["id"], "n": "1", "year": str(today_in_paris().year)}
    assert tuple(a_ids) == A_ITEMS
    return Tenants(
        a_ids=a_ids,
        a_secrets=[a["structure"]["name"], a["structure"]["slug"], a["email"], a_doctor.email, a_doctor.last_name,
                   a["user_id"], pending["email"], project["title"], task["title"], meeting["title"], poll["title"],
                   coordination["label"], document["title"], document["current"]["sha256"]],
        a_coordinator=a_coordinator,
        a_structure_fields=(a["structure"]["phone"], a["structure"]["opening_hours"]),
        b_sid=b["structure"]["id"], b_coordinator=founder(b).api(platform.base_url), b_coordinator_id=b["user_id"])


def later(days: int) -> str:
    return (today_in_paris() + timedelta(days=days)).isoformat()


def fill(op: Operation, values: dict[str, str]) -> str:
    """The operation's path under /api/v1 with its parameters filled from ``values``."""
    missing = [name for name in path_parameters(op) if name not in values]
    assert not missing, (f"{op_id(op)}: no value for {missing}; give structure A one of these in the `tenants` "
                         "fixture of test_tenant_isolation.py so the new endpoint is attacked too")
    return PATH_PARAMETER.sub(lambda m: values[m.group(1)], op.rule).removeprefix(API_PREFIX)


def attack(tenants: Tenants, op: Operation, values: dict[str, str]) -> requests.Response:
    """B's coordinator calls ``op`` with a valid example body and query, so that only
    tenancy can refuse it."""
    kwargs = {}
    if op.body is not None:
        kwargs["json"] = op.body.EXAMPLES[0] if op.body.EXAMPLES else {}
    if op.query is not None and op.query.EXAMPLES:
        kwargs["params"] = op.query.EXAMPLES[0]
    return tenants.b_coordinator.call(op.method, fill(op, values), **kwargs)


@pytest.fixture(scope="module")
def attacked(tenants) -> Tenants:
    """Every attack, made once: A's ids under A's sid, then A's sub-resource ids under B's sid."""
    for op in TENANT_OPERATIONS:
        tenants.attacks[("a", op.method, op.rule)] = attack(tenants, op, tenants.a_ids)
    for op in SUB_RESOURCE_OPERATIONS:
        tenants.attacks[("b", op.method, op.rule)] = attack(tenants, op, {**tenants.a_ids, "sid": tenants.b_sid})
    return tenants


def assert_not_found_and_silent(response: requests.Response, secrets: list[str]) -> None:
    expect_error(response, 404, "not_found")
    leaked = [secret for secret in secrets if secret and secret in response.text and secret not in response.url]
    assert not leaked, f"{response.request.method} {response.url} revealed {leaked}: {response.text}"


@pytest.mark.parametrize("op", TENANT_OPERATIONS, ids=op_id)
def test_another_structure_is_not_found_on_every_tenant_endpoint(attacked, op):
    assert_not_found_and_silent(attacked.attacks[("a", op.method, op.rule)], attacked.a_secrets)


@pytest.mark.parametrize("op", SUB_RESOURCE_OPERATIONS, ids=op_id)
def test_another_structure_s_items_are_not_found_under_one_s_own(attacked, op):
    assert_not_found_and_silent(attacked.attacks[("b", op.method, op.rule)], attacked.a_secrets)


def test_leave_cannot_be_declared_for_someone_of_another_structure(attacked):
    today = today_in_paris().isoformat()

    response = attacked.b_coordinator.post(f"/structures/{attacked.b_sid}/availability", json={
        "kind": "leave", "starts_on": today, "ends_on": today, "user_id": attacked.a_ids["uid"]})

    assert_not_found_and_silent(response, attacked.a_secrets)


def test_structure_a_is_untouched_after_the_attacks(attacked):
    sid = attacked.a_ids["sid"]
    a = attacked.a_coordinator

    members = {m["user_id"]: m["role"] for m in expect(a.get(f"/structures/{sid}/members"), 200)}
    assert members[attacked.a_ids["uid"]] == "member" and len(members) == 2
    invitations = expect(a.get(f"/structures/{sid}/invitations"), 200)
    assert [(i["id"], i["status"]) for i in invitations if i["status"] == "pending"] == [
        (attacked.a_ids["iid"], "pending")]
    today = today_in_paris().isoformat()
    periods = expect(a.get(f"/structures/{sid}/availability", params={"starts_on": today, "ends_on": today}), 200)
    assert [p["id"] for p in periods] == [attacked.a_ids["aid"]]
    structure = expect(a.get(f"/structures/{sid}"), 200)
    assert (structure["phone"], structure["opening_hours"]) == attacked.a_structure_fields
    audit = expect(a.get(f"/structures/{sid}/audit"), 200)
    assert attacked.b_coordinator_id not in {entry["actor_id"] for entry in audit}
    project = expect(a.get(f"/projects/{attacked.a_ids['pid']}"), 200)
    task = expect(a.get(f"/tasks/{attacked.a_ids['tid']}"), 200)
    assert (project["version"], task["version"], task["comments"]) == (1, 1, [])
    assert [t["id"] for t in expect(a.get(f"/projects/{project['id']}/tasks"), 200)] == [task["id"]]
    history = expect(a.get(f"/projects/{project['id']}/activity"), 200)
    assert {entry["actor_id"] for entry in history} == {project["created_by"]}

    meeting = expect(a.get(f"/meetings/{attacked.a_ids['mid']}"), 200)
    assert (meeting["status"], meeting["sequence"], meeting["attendance"]) == ("scheduled", 0, [])
    assert not meeting["minutes"]["cases"] and not meeting["minutes"]["notes"]
    poll = expect(a.get(f"/polls/{attacked.a_ids['poll_id']}"), 200)
    assert (poll["status"], poll["respondents"]) == ("open", [])
    assert [r["id"] for r in expect(a.get(f"/structures/{sid}/coordination-time"), 200)] == [attacked.a_ids["time_id"]]
    document = expect(a.get(f"/documents/{attacked.a_ids['did']}"), 200)
    assert (document["state"], document["current_version"], document["protocol"]) == ("active", 1, None)
    assert (document["access"], document["tags"]) == ("structure", [])


def test_a_library_protocol_cannot_be_imported_into_another_structure(attacked, platform):
    sid, did = attacked.a_ids["sid"], attacked.a_ids["did"]
    a = attacked.a_coordinator
    expect(a.put(f"/documents/{did}/protocol", json={
        "need": "Besoin", "professions": ["infirmier", "pharmacien"], "aci_theme": "iatrogenic_risk",
        "steps": [{"who": ["infirmier"], "what": "INR"}]}), 200)
    expect(a.post(f"/documents/{did}/protocol/validation", json={"review_on": later(700)}), 200)
    entry = expect(a.post(f"/documents/{did}/protocol/publication"), 201)

    response = attacked.b_coordinator.post(f"/library/{entry['id']}/import", json={"structure_id": sid})

    assert_not_found_and_silent(response, [attacked.a_secrets[1], attacked.a_secrets[2]])
    expect(a.delete(f"/documents/{did}/protocol/publication"), 200)
    expect(a.delete(f"/documents/{did}/protocol"), 200)
    assert len(expect(a.get(f"/structures/{sid}/documents"), 200)) == 1


def test_the_personal_view_of_another_structure_s_member_shows_nothing_of_a(attacked):
    assert expect(attacked.b_coordinator.get("/me/tasks", params={"include_done": "true"}), 200) == []
    assert expect(attacked.b_coordinator.get("/me/projects"), 200) == []


def test_every_tenant_operation_is_attacked():
    assert TENANT_OPERATIONS, "no tenant operation declared: is gateway.app importing the API blueprints?"
    assert [op_id(op) for op in TENANT_OPERATIONS if op.auth != "tenant"] == [], "a structure's path without auth='tenant'"
    assert all(op.rule.startswith(f"{API_PREFIX}/structures/<sid>") or op.resolves_structure
               for op in TENANT_OPERATIONS)
    for op in TENANT_OPERATIONS:
        fill(op, {name: name for name in A_ITEMS})
