"""MongoDB repositories of the meetings domain (database ``<prefix>meetings``).

Written for what the Mongo-wire development server does correctly (docs/adr/0003): string
ids, sub-documents and arrays written whole with ``$set`` (never ``$push``), a state change
and its events — and its e-mail notices — in one document write. Values are read back
defensively: booleans may come back as 1/0, nested datetimes as strings; calendar dates
are stored as ISO strings (they sort and compare as text).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from maillage_shared.events import OUTBOX_COUNT, make_event, outbox_fields, with_outbox
from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from ..domain.model import CalendarFeed, Event, Meeting, Poll, TimeRecord
from ..domain.ports import AlreadyExists

OUTBOX_COLLECTIONS = ("meetings", "time_records")
MAIL = "_mail"
MAIL_COUNT = "_mail_count"
MAIL_COLLECTIONS = ("meetings", "polls")

INDEXES: dict[str, list[tuple[list[tuple[str, int]], dict]]] = {
    "meetings": [([("structure_id", ASCENDING), ("starts_at", ASCENDING)], {}), ([("invitee_ids", ASCENDING)], {}),
                 ([(OUTBOX_COUNT, ASCENDING)], {}), ([(MAIL_COUNT, ASCENDING)], {})],
    "polls": [([("structure_id", ASCENDING), ("created_at", DESCENDING)], {}), ([(MAIL_COUNT, ASCENDING)], {})],
    "time_records": [([("request_key", ASCENDING)], {"unique": True}),
                     ([("structure_id", ASCENDING), ("date", ASCENDING)], {}), ([(OUTBOX_COUNT, ASCENDING)], {})],
    "calendar_feeds": [([("token_digest", ASCENDING)], {"unique": True})],
}


def ensure_indexes(db: Database) -> None:
    for collection, indexes in INDEXES.items():
        for keys, options in indexes:
            db[collection].create_index(keys, **options)


# Values -------------------------------------------------------------------------------------

def store(value: Any) -> Any:
    """Dates as ISO strings, recursively (pymongo has no date type)."""
    if isinstance(value, dict):
        return {key: store(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [store(item) for item in value]
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return value


def as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "").replace(" ", "T"))


def as_date(value: Any) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def mail_fields(notices: Iterable[dict]) -> tuple[dict, dict]:
    notices = list(notices)
    return {f"{MAIL}.{n['id']}": n for n in notices}, ({MAIL_COUNT: len(notices)} if notices else {})


def _update(collection, query: dict, changes: dict, envelopes: list[dict], notices: Iterable[dict]) -> bool:
    outbox_set, outbox_inc = outbox_fields(envelopes) if envelopes else ({}, {})
    mail_set, mail_inc = mail_fields(notices)
    update: dict = {"$set": {**store(changes), **outbox_set, **mail_set}}
    if outbox_inc or mail_inc:
        update["$inc"] = {**outbox_inc, **mail_inc}
    return collection.update_one(query, update).matched_count == 1


class _Repository:
    collection_name = ""

    def __init__(self, db: Database, correlation_id: str | None = None):
        self.collection = db[self.collection_name]
        self.correlation_id = correlation_id

    def envelopes(self, events: Iterable[Event]) -> list[dict]:
        return [make_event(e.type, e.structure_id, e.payload, correlation_id=self.correlation_id) for e in events]


# Polls ----------------------------------------------------------------------------------------

def poll_from(doc: dict | None) -> Poll | None:
    if doc is None:
        return None
    slots = [{**s, "date": as_date(s["date"]), "starts_at": as_datetime(s["starts_at"]),
              "ends_at": as_datetime(s["ends_at"])} for s in doc.get("slots") or []]
    ballots = {user_id: {"answers": dict(b.get("answers") or {}), "voted_at": as_datetime(b.get("voted_at"))}
               for user_id, b in (doc.get("ballots") or {}).items()}
    return Poll(id=doc["_id"], structure_id=doc["structure_id"], title=doc["title"], kind=doc["kind"], slots=slots,
                invitee_ids=list(doc.get("invitee_ids") or []), created_by=doc["created_by"],
                created_at=as_datetime(doc["created_at"]), project_id=doc.get("project_id"),
                place=doc.get("place") or "", visio_url=doc.get("visio_url"), description=doc.get("description") or "",
                ballots=ballots, status=doc.get("status") or "open", closed_at=as_datetime(doc.get("closed_at")),
                closed_by=doc.get("closed_by"), chosen_slot_id=doc.get("chosen_slot_id"),
                meeting_id=doc.get("meeting_id"), demo_key=doc.get("demo_key"))


class MongoPolls(_Repository):
    collection_name = "polls"

    def add(self, poll: Poll, notices: Iterable[dict] = ()) -> None:
        doc = store({**poll.__dict__})
        doc["_id"] = doc.pop("id")
        mail_set, mail_inc = mail_fields(notices)
        doc[MAIL] = {key.split(".", 1)[1]: value for key, value in mail_set.items()}
        doc[MAIL_COUNT] = mail_inc.get(MAIL_COUNT, 0)
        self.collection.insert_one(doc)

    def get(self, structure_id: str, poll_id: str) -> Poll | None:
        return poll_from(self.collection.find_one({"_id": poll_id, "structure_id": structure_id}))

    def structure_of(self, poll_id: str) -> str | None:
        doc = self.collection.find_one({"_id": poll_id}, {"structure_id": 1})
        return doc["structure_id"] if doc else None

    def list(self, structure_id: str, status: str | None = None) -> list[Poll]:
        query = {"structure_id": structure_id}
        if status:
            query["status"] = status
        return [poll_from(doc) for doc in self.collection.find(query).sort("created_at", DESCENDING)]

    def record_ballot(self, poll_id: str, user_id: str, ballot: dict, invitee_ids: list[str]) -> bool:
        return _update(self.collection, {"_id": poll_id, "status": "open"},
                       {f"ballots.{user_id}": ballot, "invitee_ids": invitee_ids}, [], [])

    def close(self, poll_id: str, slot_id: str, meeting_id: str, by: str, at: datetime) -> bool:
        result = self.collection.update_one({"_id": poll_id, "status": "open"}, {"$set": {
            "status": "closed", "chosen_slot_id": slot_id, "meeting_id": meeting_id, "closed_by": by,
            "closed_at": at}})
        return result.modified_count == 1

    def delete_open(self, structure_id: str, poll_id: str) -> bool:
        result = self.collection.delete_one({"_id": poll_id, "structure_id": structure_id, "status": "open"})
        return result.deleted_count == 1

    def reopen(self, poll_id: str) -> None:
        self.collection.update_one({"_id": poll_id, "status": "closed"}, {"$set": {
            "status": "open", "chosen_slot_id": None, "meeting_id": None, "closed_by": None, "closed_at": None}})

    def open_with_invitee(self, structure_id: str, user_id: str) -> list[Poll]:
        docs = self.collection.find({"structure_id": structure_id, "status": "open", "invitee_ids": user_id})
        return [poll_from(doc) for doc in docs]

    def set_people(self, poll_id: str, invitee_ids: list[str], ballots: dict) -> None:
        self.collection.update_one({"_id": poll_id}, {"$set": {"invitee_ids": invitee_ids, "ballots": ballots}})

    def by_demo_key(self, structure_id: str, demo_key: str) -> Poll | None:
        return poll_from(self.collection.find_one({"structure_id": structure_id, "demo_key": demo_key}))


# Meetings -------------------------------------------------------------------------------------

def _minutes_from(minutes: dict | None) -> dict:
    minutes = dict(minutes or {})
    return {"notes": minutes.get("notes") or "",
            "decisions": [dict(d) for d in minutes.get("decisions") or []],
            "actions": [{**a, "to_task": bool(a.get("to_task")), "due_on": as_date(a.get("due_on"))}
                        for a in minutes.get("actions") or []],
            "cases": [{**c, "recorded_in_file": bool(c.get("recorded_in_file"))} for c in minutes.get("cases") or []],
            "updated_at": as_datetime(minutes.get("updated_at")), "updated_by": minutes.get("updated_by")}


def meeting_from(doc: dict | None) -> Meeting | None:
    if doc is None:
        return None
    return Meeting(
        id=doc["_id"], structure_id=doc["structure_id"], kind=doc["kind"], title=doc["title"],
        starts_at=as_datetime(doc["starts_at"]), ends_at=as_datetime(doc["ends_at"]),
        organizer_id=doc["organizer_id"], created_by=doc["created_by"], created_at=as_datetime(doc["created_at"]),
        invitee_ids=list(doc.get("invitee_ids") or []), agenda=list(doc.get("agenda") or []),
        place=doc.get("place") or "", visio_url=doc.get("visio_url"), project_id=doc.get("project_id"),
        project_verified=bool(doc.get("project_verified")), poll_id=doc.get("poll_id"),
        status=doc.get("status") or "scheduled", sequence=int(doc.get("sequence") or 0),
        minutes=_minutes_from(doc.get("minutes")),
        attendance={u: {"status": e["status"], "minutes": int(e["minutes"])}
                    for u, e in (doc.get("attendance") or {}).items()},
        people={u: dict(p) for u, p in (doc.get("people") or {}).items()}, revision=int(doc.get("revision") or 0),
        closed_at=as_datetime(doc.get("closed_at")), closed_by=doc.get("closed_by"),
        reopenings=[{**r, "at": as_datetime(r["at"])} for r in doc.get("reopenings") or []],
        cancelled_at=as_datetime(doc.get("cancelled_at")), cancel_reason=doc.get("cancel_reason"),
        updated_at=as_datetime(doc.get("updated_at")), demo_key=doc.get("demo_key"))


class MongoMeetings(_Repository):
    collection_name = "meetings"

    def add(self, meeting: Meeting, notices: Iterable[dict] = ()) -> None:
        doc = store({**meeting.__dict__})
        doc["_id"] = doc.pop("id")
        mail_set, mail_inc = mail_fields(notices)
        doc[MAIL] = {key.split(".", 1)[1]: value for key, value in mail_set.items()}
        doc[MAIL_COUNT] = mail_inc.get(MAIL_COUNT, 0)
        self.collection.insert_one(with_outbox(doc, []))

    def get(self, structure_id: str, meeting_id: str) -> Meeting | None:
        return meeting_from(self.collection.find_one({"_id": meeting_id, "structure_id": structure_id}))

    def structure_of(self, meeting_id: str) -> str | None:
        doc = self.collection.find_one({"_id": meeting_id}, {"structure_id": 1})
        return doc["structure_id"] if doc else None

    def between(self, structure_id: str, starts_from: datetime | None, starts_before: datetime | None,
                status: str | None = None, kind: str | None = None, newest_first: bool = False) -> list[Meeting]:
        query: dict = {"structure_id": structure_id}
        window = {}
        if starts_from is not None:
            window["$gte"] = starts_from
        if starts_before is not None:
            window["$lt"] = starts_before
        if window:
            query["starts_at"] = window
        if status:
            query["status"] = status
        if kind:
            query["kind"] = kind
        cursor = self.collection.find(query).sort("starts_at", DESCENDING if newest_first else ASCENDING)
        return [meeting_from(doc) for doc in cursor]

    def update(self, meeting_id: str, changes: dict, *, expect: dict | None = None,
               events: Iterable[Event] = (), notices: Iterable[dict] = ()) -> bool:
        return _update(self.collection, {"_id": meeting_id, **(expect or {})}, changes, self.envelopes(events),
                       notices)

    def for_invitee(self, user_id: str, starts_from: datetime) -> list[Meeting]:
        docs = self.collection.find({"invitee_ids": user_id, "starts_at": {"$gte": starts_from}})
        return [meeting_from(doc) for doc in docs.sort("starts_at", ASCENDING)]

    def upcoming_with_invitee(self, structure_id: str, user_id: str, now: datetime) -> list[Meeting]:
        docs = self.collection.find({"structure_id": structure_id, "invitee_ids": user_id,
                                     "starts_at": {"$gt": now}, "status": "scheduled"})
        return [meeting_from(doc) for doc in docs]

    def by_demo_key(self, structure_id: str, demo_key: str) -> Meeting | None:
        return meeting_from(self.collection.find_one({"structure_id": structure_id, "demo_key": demo_key}))


# Coordination time and calendar feeds ----------------------------------------------------------

def time_from(doc: dict | None) -> TimeRecord | None:
    if doc is None:
        return None
    return TimeRecord(id=doc["_id"], structure_id=doc["structure_id"], user_id=doc["user_id"],
                      date=as_date(doc["date"]), minutes=int(doc["minutes"]), label=doc["label"],
                      recorded_by=doc["recorded_by"], recorded_at=as_datetime(doc["recorded_at"]),
                      request_key=doc["request_key"], person=dict(doc.get("person") or {}),
                      deleted_at=as_datetime(doc.get("deleted_at")))


class MongoTimeRecords(_Repository):
    collection_name = "time_records"

    def add(self, record: TimeRecord, events: Iterable[Event]) -> None:
        doc = store({**record.__dict__})
        doc["_id"] = doc.pop("id")
        try:
            self.collection.insert_one(with_outbox(doc, self.envelopes(events)))
        except DuplicateKeyError:
            raise AlreadyExists("request") from None

    def by_request_key(self, request_key: str) -> TimeRecord | None:
        return time_from(self.collection.find_one({"request_key": request_key, "deleted_at": None}))

    def get(self, structure_id: str, time_id: str) -> TimeRecord | None:
        return time_from(self.collection.find_one({"_id": time_id, "structure_id": structure_id, "deleted_at": None}))

    def between(self, structure_id: str, first_day: date, last_day: date) -> list[TimeRecord]:
        docs = self.collection.find({"structure_id": structure_id, "deleted_at": None,
                                     "date": {"$gte": first_day.isoformat(), "$lte": last_day.isoformat()}})
        return [time_from(doc) for doc in docs]

    def delete(self, time_id: str, at: datetime, events: Iterable[Event]) -> bool:
        return _update(self.collection, {"_id": time_id, "deleted_at": None}, {"deleted_at": at},
                       self.envelopes(events), [])


class MongoFeeds(_Repository):
    collection_name = "calendar_feeds"

    def get(self, user_id: str) -> CalendarFeed | None:
        doc = self.collection.find_one({"_id": user_id})
        return CalendarFeed(doc["_id"], doc["token_digest"], as_datetime(doc["created_at"])) if doc else None

    def by_digest(self, token_digest: str) -> CalendarFeed | None:
        doc = self.collection.find_one({"token_digest": token_digest})
        return CalendarFeed(doc["_id"], doc["token_digest"], as_datetime(doc["created_at"])) if doc else None

    def put(self, feed: CalendarFeed) -> None:
        self.collection.replace_one({"_id": feed.user_id}, {"_id": feed.user_id, "token_digest": feed.token_digest,
                                                            "created_at": feed.created_at}, upsert=True)

    def remove(self, user_id: str) -> None:
        self.collection.delete_one({"_id": user_id})


def repositories(db: Database, correlation_id: str | None = None) -> dict[str, Any]:
    """The repositories a ``MeetingsContext`` needs, keyed by its field names."""
    return {"polls": MongoPolls(db, correlation_id), "meetings": MongoMeetings(db, correlation_id),
            "times": MongoTimeRecords(db, correlation_id), "feeds": MongoFeeds(db, correlation_id)}
