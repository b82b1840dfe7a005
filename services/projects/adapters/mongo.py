"""MongoDB repositories of the projects domain (database ``<prefix>projects``).

Written for what the Mongo-wire development server does correctly, which real MongoDB does
too (docs/adr/0003): string UUID ids, whole lists set with ``$set`` (never ``$push``), one
document write per change carrying its events (outbox), calendar dates stored as ISO
strings (they compare as text), values read back defensively (booleans as 1/0, datetimes
written by ``$set`` as strings). Changes are conditional on the version (docs/adr/0007).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date
from typing import Any

from maillage_shared import records
from maillage_shared.contracts.projects import OPEN_TASK_STATUSES
from maillage_shared.events import OUTBOX_COUNT, ProcessedEvents, make_event, outbox_fields, with_outbox
from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from ..domain.model import Activity, Comment, Event, Project, Task

OUTBOX_COLLECTIONS = ("projects", "tasks")
CONSUMER = "projects"

# No index on a list field (participant_ids, assignee_ids): on the Mongo-wire server such an
# index makes `{"assignee_ids": user_id}` match nothing (found here; docs/adr/0007).
INDEXES: dict[str, list[tuple[list[tuple[str, int]], dict]]] = {
    "projects": [([("structure_id", ASCENDING), ("archived", ASCENDING)], {}), ([(OUTBOX_COUNT, ASCENDING)], {})],
    "tasks": [([("project_id", ASCENDING)], {}), ([("structure_id", ASCENDING), ("status", ASCENDING)], {}),
              ([(OUTBOX_COUNT, ASCENDING)], {})],
    "comments": [([("task_id", ASCENDING), ("created_at", ASCENDING)], {})],
    "activities": [([("project_id", ASCENDING), ("at", DESCENDING)], {}),
                   ([("structure_id", ASCENDING), ("at", DESCENDING)], {})],
}


def ensure_indexes(db: Database) -> None:
    for collection, indexes in INDEXES.items():
        for keys, options in indexes:
            db[collection].create_index(keys, **options)
    ProcessedEvents(db["processed_events"], CONSUMER).ensure_indexes()


# Documents <-> entities ---------------------------------------------------------------

to_document = records.to_document


def from_document(cls: type, doc: dict | None) -> Any:
    """Shared mapping, then the nested values the domain expects in a fixed shape."""
    entity = records.from_document(cls, doc)
    if entity is None:
        return None
    changes = {}
    aci = getattr(entity, "aci", None)
    if aci is not None:
        changes["aci"] = {"kind": aci.get("kind"), "theme": aci.get("theme"), "topic": aci.get("topic")}
    checklist = getattr(entity, "checklist", None)
    if checklist:
        changes["checklist"] = [{"id": i["id"], "text": i["text"], "done": bool(i.get("done"))} for i in checklist]
    return dataclasses.replace(entity, **changes) if changes else entity


class _Repository:
    collection_name = ""
    entity: type = object

    def __init__(self, db: Database, correlation_id: str | None = None):
        self.collection = db[self.collection_name]
        self.correlation_id = correlation_id

    def envelopes(self, events: Iterable[Event]) -> list[dict]:
        return [make_event(e.type, e.structure_id, e.payload, correlation_id=self.correlation_id) for e in events]

    def _add(self, entity: Any, events: Iterable[Event]) -> None:
        self.collection.insert_one(with_outbox(to_document(entity), self.envelopes(events)))

    def get(self, entity_id: str):
        return from_document(self.entity, self.collection.find_one({"_id": entity_id}))

    def _find(self, query: dict, sort: list | None = None) -> list:
        cursor = self.collection.find(query)
        if sort:
            cursor = cursor.sort(sort)
        return [from_document(self.entity, doc) for doc in cursor]

    def update(self, entity_id: str, version: int, changes: dict, events: Iterable[Event]) -> bool:
        outbox_set, outbox_inc = outbox_fields(self.envelopes(events))
        stored = records.stored_changes(changes)
        update: dict = {"$set": {**stored, "version": version + 1, **outbox_set}}
        if outbox_inc[OUTBOX_COUNT]:
            update["$inc"] = outbox_inc
        result = self.collection.update_one({"_id": entity_id, "version": version}, update)
        return result.modified_count == 1


class MongoProjects(_Repository):
    collection_name = "projects"
    entity = Project

    def add(self, project: Project, events: Iterable[Event]) -> None:
        self._add(project, events)

    def in_structure(self, structure_id: str, archived: bool | None = False) -> list[Project]:
        query: dict = {"structure_id": structure_id}
        if archived is not None:
            # booleans written by $set may read back as 1/0; $ne True also matches those 0s
            query["archived"] = True if archived else {"$ne": True}
        return self._find(query)

    def many(self, project_ids: Iterable[str]) -> list[Project]:
        ids = list(project_ids)
        return self._find({"_id": {"$in": ids}}) if ids else []

    def involving(self, structure_ids: Iterable[str], user_id: str) -> list[Project]:
        ids = list(structure_ids)
        if not ids:
            return []
        return self._find({"structure_id": {"$in": ids}, "archived": {"$ne": True},
                           "$or": [{"lead_id": user_id}, {"participant_ids": user_id}]})


class MongoTasks(_Repository):
    collection_name = "tasks"
    entity = Task

    def add(self, task: Task, events: Iterable[Event]) -> None:
        self._add(task, events)

    def of_project(self, project_id: str) -> list[Task]:
        return _by_due(self._find({"project_id": project_id}))

    def of_projects(self, project_ids: Iterable[str]) -> list[Task]:
        ids = list(project_ids)
        return _by_due(self._find({"project_id": {"$in": ids}})) if ids else []

    def assigned_to(self, structure_ids: Iterable[str], user_id: str, open_only: bool = True) -> list[Task]:
        ids = list(structure_ids)
        if not ids:
            return []
        query: dict = {"assignee_ids": user_id, "structure_id": {"$in": ids}}
        if open_only:
            query["status"] = {"$in": list(OPEN_TASK_STATUSES)}
        return self._find(query)


def _by_due(tasks: list[Task]) -> list[Task]:
    return sorted(tasks, key=lambda t: (t.due_on is None, t.due_on or date.max, t.created_at, t.id))


class MongoComments(_Repository):
    collection_name = "comments"
    entity = Comment

    def add(self, comment: Comment) -> None:
        self.collection.insert_one(to_document(comment))

    def of_task(self, task_id: str) -> list[Comment]:
        return self._find({"task_id": task_id}, [("created_at", ASCENDING)])

    def counts(self, task_ids: Iterable[str]) -> dict[str, int]:
        ids = list(task_ids)
        counts: dict[str, int] = {}
        if ids:
            for doc in self.collection.find({"task_id": {"$in": ids}}, {"task_id": 1}):
                counts[doc["task_id"]] = counts.get(doc["task_id"], 0) + 1
        return counts


class MongoActivities(_Repository):
    collection_name = "activities"
    entity = Activity

    def add(self, activity: Activity) -> bool:
        try:
            self.collection.insert_one(to_document(activity))
            return True
        except DuplicateKeyError:
            return False

    def of_project(self, project_id: str, limit: int) -> list[Activity]:
        cursor = self.collection.find({"project_id": project_id}).sort("at", DESCENDING).limit(limit)
        return [from_document(Activity, doc) for doc in cursor]

    def of_projects(self, structure_id: str, project_ids: Iterable[str], limit: int) -> list[Activity]:
        query = {"structure_id": structure_id, "project_id": {"$in": list(project_ids)}}
        cursor = self.collection.find(query).sort("at", DESCENDING).limit(limit)
        return [from_document(Activity, doc) for doc in cursor]


class MongoProcessedEvents:
    def __init__(self, db: Database):
        self.log = ProcessedEvents(db["processed_events"], CONSUMER)

    def seen(self, event_id: str) -> bool:
        return self.log.seen(event_id)

    def mark(self, event: dict) -> bool:
        return self.log.mark(event)


def repositories(db: Database, correlation_id: str | None = None) -> dict[str, Any]:
    """The repositories a ``ProjectsContext`` needs, keyed by its field names."""
    return {"projects": MongoProjects(db, correlation_id), "tasks": MongoTasks(db, correlation_id),
            "comments": MongoComments(db, correlation_id), "activities": MongoActivities(db, correlation_id),
            "processed_events": MongoProcessedEvents(db)}
