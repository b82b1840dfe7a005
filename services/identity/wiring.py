"""Composition root of the identity service: one ``IdentityContext`` per worker.

Expensive, stateless collaborators (password hasher, token signer, mailer) are built
once per container in ``setup``; repositories are cheap and carry the worker's
correlation id into the events they write. Indexes are ensured once, at the first
call, so a container still starts while the database is briefly unreachable.
"""
from __future__ import annotations

from eventlet import tpool
from eventlet.semaphore import Semaphore
from maillage_shared.service_kit import settings_for
from maillage_shared.tokens import AccessTokenSigner, load_private_key
from nameko.extensions import DependencyProvider
from pymongo.database import Database

from .adapters.mailer import SmtpInvitationMailer
from .adapters.mongo import ensure_indexes, repositories
from .adapters.passwords import Argon2idPasswords
from .domain.context import DECOY_PASSWORD, IdentityContext, Policy


class IdentityWiring(DependencyProvider):
    def setup(self):
        settings = settings_for(self.container)
        self.settings = settings
        self.passwords = Argon2idPasswords.for_settings(settings, offload=tpool.execute)
        self.access_tokens = AccessTokenSigner(load_private_key(settings), settings.access_token_ttl_seconds)
        self.mailer = SmtpInvitationMailer(settings)
        self.policy = Policy.from_settings(settings)
        self.decoy_password_hash = Argon2idPasswords.for_settings(settings).hash(DECOY_PASSWORD)
        self._indexes_ready = False
        self._indexes_lock = Semaphore()

    def get_dependency(self, worker_ctx):
        return self

    def context(self, db: Database, correlation_id: str | None) -> IdentityContext:
        self._ensure_indexes(db)
        return IdentityContext(**repositories(db, correlation_id), passwords=self.passwords,
                               access_tokens=self.access_tokens, mailer=self.mailer, policy=self.policy,
                               decoy_password_hash=self.decoy_password_hash)

    def _ensure_indexes(self, db: Database) -> None:
        if self._indexes_ready:
            return
        with self._indexes_lock:
            if not self._indexes_ready:
                ensure_indexes(db)
                self._indexes_ready = True
