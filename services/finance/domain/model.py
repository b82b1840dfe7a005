"""What the finance domain holds: the evidence other services told it about (meetings,
coordination time, protocols), payments, the ledger of shares, and audit entries.

Declarations and policies are plain dicts shaped by their contracts
(``maillage_shared.contracts.finance``): the rules read them key by key.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

CLOSED, WITHDRAWN = "closed", "withdrawn"


@dataclass
class MeetingFigures:
    """A meeting's figures at its highest revision seen; ``withdrawn`` after a reopening."""
    meeting_id: str
    structure_id: str
    revision: int
    status: str
    kind: str = ""
    title: str = ""
    date: date | None = None
    duration_minutes: int = 0
    case_counts: dict = field(default_factory=dict)
    participants: list[dict] = field(default_factory=list)
    project_id: str | None = None

    @property
    def cases(self) -> int:
        return int(self.case_counts.get("total", 0) or 0)

    def minutes_of(self, user_id: str) -> int:
        return sum(p["minutes"] for p in self.participants if p["user_id"] == user_id and p["status"] == "present")


@dataclass
class CoordinationTime:
    time_id: str
    structure_id: str
    user_id: str
    profession: str = ""
    date: date | None = None
    minutes: int = 0
    label: str = ""
    deleted: bool = False


@dataclass
class ProtocolRecord:
    document_id: str
    structure_id: str
    title: str
    aci_theme: str | None
    professions: list[str]
    ipa_involved: bool
    validated_on: date
    version: int


@dataclass
class YearEvidence:
    """What the platform knows of a structure's year: closed meetings, coordination time,
    protocols validated up to the end of the year."""
    year: int
    meetings: list[MeetingFigures] = field(default_factory=list)
    coordination: list[CoordinationTime] = field(default_factory=list)
    protocols: list[ProtocolRecord] = field(default_factory=list)

    @property
    def concertations(self) -> list[MeetingFigures]:
        return [m for m in self.meetings if m.kind == "concertation"]


@dataclass
class Payment:
    id: str
    structure_id: str
    year: int
    kind: str
    amount_cents: int
    received_on: date
    reference: str
    note: str
    recorded_by: str
    recorded_at: datetime


@dataclass
class AuditEntry:
    id: str
    at: datetime
    action: str
    actor_id: str | None
    structure_id: str | None
    year: int | None
    details: dict[str, Any]


@dataclass
class Ledger:
    """The live distribution of a structure's year: ``state`` is the computed distribution
    (contract ``DistributionStateSchema``), ``version`` grows at each recomputation."""
    structure_id: str
    year: int
    version: int
    state: dict
    computed_at: datetime
    cause: dict
    structure_kind: str = ""
    catalogue_id: str | None = None
    generation: int = 0  # the year's change counter read before computing (ADR 13)
