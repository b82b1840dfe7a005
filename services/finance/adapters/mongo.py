"""MongoDB repositories of the finance domain (database ``<prefix>finance``).

Written for what the Mongo-wire development server does correctly, as identity's are: string
ids, whole arrays set at once (never ``$push``), no multi-document transaction (a ledger and
its ``distribution_updated`` event share one document write), dates stored as ISO strings,
states stored as strings (booleans written by ``$set`` may read back as 1/0).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from maillage_shared.events import OUTBOX_COUNT, ProcessedEvents, make_event, outbox_fields, with_outbox
from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from ..domain.model import (
    CLOSED,
    WITHDRAWN,
    AuditEntry,
    CoordinationTime,
    Ledger,
    MeetingFigures,
    Payment,
    ProtocolRecord,
)

OUTBOX_COLLECTIONS = ("ledgers",)
LIVE, DELETED = "live", "deleted"

INDEXES: dict[str, list[tuple[list[tuple[str, int]], dict]]] = {
    "meetings": [([("structure_id", ASCENDING), ("date", ASCENDING)], {})],
    "coordination_times": [([("structure_id", ASCENDING), ("date", ASCENDING)], {})],
    "protocols": [([("structure_id", ASCENDING), ("validated_on", ASCENDING)], {})],
    "declarations": [([("structure_id", ASCENDING), ("year", ASCENDING)], {})],
    "policies": [([("structure_id", ASCENDING), ("year", ASCENDING)], {})],
    "policy_changes": [([("structure_id", ASCENDING), ("year", ASCENDING), ("version", DESCENDING)], {})],
    "ledgers": [([("structure_id", ASCENDING), ("year", ASCENDING)], {}), ([(OUTBOX_COUNT, ASCENDING)], {})],
    "recomputations": [([("structure_id", ASCENDING), ("year", ASCENDING), ("version", DESCENDING)], {})],
    "payments": [([("structure_id", ASCENDING), ("year", ASCENDING)], {})],
    "override_changes": [([("at", DESCENDING)], {})],
    "audit_entries": [([("structure_id", ASCENDING), ("at", DESCENDING)], {})],
}


def ensure_indexes(db: Database) -> None:
    for collection, indexes in INDEXES.items():
        for keys, options in indexes:
            db[collection].create_index(keys, **options)
    ProcessedEvents(db["processed_events"], "finance").ensure_indexes()


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def _moment(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", ""))


def _plain(value: Any) -> Any:
    """JSON-like values for storage: dates as ISO text, tuples as lists."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _declaration_back(stored: dict) -> dict:
    declaration = dict(stored)
    declaration["contract_signed_on"] = _day(declaration.get("contract_signed_on"))
    return declaration


# Evidence -----------------------------------------------------------------------------------

