"""MongoDB repositories of the documents domain (database ``<prefix>documents``).

Written for what the Mongo-wire development server does correctly, which real MongoDB does
too (ADR 3): string UUID ids; a document aggregate rewritten with ``$set`` of whole fields
(versions included, never ``$push``) conditionally on its ``revision``, its events in the same
write; times stored as ISO strings (they sort and compare as text, and read back the same on
both servers); values read back defensively (booleans may come back as 1/0). Indexes serve
the queries the domain makes; finer filters (folder, tag, theme) run in Python on a
structure's documents.
"""
from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from maillage_shared.clock import utcnow
from maillage_shared.errors import ServiceUnavailable
from maillage_shared.events import OUTBOX_COUNT, make_event, outbox_fields, with_outbox
from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from ..domain.model import AuditEntry, Document, Event, LibraryEntry, Origin, Protocol, Upload, Version
from ..domain.ports import AlreadyExists
from ..domain.text import document_search_text

OUTBOX_COLLECTIONS = ("documents",)

INDEXES: dict[str, list[tuple[list[tuple[str, int]], dict]]] = {
    "documents": [([("structure_id", ASCENDING), ("state", ASCENDING)], {}), ([("object_keys", ASCENDING)], {}),
                  ([("state", ASCENDING), ("trashed_at", ASCENDING)], {}), ([(OUTBOX_COUNT, ASCENDING)], {})],
    "uploads": [([("state", ASCENDING), ("created_at", ASCENDING)], {})],
    "library_entries": [([("origin_document_id", ASCENDING)], {}), ([("state", ASCENDING), ("published_at", DESCENDING)], {}),
                        ([("object_key", ASCENDING)], {})],
    "audit_entries": [([("structure_id", ASCENDING), ("at", DESCENDING)], {})],
}


def ensure_indexes(db: Database) -> None:
    for collection, indexes in INDEXES.items():
        for keys, options in indexes:
            db[collection].create_index(keys, **options)


# Values ---------------------------------------------------------------------------------

def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="microseconds")


