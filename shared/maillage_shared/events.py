"""Event envelope, transactional outbox and idempotent consumption.

No dual writes: a state change and the events it causes are written in ONE document
update (``outbox_fields``), because the Mongo-wire server used in development gives no
isolation to multi-document transactions. A relay later publishes pending events and
removes each one from its document only after the broker confirmed it: delivery is
at-least-once, so consumers record processed ``event_id``s (``ProcessedEvents``).

Events are stored in a sub-document keyed by ``event_id`` (``_outbox.<id>``) with a
counter, never in an array: ``$push`` of sub-documents is mangled by that server.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from .clock import new_id, utcnow

log = logging.getLogger(__name__)

OUTBOX = "_outbox"
OUTBOX_COUNT = "_outbox_count"


def make_event(event_type: str, structure_id: str | None, payload: dict,
               correlation_id: str | None = None, occurred_at: datetime | None = None) -> dict:
    """Build an envelope. ``event_type`` is ``<service>.<name>.v<N>``."""
    service, name, version = split_type(event_type)
    return {
        "event_id": new_id(),
        "type": event_type,
        "occurred_at": (occurred_at or utcnow()).isoformat() + "Z",
        "structure_id": structure_id,
        "correlation_id": correlation_id or new_id(),
        "payload": payload,
    }


def split_type(event_type: str) -> tuple[str, str, str]:
    parts = event_type.split(".")
    if len(parts) != 3 or not parts[2].startswith("v"):
        raise ValueError(f"event type must be <service>.<name>.v<N>, got {event_type!r}")
    return parts[0], parts[1], parts[2]


def outbox_fields(events: Iterable[dict]) -> tuple[dict, dict]:
    """The ``$set`` and ``$inc`` parts that add ``events`` to a document's outbox.

    Merge them into the same update that changes the state::

        set_, inc = outbox_fields([event])
        coll.update_one(query, {"$set": {**changes, **set_}, "$inc": inc})
    """
    events = list(events)
    set_part = {f"{OUTBOX}.{e['event_id']}": e for e in events}
    return set_part, {OUTBOX_COUNT: len(events)}


def with_outbox(document: dict, events: Iterable[dict]) -> dict:
    """A new document (for ``insert_one``) carrying ``events`` in its outbox."""
    events = list(events)
    return {**document, OUTBOX: {e["event_id"]: e for e in events}, OUTBOX_COUNT: len(events)}


Publisher = Callable[[dict], None]


@dataclass
class OutboxRelay:
    """Publishes the pending events of some collections, oldest first.

    ``publish`` must raise if the broker did not confirm; the event then stays in the
    outbox and is retried on the next pass.
    """

    collections: list[Collection]
    publish: Publisher
    batch_size: int = 200

    def pending_count(self, cap: int = 1000) -> int:
        """Documents holding unpublished events, capped (it only feeds a gauge). A find, not
        ``count_documents``: the Mongo-wire server runs counts as a slow aggregation, which
        kept it busy twice a second in every service (see BENCHMARKS.md, projects)."""
        return sum(len(list(c.find({OUTBOX_COUNT: {"$gt": 0}}, {"_id": 1}).limit(cap))) for c in self.collections)

    def relay_once(self) -> int:
        published = 0
        for collection in self.collections:
            docs = collection.find({OUTBOX_COUNT: {"$gt": 0}}, {OUTBOX: 1}).limit(self.batch_size)
            pending: list[tuple[Any, dict]] = []
            for doc in docs:
                for event in (doc.get(OUTBOX) or {}).values():
                    pending.append((doc["_id"], event))
            pending.sort(key=lambda item: item[1].get("occurred_at", ""))
            for doc_id, event in pending:
                self.publish(event)
                collection.update_one(
                    {"_id": doc_id, f"{OUTBOX}.{event['event_id']}": {"$exists": True}},
                    {"$unset": {f"{OUTBOX}.{event['event_id']}": ""}, "$inc": {OUTBOX_COUNT: -1}},
                )
                published += 1
        return published


class ProcessedEvents:
    """Remembers which events a consumer has handled (unique index on the event id).

    Usage: ``if processed.first_time(event): handle(event)`` — only when the handler's
    own writes are naturally idempotent may ``mark`` come after; otherwise handle
    inside ``claim`` semantics (claim first, then do idempotent writes).
    """

    def __init__(self, collection: Collection, consumer: str):
        self.collection = collection
        self.consumer = consumer

    def ensure_indexes(self) -> None:
        self.collection.create_index([("consumer", 1), ("event_id", 1)], unique=True)

    def seen(self, event_id: str) -> bool:
        return self.collection.count_documents({"consumer": self.consumer, "event_id": event_id}) > 0

    def mark(self, event: dict) -> bool:
        """Record the event; False if it was already recorded."""
        try:
            self.collection.insert_one({
                "_id": f"{self.consumer}:{event['event_id']}",
                "consumer": self.consumer,
                "event_id": event["event_id"],
                "type": event.get("type"),
                "processed_at": utcnow(),
            })
            return True
        except DuplicateKeyError:
            return False