class MongoEvidence:
    def __init__(self, db: Database):
        self.meetings, self.times, self.protocols = db["meetings"], db["coordination_times"], db["protocols"]

    @staticmethod
    def _meeting_doc(figures: MeetingFigures) -> dict:
        return {"_id": f"{figures.structure_id}:{figures.meeting_id}", "meeting_id": figures.meeting_id,
                "structure_id": figures.structure_id, "revision": figures.revision, "status": figures.status,
                "kind": figures.kind, "title": figures.title, "date": _plain(figures.date),
                "duration_minutes": figures.duration_minutes, "case_counts": _plain(figures.case_counts),
                "participants": _plain(figures.participants), "project_id": figures.project_id}

    @staticmethod
    def _meeting(doc: dict | None) -> MeetingFigures | None:
        if doc is None:
            return None
        return MeetingFigures(meeting_id=doc["meeting_id"], structure_id=doc["structure_id"],
                              revision=int(doc["revision"]), status=doc["status"], kind=doc.get("kind") or "",
                              title=doc.get("title") or "", date=_day(doc.get("date")),
                              duration_minutes=int(doc.get("duration_minutes") or 0),
                              case_counts=dict(doc.get("case_counts") or {}),
                              participants=[dict(p) for p in doc.get("participants") or []],
                              project_id=doc.get("project_id"))

    def meeting_closed(self, figures: MeetingFigures) -> tuple[bool, MeetingFigures | None]:
        doc = self._meeting_doc(figures)
        try:
            self.meetings.insert_one(doc)
            return True, None
        except DuplicateKeyError:
            pass
        previous = self._meeting(self.meetings.find_one({"_id": doc["_id"]}))
        fields = {k: v for k, v in doc.items() if k != "_id"}
        stored = self.meetings.update_one({"_id": doc["_id"], "revision": {"$lt": figures.revision}}, {"$set": fields})
        if stored.modified_count != 1:
            return False, None
        return True, previous if previous is not None and previous.status == CLOSED else None

    def meeting_reopened(self, structure_id: str, meeting_id: str, revision: int) -> MeetingFigures | None:
        key = f"{structure_id}:{meeting_id}"
        withdrawn = {"revision": revision, "status": WITHDRAWN, "participants": [], "case_counts": {}}
        previous = self._meeting(self.meetings.find_one({"_id": key}))
        if previous is None:
            try:  # the reopening overtook its closing: remember it, so that closing does not count
                self.meetings.insert_one({"_id": key, "meeting_id": meeting_id, "structure_id": structure_id,
                                          "date": None, **withdrawn})
                return None
            except DuplicateKeyError:
                previous = self._meeting(self.meetings.find_one({"_id": key}))
        for guard in ({"revision": revision, "status": CLOSED}, {"revision": {"$lt": revision}}):
            if self.meetings.update_one({"_id": key, **guard}, {"$set": withdrawn}).modified_count == 1:
                return previous if previous.status == CLOSED else None
        return None

    def time_recorded(self, record: CoordinationTime) -> bool:
        try:
            self.times.insert_one({"_id": f"{record.structure_id}:{record.time_id}", "time_id": record.time_id,
                                   "structure_id": record.structure_id, "user_id": record.user_id,
                                   "profession": record.profession, "date": _plain(record.date),
                                   "minutes": record.minutes, "label": record.label, "state": LIVE})
            return True
        except DuplicateKeyError:
            return False

    def time_deleted(self, structure_id: str, time_id: str) -> CoordinationTime | None:
        key = f"{structure_id}:{time_id}"
        if self.times.update_one({"_id": key, "state": LIVE}, {"$set": {"state": DELETED}}).modified_count == 1:
            return self._time(self.times.find_one({"_id": key}))
        try:  # deleted before its recording arrived: a tombstone keeps it deleted
            self.times.insert_one({"_id": key, "time_id": time_id, "structure_id": structure_id, "user_id": "",
                                   "profession": "", "date": None, "minutes": 0, "label": "", "state": DELETED})
        except DuplicateKeyError:
            pass
        return None

    @staticmethod
    def _time(doc: dict | None) -> CoordinationTime | None:
        if doc is None:
            return None
        return CoordinationTime(time_id=doc["time_id"], structure_id=doc["structure_id"], user_id=doc["user_id"],
                                profession=doc.get("profession") or "", date=_day(doc.get("date")),
                                minutes=int(doc.get("minutes") or 0), label=doc.get("label") or "",
                                deleted=doc.get("state") == DELETED)

    def protocol_validated(self, protocol: ProtocolRecord) -> bool:
        doc = {"_id": f"{protocol.structure_id}:{protocol.document_id}", "document_id": protocol.document_id,
               "structure_id": protocol.structure_id, "title": protocol.title, "aci_theme": protocol.aci_theme,
               "professions": list(protocol.professions), "ipa_involved": "yes" if protocol.ipa_involved else "no",
               "validated_on": _plain(protocol.validated_on), "version": protocol.version}
        try:
            self.protocols.insert_one(doc)
            return True
        except DuplicateKeyError:
            fields = {k: v for k, v in doc.items() if k != "_id"}
            return self.protocols.update_one({"_id": doc["_id"], "version": {"$lt": protocol.version}},
                                             {"$set": fields}).modified_count == 1

    def year(self, structure_id: str, year: int):
        first, last = f"{year}-01-01", f"{year}-12-31"
        meetings = [self._meeting(d) for d in self.meetings.find(
            {"structure_id": structure_id, "status": CLOSED, "date": {"$gte": first, "$lte": last}})]
        times = [self._time(d) for d in self.times.find(
            {"structure_id": structure_id, "state": LIVE, "date": {"$gte": first, "$lte": last}})]
        protocols = [ProtocolRecord(document_id=d["document_id"], structure_id=d["structure_id"], title=d["title"],
                                    aci_theme=d.get("aci_theme"), professions=list(d.get("professions") or []),
                                    ipa_involved=d.get("ipa_involved") == "yes",
                                    validated_on=_day(d["validated_on"]), version=int(d["version"]))
                     for d in self.protocols.find({"structure_id": structure_id, "validated_on": {"$lte": last}})]
        return (sorted(meetings, key=lambda m: (m.date, m.meeting_id)),
                sorted(times, key=lambda t: (t.date, t.time_id)), protocols)


