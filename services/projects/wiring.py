"""Composition root of the projects service: one ``ProjectsContext`` per worker.

Repositories are cheap and carry the worker's correlation id into the events they write;
the member directory wraps the worker's RPC proxy to identity. Indexes are ensured once,
at the first call, so a container still starts while the database is briefly unreachable.
"""
from __future__ import annotations

from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider
from pymongo.database import Database

from .adapters.identity import IdentityDirectory
from .adapters.mongo import ensure_indexes, repositories
from .domain.context import ProjectsContext


class ProjectsWiring(DependencyProvider):
    def setup(self):
        self._indexes_ready = False
        self._indexes_lock = Semaphore()

    def get_dependency(self, worker_ctx):
        return self

    def context(self, db: Database, correlation_id: str | None, identity) -> ProjectsContext:
        self._ensure_indexes(db)
        return ProjectsContext(**repositories(db, correlation_id), directory=IdentityDirectory(identity))

    def _ensure_indexes(self, db: Database) -> None:
        if self._indexes_ready:
            return
        with self._indexes_lock:
            if not self._indexes_ready:
                ensure_indexes(db)
                self._indexes_ready = True
