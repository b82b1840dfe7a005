"""Business rules of the identity context, with no Nameko, pymongo or Flask import.

Use cases are functions taking an ``IdentityContext`` (repositories + collaborators):
``accounts`` (signup, profiles, structures), ``sessions`` (login, refresh, logout),
``members`` (roles), ``invitations``, ``availability`` (leave, on-call, directory) and
``audit``. ``ports`` lists the interfaces the adapters implement.
"""
from .context import IdentityContext, Policy  # noqa: F401
