"""The gateway alone: a Flask test client and a fake RPC pool, no broker and no service.

What is checked here is the gateway's own job: the error envelope and its HTTP mapping,
input validation before any call, authentication, tenancy and role checks, the arguments
given to identity, and the correlation id.
"""
from __future__ import annotations

from datetime import date

import pytest
from maillage_shared.contracts.identity import SignupRequestSchema
from maillage_shared.errors import Conflict, Invalid, NotFound, ServiceUnavailable, Unauthorized
from maillage_shared.settings import Settings
from maillage_shared.tokens import AccessTokenSigner, load_private_key

from gateway.api import OPERATIONS
from gateway.api.directory import away_period
from gateway.app import create_app

SID = "5b0c8f3e-2a41-4a55-9d2a-0f1f7b8c9d10"
USER_ID = "7a1c0000-0000-4000-8000-000000000001"


class FakeRpcPool:
    """Answers RPC calls from a table ``{(service, method): value or exception or callable}``."""

    def __init__(self, replies: dict | None = None):
        self.replies = dict(replies or {})
        self.calls: list[tuple] = []
        self.correlation_ids: list[str | None] = []

    def call(self, service, method, *args, correlation_id=None):
        self.calls.append((service, method, *args))
        self.correlation_ids.append(correlation_id)
        reply = self.replies.get((service, method))
        if isinstance(reply, Exception):
            raise reply
        return reply(*args) if callable(reply) else reply

    def methods_called(self) -> list[str]:
        return [call[1] for call in self.calls]


@pytest.fixture
def settings(tmp_path):
    return Settings(env="test", data_dir=str(tmp_path))


@pytest.fixture
def make_client(settings):
    def make(replies: dict | None = None):
        pool = FakeRpcPool(replies)
        app = create_app(settings, rpc_pool=pool)
        app.testing = True
        return app.test_client(), pool

    return make


@pytest.fixture
def bearer(settings):
    token, _ = AccessTokenSigner(load_private_key(settings), 900).issue(USER_ID, "session-1")
    return {"Authorization": f"Bearer {token}"}


def membership(role: str) -> dict:
    return {"structure_id": SID, "user_id": USER_ID, "role": role, "profession": "infirmier",
            "joined_at": "2026-11-23T08:00:00"}


def assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error


LOGIN = {"email": "claire.martin@example.org", "password": "un mot de passe solide"}


def test_a_domain_error_from_a_service_becomes_the_error_envelope(make_client):
    client, _ = make_client({("identity", "login"): Unauthorized("Wrong e-mail or password.")})

    response = client.post("/api/v1/auth/login", json=LOGIN)

    error = assert_envelope(response, 401, "unauthorized")
    assert error == {"code": "unauthorized", "message": "Wrong e-mail or password.", "fields": {}}


def test_field_errors_raised_by_a_service_reach_the_client(make_client):
    invalid = Invalid("Invalid input: coordinator.email", {"coordinator.email": "Already used by a pending sign-up."})
    client, _ = make_client({("identity", "signup"): invalid})

    response = client.post("/api/v1/signup", json=SignupRequestSchema.EXAMPLES[0])

    error = assert_envelope(response, 400, "invalid")
    assert error["fields"] == {"coordinator.email": "Already used by a pending sign-up."}


def test_conflict_maps_to_409(make_client):
    client, _ = make_client({("identity", "signup"): Conflict("This e-mail address already has an account.")})

    assert_envelope(client.post("/api/v1/signup", json=SignupRequestSchema.EXAMPLES[0]), 409, "conflict")


def test_an_unavailable_service_maps_to_503_with_retry_after(make_client):
    client, _ = make_client({("identity", "login"): ServiceUnavailable("The identity service is unavailable.")})

    response = client.post("/api/v1/auth/login", json=LOGIN)

    assert_envelope(response, 503, "service_unavailable")
    assert response.headers["Retry-After"]


def test_an_unexpected_exception_is_a_500_envelope_without_details(make_client):
    client, _ = make_client({("identity", "login"): RuntimeError("secret stack detail")})

    response = client.post("/api/v1/auth/login", json=LOGIN)

    assert_envelope(response, 500, "internal")
    assert "secret stack detail" not in response.get_data(as_text=True)


@pytest.mark.parametrize("data, content_type, message_part", [
    ('{"email": "claire@example.org", ', "application/json", "Malformed"),
    ("[1, 2]", "application/json", "object"),
    ("email=claire@example.org", "application/x-www-form-urlencoded", "JSON"),
])
def test_a_body_that_is_not_a_json_object_is_a_400_naming_body(make_client, data, content_type, message_part):
    client, pool = make_client()

    response = client.post("/api/v1/auth/login", data=data, content_type=content_type)

    error = assert_envelope(response, 400, "invalid")
    assert message_part in error["fields"]["body"]
    assert pool.calls == []


