"""Invitations: how people join a structure.

The link carries an opaque token of which only the digest is stored; it works once and
until it expires. The invitation is stored before the e-mail is sent, so a mail failure
never loses it (the coordinator sees it pending and can send the link another way).
"""
from __future__ import annotations

import logging

from maillage_shared.clock import new_id
from maillage_shared.errors import Conflict, Gone, Invalid, NotFound, Unauthorized
from maillage_shared.tokens import digest, new_opaque_token

from . import accounts, sessions
from .access import require_coordinator
from .context import IdentityContext
from .model import PASSWORD_MIN_LENGTH, PROFESSIONS, Invitation, User
from .views import AcceptedInvitation, InvitationNotice, InvitationPreview, InvitationView

log = logging.getLogger(__name__)

GONE_MESSAGES = {
    "expired": "This invitation has expired; ask the coordinator for a new one.",
    "accepted": "This invitation was already used.",
    "revoked": "This invitation was withdrawn by the structure.",
}
WRONG_ACCOUNT_PASSWORD = ("This e-mail address already has a Maillage account: "
                          "enter that account's password to accept the invitation.")


def invite(ctx: IdentityContext, actor_id: str, structure_id: str, request: dict) -> InvitationView:
    require_coordinator(ctx, structure_id, actor_id)
    structure = accounts.get_structure(ctx, structure_id)
    email, now = request["email"].strip().lower(), ctx.now()
    invitee = ctx.users.by_email(email)
    if invitee is not None and ctx.memberships.get_active(structure_id, invitee.id) is not None:
        raise Conflict("This person is already a member of the structure.", {"email": "Already a member."})
    if any(i.status_at(now) == "pending" for i in ctx.invitations.for_structure(structure_id, email)):
        raise Conflict("An invitation is already pending for this e-mail address; withdraw it to send a new one.",
                       {"email": "An invitation is already pending."})
    token = new_opaque_token()
    invitation = Invitation(id=new_id(), structure_id=structure_id, email=email, role=request["role"],
                            profession=request["profession"], token_digest=digest(token), invited_by=actor_id,
                            created_at=now, expires_at=ctx.days_from_now(ctx.policy.invitation_ttl_days))
    ctx.invitations.add(invitation)
    inviter = ctx.users.get(actor_id)
    delivered = _send(ctx, InvitationNotice(
        to=email, token=token, structure_name=structure.name,
        inviter_name=inviter.full_name if inviter else structure.name, role=invitation.role,
        profession_label=PROFESSIONS.get(invitation.profession, invitation.profession),
        expires_at=invitation.expires_at))
    ctx.audit("invitation.sent", actor_id=actor_id, structure_id=structure_id, target=invitation.id,
              email=email, role=invitation.role, delivered=delivered)
    return invitation_view(invitation, now)


def _send(ctx: IdentityContext, notice: InvitationNotice) -> bool:
    try:
        return bool(ctx.mailer.send_invitation(notice))
    except Exception:  # the invitation is stored: a mail outage must not turn into an error
        log.exception("invitation e-mail to %s could not be sent", notice.to)
        return False


def list_invitations(ctx: IdentityContext, actor_id: str, structure_id: str) -> list[InvitationView]:
    require_coordinator(ctx, structure_id, actor_id)
    now = ctx.now()
    return [invitation_view(i, now) for i in ctx.invitations.for_structure(structure_id)]


def revoke_invitation(ctx: IdentityContext, actor_id: str, structure_id: str, invitation_id: str) -> None:
    require_coordinator(ctx, structure_id, actor_id)
    invitation = ctx.invitations.get(structure_id, invitation_id)
    if invitation is None:
        raise NotFound("Invitation not found.")
    if invitation.state == "accepted":
        raise Conflict("This invitation was already accepted; remove the member instead.")
    if invitation.state == "revoked" or not ctx.invitations.mark_revoked(invitation.id, ctx.now()):
        return  # withdrawing twice changes nothing
    ctx.audit("invitation.revoked", actor_id=actor_id, structure_id=structure_id, target=invitation.id,
              email=invitation.email)


