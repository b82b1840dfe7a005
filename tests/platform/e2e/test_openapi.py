"""The OpenAPI document: valid, committed, and true to what the API really answers."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from marshmallow import ValidationError

import gateway.app  # noqa: F401 - importing the app declares every operation
from gateway.api import OPERATIONS
from gateway.openapi import render
from tests.platform.helpers import signup_payload, unique_email

from .steps import API, Api, expect, founder, invite, join, login, today_in_paris

ROOT = Path(__file__).resolve().parents[3]
COMMITTED = ROOT / "docs" / "openapi.json"
OPERATION_BY_PATH = {(op.method, re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", op.rule)): op for op in OPERATIONS}
REGENERATE = "regenerate it with `.venv/bin/python -m gateway.openapi > docs/openapi.json` (or `make openapi`)"
HTTP_METHODS = {"get", "put", "post", "patch", "delete"}
PENDING_FORMATS: set[str] = set()
IDENTITY_TAGS = {"auth", "account", "structures", "members", "invitations", "directory", "availability", "audit",
                 "reference"}


@pytest.fixture(scope="module")
def served_spec(platform) -> dict:
    response = requests.get(f"{platform.base_url}{API}/openapi.json", timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_served_document_is_valid_openapi_3(served_spec):
    try:
        from openapi_spec_validator import validate
    except ImportError:
        assert_openapi_structure(served_spec)
    else:
        validate(served_spec)
    assert served_spec["openapi"].startswith("3.")


def test_the_committed_document_is_the_one_the_code_builds():
    assert COMMITTED.exists(), f"docs/openapi.json is missing; {REGENERATE}"
    if COMMITTED.read_text() != render():
        committed, built = json.loads(COMMITTED.read_text()), json.loads(render())
        pytest.fail(f"docs/openapi.json is stale; {REGENERATE}\n{differences(committed, built)}")


def test_the_served_document_is_the_committed_one(served_spec):
    committed = json.loads(COMMITTED.read_text())
    if served_spec != committed:
        pytest.fail(f"the running gateway serves another document than docs/openapi.json; {REGENERATE}\n"
                    f"{differences(committed, served_spec)}")


def test_the_browsable_docs_render(platform, served_spec):
    response = requests.get(f"{platform.base_url}{API}/docs", timeout=30)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Maillage API" in response.text
    for path in served_spec["paths"]:
        assert f"<code>{path}</code>" in response.text


@pytest.fixture(scope="module")
def exchanges(platform) -> list[requests.Response]:
    return exercise_the_identity_api(platform)


def test_answers_match_the_documented_schemas(exchanges, served_spec):
    problems = [problem for response in exchanges
                for problem in mismatches(served_spec, response, unchecked_formats=PENDING_FORMATS)]

    assert not problems, "\n".join(problems)
    identity = {(method.upper(), path) for path, operations in served_spec["paths"].items()
                for method, operation in operations.items() if set(operation["tags"]) & IDENTITY_TAGS}
    checked = {(r.request.method, spec_path(served_spec, r.request.method, r.url)) for r in exchanges}
    assert identity - checked == set(), "add these to exercise_the_identity_api"


def test_successful_answers_load_through_their_contract_schema(exchanges, served_spec):
    """The spec's schemas allow extra properties; the contract schemas (unknown=RAISE) do not."""
    problems = []
    for response in filter(lambda r: r.ok and r.content, exchanges):
        operation = OPERATION_BY_PATH[(response.request.method, spec_path(served_spec, response.request.method,
                                                                           response.url))]
        try:
            operation.response.load(response.json())
        except ValidationError as err:
            problems.append(f"{response.request.method} {urlsplit(response.url).path}: {err.messages}")

    assert not problems, "\n".join(problems)


def test_times_carry_their_utc_offset(exchanges, served_spec):
    problems = [problem for response in exchanges for problem in mismatches(served_spec, response)
                if "date-time" in problem]

    assert not problems, "\n".join(problems[:5])