def test_input_is_validated_before_any_call(make_client):
    client, pool = make_client()

    response = client.post("/api/v1/auth/login", json={"email": "not-an-address", "password": ""})

    error = assert_envelope(response, 400, "invalid")
    assert set(error["fields"]) == {"email", "password"}
    assert pool.calls == []


def test_the_correlation_id_is_echoed_and_passed_to_services(make_client):
    client, pool = make_client({("identity", "login"): Unauthorized()})

    response = client.post("/api/v1/auth/login", json=LOGIN, headers={"X-Correlation-Id": "req-42.abc"})

    assert response.headers["X-Correlation-Id"] == "req-42.abc"
    assert pool.correlation_ids == ["req-42.abc"]


def test_an_unsafe_correlation_id_is_replaced(make_client):
    client, pool = make_client({("identity", "login"): Unauthorized()})

    response = client.post("/api/v1/auth/login", json=LOGIN, headers={"X-Correlation-Id": "<script>value with spaces"})

    assert response.headers["X-Correlation-Id"] != "<script>value with spaces"
    assert response.headers["X-Correlation-Id"] == pool.correlation_ids[0]


def test_unknown_routes_and_methods_get_the_json_envelope(make_client):
    client, _ = make_client()

    assert_envelope(client.get("/api/v1/no-such-thing"), 404, "not_found")
    assert_envelope(client.put("/api/v1/me"), 405, "method_not_allowed")


def test_a_protected_endpoint_without_a_token_is_401(make_client):
    client, pool = make_client()

    assert_envelope(client.get("/api/v1/me"), 401, "unauthorized")
    assert_envelope(client.get("/api/v1/me", headers={"Authorization": "Bearer not.a.token"}), 401, "unauthorized")
    assert pool.calls == []


def test_me_asks_identity_for_the_token_s_user(make_client, bearer):
    me = {"user": {"id": USER_ID}, "memberships": []}
    client, pool = make_client({("identity", "get_me"): me})

    response = client.get("/api/v1/me", headers=bearer)

    assert response.status_code == 200
    assert response.get_json() == me
    assert pool.calls == [("identity", "get_me", USER_ID)]


def test_a_non_member_gets_404_and_nothing_else_is_called(make_client, bearer):
    client, pool = make_client({("identity", "get_membership"): NotFound("Structure not found.")})

    response = client.get(f"/api/v1/structures/{SID}/members", headers=bearer)

    assert_envelope(response, 404, "not_found")
    assert pool.methods_called() == ["get_membership"]


def test_a_malformed_structure_id_is_404_without_asking_identity(make_client, bearer):
    client, pool = make_client()

    assert_envelope(client.get("/api/v1/structures/a%20b%27%24/members", headers=bearer), 404, "not_found")
    assert pool.calls == []


def test_a_plain_member_cannot_use_a_coordinator_endpoint(make_client, bearer):
    client, pool = make_client({("identity", "get_membership"): membership("member")})

    response = client.patch(f"/api/v1/structures/{SID}/members/someone", json={"role": "coordinator"}, headers=bearer)

    assert_envelope(response, 403, "forbidden")
    assert pool.methods_called() == ["get_membership"]


def test_a_sub_resource_goes_to_identity_with_its_structure(make_client, bearer):
    client, pool = make_client({("identity", "get_membership"): membership("coordinator"),
                                ("identity", "remove_member"): None})

    response = client.delete(f"/api/v1/structures/{SID}/members/u-2", headers=bearer)

    assert response.status_code == 204
    assert response.get_data() == b""
    assert pool.calls[-1] == ("identity", "remove_member", USER_ID, SID, "u-2")


def test_login_passes_the_client_address(make_client):
    client, pool = make_client({("identity", "login"): {"access_token": "t"}})

    client.post("/api/v1/auth/login", json=LOGIN, environ_base={"REMOTE_ADDR": "192.0.2.7"})

    assert pool.calls == [("identity", "login", LOGIN, "192.0.2.7")]


def test_accepting_an_invitation_passes_the_caller_only_with_a_valid_token(make_client, bearer):
    accepted = {"structure_id": SID, "tokens": {}}
    client, pool = make_client({("identity", "accept_invitation"): accepted})
    body = {"password": "mot de passe du compte existant"}

    client.post("/api/v1/invitations/tok123/accept", json=body)
    client.post("/api/v1/invitations/tok123/accept", json=body, headers=bearer)
    response = client.post("/api/v1/invitations/tok123/accept", json=body, headers={"Authorization": "Bearer stale"})

    assert response.status_code == 200
    assert [call[-1] for call in pool.calls] == [None, USER_ID, None]


