"""Invitations: sending, accepting (new or existing account), expiry, single use, withdrawal."""
import pytest
from maillage_shared.contracts.identity import MemberJoinedPayload
from maillage_shared.errors import Conflict, Forbidden, Gone, Invalid, NotFound, TooManyRequests, Unauthorized
from maillage_shared.tokens import digest

from services.identity.domain import accounts, invitations, members, sessions

from .conftest import PASSWORD, signup_request
from .fakes import FakeMailer, fake_context

INVITEE = "paul.leroy@example.org"
NEW_ACCOUNT = {"first_name": "Paul", "last_name": "Leroy", "password": "un autre mot de passe"}


@pytest.fixture
def invite(ctx, msp, mailer):
    def send(email=INVITEE, role="member", profession="medecin_generaliste"):
        view = invitations.invite(ctx, msp.user_id, msp.structure.id,
                                  {"email": email, "role": role, "profession": profession})
        return view, mailer.last_token() if mailer.sent else None

    return send


def test_an_invitation_is_stored_with_only_its_token_digest_and_mailed(ctx, msp, mailer, invite):
    view, token = invite()

    stored = ctx.invitations.get(msp.structure.id, view.id)
    assert view.status == "pending" and view.invited_by == msp.user_id
    assert stored.token_digest == digest(token) and token not in repr(stored)
    assert mailer.sent[0].to == INVITEE and mailer.sent[0].structure_name == "MSP des Tilleuls"
    assert (view.expires_at - view.created_at).days == 14
    assert ctx.audit_entries.entries[-1].details["delivered"] is True


def test_a_mail_failure_does_not_lose_the_invitation(clock):
    ctx = fake_context(clock=clock, mailer=FakeMailer(fail=True))
    result = accounts.signup(ctx, signup_request())

    view = invitations.invite(ctx, result.user_id, result.structure.id,
                              {"email": INVITEE, "role": "member", "profession": "infirmier"})

    assert [i.id for i in invitations.list_invitations(ctx, result.user_id, result.structure.id)] == [view.id]
    assert ctx.audit_entries.entries[-1].details["delivered"] is False


def test_accepting_creates_the_account_the_membership_and_logs_in(ctx, msp, invite):
    view, token = invite()

    accepted = invitations.accept_invitation(ctx, token, NEW_ACCOUNT)

    user = ctx.users.by_email(INVITEE)
    membership = members.get_membership(ctx, user.id, msp.structure.id)
    assert accepted.structure_id == msp.structure.id and accepted.tokens.user_id == user.id
    assert (membership.role, membership.profession) == ("member", "medecin_generaliste")
    assert MemberJoinedPayload().load(ctx.memberships.outbox[-1].payload)["user_id"] == user.id
    assert invitations.list_invitations(ctx, msp.user_id, msp.structure.id)[0].status == "accepted"
    assert ctx.audit_entries.actions()[-1] == "invitation.accepted"


@pytest.mark.parametrize("payload, bad_fields", [
    ({"password": "un autre mot de passe"}, {"first_name", "last_name"}),
    ({"first_name": "Paul", "last_name": "Leroy", "password": "court"}, {"password"}),
])
def test_a_new_account_needs_names_and_a_long_enough_password(ctx, invite, payload, bad_fields):
    _, token = invite()

    with pytest.raises(Invalid) as error:
        invitations.accept_invitation(ctx, token, payload)

    assert set(error.value.fields) == bad_fields
    assert invitations.preview_invitation(ctx, token).email == INVITEE  # still usable


def test_an_existing_account_accepts_with_its_password(ctx, msp, invite):
    existing = accounts.create_account(ctx, email=INVITEE, password=PASSWORD, first_name="Paul", last_name="Leroy")
    _, token = invite()
    assert invitations.preview_invitation(ctx, token).account_exists is True

    accepted = invitations.accept_invitation(ctx, token, {"password": PASSWORD})

    assert accepted.tokens.user_id == existing.id
    assert members.get_membership(ctx, existing.id, msp.structure.id).role == "member"


def test_an_existing_account_with_a_wrong_password_is_refused_and_it_counts(ctx, msp, invite):
    accounts.create_account(ctx, email=INVITEE, password=PASSWORD, first_name="Paul", last_name="Leroy")
    _, token = invite()

    for _ in range(5):
        with pytest.raises(Unauthorized):
            invitations.accept_invitation(ctx, token, {"password": "pas le bon mot de passe"})
    with pytest.raises(TooManyRequests):  # guessing through invitations is throttled like logins
        invitations.accept_invitation(ctx, token, {"password": PASSWORD})
    assert invitations.preview_invitation(ctx, token).account_exists


