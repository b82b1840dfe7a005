"""What the domain returns to the edge: read models shaped like the contract schemas."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .model import Structure, User


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    user_id: str
    token_type: str = "Bearer"


@dataclass(frozen=True)
class SignupResult:
    structure: Structure
    user_id: str
    tokens: TokenPair


@dataclass(frozen=True)
class MembershipSummary:
    structure_id: str
    structure_name: str
    structure_kind: str
    structure_slug: str
    role: str
    profession: str


@dataclass(frozen=True)
class Me:
    user: User
    memberships: list[MembershipSummary]


@dataclass(frozen=True)
class MemberView:
    user_id: str
    first_name: str
    last_name: str
    email: str
    phone: str | None
    rpps: str | None
    role: str
    profession: str
    joined_at: datetime


@dataclass(frozen=True)
class InvitationView:
    id: str
    structure_id: str
    email: str
    role: str
    profession: str
    status: str
    expires_at: datetime
    created_at: datetime
    invited_by: str


@dataclass(frozen=True)
class InvitationPreview:
    structure_id: str
    structure_name: str
    structure_kind: str
    email: str
    role: str
    profession: str
    account_exists: bool
    expires_at: datetime


@dataclass(frozen=True)
class AcceptedInvitation:
    structure_id: str
    tokens: TokenPair


@dataclass(frozen=True)
class DirectoryEntry:
    user_id: str
    first_name: str
    last_name: str
    profession: str
    profession_label: str
    role: str
    email: str
    phone: str | None
    rpps: str | None
    on_leave: bool
    on_call: bool


@dataclass(frozen=True)
class AvailabilityView:
    id: str
    structure_id: str
    user_id: str
    first_name: str
    last_name: str
    profession: str
    kind: str
    starts_on: date
    ends_on: date
    note: str
    created_at: datetime


@dataclass(frozen=True)
class InvitationNotice:
    """What the mailer needs to write an invitation e-mail (the raw token only lives here)."""

    to: str
    token: str
    structure_name: str
    inviter_name: str
    role: str
    profession_label: str
    expires_at: datetime
