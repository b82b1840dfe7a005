"""Who belongs where, asked of the identity service over RPC (its database is its own)."""
from __future__ import annotations

from maillage_shared.errors import NotFound

from ..domain.model import Member


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

    def member_ids(self, structure_id: str) -> set[str]:
        return {member["user_id"] for member in self.identity.list_members(structure_id)}

    def structure_name(self, structure_id: str) -> str | None:
        try:
            return self.identity.get_structure(structure_id)["name"]
        except NotFound:
            return None
