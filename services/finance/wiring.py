"""Composition root of the finance service: one ``FinanceContext`` per worker.

The catalogues are read from ``services/finance/catalogues`` once per container (a malformed
file stops the service at start, naming the file); repositories are cheap and carry the
worker's correlation id into the events they write; the directory wraps the worker's RPC
proxy to identity. Indexes are ensured once, at the first call.
"""
from __future__ import annotations

from pathlib import Path

import yaml
from eventlet.semaphore import Semaphore
from maillage_shared.service_kit import settings_for
from nameko.extensions import DependencyProvider
from pymongo.database import Database

from .adapters.identity import IdentityDirectory
from .adapters.mongo import ensure_indexes, event_factory, repositories
from .domain.catalogue import CatalogueSet
from .domain.context import FinanceContext, Policy

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogues"


def load_catalogues(directory: Path = CATALOGUE_DIR) -> CatalogueSet:
    return CatalogueSet.from_documents((path.name, yaml.safe_load(path.read_text(encoding="utf-8")))
                                       for path in sorted(directory.glob("*.yaml")))


class FinanceWiring(DependencyProvider):
    def setup(self):
        settings = settings_for(self.container)
        self.settings = settings
        self.policy = Policy.from_settings(settings)
        self.catalogues = load_catalogues()
        self._indexes_ready = False
        self._indexes_lock = Semaphore()
        self._year_locks: dict[tuple, Semaphore] = {}

    def serialize(self, key: tuple) -> Semaphore:
        """One recomputation per (structure, year) at a time in this container."""
        lock = self._year_locks.get(key)
        if lock is None:
            lock = self._year_locks.setdefault(key, Semaphore())
        return lock

    def get_dependency(self, worker_ctx):
        return self

    def context(self, db: Database, correlation_id: str | None, identity) -> FinanceContext:
        self._ensure_indexes(db)
        return FinanceContext(**repositories(db, correlation_id), catalogues=self.catalogues,
                              directory=IdentityDirectory(identity), make_event=event_factory(correlation_id),
                              policy=self.policy, serialize=self.serialize)

    def _ensure_indexes(self, db: Database) -> None:
        if self._indexes_ready:
            return
        with self._indexes_lock:
            if not self._indexes_ready:
                ensure_indexes(db)
                self._indexes_ready = True
