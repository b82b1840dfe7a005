"""Demo data: the MSP des Tilleuls, idempotent, never in production."""
import pytest
from maillage_shared.contracts.fields import luhn_valid
from maillage_shared.errors import Forbidden

from services.identity import demo
from services.identity.domain import availability, sessions
from services.identity.domain.context import Policy

from .fakes import fake_context


def counts(ctx) -> tuple:
    return (len(ctx.structures.rows), len(ctx.users.rows), len(ctx.memberships.rows), len(ctx.availability.rows),
            len(ctx.memberships.outbox))


def test_demo_data_is_created_once(clock):
    ctx = fake_context(clock=clock)

    first = demo.ensure_demo_data(ctx)
    after_first = counts(ctx)
    second = demo.ensure_demo_data(ctx)

    assert (first["created"], second["created"]) == (True, False)
    assert first["slug"] == second["slug"] == "msp-des-tilleuls"
    assert first["structure_id"] == second["structure_id"]
    assert counts(ctx) == after_first == (1, 9, 9, 2, 9)
    assert first["logins"] == second["logins"]


def test_demo_logins_work_and_the_team_is_varied(clock):
    ctx = fake_context(clock=clock)
    result = demo.ensure_demo_data(ctx)

    assert result["logins"][0] == {"email": "coordination@msp-tilleuls.example", "password": "Tilleuls-demo-2026",
                                   "role": "coordinator"}
    assert "helene.bernard@msp-tilleuls.example" in [login["email"] for login in result["logins"]]
    for login in result["logins"]:
        assert sessions.login(ctx, login["email"], login["password"]).user_id
    entries = availability.directory(ctx, result["structure_id"], {})
    assert len({e.profession for e in entries}) >= 7
    assert all(luhn_valid(e.rpps) for e in entries if e.rpps) and sum(1 for e in entries if e.rpps) == 5
    assert [e.first_name for e in entries if e.on_leave] == ["Hélène"]
    assert [e.first_name for e in entries if e.on_call] == ["Paul"]


def test_demo_periods_follow_the_days(clock):
    ctx = fake_context(clock=clock)
    demo.ensure_demo_data(ctx)
    clock.advance(days=10)

    demo.ensure_demo_data(ctx)
    demo.ensure_demo_data(ctx)

    entries = availability.directory(ctx, ctx.structures.by_slug("msp-des-tilleuls").id, {})
    assert [e.first_name for e in entries if e.on_leave or e.on_call] == ["Hélène", "Paul"]
    assert len(ctx.availability.rows) == 4


def test_demo_data_is_refused_in_production(clock):
    ctx = fake_context(clock=clock, policy=Policy(is_production=True))

    with pytest.raises(Forbidden):
        demo.ensure_demo_data(ctx)
    assert ctx.structures.rows == {}
