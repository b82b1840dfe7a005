"""The Nameko edge stays thin: schema in, domain call, JSON-able schema dump out."""
import json

import pytest
from maillage_shared.contracts.identity import AvailabilitySchema, SignupRequestSchema, SignupResultSchema
from maillage_shared.errors import Invalid, Unauthorized
from nameko.testing.services import worker_factory

from services.identity.domain import accounts
from services.identity.service import IdentityService

from .conftest import PASSWORD
from .fakes import fake_context


class FakeWiring:
    """Stands in for IdentityWiring: hands the service a context built on fakes."""

    def __init__(self, ctx):
        self.ctx = ctx

    def context(self, db, correlation_id):
        return self.ctx


@pytest.fixture
def service(clock):
    return worker_factory(IdentityService, wiring=FakeWiring(fake_context(clock=clock)))


@pytest.fixture
def signed_up(service):
    return service.signup(SignupRequestSchema.EXAMPLES[0], "192.0.2.1")


def test_signup_answers_with_json_values_in_the_contract_shape(signed_up):
    assert json.loads(json.dumps(signed_up)) == signed_up
    assert SignupResultSchema().validate(signed_up) == {}
    assert signed_up["structure"]["slug"] == "msp-des-tilleuls"
    assert "password_hash" not in json.dumps(signed_up)


@pytest.mark.parametrize("payload, field", [
    ({"email": "pas-une-adresse", "password": "x"}, "email"),
    ({"email": "a@example.org"}, "password"),
    ({"email": "a@example.org", "password": "x", "role": "admin"}, "role"),
])
def test_bad_input_is_invalid_naming_the_field(service, payload, field):
    with pytest.raises(Invalid) as error:
        service.login(payload, "192.0.2.1")

    assert field in error.value.fields


def test_login_and_me_through_the_edge(service, signed_up):
    tokens = service.login({"email": "claire.martin@example.org", "password": "un mot de passe solide"})
    me = service.get_me(tokens["user_id"])

    assert me["memberships"][0]["structure_slug"] == "msp-des-tilleuls"
    assert me["user"]["locale"] == "fr"


def test_a_logged_in_invitee_accepts_without_a_password(service, signed_up):
    ctx = service.wiring.ctx
    structure_id, coordinator_id = signed_up["structure"]["id"], signed_up["user_id"]
    paul = accounts.create_account(ctx, email="paul@example.org", password=PASSWORD, first_name="Paul",
                                   last_name="Leroy")
    service.invite(coordinator_id, structure_id, {"email": "paul@example.org", "role": "member",
                                                  "profession": "infirmier"})

    accepted = service.accept_invitation(ctx.mailer.last_token(), {}, paul.id)

    assert accepted["structure_id"] == structure_id


def test_an_existing_account_without_session_must_give_its_password(service, signed_up):
    ctx = service.wiring.ctx
    structure_id, coordinator_id = signed_up["structure"]["id"], signed_up["user_id"]
    accounts.create_account(ctx, email="anne@example.org", password=PASSWORD, first_name="Anne", last_name="Morel")
    service.invite(coordinator_id, structure_id, {"email": "anne@example.org", "role": "member",
                                                  "profession": "infirmier"})

    with pytest.raises(Unauthorized):
        service.accept_invitation(ctx.mailer.last_token(), {})


def test_on_call_takes_a_date_and_answers_iso_dates(service, signed_up):
    structure_id, user_id = signed_up["structure"]["id"], signed_up["user_id"]
    service.declare_availability(user_id, structure_id, {"kind": "on_call", "starts_on": "2026-11-28",
                                                         "ends_on": "2026-11-28"})

    [period] = service.on_call(structure_id, {"date": "2026-11-28"})

    assert AvailabilitySchema().validate(period) == {}
    assert (period["starts_on"], period["user_id"]) == ("2026-11-28", user_id)
    assert service.on_call(structure_id, {"date": "2026-11-29"}) == []
    with pytest.raises(Invalid):
        service.on_call(structure_id, {"date": "28/11/2026"})


def test_directory_and_lists_accept_no_query(service, signed_up):
    structure_id = signed_up["structure"]["id"]

    assert [e["last_name"] for e in service.directory(structure_id)] == ["Martin"]
    assert service.list_availability(structure_id) == []
    assert service.list_members(structure_id)[0]["role"] == "coordinator"


def test_health_pings_the_database(service):
    assert service.health() == {"status": "ok"}
    service.db.command.assert_called_once_with("ping")
