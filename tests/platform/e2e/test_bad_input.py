"""Bad input, wrong credentials and stale links: a clear 4xx in the one error envelope,
never a 500 (``steps.check`` fails any 5xx), never a partial write."""
from __future__ import annotations

import copy
import uuid

import pytest

from tests.platform.helpers import signup, signup_payload, unique_email

from .steps import Api, accept_as_newcomer, expect, expect_error, founder, invite, join, today_in_paris

BAD_RPPS = "10003456787"  # 10003456786 is valid: only the check digit differs


def changed(payload: dict, dotted: str, value=...) -> dict:
    """A copy of ``payload`` with the field at ``dotted`` set to ``value`` (removed when omitted)."""
    payload = copy.deepcopy(payload)
    *parents, name = dotted.split(".")
    target = payload
    for key in parents:
        target = target[key]
    if value is ...:
        del target[name]
    else:
        target[name] = value
    return payload


SIGNUP_CASES = [
    ("missing e-mail", "coordinator.email", ..., "coordinator.email"),
    ("missing address", "structure.address", ..., "structure.address"),
    ("name is a number", "structure.name", 42, "structure.name"),
    ("opening hours not a list", "structure.opening_hours", "lundi 8h-20h", "structure.opening_hours"),
    ("e-mail without domain", "coordinator.email", "claire.martin@", "coordinator.email"),
    ("e-mail is a list", "coordinator.email", ["claire@example.org"], "coordinator.email"),
    ("RPPS with a bad check digit", "coordinator.rpps", BAD_RPPS, "coordinator.rpps"),
    ("RPPS too short", "coordinator.rpps", "1000345", "coordinator.rpps"),
    ("weak password", "coordinator.password", "court", "coordinator.password"),
    ("unknown structure kind", "structure.kind", "hopital", "structure.kind"),
    ("unknown profession", "coordinator.profession", "astrologue", "coordinator.profession"),
    ("postcode of 4 digits", "structure.address.postcode", "3500", "structure.address.postcode"),
    ("malformed FINESS", "structure.finess", "12345", "structure.finess"),
    ("closing before opening", "structure.opening_hours", [{"day": "monday", "opens": "20:00", "closes": "08:00"}],
     "structure.opening_hours"),
    ("unknown field", "coordinator.age", 44, "coordinator.age"),
]


@pytest.mark.parametrize("change, value, field", [case[1:] for case in SIGNUP_CASES],
                         ids=[case[0] for case in SIGNUP_CASES])
def test_a_bad_signup_is_refused_naming_the_field(platform, change, value, field):
    response = Api(platform.base_url).post("/signup", json=changed(signup_payload(), change, value))

    assert_names_field(expect_error(response, 400, "invalid"), field)


# (method, path, JSON body or raw text, field named); {sid} and {uid} are the founder's.
REQUEST_CASES = [
    ("POST", "/signup", '{"structure": {"kind": "msp",', "body"),
    ("POST", "/auth/login", "not json at all", "body"),
    ("POST", "/auth/login", '["claire@example.org", "secret"]', "body"),
    ("POST", "/auth/login", {"email": "claire@example.org"}, "password"),
    ("POST", "/auth/login", {"email": 42, "password": "x"}, "email"),
    ("POST", "/auth/refresh", {"refresh_token": 12345678901}, "refresh_token"),
    ("POST", "/auth/logout", {}, "refresh_token"),
    ("PATCH", "/me", {"rpps": BAD_RPPS}, "rpps"),
    ("PATCH", "/me", {"phone": "call me maybe"}, "phone"),
    ("PATCH", "/me", {"locale": "de"}, "locale"),
    ("PATCH", "/me", '{"first_name": "Claire"', "body"),
    ("PATCH", "/structures/{sid}", {"phone": "pas de téléphone"}, "phone"),
    ("PATCH", "/structures/{sid}", {"opening_hours": [{"day": "funday", "opens": "08:00", "closes": "12:00"}]},
     "opening_hours"),
    ("PATCH", "/structures/{sid}/members/{uid}", {"role": "chief"}, "role"),
    ("POST", "/structures/{sid}/invitations", {"email": "paul@", "role": "member", "profession": "infirmier"},
     "email"),
    ("POST", "/structures/{sid}/invitations", {"email": "paul@example.org", "role": "boss", "profession": "ipa"},
     "role"),
    ("POST", "/structures/{sid}/availability", {"kind": "vacances", "starts_on": "2026-12-01",
                                                "ends_on": "2026-12-02"}, "kind"),
    ("POST", "/structures/{sid}/availability", {"kind": "leave", "starts_on": "2026-12-10",
                                                "ends_on": "2026-12-01"}, "ends_on"),
    ("POST", "/structures/{sid}/availability", {"kind": "leave", "starts_on": "2026-13-01",
                                                "ends_on": "2026-12-01"}, "starts_on"),
    ("POST", "/structures/{sid}/availability", {"starts_on": "2026-12-01", "ends_on": "2026-12-01"}, "kind"),
    ("GET", "/structures/{sid}/directory?profession=astrologue", None, "profession"),
    ("GET", "/structures/{sid}/on-call?date=demain", None, "date"),
    ("GET", "/structures/{sid}/availability?starts_on=2026-02-30", None, "starts_on"),
    ("GET", "/structures/{sid}/availability?kind=sick", None, "kind"),
    ("GET", "/structures/{sid}/away?starts_on=2026-12-10&ends_on=2026-12-01", None, "ends_on"),
    ("POST", "/invitations/no-such-token/accept", {"first_name": "Paul", "password": ""}, "password"),
]