def test_query_values_are_validated_then_passed_as_sent(make_client, bearer):
    client, pool = make_client({("identity", "get_membership"): membership("member"), ("identity", "directory"): []})

    bad = client.get(f"/api/v1/structures/{SID}/directory?profession=astrologue", headers=bearer)
    good = client.get(f"/api/v1/structures/{SID}/directory?q=ler&profession=infirmier&ignored=1", headers=bearer)

    assert "profession" in assert_envelope(bad, 400, "invalid")["fields"]
    assert good.status_code == 200
    assert pool.calls[-1] == ("identity", "directory", SID, {"q": "ler", "profession": "infirmier"})


def test_away_defaults_to_this_week_of_leave(make_client, bearer):
    client, pool = make_client({("identity", "get_membership"): membership("member"),
                                ("identity", "list_availability"): []})

    response = client.get(f"/api/v1/structures/{SID}/away", headers=bearer)

    assert response.status_code == 200
    query = pool.calls[-1][-1]
    starts_on, ends_on = date.fromisoformat(query["starts_on"]), date.fromisoformat(query["ends_on"])
    assert query["kind"] == "leave"
    assert starts_on.weekday() == 0 and (ends_on - starts_on).days == 6


@pytest.mark.parametrize("starts_on, ends_on, expected", [
    (None, None, ("2026-11-23", "2026-11-29")),
    ("2026-12-21", None, ("2026-12-21", "2026-12-27")),
    (None, "2026-12-31", ("2026-12-25", "2026-12-31")),
    ("2026-12-01", "2026-12-03", ("2026-12-01", "2026-12-03")),
])
def test_the_away_period_is_completed_to_a_week(starts_on, ends_on, expected):
    thursday = date(2026, 11, 26)

    start, end = away_period(starts_on, ends_on, thursday)

    assert (start.isoformat(), end.isoformat()) == expected


def test_reference_lists_need_no_login_and_carry_french_labels(make_client):
    client, pool = make_client()

    body = client.get("/api/v1/reference").get_json()

    assert {"code": "msp", "label": "Maison de santé pluriprofessionnelle"} in body["structure_kinds"]
    assert {"code": "sage_femme", "label": "Sage-femme"} in body["professions"]
    assert [role["code"] for role in body["roles"]] == ["coordinator", "member", "guest"]
    assert pool.calls == []


def test_every_recorded_operation_is_routed(make_client):
    client, _ = make_client()
    routed = {(rule.rule, method) for rule in client.application.url_map.iter_rules() for method in rule.methods}

    missing = [(op.method, op.rule) for op in OPERATIONS if (op.rule, op.method) not in routed]

    assert OPERATIONS and missing == []


def test_tenant_operations_all_take_the_structure_from_the_path():
    """From ``<sid>``, or from the service owning the resource (``structure_of``), never from neither."""
    assert [op.rule for op in OPERATIONS
            if op.auth == "tenant" and "<sid>" not in op.rule and not op.resolves_structure] == []
    assert [op.rule for op in OPERATIONS if op.resolves_structure and "<sid>" in op.rule] == []


def test_a_project_s_structure_is_asked_of_projects_then_the_membership_checked(make_client, bearer):
    client, pool = make_client({("projects", "structure_of_project"): SID,
                                ("identity", "get_membership"): NotFound("Structure not found.")})

    response = client.patch("/api/v1/projects/p1", json={"version": 1}, headers=bearer)

    assert_envelope(response, 404, "not_found")
    assert pool.calls == [("projects", "structure_of_project", "p1"), ("identity", "get_membership", USER_ID, SID)]


def test_an_unknown_task_is_a_404_without_asking_identity(make_client, bearer):
    client, pool = make_client({("projects", "structure_of_task"): NotFound("Task not found.")})

    assert_envelope(client.get("/api/v1/tasks/nope", headers=bearer), 404, "not_found")
    assert pool.calls == [("projects", "structure_of_task", "nope")]


def test_client_address_comes_from_trusted_proxies_only(tmp_path):
    """Login throttling per IP must see the real client behind the ingress, not the proxy."""
    from maillage_shared.settings import Settings

    from gateway.app import create_app

    seen = []

    class RecordingPool:
        def call(self, service, method, *args, correlation_id=None, **kwargs):
            if method == "login":
                seen.append(args[1])
                return {"token_type": "Bearer", "access_token": "a", "access_expires_at": "2026-11-23T08:00:00Z",
                        "refresh_token": "r", "refresh_expires_at": "2026-12-23T08:00:00Z", "user_id": "u"}
            raise AssertionError(method)

    headers = {"X-Forwarded-For": "203.0.113.7"}
    body = {"email": "claire@example.org", "password": "secret"}
    direct = create_app(Settings(env="test", data_dir=str(tmp_path)), rpc_pool=RecordingPool()).test_client()
    direct.post("/api/v1/auth/login", json=body, headers=headers)
    proxied = create_app(Settings(env="test", data_dir=str(tmp_path), trusted_proxies=1),
                         rpc_pool=RecordingPool()).test_client()
    proxied.post("/api/v1/auth/login", json=body, headers=headers)

    assert seen == ["127.0.0.1", "203.0.113.7"]
