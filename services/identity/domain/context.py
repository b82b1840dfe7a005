"""What every identity use case receives: repositories, collaborators and policy.

The composition root (the Nameko service, or a test with fakes) builds one per call.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from maillage_shared.clock import PARIS, new_id, utcnow

from .model import AuditEntry
from .ports import (
    AccessTokenIssuer,
    AuditRepository,
    AvailabilityRepository,
    InvitationMailer,
    InvitationRepository,
    LoginFailureRepository,
    MembershipRepository,
    PasswordHasher,
    SessionRepository,
    StructureRepository,
    UserRepository,
)

DECOY_PASSWORD = "not the password of anyone"


@dataclass(frozen=True)
class Policy:
    """Limits and lifetimes from the settings (kept apart so the domain needs no settings)."""

    login_max_failures_per_account: int = 5
    login_max_failures_per_ip: int = 30
    login_failure_window_seconds: int = 900
    refresh_token_ttl_days: int = 30
    invitation_ttl_days: int = 14
    is_production: bool = False

    @classmethod
    def from_settings(cls, settings: Any) -> Policy:
        return cls(login_max_failures_per_account=settings.login_max_failures_per_account,
                   login_max_failures_per_ip=settings.login_max_failures_per_ip,
                   login_failure_window_seconds=settings.login_failure_window_seconds,
                   refresh_token_ttl_days=settings.refresh_token_ttl_days,
                   invitation_ttl_days=settings.invitation_ttl_days,
                   is_production=settings.is_production)


@dataclass
class IdentityContext:
    structures: StructureRepository
    users: UserRepository
    memberships: MembershipRepository
    invitations: InvitationRepository
    sessions: SessionRepository
    login_failures: LoginFailureRepository
    availability: AvailabilityRepository
    audit_entries: AuditRepository
    passwords: PasswordHasher
    access_tokens: AccessTokenIssuer
    mailer: InvitationMailer
    policy: Policy = field(default_factory=Policy)
    clock: Callable[[], datetime] = utcnow
    decoy_password_hash: str | None = None

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """Today in Europe/Paris: a night shift at 00:30 belongs to the new day there."""
        return self.clock().replace(tzinfo=UTC).astimezone(PARIS).date()

    def decoy_hash(self) -> str:
        """A hash to verify against when the e-mail is unknown, so that an unknown
        account costs the same time as a wrong password (no account enumeration)."""
        if self.decoy_password_hash is None:
            self.decoy_password_hash = self.passwords.hash(DECOY_PASSWORD)
        return self.decoy_password_hash

    def audit(self, action: str, *, actor_id: str | None = None, structure_id: str | None = None,
              target: str | None = None, **details: Any) -> None:
        self.audit_entries.record(AuditEntry(id=new_id(), at=self.now(), action=action, actor_id=actor_id,
                                             structure_id=structure_id, target=target, details=details))

    def days_from_now(self, days: int) -> datetime:
        return self.now() + timedelta(days=days)
