"""Memberships and roles. A structure always keeps at least one coordinator, otherwise
nobody could invite, change roles or edit it any more."""
from __future__ import annotations

from maillage_shared.errors import Conflict, NotFound

from .access import require_coordinator
from .context import IdentityContext
from .model import COORDINATOR, Membership, User, member_left
from .text import fold
from .views import MemberView

LAST_COORDINATOR = "A structure needs at least one coordinator; make someone else coordinator first."


def get_membership(ctx: IdentityContext, user_id: str, structure_id: str) -> Membership:
    membership = ctx.memberships.get_active(structure_id, user_id)
    if membership is None:
        raise NotFound("Structure not found.")
    return membership


def list_members(ctx: IdentityContext, structure_id: str) -> list[MemberView]:
    memberships = ctx.memberships.active_in(structure_id)
    users = {u.id: u for u in ctx.users.many([m.user_id for m in memberships])}
    views = [member_view(m, users[m.user_id]) for m in memberships if m.user_id in users]
    return sorted(views, key=lambda v: (fold(v.last_name), fold(v.first_name)))


def update_member(ctx: IdentityContext, actor_id: str, structure_id: str, user_id: str, changes: dict) -> MemberView:
    require_coordinator(ctx, structure_id, actor_id)
    membership = _member(ctx, structure_id, user_id)
    changes = {k: v for k, v in changes.items() if getattr(membership, k) != v}
    if changes.get("role", COORDINATOR) != COORDINATOR and membership.is_coordinator:
        _keep_a_coordinator(ctx, structure_id)
    if changes:
        ctx.memberships.change(membership.id, changes)
    for name, new in changes.items():
        old = getattr(membership, name)
        setattr(membership, name, new)
        ctx.audit(f"member.{name}_changed", actor_id=actor_id, structure_id=structure_id, target=user_id,
                  **{"from": old, "to": new})
    return member_view(membership, _user(ctx, user_id))


def remove_member(ctx: IdentityContext, actor_id: str, structure_id: str, user_id: str) -> None:
    require_coordinator(ctx, structure_id, actor_id)
    membership = _member(ctx, structure_id, user_id)
    if membership.is_coordinator:
        _keep_a_coordinator(ctx, structure_id)
    ctx.memberships.leave(membership.id, ctx.now(), [member_left(membership, "removed")])
    ctx.audit("member.removed", actor_id=actor_id, structure_id=structure_id, target=user_id,
              role=membership.role, profession=membership.profession)


def _keep_a_coordinator(ctx: IdentityContext, structure_id: str) -> None:
    if ctx.memberships.count_coordinators(structure_id) <= 1:
        raise Conflict(LAST_COORDINATOR)


def _member(ctx: IdentityContext, structure_id: str, user_id: str) -> Membership:
    membership = ctx.memberships.get_active(structure_id, user_id)
    if membership is None:
        raise NotFound("This person is not a member of the structure.")
    return membership


def _user(ctx: IdentityContext, user_id: str) -> User:
    user = ctx.users.get(user_id)
    if user is None:
        raise NotFound("User not found.")
    return user


def member_view(membership: Membership, user: User) -> MemberView:
    return MemberView(user_id=user.id, first_name=user.first_name, last_name=user.last_name, email=user.email,
                      phone=user.phone, rpps=user.rpps, role=membership.role, profession=membership.profession,
                      joined_at=membership.joined_at)
