"""Who belongs where, asked of the identity service over RPC (its database is its own)."""
from __future__ import annotations

from maillage_shared.errors import NotFound

from ..domain.model import Member, StructureMembership


class IdentityDirectory:
    """``identity`` is a Nameko RPC proxy to the identity service (or a test double)."""

    def __init__(self, identity):
        self.identity = identity

    def membership(self, structure_id: str, user_id: str) -> Member | None:
        try:
            found = self.identity.get_membership(user_id, structure_id)
        except NotFound:
            return None
        return Member(user_id=found["user_id"], role=found["role"])

    def members(self, structure_id: str) -> dict[str, Member]:
        return {m["user_id"]: Member(user_id=m["user_id"], role=m["role"], first_name=m["first_name"],
                                     last_name=m["last_name"])
                for m in self.identity.list_members(structure_id)}

    def structures_of(self, user_id: str) -> list[StructureMembership]:
        try:
            me = self.identity.get_me(user_id)
        except NotFound:
            return []
        return [StructureMembership(m["structure_id"], m["structure_name"], m["role"]) for m in me["memberships"]]

    def person_name(self, user_id: str) -> str | None:
        try:
            user = self.identity.get_me(user_id)["user"]
        except NotFound:
            return None
        return f"{user['first_name']} {user['last_name']}".strip() or None
