"""Composition root of the meetings service: one ``MeetingsContext`` per worker call.

The mailer is built once per container; repositories and the identity/projects facades
are cheap and built per call (the identity facade remembers the member list for the
duration of one call). Indexes are ensured once, at the first call.
"""
from __future__ import annotations

from eventlet.semaphore import Semaphore
from maillage_shared.events import ProcessedEvents
from maillage_shared.service_kit import settings_for
from nameko.extensions import DependencyProvider
from pymongo.database import Database

from .adapters.mailer import SmtpMeetingMailer
from .adapters.mongo import ensure_indexes, repositories
from .adapters.peers import IdentityDirectory, ProjectsRpcLink
from .domain.context import MeetingsContext

CONSUMER = "meetings"


class MeetingsWiring(DependencyProvider):
    def setup(self):
        self.settings = settings_for(self.container)
        self.mailer = SmtpMeetingMailer(self.settings)
        self._indexes_ready = False
        self._indexes_lock = Semaphore()

    def get_dependency(self, worker_ctx):
        return self

    def context(self, db: Database, correlation_id: str | None, identity_rpc, projects_rpc) -> MeetingsContext:
        self._ensure_indexes(db)
        return MeetingsContext(**repositories(db, correlation_id), members=IdentityDirectory(identity_rpc),
                               projects=ProjectsRpcLink(projects_rpc), is_production=self.settings.is_production)

    def processed_events(self, db: Database) -> ProcessedEvents:
        self._ensure_indexes(db)
        return ProcessedEvents(db["processed_events"], CONSUMER)

    def _ensure_indexes(self, db: Database) -> None:
        if self._indexes_ready:
            return
        with self._indexes_lock:
            if not self._indexes_ready:
                ensure_indexes(db)
                ProcessedEvents(db["processed_events"], CONSUMER).ensure_indexes()
                self._indexes_ready = True
