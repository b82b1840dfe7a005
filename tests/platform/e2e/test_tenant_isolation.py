"""A member of structure B can neither read nor change anything of structure A.

The endpoints are not listed by hand: every operation the gateway declares with
``auth="tenant"`` is attacked, so a new endpoint is covered the day it is added, and the
suite fails if it does not know how to fill one of its path parameters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

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
A_ITEMS = ("sid", "uid", "iid", "aid")  # structure, member, invitation, availability period


def path_parameters(op: Operation) -> list[str]:
    return PATH_PARAMETER.findall(op.rule)


SUB_RESOURCE_OPERATIONS = [op for op in TENANT_OPERATIONS if set(path_parameters(op)) - {"sid"}]


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
    a_ids = {"sid": a_sid, "uid": a_doctor.user_id, "iid": pending["id"], "aid": leave["id"]}
    assert tuple(a_ids) == A_ITEMS
    return Tenants(
        a_ids=a_ids,
        a_secrets=[a["structure"]["name"], a["structure"]["slug"], a["email"], a_doctor.email, a_doctor.last_name,
                   a["user_id"], pending["email"]],
        a_coordinator=a_coordinator,
        a_structure_fields=(a["structure"]["phone"], a["structure"]["opening_hours"]),
        b_sid=b["structure"]["id"], b_coordinator=founder(b).api(platform.base_url), b_coordinator_id=b["user_id"])


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


def test_every_tenant_operation_is_attacked():
    assert TENANT_OPERATIONS, "no tenant operation declared: is gateway.app importing the API blueprints?"
    assert [op_id(op) for op in TENANT_OPERATIONS if op.auth != "tenant"] == [], "a structure's path without auth='tenant'"
    assert all(op.rule.startswith(f"{API_PREFIX}/structures/<sid>") for op in TENANT_OPERATIONS)
    for op in TENANT_OPERATIONS:
        fill(op, {name: name for name in A_ITEMS})
