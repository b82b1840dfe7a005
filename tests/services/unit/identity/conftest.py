"""Factory fixtures for identity domain tests: a context on fakes, a structure with its
coordinator, members added with overrides."""
from __future__ import annotations

import pytest

from services.identity.domain import accounts
from services.identity.domain.context import Policy

from .fakes import FakeClock, FakeMailer, fake_context

PASSWORD = "un mot de passe solide"


def signup_request(**overrides) -> dict:
    structure = {"kind": "msp", "name": "MSP des Tilleuls",
                 "address": {"line1": "3 rue des Tilleuls", "line2": "", "postcode": "35000", "city": "Rennes"},
                 "finess": None, "phone": None, "opening_hours": []}
    coordinator = {"email": "claire.martin@example.org", "password": PASSWORD, "first_name": "Claire",
                   "last_name": "Martin", "profession": "coordinateur", "rpps": None}
    structure.update(overrides.pop("structure", {}))
    coordinator.update(overrides.pop("coordinator", {}))
    return {"structure": structure, "coordinator": coordinator, **overrides}


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def mailer():
    return FakeMailer()


@pytest.fixture
def policy():
    return Policy(login_max_failures_per_account=5, login_max_failures_per_ip=30, login_failure_window_seconds=900,
                  refresh_token_ttl_days=30, invitation_ttl_days=14)


@pytest.fixture
def ctx(clock, mailer, policy):
    return fake_context(clock=clock, policy=policy, mailer=mailer)


@pytest.fixture
def msp(ctx):
    """A structure and its coordinator (signed up through the domain)."""
    result = accounts.signup(ctx, signup_request(), ip="192.0.2.1")
    return result


@pytest.fixture
def add_member(ctx, msp):
    """Add someone to the structure directly (invitations have their own tests)."""

    def add(first_name="Paul", last_name="Leroy", profession="medecin_generaliste", role="member",
            email=None, structure_id=None, rpps=None):
        email = email or f"{first_name}.{last_name}@example.org".lower().replace(" ", "-")
        user = ctx.users.by_email(email) or accounts.create_account(
            ctx, email=email, password=PASSWORD, first_name=first_name, last_name=last_name, rpps=rpps)
        accounts.join_structure(ctx, structure_id or msp.structure.id, user, role, profession)
        return user

    return add