# Declarations and policies ---------------------------------------------------------------------

class _YearDocuments:
    collection_name = ""
    field = ""

    def __init__(self, db: Database):
        self.collection = db[self.collection_name]

    def _stored(self, doc: dict | None) -> dict | None:
        if doc is None:
            return None
        return {self.field: doc[self.field], "version": int(doc["version"]), "structure_kind": doc["structure_kind"],
                "updated_at": _moment(doc.get("updated_at")), "updated_by": doc.get("updated_by")}

    def get(self, structure_id: str, year: int) -> dict | None:
        return self._stored(self.collection.find_one({"_id": f"{structure_id}:{year}"}))

    def _save(self, structure_id: str, year: int, kind: str, content: dict, by: str, at: datetime,
              extra: dict | None = None) -> int:
        key = f"{structure_id}:{year}"
        fields = {self.field: _plain(content), "structure_kind": kind, "updated_at": at, "updated_by": by,
                  **(extra or {})}
        try:
            self.collection.insert_one({"_id": key, "structure_id": structure_id, "year": year, "version": 1, **fields})
            return 1
        except DuplicateKeyError:
            self.collection.update_one({"_id": key}, {"$set": fields, "$inc": {"version": 1}})
            return int(self.collection.find_one({"_id": key}, {"version": 1})["version"])

    def years(self, structure_id: str) -> list[int]:
        return sorted(int(d["year"]) for d in self.collection.find({"structure_id": structure_id}, {"year": 1}))


class MongoDeclarations(_YearDocuments):
    collection_name, field = "declarations", "declaration"

    def _stored(self, doc):
        stored = super()._stored(doc)
        if stored is not None:
            stored["declaration"] = _declaration_back(stored["declaration"])
        return stored

    def save(self, structure_id, year, kind, declaration, by, at) -> int:
        return self._save(structure_id, year, kind, declaration, by, at)


class MongoPolicies(_YearDocuments):
    collection_name, field = "policies", "policy"

    def __init__(self, db: Database):
        super().__init__(db)
        self.changes_collection = db["policy_changes"]

    def save(self, structure_id, year, kind, policy, by, at, change) -> int:
        # The change rides with the policy (one write), then is copied to the history.
        version = self._save(structure_id, year, kind, policy, by, at, {"last_change": _plain(change)})
        self._keep_change(structure_id, year, version, change)
        return version

    def _keep_change(self, structure_id, year, version, change) -> None:
        try:
            self.changes_collection.insert_one({"_id": f"{structure_id}:{year}:{version}", "structure_id": structure_id,
                                                "year": year, "version": version, **_plain(change)})
        except DuplicateKeyError:
            pass

    def changes(self, structure_id: str, year: int, limit: int) -> list[dict]:
        current = self.collection.find_one({"_id": f"{structure_id}:{year}"})
        if current is not None and current.get("last_change"):  # repair a history line lost in a crash
            self._keep_change(structure_id, year, int(current["version"]), current["last_change"])
        cursor = self.changes_collection.find({"structure_id": structure_id, "year": year}).sort(
            "version", DESCENDING).limit(limit)
        return [{"version": int(d["version"]), "at": _moment(d["at"]), "by": d["by"], "changes": d.get("changes") or []}
                for d in cursor]


# Ledgers ---------------------------------------------------------------------------------------