@pytest.fixture(scope="module")
def structure(platform) -> dict:
    return signup(platform.base_url)


@pytest.mark.parametrize("method, path, body, field", REQUEST_CASES,
                         ids=[f"{c[0]} {c[1]} {c[3]}" for c in REQUEST_CASES])
def test_bad_input_is_a_400_naming_the_field(platform, structure, method, path, body, field):
    api = founder(structure).api(platform.base_url)
    path = path.format(sid=structure["structure"]["id"], uid=structure["user_id"])
    if isinstance(body, str):
        response = api.call(method, path, data=body.encode(), headers={"Content-Type": "application/json"})
    else:
        response = api.call(method, path, json=body)

    assert_names_field(expect_error(response, 400, "invalid"), field)


def test_a_body_sent_as_a_form_is_refused(platform):
    response = Api(platform.base_url).post("/auth/login", data={"email": "claire@example.org", "password": "x"})

    assert "body" in expect_error(response, 400, "invalid")["fields"]


def test_a_signup_refused_for_bad_input_leaves_nothing_behind(platform):
    payload = signup_payload()

    expect_error(Api(platform.base_url).post("/signup", json=changed(payload, "coordinator.rpps", BAD_RPPS)), 400)

    assert expect(Api(platform.base_url).post("/signup", json=payload), 201)["structure"]["name"] == \
        payload["structure"]["name"]


def test_a_signup_refused_for_a_taken_email_leaves_no_structure_behind(platform, structure):
    name = f"msp sans trace {uuid.uuid4().hex[:8]}"
    taken = signup_payload(structure={"name": name}, coordinator={"email": structure["email"]})

    expect_error(Api(platform.base_url).post("/signup", json=taken), 409, "conflict")

    result = signup(platform.base_url, structure={"name": name})
    assert result["structure"]["slug"] == name.replace(" ", "-"), "the refused sign-up kept its structure's slug"


def test_an_email_already_used_is_a_conflict_whatever_its_case(platform, structure):
    for address in (structure["email"], structure["email"].upper()):
        payload = signup_payload(coordinator={"email": address})
        expect_error(Api(platform.base_url).post("/signup", json=payload), 409, "conflict")


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(platform):
    person = founder(signup(platform.base_url))
    anonymous = Api(platform.base_url)

    wrong_password = expect_error(anonymous.post("/auth/login", json={"email": person.email, "password": "nope"}),
                                  401, "unauthorized")
    unknown = expect_error(anonymous.post("/auth/login", json={"email": unique_email(), "password": "nope"}),
                           401, "unauthorized")

    assert wrong_password == unknown


def test_repeated_failures_are_throttled_even_with_the_right_password(platform):
    person = founder(signup(platform.base_url))
    anonymous = Api(platform.base_url)
    statuses = []
    for _ in range(10):
        statuses.append(anonymous.post("/auth/login", json={"email": person.email, "password": "wrong"}).status_code)
        if statuses[-1] == 429:
            break

    assert statuses[-1] == 429 and set(statuses[:-1]) == {401}, statuses
    right = anonymous.post("/auth/login", json={"email": person.email, "password": person.password})
    expect_error(right, 429, "too_many_requests")