def _read_time(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime.fromisoformat(str(value).replace("Z", "").replace(" ", "T"))


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _read_day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _version_doc(v: Version) -> dict:
    return {"number": v.number, "filename": v.filename, "content_type": v.content_type, "size": v.size,
            "sha256": v.sha256, "object_key": v.object_key, "uploaded_by": v.uploaded_by,
            "uploaded_at": _time(v.uploaded_at), "name": v.name, "note": v.note, "restored_from": v.restored_from,
            "upload_id": v.upload_id, "missing": bool(v.missing)}


def _version(d: dict) -> Version:
    return Version(number=int(d["number"]), filename=d["filename"], content_type=d["content_type"],
                   size=int(d["size"]), sha256=d["sha256"], object_key=d["object_key"], uploaded_by=d["uploaded_by"],
                   uploaded_at=_read_time(d["uploaded_at"]), name=d.get("name") or "", note=d.get("note") or "",
                   restored_from=d.get("restored_from"), upload_id=d.get("upload_id"),
                   missing=bool(d.get("missing")))


def _protocol_doc(p: Protocol | None) -> dict | None:
    if p is None:
        return None
    return {**p.content(), "status": p.status, "review_on": _day(p.review_on), "validated_on": _day(p.validated_on),
            "validated_by": p.validated_by, "validated_version": p.validated_version,
            "library_entry_id": p.library_entry_id, "updated_at": _time(p.updated_at), "updated_by": p.updated_by}


def _protocol(d: dict | None) -> Protocol | None:
    if not d:
        return None
    return Protocol(updated_at=_read_time(d["updated_at"]), updated_by=d["updated_by"], status=d["status"],
                    need=d.get("need") or "", population=d.get("population") or "",
                    professions=list(d.get("professions") or []), steps=[dict(s) for s in d.get("steps") or []],
                    references=[dict(r) for r in d.get("references") or []], aci_theme=d.get("aci_theme"),
                    review_on=_read_day(d.get("review_on")), validated_on=_read_day(d.get("validated_on")),
                    validated_by=d.get("validated_by"), validated_version=d.get("validated_version"),
                    library_entry_id=d.get("library_entry_id"))


def _origin_doc(o: Origin | None) -> dict | None:
    if o is None:
        return None
    return {"library_entry_id": o.library_entry_id, "structure_id": o.structure_id,
            "structure_name": o.structure_name, "document_id": o.document_id, "version": o.version,
            "imported_at": _time(o.imported_at)}


def _origin(d: dict | None) -> Origin | None:
    if not d:
        return None
    return Origin(library_entry_id=d["library_entry_id"], structure_id=d["structure_id"],
                  structure_name=d.get("structure_name") or "", document_id=d["document_id"],
                  version=int(d["version"]), imported_at=_read_time(d["imported_at"]))


def document_fields(document: Document) -> dict:
    """Everything stored for a document but its id, its revision and its outbox."""
    return {
        "structure_id": document.structure_id, "title": document.title, "folder": document.folder,
        "tags": list(document.tags), "created_at": _time(document.created_at), "created_by": document.created_by,
        "updated_at": _time(document.updated_at), "versions": [_version_doc(v) for v in document.versions],
        "current_version": document.current_version, "project_id": document.project_id,
        "meeting_id": document.meeting_id, "restricted_to": list(document.restricted_to), "state": document.state,
        "trashed_at": _time(document.trashed_at), "trashed_by": document.trashed_by,
        "protocol": _protocol_doc(document.protocol), "origin": _origin_doc(document.origin),
        "object_keys": document.object_keys,
        "search_key": document_search_text(document.title, document.folder, document.tags,
                                           document.current.filename if document.current else ""),
    }


def to_document(d: dict | None) -> Document | None:
    if d is None:
        return None
    return Document(
        id=d["_id"], structure_id=d["structure_id"], title=d["title"], created_at=_read_time(d["created_at"]),
        created_by=d["created_by"], updated_at=_read_time(d["updated_at"]),
        versions=[_version(v) for v in d.get("versions") or []], current_version=int(d["current_version"]),
        folder=d.get("folder") or "", tags=list(d.get("tags") or []), project_id=d.get("project_id"),
        meeting_id=d.get("meeting_id"), restricted_to=list(d.get("restricted_to") or []), state=d["state"],
        trashed_at=_read_time(d.get("trashed_at")), trashed_by=d.get("trashed_by"),
        protocol=_protocol(d.get("protocol")), origin=_origin(d.get("origin")), revision=int(d.get("revision") or 1))


def _words_query(words: Iterable[str], field: str = "search_key") -> list[dict]:
    return [{field: {"$regex": re.escape(word)}} for word in words]


# Repositories ---------------------------------------------------------------------------

class _Repository:
    collection_name = ""

    def __init__(self, db: Database, correlation_id: str | None = None):
        self.collection = db[self.collection_name]
        self.correlation_id = correlation_id

    def envelopes(self, events: Iterable[Event]) -> list[dict]:
        return [make_event(e.type, e.structure_id, e.payload, correlation_id=self.correlation_id) for e in events]


class MongoDocuments(_Repository):
    collection_name = "documents"

    def add(self, document: Document, events: Iterable[Event] = ()) -> None:
        try:
            self.collection.insert_one(with_outbox({"_id": document.id, **document_fields(document),
                                                    "revision": document.revision}, self.envelopes(events)))
        except DuplicateKeyError:
            raise AlreadyExists(document.id) from None

    def get(self, document_id: str) -> Document | None:
        return to_document(self.collection.find_one({"_id": document_id}, {"_outbox": 0}))

    def save(self, document: Document, events: Iterable[Event] = ()) -> bool:
        outbox_set, outbox_inc = outbox_fields(self.envelopes(events))
        result = self.collection.update_one(
            {"_id": document.id, "revision": document.revision},
            {"$set": {**document_fields(document), "revision": document.revision + 1, **outbox_set},
             "$inc": outbox_inc})
        if result.modified_count != 1:
            return False
        document.revision += 1
        return True

    def in_structure(self, structure_id: str, state: str = "active", words: Iterable[str] = ()) -> list[Document]:
        query: dict = {"structure_id": structure_id, "state": state}
        conditions = _words_query(words)
        if conditions:
            query["$and"] = conditions
        return [to_document(d) for d in self.collection.find(query, {"_outbox": 0})]

    def trashed_before(self, cutoff: datetime) -> list[Document]:
        return [to_document(d) for d in self.collection.find({"state": "trashed", "trashed_at": {"$lte": _time(cutoff)}},
                                                             {"_outbox": 0})]

    def remove(self, document_id: str) -> None:
        self.collection.delete_one({"_id": document_id})

    def count_referencing(self, structure_id: str, object_key: str) -> int:
        return self.collection.count_documents({"structure_id": structure_id, "object_keys": object_key})

    def everything(self) -> Iterator[Document]:
        for d in self.collection.find({}, {"_outbox": 0}):
            yield to_document(d)

    def mark_missing(self, document_id: str, object_key: str) -> None:
        for _ in range(8):
            document = self.get(document_id)
            if document is None:
                return
            for version in document.versions:
                if version.object_key == object_key:
                    version.missing = True
            if self.save(document):
                return


class MongoUploads(_Repository):
    collection_name = "uploads"

    def add(self, upload: Upload) -> None:
        self.collection.insert_one({
            "_id": upload.id, "structure_id": upload.structure_id, "actor_id": upload.actor_id, "kind": upload.kind,
            "document_id": upload.document_id, "staging_key": upload.staging_key,
            "created_at": _time(upload.created_at), "request": dict(upload.request), "state": upload.state,
            "finished_at": _time(upload.finished_at), "reason": upload.reason})

    @staticmethod
    def _upload(d: dict | None) -> Upload | None:
        if d is None:
            return None
        return Upload(id=d["_id"], structure_id=d["structure_id"], actor_id=d["actor_id"], kind=d["kind"],
                      document_id=d["document_id"], staging_key=d["staging_key"],
                      created_at=_read_time(d["created_at"]), request=dict(d.get("request") or {}), state=d["state"],
                      finished_at=_read_time(d.get("finished_at")), reason=d.get("reason"))

    def get(self, upload_id: str) -> Upload | None:
        return self._upload(self.collection.find_one({"_id": upload_id}))

    def finish(self, upload_id: str, state: str, at: datetime, reason: str | None = None) -> bool:
        result = self.collection.update_one({"_id": upload_id, "state": "pending"},
                                            {"$set": {"state": state, "finished_at": _time(at), "reason": reason}})
        return result.modified_count == 1

    def pending_before(self, cutoff: datetime) -> list[Upload]:
        return [self._upload(d) for d in self.collection.find({"state": "pending",
                                                               "created_at": {"$lt": _time(cutoff)}})]

    def pending(self) -> list[Upload]:
        return [self._upload(d) for d in self.collection.find({"state": "pending"})]


class MongoLibrary(_Repository):
    collection_name = "library_entries"

    def upsert(self, entry: LibraryEntry) -> None:
        fields = {
            "origin_structure_id": entry.origin_structure_id, "origin_structure_name": entry.origin_structure_name,
            "origin_document_id": entry.origin_document_id, "origin_version": entry.origin_version,
            "title": entry.title, "protocol": dict(entry.protocol), "validated_on": _day(entry.validated_on),
            "review_on": _day(entry.review_on), "filename": entry.filename, "content_type": entry.content_type,
            "size": entry.size, "sha256": entry.sha256, "object_key": entry.object_key,
            "published_at": _time(entry.published_at), "published_by": entry.published_by,
            "search_key": entry.search_key, "state": entry.state}
        self.collection.update_one({"_id": entry.id}, {"$set": fields}, upsert=True)

    @staticmethod
    def _entry(d: dict | None) -> LibraryEntry | None:
        if d is None:
            return None
        return LibraryEntry(
            id=d["_id"], origin_structure_id=d["origin_structure_id"],
            origin_structure_name=d.get("origin_structure_name") or "", origin_document_id=d["origin_document_id"],
            origin_version=int(d["origin_version"]), title=d["title"], protocol=dict(d.get("protocol") or {}),
            validated_on=_read_day(d.get("validated_on")), review_on=_read_day(d.get("review_on")),
            filename=d["filename"], content_type=d["content_type"], size=int(d["size"]), sha256=d["sha256"],
            object_key=d["object_key"], published_at=_read_time(d["published_at"]), published_by=d["published_by"],
            search_key=d.get("search_key") or "", state=d.get("state") or "published")

    def get(self, entry_id: str) -> LibraryEntry | None:
        return self._entry(self.collection.find_one({"_id": entry_id}))

    def for_document(self, document_id: str) -> LibraryEntry | None:
        return self._entry(self.collection.find_one({"origin_document_id": document_id}))

    def search(self, words: Iterable[str], theme: str | None, profession: str | None) -> list[LibraryEntry]:
        query: dict = {"state": "published"}
        conditions = _words_query(words)
        if conditions:
            query["$and"] = conditions
        entries = [self._entry(d) for d in self.collection.find(query).sort("published_at", DESCENDING)]
        return [e for e in entries if (not theme or e.protocol.get("aci_theme") == theme)
                and (not profession or profession in (e.protocol.get("professions") or []))]

    def count_referencing(self, object_key: str) -> int:
        return self.collection.count_documents({"object_key": object_key, "state": "published"})

    def everything(self) -> Iterator[LibraryEntry]:
        for d in self.collection.find({}):
            yield self._entry(d)


class MongoAuditEntries(_Repository):
    collection_name = "audit_entries"

    def record(self, entry: AuditEntry) -> None:
        self.collection.insert_one({"_id": entry.id, "at": _time(entry.at), "action": entry.action,
                                    "structure_id": entry.structure_id, "actor_id": entry.actor_id,
                                    "document_id": entry.document_id, "details": dict(entry.details)})

    def for_structure(self, structure_id: str, limit: int) -> list[AuditEntry]:
        cursor = self.collection.find({"structure_id": structure_id}).sort("at", DESCENDING).limit(limit)
        return [AuditEntry(id=d["_id"], at=_read_time(d["at"]), action=d["action"], structure_id=d["structure_id"],
                           actor_id=d.get("actor_id"), document_id=d.get("document_id"),
                           details=dict(d.get("details") or {})) for d in cursor]


class MongoContentLocks:
    """A lock per object key, held by inserting a document under that key (a unique ``_id`` is
    atomic on every server); a holder that died is replaced once its lease has expired."""

    def __init__(self, db: Database, sleep: Callable[[float], None] = time.sleep, lease_seconds: float = 300,
                 wait_seconds: float = 60, clock: Callable[[], datetime] = utcnow):
        self.collection = db["content_locks"]
        self.sleep, self.lease, self.wait, self.clock = sleep, lease_seconds, wait_seconds, clock

    @contextmanager
    def holding(self, key: str):
        owner = str(uuid.uuid4())
        deadline = time.monotonic() + self.wait
        while True:
            now = self.clock()
            try:
                self.collection.insert_one({"_id": key, "owner": owner,
                                            "expires_at": _time(now + timedelta(seconds=self.lease))})
                break
            except DuplicateKeyError:
                self.collection.delete_one({"_id": key, "expires_at": {"$lt": _time(now)}})
                if time.monotonic() > deadline:
                    raise ServiceUnavailable("This file is busy being stored; please try again in a moment.") from None
                self.sleep(0.05)
        try:
            yield
        finally:
            self.collection.delete_one({"_id": key, "owner": owner})


def repositories(db: Database, correlation_id: str | None = None) -> dict[str, Any]:
    """The repositories a ``DocumentsContext`` needs, keyed by its field names."""
    return {"documents": MongoDocuments(db, correlation_id), "uploads": MongoUploads(db, correlation_id),
            "library": MongoLibrary(db, correlation_id), "audit_entries": MongoAuditEntries(db, correlation_id)}
