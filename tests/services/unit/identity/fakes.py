"""In-memory stand-ins for the identity domain's ports (repositories, hasher, mailer, clock).

They keep the same rules as the Mongo adapters where the domain relies on them: unique
e-mails, slugs and memberships raise AlreadyExists, conditional updates report whether
they applied, and events are kept in an outbox next to the state they describe.
"""
from __future__ import annotations

import copy
import dataclasses
from datetime import date, datetime, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from maillage_shared.tokens import AccessTokenSigner, AccessTokenVerifier

from services.identity.domain.context import IdentityContext, Policy
from services.identity.domain.ports import AlreadyExists


class FakeClock:
    """Naive UTC time that tests move forward by hand."""

    def __init__(self, start: datetime = datetime(2026, 11, 23, 9, 0, 0)):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta) -> None:
        self.current += timedelta(**delta)


class _Store:
    def __init__(self):
        self.rows: dict[str, object] = {}

    def _copy(self, entity):
        return copy.deepcopy(entity) if entity is not None else None

    def _apply(self, entity_id: str, changes: dict) -> None:
        row = self.rows[entity_id]
        for name, value in changes.items():
            setattr(row, name, copy.deepcopy(value))


class FakeStructures(_Store):
    def __init__(self):
        super().__init__()
        self.outbox: list = []

    def add(self, structure):
        if any(s.slug == structure.slug for s in self.rows.values()):
            raise AlreadyExists("slug")
        self.rows[structure.id] = self._copy(structure)

    def get(self, structure_id):
        return self._copy(self.rows.get(structure_id))

    def by_slug(self, slug):
        return self._copy(next((s for s in self.rows.values() if s.slug == slug), None))

    def update(self, structure_id, changes, events):
        self._apply(structure_id, changes)
        self.outbox.extend(events)

    def discard(self, structure_id):
        self.rows.pop(structure_id, None)


class FakeUsers(_Store):
    def add(self, user):
        if any(u.email.lower() == user.email.lower() for u in self.rows.values()):
            raise AlreadyExists("email")
        self.rows[user.id] = self._copy(user)

    def get(self, user_id):
        return self._copy(self.rows.get(user_id))

    def by_email(self, email):
        email = email.strip().lower()
        return self._copy(next((u for u in self.rows.values() if u.email.lower() == email), None))

    def many(self, user_ids, words=()):
        ids, words = set(user_ids), list(words)
        return [self._copy(u) for u in self.rows.values()
                if u.id in ids and all(w in u.search_key for w in words)]

    def update(self, user_id, changes):
        self._apply(user_id, changes)

    def discard(self, user_id):
        self.rows.pop(user_id, None)


class FakeMemberships(_Store):
    def __init__(self):
        super().__init__()
        self.outbox: list = []

    def join(self, membership, events):
        former = next((m for m in self.rows.values()
                       if (m.structure_id, m.user_id) == (membership.structure_id, membership.user_id)), None)
        if former is not None and former.status == "active":
            raise AlreadyExists("membership")
        if former is not None:
            membership = dataclasses.replace(membership, id=former.id)
        self.rows[membership.id] = self._copy(membership)
        self.outbox.extend(events)
        return self._copy(membership)

    def get_active(self, structure_id, user_id):
        return self._copy(next((m for m in self.rows.values() if m.structure_id == structure_id
                                and m.user_id == user_id and m.status == "active"), None))

    def active_in(self, structure_id, profession=None):
        return [self._copy(m) for m in self.rows.values() if m.structure_id == structure_id
                and m.status == "active" and (profession is None or m.profession == profession)]

    def active_for_user(self, user_id):
        return [self._copy(m) for m in self.rows.values() if m.user_id == user_id and m.status == "active"]

    def count_coordinators(self, structure_id):
        return sum(1 for m in self.active_in(structure_id) if m.role == "coordinator")

    def change(self, membership_id, changes):
        self._apply(membership_id, changes)

    def leave(self, membership_id, at, events):
        self._apply(membership_id, {"status": "left", "left_at": at})
        self.outbox.extend(events)


class FakeInvitations(_Store):
    def add(self, invitation):
        self.rows[invitation.id] = self._copy(invitation)

    def get(self, structure_id, invitation_id):
        found = self.rows.get(invitation_id)
        return self._copy(found) if found is not None and found.structure_id == structure_id else None

    def by_digest(self, token_digest):
        return self._copy(next((i for i in self.rows.values() if i.token_digest == token_digest), None))

    def for_structure(self, structure_id, email=None):
        found = [i for i in self.rows.values() if i.structure_id == structure_id and email in (None, i.email)]
        return [self._copy(i) for i in sorted(found, key=lambda i: i.created_at, reverse=True)]

    def mark_accepted(self, invitation_id, user_id, at):
        if self.rows[invitation_id].state != "pending":
            return False
        self._apply(invitation_id, {"state": "accepted", "accepted_at": at, "accepted_by": user_id})
        return True

    def reopen(self, invitation_id):
        self._apply(invitation_id, {"state": "pending", "accepted_at": None, "accepted_by": None})

    def mark_revoked(self, invitation_id, at):
        if self.rows[invitation_id].state != "pending":
            return False
        self._apply(invitation_id, {"state": "revoked", "revoked_at": at})
        return True


