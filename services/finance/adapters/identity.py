"""Who belongs where and what a structure is, asked of the identity service over RPC (its
database is its own). Answers are remembered for the worker's call: one use case may ask
several times (a report reads the page, the payments and the shares)."""
from __future__ import annotations

from maillage_shared.errors import NotFound


class IdentityDirectory:
    """``identity`` is a Nameko RPC proxy to the identity service (or a test double)."""

    def __init__(self, identity):
        self.identity = identity
        self._memo: dict[tuple, object] = {}

    def _once(self, key: tuple, call):
        if key not in self._memo:
            self._memo[key] = call()
        return self._memo[key]

    def role(self, structure_id: str, user_id: str) -> str | None:
        def ask():
            try:
                return self.identity.get_membership(user_id, structure_id)["role"]
            except NotFound:
                return None
        return self._once(("role", structure_id, user_id), ask)

    def members(self, structure_id: str) -> list[dict]:
        return self._once(("members", structure_id), lambda: [
            {"user_id": m["user_id"], "first_name": m["first_name"], "last_name": m["last_name"],
             "role": m["role"], "profession": m["profession"]} for m in self.identity.list_members(structure_id)])

    def structure(self, structure_id: str) -> dict:
        return self._once(("structure", structure_id), lambda: self.identity.get_structure(structure_id))

    def email(self, user_id: str) -> str | None:
        def ask():
            try:
                return self.identity.get_me(user_id)["user"]["email"]
            except NotFound:
                return None
        return self._once(("email", user_id), ask)
