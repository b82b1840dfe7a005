"""What every finance use case receives: repositories, the catalogues, the directory, policy."""
from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from maillage_shared.clock import PARIS, new_id, utcnow

from .catalogue import Catalogue, CatalogueSet
from .model import AuditEntry
from .ports import (
    AuditRepository,
    DeclarationRepository,
    Directory,
    EvidenceRepository,
    LedgerRepository,
    OverrideRepository,
    PaymentRepository,
    PolicyRepository,
    ProcessedLog,
)


@dataclass(frozen=True)
class Policy:
    """Settings the domain needs (kept apart so the domain never reads settings itself)."""
    instance_admins: frozenset[str] = frozenset()  # e-mails (lower case) or user ids
    is_production: bool = False

    @classmethod
    def from_settings(cls, settings: Any) -> Policy:
        return cls(instance_admins=frozenset(settings.instance_admin_list), is_production=settings.is_production)


@dataclass
class FinanceContext:
    evidence: EvidenceRepository
    declarations: DeclarationRepository
    policies: PolicyRepository
    ledgers: LedgerRepository
    payments: PaymentRepository
    overrides: OverrideRepository
    audit_entries: AuditRepository
    processed: ProcessedLog
    catalogues: CatalogueSet
    directory: Directory
    make_event: Callable[[str, str, dict], dict]
    policy: Policy = field(default_factory=Policy)
    clock: Callable[[], datetime] = utcnow
    # One recomputation of a (structure, year) at a time in this process: the ones waiting then
    # find the ledger already up to date instead of racing (correctness never depends on it).
    serialize: Callable[[tuple], AbstractContextManager] = lambda key: nullcontext()

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.clock().replace(tzinfo=UTC).astimezone(PARIS).date()

    def catalogue(self, kind: str, year: int) -> Catalogue:
        return self.catalogues.for_year(kind, year, self.overrides.all())

    def pass_cents(self, year: int) -> tuple[int | None, int | None]:
        return self.catalogues.pass_cents(year, self.overrides.all())

    def audit(self, action: str, *, actor_id: str | None, structure_id: str | None, year: int | None = None,
              **details: Any) -> None:
        self.audit_entries.record(AuditEntry(id=new_id(), at=self.now(), action=action, actor_id=actor_id,
                                             structure_id=structure_id, year=year, details=details))
