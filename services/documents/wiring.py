"""Composition root of the documents service: one ``DocumentsContext`` per worker, and one
for the commands (reconcile, purge) that run outside Nameko.

Repositories are cheap and carry the worker's correlation id into the events they write;
the member directory and the project teams wrap the worker's RPC proxies. Indexes are
ensured once, at the first call, so a container still starts while the database is
briefly unreachable.
"""
from __future__ import annotations

import eventlet
from eventlet.semaphore import Semaphore
from maillage_shared.errors import ServiceUnavailable
from maillage_shared.service_kit import settings_for
from nameko.extensions import DependencyProvider
from pymongo.database import Database

from .adapters.identity import IdentityDirectory
from .adapters.mongo import MongoContentLocks, ensure_indexes, repositories
from .adapters.objects import BucketContents
from .adapters.projects import ProjectsTeams
from .domain.context import DocumentsContext, Policy


class DocumentsWiring(DependencyProvider):
    def setup(self):
        self.policy = Policy.from_settings(settings_for(self.container))
        self._indexes_ready = False
        self._indexes_lock = Semaphore()

    def get_dependency(self, worker_ctx):
        return self

    def context(self, db: Database, correlation_id: str | None, objects, identity, projects) -> DocumentsContext:
        self._ensure_indexes(db)
        store, bucket = objects
        return DocumentsContext(**repositories(db, correlation_id), contents=BucketContents(store, bucket).ready(),
                                locks=MongoContentLocks(db, sleep=eventlet.sleep), directory=IdentityDirectory(identity),
                                projects=ProjectsTeams(projects), policy=self.policy)

    def _ensure_indexes(self, db: Database) -> None:
        if self._indexes_ready:
            return
        with self._indexes_lock:
            if not self._indexes_ready:
                ensure_indexes(db)
                self._indexes_ready = True


class _NoService:
    """Stands in for the other services in the commands, which never need them."""

    def __getattr__(self, name):
        def unavailable(*args, **kwargs):
            raise ServiceUnavailable("Not available from a command.")

        return unavailable


def command_context(settings):
    """A context on the real database and store, for the commands; returns it and a closer."""
    from maillage_shared.mongo import connect, service_database
    from maillage_shared.objects import ObjectStore

    client = connect(settings)
    db = service_database(client, settings, "documents")
    ensure_indexes(db)
    store = ObjectStore.from_settings(settings)
    ctx = DocumentsContext(**repositories(db), contents=BucketContents(store, store.bucket("documents")).ready(),
                           locks=MongoContentLocks(db), directory=IdentityDirectory(_NoService()),
                           projects=ProjectsTeams(_NoService()), policy=Policy.from_settings(settings))
    return ctx, client.close
