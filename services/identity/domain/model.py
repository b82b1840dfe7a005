"""Entities of the identity context and the events they cause.

Plain dataclasses: the repositories store and return them; the service dumps them
through the contract schemas (attribute names follow the contracts).
Times are naive UTC datetimes; availability periods are calendar dates (Europe/Paris).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from maillage_shared.contracts.identity import PASSWORD_MIN_LENGTH, PROFESSIONS, ROLES  # noqa: F401

COORDINATOR = "coordinator"
MEMBER = "member"
GUEST = "guest"

LEAVE = "leave"
ON_CALL = "on_call"

MEMBER_JOINED = "identity.member_joined.v1"
MEMBER_LEFT = "identity.member_left.v1"
STRUCTURE_UPDATED = "identity.structure_updated.v1"


@dataclass(frozen=True)
class Event:
    """Something other contexts react to; the repository stores it in the same write
    as the state change (outbox), wrapped in the platform's envelope."""

    type: str
    structure_id: str
    payload: dict


@dataclass
class Structure:
    id: str
    kind: str
    name: str
    slug: str
    address: dict
    created_at: datetime
    finess: str | None = None
    phone: str | None = None
    opening_hours: list = field(default_factory=list)

    def as_payload(self) -> dict:
        """JSON form used in ``structure_updated`` events (StructureSchema shape)."""
        return {"id": self.id, "kind": self.kind, "name": self.name, "slug": self.slug,
                "finess": self.finess, "address": dict(self.address), "phone": self.phone,
                "opening_hours": [dict(h) for h in self.opening_hours],
                "created_at": self.created_at.isoformat()}


@dataclass
class User:
    id: str
    email: str
    first_name: str
    last_name: str
    password_hash: str
    search_key: str
    created_at: datetime
    phone: str | None = None
    rpps: str | None = None
    locale: str = "fr"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass
class Membership:
    """A person's place in a structure. Leaving keeps the record (status ``left``) so
    the event written with it survives until relayed, and re-joining reuses it."""

    id: str
    structure_id: str
    user_id: str
    role: str
    profession: str
    joined_at: datetime
    status: str = "active"
    left_at: datetime | None = None

    @property
    def is_coordinator(self) -> bool:
        return self.role == COORDINATOR


@dataclass
class Invitation:
    id: str
    structure_id: str
    email: str
    role: str
    profession: str
    token_digest: str
    invited_by: str
    created_at: datetime
    expires_at: datetime
    state: str = "pending"  # pending | accepted | revoked (expiry is computed)
    accepted_at: datetime | None = None
    accepted_by: str | None = None
    revoked_at: datetime | None = None

    def status_at(self, now: datetime) -> str:
        if self.state == "pending" and now >= self.expires_at:
            return "expired"
        return self.state


@dataclass
class Session:
    """One login; its refresh tokens form a family that rotates on each refresh."""

    id: str
    user_id: str
    created_at: datetime
    ip: str | None = None
    revoked_at: datetime | None = None
    revoked_reason: str | None = None


@dataclass
class RefreshToken:
    id: str
    session_id: str
    user_id: str
    digest: str
    created_at: datetime
    expires_at: datetime
    state: str = "active"  # active | rotated | revoked
    rotated_at: datetime | None = None


@dataclass
class Availability:
    """A leave or on-call period: inclusive calendar dates."""

    id: str
    structure_id: str
    user_id: str
    kind: str
    starts_on: date
    ends_on: date
    created_at: datetime
    created_by: str
    note: str = ""

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def overlaps(self, starts_on: date | None, ends_on: date | None) -> bool:
        return (ends_on is None or self.starts_on <= ends_on) and (starts_on is None or self.ends_on >= starts_on)


@dataclass
class AuditEntry:
    id: str
    at: datetime
    action: str
    actor_id: str | None = None
    structure_id: str | None = None
    target: str | None = None
    details: dict = field(default_factory=dict)


# Events -------------------------------------------------------------------------------

def member_joined(membership: Membership, user: User) -> Event:
    return Event(MEMBER_JOINED, membership.structure_id, {
        "user_id": user.id, "role": membership.role, "profession": membership.profession,
        "first_name": user.first_name, "last_name": user.last_name})


def member_left(membership: Membership, reason: str) -> Event:
    return Event(MEMBER_LEFT, membership.structure_id, {"user_id": membership.user_id, "reason": reason})


def structure_updated(structure: Structure) -> Event:
    return Event(STRUCTURE_UPDATED, structure.id, {"structure": structure.as_payload()})