class FakeSessions(_Store):
    def __init__(self):
        super().__init__()
        self.tokens: dict[str, object] = {}

    def start(self, session):
        self.rows[session.id] = self._copy(session)

    def get(self, session_id):
        return self._copy(self.rows.get(session_id))

    def revoke(self, session_id, reason, at):
        if self.rows[session_id].revoked_at is None:
            self._apply(session_id, {"revoked_at": at, "revoked_reason": reason})
        for token in self.tokens.values():
            if token.session_id == session_id and token.state == "active":
                token.state = "revoked"

    def add_refresh_token(self, token):
        self.tokens[token.id] = self._copy(token)

    def refresh_token_by_digest(self, token_digest):
        return self._copy(next((t for t in self.tokens.values() if t.digest == token_digest), None))

    def rotate(self, token_id, at):
        token = self.tokens[token_id]
        if token.state != "active":
            return False
        token.state, token.rotated_at = "rotated", at
        return True


class FakeLoginFailures:
    def __init__(self):
        self.rows: list[tuple[str, str | None, datetime]] = []

    def record(self, email, ip, at):
        self.rows.append((email.lower(), ip, at))

    def count_for_account(self, email, since):
        return sum(1 for e, _, at in self.rows if e == email.lower() and at >= since)

    def count_for_ip(self, ip, since):
        return sum(1 for _, i, at in self.rows if i == ip and at >= since)

    def clear_account(self, email):
        self.rows = [row for row in self.rows if row[0] != email.lower()]


class FakeAvailability(_Store):
    def add(self, period):
        self.rows[period.id] = self._copy(period)

    def get(self, structure_id, availability_id):
        found = self.rows.get(availability_id)
        return self._copy(found) if found is not None and found.structure_id == structure_id else None

    def remove(self, availability_id):
        self.rows.pop(availability_id, None)

    def overlapping(self, structure_id, starts_on: date | None, ends_on: date | None, kind=None, user_id=None):
        found = [p for p in self.rows.values() if p.structure_id == structure_id and p.overlaps(starts_on, ends_on)
                 and kind in (None, p.kind) and user_id in (None, p.user_id)]
        return [self._copy(p) for p in sorted(found, key=lambda p: p.starts_on)]


class FakeAuditEntries:
    def __init__(self):
        self.entries: list = []

    def record(self, entry):
        self.entries.append(copy.deepcopy(entry))

    def for_structure(self, structure_id, limit):
        found = [e for e in self.entries if e.structure_id == structure_id]
        return list(reversed(found))[:limit]

    def actions(self) -> list[str]:
        return [e.action for e in self.entries]


class FakePasswords:
    """Reversible on purpose: domain tests are about rules, not about argon2."""

    def __init__(self, scheme: str = "fake1"):
        self.scheme = scheme
        self.hashed = 0

    def hash(self, password):
        self.hashed += 1
        return f"{self.scheme}${password}"

    def verify(self, password_hash, password):
        return password_hash.split("$", 1)[1] == password

    def needs_rehash(self, password_hash):
        return not password_hash.startswith(self.scheme + "$")


class FakeMailer:
    def __init__(self, fail: bool = False):
        self.sent: list = []
        self.fail = fail

    def send_invitation(self, notice):
        if self.fail:
            return False
        self.sent.append(notice)
        return True

    def last_token(self) -> str:
        return self.sent[-1].token


def signing_keys() -> tuple[AccessTokenSigner, AccessTokenVerifier]:
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return AccessTokenSigner(private, 900), AccessTokenVerifier(public)


def fake_context(clock: FakeClock | None = None, policy: Policy | None = None, mailer: FakeMailer | None = None,
                 signer: AccessTokenSigner | None = None) -> IdentityContext:
    return IdentityContext(
        structures=FakeStructures(), users=FakeUsers(), memberships=FakeMemberships(),
        invitations=FakeInvitations(), sessions=FakeSessions(), login_failures=FakeLoginFailures(),
        availability=FakeAvailability(), audit_entries=FakeAuditEntries(), passwords=FakePasswords(),
        access_tokens=signer or signing_keys()[0], mailer=mailer or FakeMailer(),
        policy=policy or Policy(), clock=clock or FakeClock())