def test_the_logged_in_holder_of_the_address_needs_no_password(ctx, msp, invite):
    existing = accounts.create_account(ctx, email=INVITEE, password=PASSWORD, first_name="Paul", last_name="Leroy")
    _, token = invite()

    accepted = invitations.accept_invitation(ctx, token, {}, user_id=existing.id)

    assert accepted.tokens.user_id == existing.id


def test_someone_logged_in_with_another_account_still_needs_the_password(ctx, msp, invite):
    accounts.create_account(ctx, email=INVITEE, password=PASSWORD, first_name="Paul", last_name="Leroy")
    _, token = invite()

    with pytest.raises(Unauthorized):
        invitations.accept_invitation(ctx, token, {}, user_id=msp.user_id)


def test_an_invitation_expires(ctx, invite, clock):
    _, token = invite()
    clock.advance(days=14, seconds=1)

    with pytest.raises(Gone, match="expired"):
        invitations.accept_invitation(ctx, token, NEW_ACCOUNT)
    with pytest.raises(Gone):
        invitations.preview_invitation(ctx, token)


def test_an_invitation_works_once(ctx, invite):
    _, token = invite()
    invitations.accept_invitation(ctx, token, NEW_ACCOUNT)

    with pytest.raises(Gone, match="already used"):
        invitations.accept_invitation(ctx, token, NEW_ACCOUNT)


def test_a_withdrawn_invitation_is_gone(ctx, msp, invite):
    view, token = invite()
    invitations.revoke_invitation(ctx, msp.user_id, msp.structure.id, view.id)
    invitations.revoke_invitation(ctx, msp.user_id, msp.structure.id, view.id)  # twice changes nothing

    with pytest.raises(Gone, match="withdrawn"):
        invitations.accept_invitation(ctx, token, NEW_ACCOUNT)
    assert ctx.audit_entries.actions().count("invitation.revoked") == 1


def test_an_accepted_invitation_cannot_be_withdrawn(ctx, msp, invite):
    view, token = invite()
    invitations.accept_invitation(ctx, token, NEW_ACCOUNT)

    with pytest.raises(Conflict):
        invitations.revoke_invitation(ctx, msp.user_id, msp.structure.id, view.id)


def test_an_unknown_token_is_not_found(ctx, msp):
    with pytest.raises(NotFound):
        invitations.preview_invitation(ctx, "no-such-token")
    with pytest.raises(NotFound):
        invitations.accept_invitation(ctx, "no-such-token", NEW_ACCOUNT)


def test_inviting_a_member_or_an_address_already_invited_is_a_conflict(ctx, msp, invite, add_member):
    add_member(email="anne.morel@example.org")
    invite()

    with pytest.raises(Conflict, match="already a member"):
        invite(email="anne.morel@example.org")
    with pytest.raises(Conflict, match="pending"):
        invite()


def test_an_expired_invitation_can_be_sent_again(ctx, invite, clock):
    invite()
    clock.advance(days=15)

    view, _ = invite()

    assert view.status == "pending"


def test_only_coordinators_invite_and_see_invitations(ctx, msp, add_member):
    member = add_member()

    with pytest.raises(Forbidden):
        invitations.invite(ctx, member.id, msp.structure.id, {"email": INVITEE, "role": "member",
                                                              "profession": "infirmier"})
    with pytest.raises(Forbidden):
        invitations.list_invitations(ctx, member.id, msp.structure.id)


def test_a_removed_member_can_be_invited_back(ctx, msp, invite):
    _, token = invite()
    first = invitations.accept_invitation(ctx, token, NEW_ACCOUNT)
    members.remove_member(ctx, msp.user_id, msp.structure.id, first.tokens.user_id)

    _, token = invite(role="guest")
    again = invitations.accept_invitation(ctx, token, {"password": NEW_ACCOUNT["password"]})

    assert again.tokens.user_id == first.tokens.user_id
    assert members.get_membership(ctx, again.tokens.user_id, msp.structure.id).role == "guest"
    assert len(ctx.memberships.rows) == 2  # the former membership came back
    assert sessions.login(ctx, INVITEE, NEW_ACCOUNT["password"]).user_id == first.tokens.user_id


def test_a_failed_acceptance_leaves_the_link_usable_and_no_account(ctx, msp, invite, monkeypatch):
    _, token = invite()

    def broken_join(membership, events):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(ctx.memberships, "join", broken_join)
    with pytest.raises(RuntimeError):
        invitations.accept_invitation(ctx, token, NEW_ACCOUNT)

    assert ctx.users.by_email(INVITEE) is None
    assert invitations.preview_invitation(ctx, token).account_exists is False
