"""Who may do what in a structure.

Someone who is not a member of a structure gets NotFound, never Forbidden: a member of
structure A must not learn whether structure B exists. Members who lack the role get
Forbidden.
"""
from __future__ import annotations

from maillage_shared.errors import Forbidden, NotFound

from .context import IdentityContext
from .model import Membership


def require_member(ctx: IdentityContext, structure_id: str, user_id: str | None) -> Membership:
    membership = ctx.memberships.get_active(structure_id, user_id) if user_id else None
    if membership is None:
        raise NotFound("Structure not found.")
    return membership


def require_coordinator(ctx: IdentityContext, structure_id: str, user_id: str | None) -> Membership:
    membership = require_member(ctx, structure_id, user_id)
    if not membership.is_coordinator:
        raise Forbidden("Only a coordinator of this structure can do this.")
    return membership