def exercise_the_identity_api(platform) -> list[requests.Response]:
    """One pass over the endpoints, answers and errors alike; returns every response."""
    anonymous = Api(platform.base_url)
    payload = signup_payload()
    signup_response = anonymous.post("/signup", json=payload)
    signed_up = {**expect(signup_response, 201), **payload["coordinator"]}
    sid, uid = signed_up["structure"]["id"], signed_up["user_id"]
    coordinator = founder(signed_up).api(platform.base_url)
    tokens = login(platform.base_url, signed_up["email"], signed_up["password"])
    email = unique_email("spec")
    invitation, token = invite(coordinator, sid, platform.mail_dir, email)
    responses = [
        signup_response,
        anonymous.get("/reference"),
        anonymous.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}),
        anonymous.post("/auth/login", json={"email": signed_up["email"], "password": "wrong password"}),
        coordinator.get("/me"),
        coordinator.patch("/me", json={"phone": "06 12 34 56 78", "rpps": "10003456786"}),
        coordinator.get(f"/structures/{sid}"),
        coordinator.patch(f"/structures/{sid}", json={"phone": "02 99 12 34 56"}),
        coordinator.get(f"/structures/{sid}/invitations"),
        anonymous.get(f"/invitations/{token}"),
    ]
    accepted = anonymous.post(f"/invitations/{token}/accept",
                              json={"first_name": "Paul", "last_name": "Leroy", "password": "un autre mot de passe"})
    newcomer = expect(accepted, 200)["tokens"]["user_id"]
    day = (today_in_paris() + timedelta(days=1)).isoformat()
    leave = coordinator.post(f"/structures/{sid}/availability",
                             json={"kind": "leave", "starts_on": day, "ends_on": day, "note": "Congés"})
    guest = join(platform, coordinator, sid, "guest", "secretaire")
    responses += [
        accepted, leave,
        coordinator.post(f"/structures/{sid}/invitations",
                         json={"email": email, "role": "member", "profession": "infirmier"}),
        coordinator.get(f"/structures/{sid}/members"),
        coordinator.patch(f"/structures/{sid}/members/{newcomer}", json={"profession": "ipa"}),
        coordinator.get(f"/structures/{sid}/directory", params={"q": "leroy"}),
        coordinator.post(f"/structures/{sid}/availability",
                         json={"kind": "on_call", "starts_on": day, "ends_on": day, "user_id": newcomer}),
        coordinator.get(f"/structures/{sid}/availability", params={"starts_on": day, "ends_on": day}),
        coordinator.get(f"/structures/{sid}/on-call", params={"date": day}),
        coordinator.get(f"/structures/{sid}/away", params={"starts_on": day}),
        coordinator.get(f"/structures/{sid}/audit"),
        coordinator.delete(f"/structures/{sid}/availability/{leave.json()['id']}"),
        coordinator.delete(f"/structures/{sid}/availability/{leave.json()['id']}"),
        coordinator.delete(f"/structures/{sid}/members/{guest.user_id}"),
        coordinator.delete(f"/structures/{sid}/members/{uid}"),
        coordinator.delete(f"/structures/{sid}/invitations/{invitation['id']}"),
        anonymous.post("/auth/logout", json={"refresh_token": tokens["refresh_token"]}),
    ]
    return responses


def spec_path(spec: dict, method: str, url: str) -> str | None:
    """The documented path template that ``url`` matches for ``method``, if any."""
    path = urlsplit(url).path
    for template, operations in spec["paths"].items():
        pattern = "^" + re.sub(r"\{[a-z_]+\}", "[^/]+", template) + "$"
        if method.lower() in operations and re.match(pattern, path):
            return template
    return None


def mismatches(spec: dict, response: requests.Response, unchecked_formats: set[str] = frozenset()) -> list[str]:
    """What in ``response`` disagrees with the spec: undocumented status, or a body that does
    not validate against the documented schema (formats included)."""
    method, where = response.request.method, f"{response.request.method} {urlsplit(response.url).path}"
    template = spec_path(spec, method, response.url)
    if template is None:
        return [f"{where}: no documented operation"] if response.status_code != 404 else []
    documented = spec["paths"][template][method.lower()]["responses"]
    answer = documented.get(str(response.status_code))
    if answer is None:
        return [f"{where}: status {response.status_code} is not documented ({sorted(documented)})"]
    if "content" not in answer:
        return [] if not response.content else [f"{where}: documented without a body, got {response.text[:200]}"]
    schema = answer["content"]["application/json"]["schema"]
    return [f"{where} ({response.status_code}) at {'/'.join(map(str, error.absolute_path)) or 'top'}: "
            f"{error.message}" for error in schema_errors(spec, schema, response.json(), unchecked_formats)]


def schema_errors(spec: dict, schema: dict, instance, unchecked_formats: set[str]) -> list:
    oas = pytest.importorskip("openapi_schema_validator", reason="openapi-spec-validator is not installed")
    errors = oas.OAS30ReadValidator({**schema, "components": spec["components"]},
                                    format_checker=oas.oas30_format_checker).iter_errors(instance)
    return [error for error in errors if not (error.validator == "format" and error.validator_value in unchecked_formats)]


def assert_openapi_structure(spec: dict) -> None:
    assert spec["openapi"].startswith("3.") and spec["info"]["title"] and spec["info"]["version"]
    for path, operations in spec["paths"].items():
        assert path.startswith("/"), path
        for method, operation in operations.items():
            assert method in HTTP_METHODS, (path, method)
            assert operation["responses"], (path, method)
            for parameter in re.findall(r"{([a-z_]+)}", path):
                assert any(p["name"] == parameter and p["in"] == "path" for p in operation["parameters"]), path
    refs = re.findall(r'"#/components/schemas/([A-Za-z0-9]+)"', json.dumps(spec))
    assert set(refs) <= set(spec["components"]["schemas"]), set(refs) - set(spec["components"]["schemas"])


def differences(expected: dict, actual: dict) -> str:
    """A short account of what changed, paths first."""
    lines = []
    for name, side_a, side_b in (("path", expected.get("paths", {}), actual.get("paths", {})),
                                 ("schema", expected.get("components", {}).get("schemas", {}),
                                  actual.get("components", {}).get("schemas", {}))):
        lines += [f"  {name} only in docs/openapi.json: {key}" for key in sorted(set(side_a) - set(side_b))]
        lines += [f"  {name} only in the code: {key}" for key in sorted(set(side_b) - set(side_a))]
        lines += [f"  {name} changed: {key}" for key in sorted(set(side_a) & set(side_b)) if side_a[key] != side_b[key]]
    return "\n".join(lines) or "  (differences outside paths and schemas)"