def preview_invitation(ctx: IdentityContext, token: str) -> InvitationPreview:
    invitation = _usable(ctx, token)
    structure = _structure_of(ctx, invitation)
    return InvitationPreview(structure_id=structure.id, structure_name=structure.name,
                             structure_kind=structure.kind, email=invitation.email, role=invitation.role,
                             profession=invitation.profession,
                             account_exists=ctx.users.by_email(invitation.email) is not None,
                             expires_at=invitation.expires_at)


def accept_invitation(ctx: IdentityContext, token: str, request: dict, user_id: str | None = None) -> AcceptedInvitation:
    """New e-mail: creates the account. Known e-mail: proves it is that account's holder
    (its password, or being logged in as it) and adds the membership. Logs the person in."""
    invitation = _usable(ctx, token)
    structure = _structure_of(ctx, invitation)
    account = ctx.users.by_email(invitation.email)
    if account is not None:
        _prove_account_holder(ctx, account, request.get("password"), user_id)
        if ctx.memberships.get_active(structure.id, account.id) is not None:
            raise Conflict("You are already a member of this structure.")
    else:
        _check_new_account(request)
    account_id = account.id if account else new_id()
    if not ctx.invitations.mark_accepted(invitation.id, account_id, ctx.now()):
        raise Gone(GONE_MESSAGES["accepted"])  # another request used it a moment ago
    created = account is None
    try:
        if created:
            account = accounts.create_account(
                ctx, email=invitation.email, password=request["password"], first_name=request["first_name"],
                last_name=request["last_name"], rpps=request.get("rpps"), user_id=account_id)
        accounts.join_structure(ctx, structure.id, account, invitation.role, invitation.profession)
    except BaseException:
        if created and account is not None:
            ctx.users.discard(account.id)
        ctx.invitations.reopen(invitation.id)  # nothing happened: the link must still work
        raise
    ctx.audit("invitation.accepted", actor_id=account.id, structure_id=structure.id, target=invitation.id,
              email=invitation.email, role=invitation.role, new_account=created)
    return AcceptedInvitation(structure_id=structure.id, tokens=sessions.open_session(ctx, account.id))


def _usable(ctx: IdentityContext, token: str) -> Invitation:
    invitation = ctx.invitations.by_digest(digest(token or ""))
    if invitation is None:
        raise NotFound("This invitation link is not valid.")
    status = invitation.status_at(ctx.now())
    if status != "pending":
        raise Gone(GONE_MESSAGES[status])
    return invitation


def _structure_of(ctx: IdentityContext, invitation: Invitation):
    structure = ctx.structures.get(invitation.structure_id)
    if structure is None:
        raise Gone("The structure of this invitation no longer exists.")
    return structure


def _prove_account_holder(ctx: IdentityContext, account: User, password: str | None, user_id: str | None) -> None:
    if user_id is not None and user_id == account.id:
        return
    now = ctx.now()
    sessions.refuse_if_throttled(ctx, account.email, None, now)  # a password check is a login attempt
    if password and ctx.passwords.verify(account.password_hash, password):
        return
    ctx.login_failures.record(account.email, None, now)
    ctx.audit("login.failed", target=account.id, email=account.email, reason="invitation_wrong_password")
    raise Unauthorized(WRONG_ACCOUNT_PASSWORD)


def _check_new_account(request: dict) -> None:
    problems = {name: "Required to create your account." for name in ("first_name", "last_name")
                if not (request.get(name) or "").strip()}
    if len(request.get("password") or "") < PASSWORD_MIN_LENGTH:
        problems["password"] = f"Use at least {PASSWORD_MIN_LENGTH} characters."
    if problems:
        raise Invalid("Some information is missing to create your account.", problems)


def invitation_view(invitation: Invitation, now) -> InvitationView:
    return InvitationView(id=invitation.id, structure_id=invitation.structure_id, email=invitation.email,
                          role=invitation.role, profession=invitation.profession,
                          status=invitation.status_at(now), expires_at=invitation.expires_at,
                          created_at=invitation.created_at, invited_by=invitation.invited_by)