def test_an_invitation_link_works_once(platform, structure):
    coordinator = founder(structure).api(platform.base_url)
    email = unique_email("once")
    _, token = invite(coordinator, structure["structure"]["id"], platform.mail_dir, email)
    accept_as_newcomer(platform.base_url, token, email)
    anonymous = Api(platform.base_url)

    expect_error(anonymous.get(f"/invitations/{token}"), 410, "gone")
    again = anonymous.post(f"/invitations/{token}/accept",
                           json={"first_name": "Eve", "last_name": "Again", "password": "un mot de passe solide"})
    expect_error(again, 410, "gone")


def test_a_revoked_invitation_is_gone(platform, structure):
    sid = structure["structure"]["id"]
    coordinator = founder(structure).api(platform.base_url)
    invitation, token = invite(coordinator, sid, platform.mail_dir)

    expect(coordinator.delete(f"/structures/{sid}/invitations/{invitation['id']}"), 204)

    expect_error(Api(platform.base_url).get(f"/invitations/{token}"), 410, "gone")


def test_an_unknown_invitation_token_is_not_found(platform):
    expect_error(Api(platform.base_url).get(f"/invitations/{uuid.uuid4().hex}"), 404, "not_found")


def test_accepting_for_an_existing_account_needs_its_password(platform, structure):
    other = signup(platform.base_url)
    coordinator = founder(structure).api(platform.base_url)
    _, token = invite(coordinator, structure["structure"]["id"], platform.mail_dir, other["email"])

    response = Api(platform.base_url).post(f"/invitations/{token}/accept", json={"password": "not the password"})

    expect_error(response, 401, "unauthorized")
    assert expect(Api(platform.base_url).get(f"/invitations/{token}"), 200)["account_exists"] is True


def test_inviting_a_member_again_is_a_conflict(platform, structure):
    sid = structure["structure"]["id"]
    coordinator = founder(structure).api(platform.base_url)

    response = coordinator.post(f"/structures/{sid}/invitations",
                                json={"email": structure["email"], "role": "member", "profession": "infirmier"})

    expect_error(response, 409, "conflict")


def test_the_last_coordinator_cannot_step_down(platform):
    result = signup(platform.base_url)
    sid, uid = result["structure"]["id"], result["user_id"]
    coordinator = founder(result).api(platform.base_url)

    expect_error(coordinator.patch(f"/structures/{sid}/members/{uid}", json={"role": "member"}), 409, "conflict")
    expect_error(coordinator.delete(f"/structures/{sid}/members/{uid}"), 409, "conflict")
    members = expect(coordinator.get(f"/structures/{sid}/members"), 200)
    assert [(m["user_id"], m["role"]) for m in members] == [(uid, "coordinator")]


def test_a_member_cannot_do_what_only_coordinators_do(platform, structure):
    sid = structure["structure"]["id"]
    member = join(platform, founder(structure).api(platform.base_url), sid)
    as_member = member.api(platform.base_url)

    expect_error(as_member.patch(f"/structures/{sid}", json={"phone": "02 99 99 99 99"}), 403, "forbidden")
    expect_error(as_member.post(f"/structures/{sid}/invitations",
                                json={"email": unique_email(), "role": "coordinator", "profession": "ipa"}), 403)
    expect_error(as_member.post(f"/structures/{sid}/availability", json={
        "kind": "leave", "starts_on": today_in_paris().isoformat(), "ends_on": today_in_paris().isoformat(),
        "user_id": structure["user_id"]}), 403, "forbidden")


def test_a_structure_that_is_not_yours_is_not_found(platform, structure):
    coordinator = founder(structure).api(platform.base_url)
    elsewhere = signup(platform.base_url)["structure"]["id"]

    for sid in (elsewhere, str(uuid.uuid4())):
        error = expect_error(coordinator.get(f"/structures/{sid}"), 404, "not_found")
        assert sid not in error["message"]


@pytest.mark.parametrize("token", [None, "not-a-jwt", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."])
def test_a_missing_or_forged_token_is_401(platform, token):
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    expect_error(Api(platform.base_url).get("/me", headers=headers), 401, "unauthorized")


def test_unknown_routes_and_methods_answer_in_json(platform):
    anonymous = Api(platform.base_url)

    expect_error(anonymous.get("/no-such-resource"), 404, "not_found")
    expect_error(anonymous.get("/structures"), 404, "not_found")
    expect_error(anonymous.call("PUT", "/me"), 405, "method_not_allowed")


def assert_names_field(error: dict, field: str) -> None:
    """``field`` itself, or one of its parts (``opening_hours.0.closes``), is named."""
    named = [name for name in error["fields"] if name == field or name.startswith(field + ".")]
    assert named, f"expected {field!r} among the fields of {error}"