class MongoLedgers:
    def __init__(self, db: Database, correlation_id: str | None = None):
        self.collection = db["ledgers"]
        self.history_collection = db["recomputations"]
        self.generations = db["generations"]
        self.correlation_id = correlation_id

    def bump(self, structure_id: str, year: int) -> int:
        key = f"{structure_id}:{year}"
        try:
            self.generations.insert_one({"_id": key, "value": 1})
        except DuplicateKeyError:
            self.generations.update_one({"_id": key}, {"$inc": {"value": 1}})
        return int(self.generations.find_one({"_id": key})["value"])

    def generation(self, structure_id: str, year: int) -> int:
        found = self.generations.find_one({"_id": f"{structure_id}:{year}"})
        return int(found["value"]) if found else 0

    def mark_generation(self, structure_id: str, year: int, version: int, generation: int) -> None:
        self.collection.update_one({"_id": f"{structure_id}:{year}", "version": version,
                                    "generation": {"$lt": generation}}, {"$set": {"generation": generation}})

    @staticmethod
    def _doc(ledger: Ledger) -> dict:
        return {"structure_id": ledger.structure_id, "year": ledger.year, "version": ledger.version,
                "state": _plain(ledger.state), "computed_at": ledger.computed_at, "cause": _plain(ledger.cause),
                "structure_kind": ledger.structure_kind, "catalogue_id": ledger.catalogue_id,
                "generation": ledger.generation}

    def get(self, structure_id: str, year: int) -> Ledger | None:
        doc = self.collection.find_one({"_id": f"{structure_id}:{year}"}, {"_outbox": 0})
        if doc is None:
            return None
        return Ledger(structure_id=doc["structure_id"], year=int(doc["year"]), version=int(doc["version"]),
                      state=doc["state"], computed_at=_moment(doc["computed_at"]), cause=doc.get("cause") or {},
                      structure_kind=doc.get("structure_kind") or "", catalogue_id=doc.get("catalogue_id"),
                      generation=int(doc.get("generation") or 0))

    def write(self, ledger: Ledger, expected_version: int, events: Iterable[dict]) -> bool:
        key = f"{ledger.structure_id}:{ledger.year}"
        envelopes = [{**e, "correlation_id": self.correlation_id or e["correlation_id"]} for e in events]
        if expected_version == 0:
            try:
                self.collection.insert_one(with_outbox({"_id": key, **self._doc(ledger)}, envelopes))
                return True
            except DuplicateKeyError:
                return False
        outbox_set, outbox_inc = outbox_fields(envelopes)
        result = self.collection.update_one({"_id": key, "version": expected_version},
                                            {"$set": {**self._doc(ledger), **outbox_set}, "$inc": outbox_inc})
        return result.modified_count == 1

    def keep_history(self, ledger: Ledger) -> None:
        try:
            self.history_collection.insert_one({
                "_id": f"{ledger.structure_id}:{ledger.year}:{ledger.version}", "structure_id": ledger.structure_id,
                "year": ledger.year, "version": ledger.version, "at": ledger.computed_at,
                "cause": _plain({k: v for k, v in ledger.cause.items() if k != "changes"}),
                "changes": _plain(ledger.cause.get("changes") or []),
                "amount_cents": ledger.state["amount_cents"], "distributed_cents": ledger.state["distributed_cents"]})
        except DuplicateKeyError:
            pass

    def history(self, structure_id: str, year: int, limit: int) -> list[dict]:
        cursor = self.history_collection.find({"structure_id": structure_id, "year": year}).sort(
            "version", DESCENDING).limit(limit)
        return [{"version": int(d["version"]), "at": _moment(d["at"]), "cause": d.get("cause") or {},
                 "amount_cents": d["amount_cents"], "distributed_cents": d["distributed_cents"],
                 "changes": d.get("changes") or []} for d in cursor]

    def years(self, structure_id: str) -> list[int]:
        return sorted(int(d["year"]) for d in self.collection.find({"structure_id": structure_id}, {"year": 1}))

    def all_keys(self) -> list[tuple[str, int]]:
        return sorted((d["structure_id"], int(d["year"])) for d in self.collection.find({}, {"structure_id": 1, "year": 1}))


# Payments, overrides, audit ----------------------------------------------------------------------

