"""MongoDB repositories of the identity domain (database ``<prefix>identity``).

Written for what the Mongo-wire development server does correctly, which real MongoDB
does too: string UUID ids, whole arrays set at once (never ``$push``), no multi-document
transaction (a state change and its events share one document write), dates stored as
ISO strings (they sort and compare as text), and values read back defensively: booleans
may come back as 1/0 and datetimes written by ``$set`` as strings.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from maillage_shared.clock import new_id
from maillage_shared.events import OUTBOX_COUNT, make_event, outbox_fields, with_outbox
from maillage_shared.records import from_document, stored_changes, to_document
from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from ..domain.model import (
    COORDINATOR,
    AuditEntry,
    Availability,
    Event,
    Invitation,
    Membership,
    RefreshToken,
    Session,
    Structure,
    User,
)
from ..domain.ports import AlreadyExists

OUTBOX_COLLECTIONS = ("memberships", "structures")

INDEXES: dict[str, list[tuple[list[tuple[str, int]], dict]]] = {
    "users": [([("email_lower", ASCENDING)], {"unique": True})],
    "structures": [([("slug", ASCENDING)], {"unique": True}), ([(OUTBOX_COUNT, ASCENDING)], {})],
    "memberships": [([("structure_id", ASCENDING), ("user_id", ASCENDING)], {"unique": True}),
                    ([("user_id", ASCENDING)], {}), ([(OUTBOX_COUNT, ASCENDING)], {})],
    "invitations": [([("token_digest", ASCENDING)], {"unique": True}),
                    ([("structure_id", ASCENDING), ("email", ASCENDING)], {})],
    "sessions": [([("user_id", ASCENDING)], {})],
    "refresh_tokens": [([("digest", ASCENDING)], {"unique": True}), ([("session_id", ASCENDING)], {})],
    "login_failures": [([("email_lower", ASCENDING), ("at", ASCENDING)], {}),
                       ([("ip", ASCENDING), ("at", ASCENDING)], {})],
    "availabilities": [([("structure_id", ASCENDING), ("starts_on", ASCENDING)], {})],
    "audit_entries": [([("structure_id", ASCENDING), ("at", DESCENDING)], {})],
}


def ensure_indexes(db: Database) -> None:
    for collection, indexes in INDEXES.items():
        for keys, options in indexes:
            db[collection].create_index(keys, **options)


class _Repository:
    collection_name = ""

    def __init__(self, db: Database, correlation_id: str | None = None):
        self.collection = db[self.collection_name]
        self.correlation_id = correlation_id

    def envelopes(self, events: Iterable[Event]) -> list[dict]:
        return [make_event(e.type, e.structure_id, e.payload, correlation_id=self.correlation_id) for e in events]


# Repositories ---------------------------------------------------------------------------

class MongoStructures(_Repository):
    collection_name = "structures"

    def add(self, structure: Structure) -> None:
        try:
            self.collection.insert_one(to_document(structure))
        except DuplicateKeyError:
            raise AlreadyExists("slug") from None

    def get(self, structure_id: str) -> Structure | None:
        return from_document(Structure, self.collection.find_one({"_id": structure_id}))

    def by_slug(self, slug: str) -> Structure | None:
        return from_document(Structure, self.collection.find_one({"slug": slug}))

    def update(self, structure_id: str, changes: dict, events: Iterable[Event]) -> None:
        outbox_set, outbox_inc = outbox_fields(self.envelopes(events))
        self.collection.update_one({"_id": structure_id},
                                   {"$set": {**stored_changes(changes), **outbox_set}, "$inc": outbox_inc})

    def discard(self, structure_id: str) -> None:
        self.collection.delete_one({"_id": structure_id})


class MongoUsers(_Repository):
    collection_name = "users"

    def add(self, user: User) -> None:
        try:
            self.collection.insert_one({**to_document(user), "email_lower": user.email.lower()})
        except DuplicateKeyError:
            raise AlreadyExists("email") from None

    def get(self, user_id: str) -> User | None:
        return from_document(User, self.collection.find_one({"_id": user_id}))

    def by_email(self, email: str) -> User | None:
        return from_document(User, self.collection.find_one({"email_lower": email.strip().lower()}))

    def many(self, user_ids: Iterable[str], words: Iterable[str] = ()) -> list[User]:
        user_ids = list(user_ids)
        if not user_ids:
            return []
        query: dict = {"_id": {"$in": user_ids}}
        words = list(words)
        if words:
            query["$and"] = [{"search_key": {"$regex": re.escape(word)}} for word in words]
        return [from_document(User, doc) for doc in self.collection.find(query)]

    def update(self, user_id: str, changes: dict) -> None:
        self.collection.update_one({"_id": user_id}, {"$set": stored_changes(changes)})

    def discard(self, user_id: str) -> None:
        self.collection.delete_one({"_id": user_id})


class MongoMemberships(_Repository):
    collection_name = "memberships"

    def join(self, membership: Membership, events: Iterable[Event]) -> Membership:
        envelopes = self.envelopes(events)
        try:
            self.collection.insert_one(with_outbox(to_document(membership), envelopes))
            return membership
        except DuplicateKeyError:
            pass
        former = self.collection.find_one({"structure_id": membership.structure_id, "user_id": membership.user_id})
        outbox_set, outbox_inc = outbox_fields(envelopes)
        rejoined = self.collection.update_one(
            {"_id": former["_id"], "status": {"$ne": "active"}},
            {"$set": {"role": membership.role, "profession": membership.profession, "joined_at": membership.joined_at,
                      "status": "active", "left_at": None, **outbox_set}, "$inc": outbox_inc})
        if rejoined.modified_count != 1:
            raise AlreadyExists("membership")
        return dataclasses.replace(membership, id=former["_id"])

    def get_active(self, structure_id: str, user_id: str) -> Membership | None:
        doc = self.collection.find_one({"structure_id": structure_id, "user_id": user_id, "status": "active"})
        return from_document(Membership, doc)

    def active_in(self, structure_id: str, profession: str | None = None) -> list[Membership]:
        query = {"structure_id": structure_id, "status": "active"}
        if profession:
            query["profession"] = profession
        return [from_document(Membership, doc) for doc in self.collection.find(query)]

    def active_for_user(self, user_id: str) -> list[Membership]:
        return [from_document(Membership, doc)
                for doc in self.collection.find({"user_id": user_id, "status": "active"})]

    def count_coordinators(self, structure_id: str) -> int:
        return self.collection.count_documents({"structure_id": structure_id, "status": "active",
                                                "role": COORDINATOR})

    def change(self, membership_id: str, changes: dict) -> None:
        self.collection.update_one({"_id": membership_id}, {"$set": stored_changes(changes)})

    def leave(self, membership_id: str, at: datetime, events: Iterable[Event]) -> None:
        outbox_set, outbox_inc = outbox_fields(self.envelopes(events))
        self.collection.update_one({"_id": membership_id, "status": "active"},
                                   {"$set": {"status": "left", "left_at": at, **outbox_set}, "$inc": outbox_inc})


class MongoInvitations(_Repository):
    collection_name = "invitations"

    def add(self, invitation: Invitation) -> None:
        self.collection.insert_one(to_document(invitation))

    def get(self, structure_id: str, invitation_id: str) -> Invitation | None:
        return from_document(Invitation, self.collection.find_one({"_id": invitation_id, "structure_id": structure_id}))

    def by_digest(self, token_digest: str) -> Invitation | None:
        return from_document(Invitation, self.collection.find_one({"token_digest": token_digest}))

    def for_structure(self, structure_id: str, email: str | None = None) -> list[Invitation]:
        query = {"structure_id": structure_id}
        if email:
            query["email"] = email
        return [from_document(Invitation, doc) for doc in self.collection.find(query).sort("created_at", DESCENDING)]

    def mark_accepted(self, invitation_id: str, user_id: str | None, at: datetime) -> bool:
        result = self.collection.update_one({"_id": invitation_id, "state": "pending"},
                                            {"$set": {"state": "accepted", "accepted_at": at, "accepted_by": user_id}})
        return result.modified_count == 1

    def reopen(self, invitation_id: str) -> None:
        self.collection.update_one({"_id": invitation_id, "state": "accepted"},
                                   {"$set": {"state": "pending", "accepted_at": None, "accepted_by": None}})

    def mark_revoked(self, invitation_id: str, at: datetime) -> bool:
        result = self.collection.update_one({"_id": invitation_id, "state": "pending"},
                                            {"$set": {"state": "revoked", "revoked_at": at}})
        return result.modified_count == 1


class MongoSessions(_Repository):
    collection_name = "sessions"

    def __init__(self, db: Database, correlation_id: str | None = None):
        super().__init__(db, correlation_id)
        self.tokens = db["refresh_tokens"]

    def start(self, session: Session) -> None:
        self.collection.insert_one(to_document(session))

    def get(self, session_id: str) -> Session | None:
        return from_document(Session, self.collection.find_one({"_id": session_id}))

    def revoke(self, session_id: str, reason: str, at: datetime) -> None:
        self.collection.update_one({"_id": session_id, "revoked_at": None},
                                   {"$set": {"revoked_at": at, "revoked_reason": reason}})
        self.tokens.update_many({"session_id": session_id, "state": "active"}, {"$set": {"state": "revoked"}})

    def add_refresh_token(self, token: RefreshToken) -> None:
        self.tokens.insert_one(to_document(token))

    def refresh_token_by_digest(self, token_digest: str) -> RefreshToken | None:
        return from_document(RefreshToken, self.tokens.find_one({"digest": token_digest}))

    def rotate(self, token_id: str, at: datetime) -> bool:
        result = self.tokens.update_one({"_id": token_id, "state": "active"},
                                        {"$set": {"state": "rotated", "rotated_at": at}})
        return result.modified_count == 1


class MongoLoginFailures(_Repository):
    collection_name = "login_failures"

    def record(self, email: str, ip: str | None, at: datetime) -> None:
        self.collection.insert_one({"_id": new_id(), "email_lower": email.lower(), "ip": ip, "at": at})

    def count_for_account(self, email: str, since: datetime) -> int:
        return self.collection.count_documents({"email_lower": email.lower(), "at": {"$gte": since}})

    def count_for_ip(self, ip: str, since: datetime) -> int:
        return self.collection.count_documents({"ip": ip, "at": {"$gte": since}})

    def clear_account(self, email: str) -> None:
        self.collection.delete_many({"email_lower": email.lower()})


class MongoAvailability(_Repository):
    collection_name = "availabilities"

    def add(self, period: Availability) -> None:
        self.collection.insert_one(to_document(period))

    def get(self, structure_id: str, availability_id: str) -> Availability | None:
        return from_document(Availability, self.collection.find_one({"_id": availability_id,
                                                                     "structure_id": structure_id}))

    def remove(self, availability_id: str) -> None:
        self.collection.delete_one({"_id": availability_id})

    def overlapping(self, structure_id: str, starts_on: date | None, ends_on: date | None,
                    kind: str | None = None, user_id: str | None = None) -> list[Availability]:
        query: dict = {"structure_id": structure_id}
        if ends_on is not None:
            query["starts_on"] = {"$lte": ends_on.isoformat()}
        if starts_on is not None:
            query["ends_on"] = {"$gte": starts_on.isoformat()}
        if kind:
            query["kind"] = kind
        if user_id:
            query["user_id"] = user_id
        return [from_document(Availability, doc) for doc in self.collection.find(query).sort("starts_on", ASCENDING)]


class MongoAuditEntries(_Repository):
    collection_name = "audit_entries"

    def record(self, entry: AuditEntry) -> None:
        self.collection.insert_one(to_document(entry))

    def for_structure(self, structure_id: str, limit: int) -> list[AuditEntry]:
        cursor = self.collection.find({"structure_id": structure_id}).sort("at", DESCENDING).limit(limit)
        return [from_document(AuditEntry, doc) for doc in cursor]


def repositories(db: Database, correlation_id: str | None = None) -> dict[str, Any]:
    """The repositories an ``IdentityContext`` needs, keyed by its field names."""
    return {
        "structures": MongoStructures(db, correlation_id), "users": MongoUsers(db, correlation_id),
        "memberships": MongoMemberships(db, correlation_id), "invitations": MongoInvitations(db, correlation_id),
        "sessions": MongoSessions(db, correlation_id), "login_failures": MongoLoginFailures(db, correlation_id),
        "availability": MongoAvailability(db, correlation_id), "audit_entries": MongoAuditEntries(db, correlation_id),
    }
