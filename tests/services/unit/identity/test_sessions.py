"""Login (same error whatever was wrong, throttling), refresh rotation and reuse, logout."""
import pytest
from maillage_shared.clock import utcnow
from maillage_shared.errors import TooManyRequests, Unauthorized
from maillage_shared.tokens import AccessTokenVerifier

from services.identity.domain import accounts, sessions
from services.identity.domain.context import Policy

from .conftest import PASSWORD, signup_request
from .fakes import FakeClock, fake_context, signing_keys

EMAIL = "claire.martin@example.org"


def test_login_returns_an_access_token_bound_to_a_new_session():
    signer, verifier = signing_keys()
    ctx = fake_context(signer=signer, clock=FakeClock(utcnow()))  # the verifier checks against real time
    accounts.signup(ctx, signup_request())

    tokens = sessions.login(ctx, "  Claire.Martin@Example.org ", PASSWORD, ip="192.0.2.7")

    claims = verifier.verify(tokens.access_token)
    assert claims.user_id == tokens.user_id
    assert ctx.sessions.get(claims.session_id).ip == "192.0.2.7"
    assert tokens.refresh_token not in str(ctx.sessions.tokens)  # only the digest is stored
    assert ctx.audit_entries.actions()[-1] == "login.succeeded"


def test_wrong_password_and_unknown_email_give_the_same_answer(ctx, msp):
    with pytest.raises(Unauthorized) as wrong_password:
        sessions.login(ctx, EMAIL, "pas le bon mot de passe", ip="192.0.2.7")
    with pytest.raises(Unauthorized) as unknown_email:
        sessions.login(ctx, "personne@example.org", PASSWORD, ip="192.0.2.7")

    assert wrong_password.value.message == unknown_email.value.message == sessions.WRONG_CREDENTIALS
    failures = [e for e in ctx.audit_entries.entries if e.action == "login.failed"]
    assert [f.details["reason"] for f in failures] == ["wrong_password", "unknown_email"]
    assert len(ctx.login_failures.rows) == 2


def test_an_unknown_email_costs_a_password_verification_too(ctx, msp, monkeypatch):
    verified = []
    monkeypatch.setattr(ctx.passwords, "verify", lambda h, p: verified.append(h) or False)

    with pytest.raises(Unauthorized):
        sessions.login(ctx, "personne@example.org", PASSWORD)

    assert len(verified) == 1


def test_too_many_failures_on_an_account_block_it_even_with_the_right_password(ctx, msp, clock):
    for attempt in range(5):
        with pytest.raises(Unauthorized):
            sessions.login(ctx, EMAIL, f"mauvais {attempt}", ip=f"198.51.100.{attempt}")

    with pytest.raises(TooManyRequests):
        sessions.login(ctx, EMAIL, PASSWORD, ip="203.0.113.9")
    assert "login.throttled" in ctx.audit_entries.actions()

    clock.advance(seconds=901)  # the failures left the window
    assert sessions.login(ctx, EMAIL, PASSWORD).user_id == msp.user_id


def test_too_many_failures_from_one_address_block_that_address(clock):
    ctx = fake_context(clock=clock, policy=Policy(login_max_failures_per_ip=3))
    accounts.signup(ctx, signup_request())
    for number in range(3):
        with pytest.raises(Unauthorized):
            sessions.login(ctx, f"inconnu{number}@example.org", PASSWORD, ip="203.0.113.66")

    with pytest.raises(TooManyRequests):
        sessions.login(ctx, EMAIL, PASSWORD, ip="203.0.113.66")
    assert sessions.login(ctx, EMAIL, PASSWORD, ip="203.0.113.67").refresh_token


def test_a_successful_login_forgets_the_account_failures(ctx, msp):
    for _ in range(4):
        with pytest.raises(Unauthorized):
            sessions.login(ctx, EMAIL, "mauvais mot de passe")
    sessions.login(ctx, EMAIL, PASSWORD)

    for _ in range(4):
        with pytest.raises(Unauthorized):
            sessions.login(ctx, EMAIL, "mauvais mot de passe")
    assert sessions.login(ctx, EMAIL, PASSWORD)


def test_a_hash_made_with_old_parameters_is_upgraded_at_login(ctx, msp):
    ctx.passwords.scheme = "fake2"

    sessions.login(ctx, EMAIL, PASSWORD)

    assert ctx.users.get(msp.user_id).password_hash == f"fake2${PASSWORD}"


def test_refresh_rotates_the_refresh_token(ctx, msp):
    first = msp.tokens

    second = sessions.refresh(ctx, first.refresh_token)
    third = sessions.refresh(ctx, second.refresh_token)

    assert len({first.refresh_token, second.refresh_token, third.refresh_token}) == 3
    assert third.user_id == msp.user_id


def test_reusing_a_rotated_refresh_token_ends_the_whole_family(ctx, msp):
    stolen = msp.tokens.refresh_token
    current = sessions.refresh(ctx, stolen).refresh_token

    with pytest.raises(Unauthorized, match="already used"):
        sessions.refresh(ctx, stolen)
    with pytest.raises(Unauthorized):
        sessions.refresh(ctx, current)  # the legitimate holder must log in again too
    assert "session.refresh_token_reused" in ctx.audit_entries.actions()


def test_other_sessions_survive_a_reuse_in_one_family(ctx, msp):
    other = sessions.login(ctx, EMAIL, PASSWORD)
    sessions.refresh(ctx, msp.tokens.refresh_token)
    with pytest.raises(Unauthorized):
        sessions.refresh(ctx, msp.tokens.refresh_token)

    assert sessions.refresh(ctx, other.refresh_token).user_id == msp.user_id


def test_a_refresh_token_expires(ctx, msp, clock):
    clock.advance(days=31)

    with pytest.raises(Unauthorized, match="expired"):
        sessions.refresh(ctx, msp.tokens.refresh_token)


def test_an_unknown_refresh_token_is_refused(ctx, msp):
    with pytest.raises(Unauthorized):
        sessions.refresh(ctx, "x" * 43)


def test_logout_ends_the_session_and_is_idempotent(ctx, msp):
    sessions.logout(ctx, msp.tokens.refresh_token)
    sessions.logout(ctx, msp.tokens.refresh_token)
    sessions.logout(ctx, "never-issued-token")

    with pytest.raises(Unauthorized, match="ended"):
        sessions.refresh(ctx, msp.tokens.refresh_token)
    assert ctx.audit_entries.actions().count("logout") == 1


def test_access_token_verification_fails_with_another_key():
    signer, _ = signing_keys()
    _, other_verifier = signing_keys()
    token, _ = signer.issue("u", "s")

    with pytest.raises(Unauthorized):
        AccessTokenVerifier.verify(other_verifier, token)
