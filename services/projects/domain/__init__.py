"""Business rules of the projects context, with no Nameko, pymongo or Flask import.

Use cases are functions taking a ``ProjectsContext``: ``projects`` (create, change, read,
list, history), ``tasks`` (create, change, comment), ``views`` (the structure dashboard and
the personal view) and ``departures`` (a member leaving a structure). ``rules`` holds the
pure rules (dependencies and cycles, progress, overdue, transitions); ``access`` who may
read or change what; ``ports`` the interfaces the adapters implement.
"""
from .context import ProjectsContext  # noqa: F401
