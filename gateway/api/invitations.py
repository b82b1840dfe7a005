"""Invitations: coordinators invite by e-mail; the link's token previews and accepts."""
from __future__ import annotations

from flask import Blueprint
from maillage_shared.contracts.identity import (
    AcceptedInvitationSchema,
    AcceptInvitationSchema,
    InvitationPreviewSchema,
    InvitationRequestSchema,
    InvitationSchema,
)
from maillage_shared.errors import Unauthorized

from ..context import authenticate, bearer_token, current_user_id, rpc
from . import API_PREFIX, endpoint

bp = Blueprint("identity_invitations", __name__, url_prefix=API_PREFIX)


@endpoint(bp, "/structures/<sid>/invitations", "GET", summary="Invitations of the structure",
          tags=["invitations"], auth="tenant", role="coordinator", response=InvitationSchema(many=True))
def list_invitations(sid):
    return rpc("identity", "list_invitations", current_user_id(), sid)


@endpoint(bp, "/structures/<sid>/invitations", "POST", summary="Invite someone by e-mail", tags=["invitations"],
          auth="tenant", role="coordinator", body=InvitationRequestSchema(), response=InvitationSchema(),
          status=201, errors=(409,),
          description="The e-mail carries a link valid for a limited time. "
                      "Conflict if the person is already a member or already has a pending invitation.")
def invite(sid, body):
    return rpc("identity", "invite", current_user_id(), sid, body)


@endpoint(bp, "/structures/<sid>/invitations/<iid>", "DELETE", summary="Revoke a pending invitation",
          tags=["invitations"], auth="tenant", role="coordinator", status=204, errors=(409,),
          description="Conflict when the invitation was already accepted.")
def revoke_invitation(sid, iid):
    rpc("identity", "revoke_invitation", current_user_id(), sid, iid)


@endpoint(bp, "/invitations/<token>", "GET", summary="What an invitation link offers (no login needed)",
          tags=["invitations"], auth="none", response=InvitationPreviewSchema(), errors=(404, 410))
def preview_invitation(token):
    return rpc("identity", "preview_invitation", token)


@endpoint(bp, "/invitations/<token>/accept", "POST", summary="Accept an invitation (logged in afterwards)",
          tags=["invitations"], auth="none", body=AcceptInvitationSchema(), response=AcceptedInvitationSchema(),
          errors=(401, 404, 409, 410),
          description="A new account sends names and a password; an existing account sends its own password. "
                      "A bearer token, when sent and valid, tells who is accepting. "
                      "Conflict when the account is already a member of the structure.")
def accept_invitation(token, body):
    return rpc("identity", "accept_invitation", token, body, _optional_user_id())


def _optional_user_id() -> str | None:
    """The caller when a valid access token is sent; an absent or stale one is no reason to
    refuse, since the password in the body is what proves the account."""
    try:
        return authenticate(bearer_token()) if bearer_token() else None
    except Unauthorized:
        return None
