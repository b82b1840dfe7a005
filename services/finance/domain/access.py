"""Who may read and change a structure's finance: coordinators change everything and see
every share; members read the totals and their own share; guests see nothing. Someone who
is not a member gets NotFound (existence never leaks). Instance admins (MAILLAGE_INSTANCE_ADMINS)
override catalogue values."""
from __future__ import annotations

from maillage_shared.errors import Forbidden, NotFound

from .context import FinanceContext

COORDINATOR, MEMBER = "coordinator", "member"


def role_of(ctx: FinanceContext, structure_id: str, actor_id: str) -> str:
    role = ctx.directory.role(structure_id, actor_id)
    if role is None:
        raise NotFound("Structure not found.")
    return role


def require_reader(ctx: FinanceContext, structure_id: str, actor_id: str) -> str:
    role = role_of(ctx, structure_id, actor_id)
    if role not in (COORDINATOR, MEMBER):
        raise Forbidden("Guests do not see the structure's finances.")
    return role


def require_coordinator(ctx: FinanceContext, structure_id: str, actor_id: str) -> str:
    role = role_of(ctx, structure_id, actor_id)
    if role != COORDINATOR:
        raise Forbidden("Only a coordinator of this structure can do this.")
    return role


def is_instance_admin(ctx: FinanceContext, actor_id: str) -> bool:
    admins = ctx.policy.instance_admins
    if not admins:
        return False
    if actor_id in admins:
        return True
    email = ctx.directory.email(actor_id)
    return bool(email) and email.lower() in admins


def require_instance_admin(ctx: FinanceContext, actor_id: str) -> None:
    if not is_instance_admin(ctx, actor_id):
        raise Forbidden("Only an instance admin can change the catalogues.")