class MongoPayments:
    def __init__(self, db: Database):
        self.collection = db["payments"]

    @staticmethod
    def _payment(doc: dict) -> Payment:
        return Payment(id=doc["_id"], structure_id=doc["structure_id"], year=int(doc["year"]), kind=doc["kind"],
                       amount_cents=int(doc["amount_cents"]), received_on=_day(doc["received_on"]),
                       reference=doc.get("reference") or "", note=doc.get("note") or "",
                       recorded_by=doc["recorded_by"], recorded_at=_moment(doc["recorded_at"]))

    def add(self, payment: Payment) -> tuple[Payment, bool]:
        doc = {"_id": payment.id, **{f.name: _plain(getattr(payment, f.name)) for f in dataclasses.fields(payment)
                                     if f.name != "id"}}
        try:
            self.collection.insert_one(doc)
            return payment, True
        except DuplicateKeyError:
            return self._payment(self.collection.find_one({"_id": payment.id})), False

    def for_year(self, structure_id: str, year: int) -> list[Payment]:
        return [self._payment(d) for d in self.collection.find({"structure_id": structure_id, "year": year})]


class MongoOverrides:
    def __init__(self, db: Database):
        self.collection, self.changes = db["overrides"], db["override_changes"]

    def all(self) -> dict[str, dict[str, object]]:
        found: dict[str, dict[str, object]] = {}
        for doc in self.collection.find({}):
            found.setdefault(doc["catalogue_id"], {})[doc["path"]] = doc.get("value")
        return found

    def _log(self, catalogue_id, path, before, after, cleared, by, reason, at) -> None:
        from maillage_shared.clock import new_id

        self.changes.insert_one({"_id": new_id(), "catalogue_id": catalogue_id, "path": path, "before": before,
                                 "after": after, "cleared": "yes" if cleared else "no", "by": by, "reason": reason,
                                 "at": at})

    def set(self, catalogue_id, path, value, previous, by, reason, at) -> None:
        key = f"{catalogue_id}:{path}"
        try:
            self.collection.insert_one({"_id": key, "catalogue_id": catalogue_id, "path": path, "value": value})
        except DuplicateKeyError:
            self.collection.update_one({"_id": key}, {"$set": {"value": value}})
        self._log(catalogue_id, path, previous, value, False, by, reason, at)

    def clear(self, catalogue_id, path, previous, by, reason, at) -> None:
        self.collection.delete_one({"_id": f"{catalogue_id}:{path}"})
        self._log(catalogue_id, path, previous, None, True, by, reason, at)

    def history(self, limit: int) -> list[dict]:
        return [{"catalogue_id": d["catalogue_id"], "path": d["path"], "before": d.get("before"),
                 "after": d.get("after"), "cleared": d.get("cleared") == "yes", "reason": d["reason"], "by": d["by"],
                 "at": _moment(d["at"])} for d in self.changes.find({}).sort("at", DESCENDING).limit(limit)]


class MongoAuditEntries:
    def __init__(self, db: Database):
        self.collection = db["audit_entries"]

    def record(self, entry: AuditEntry) -> None:
        self.collection.insert_one({"_id": entry.id, "at": entry.at, "action": entry.action,
                                    "actor_id": entry.actor_id, "structure_id": entry.structure_id,
                                    "year": entry.year, "details": _plain(entry.details)})

    def for_structure(self, structure_id: str, year: int | None, limit: int) -> list[AuditEntry]:
        query: dict = {"structure_id": structure_id}
        if year is not None:
            query["year"] = year
        return [AuditEntry(id=d["_id"], at=_moment(d["at"]), action=d["action"], actor_id=d.get("actor_id"),
                           structure_id=d.get("structure_id"), year=d.get("year"), details=d.get("details") or {})
                for d in self.collection.find(query).sort("at", DESCENDING).limit(limit)]


def repositories(db: Database, correlation_id: str | None = None) -> dict[str, Any]:
    """The repositories a ``FinanceContext`` needs, keyed by its field names."""
    return {"evidence": MongoEvidence(db), "declarations": MongoDeclarations(db), "policies": MongoPolicies(db),
            "ledgers": MongoLedgers(db, correlation_id), "payments": MongoPayments(db),
            "overrides": MongoOverrides(db), "audit_entries": MongoAuditEntries(db),
            "processed": ProcessedEvents(db["processed_events"], "finance")}


def event_factory(correlation_id: str | None):
    def make(event_type: str, structure_id: str, payload: dict) -> dict:
        return make_event(event_type, structure_id, _plain(payload), correlation_id=correlation_id)
    return make
