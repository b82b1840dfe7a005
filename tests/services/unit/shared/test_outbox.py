"""The outbox relay's rules, with an in-memory stand-in for a collection."""
from datetime import datetime

import pytest
from maillage_shared.events import OUTBOX, OUTBOX_COUNT, OutboxRelay, make_event, outbox_fields, with_outbox


class FakeCollection:
    """Just enough of pymongo's Collection for the relay (find, update_one, count)."""

    def __init__(self):
        self.docs: dict[str, dict] = {}

    def insert(self, doc):
        self.docs[doc["_id"]] = doc

    def find(self, query, projection=None):
        docs = [d for d in self.docs.values() if d.get(OUTBOX_COUNT, 0) > 0]
        return _Cursor(docs)

    def count_documents(self, query):
        return sum(1 for d in self.docs.values() if d.get(OUTBOX_COUNT, 0) > 0)

    def update_one(self, query, update):
        doc = self.docs.get(query["_id"])
        key = next(k for k in query if k.startswith(OUTBOX + "."))
        event_id = key.split(".", 1)[1]
        if doc is None or event_id not in doc[OUTBOX]:
            return
        del doc[OUTBOX][event_id]
        doc[OUTBOX_COUNT] += update["$inc"][OUTBOX_COUNT]


class _Cursor(list):
    def limit(self, n):
        return _Cursor(self[:n])


def test_events_are_published_oldest_first_and_removed():
    coll = FakeCollection()
    first = make_event("identity.member_joined.v1", "s1", {"user_id": "u1"}, occurred_at=datetime(2026, 1, 1))
    second = make_event("identity.member_left.v1", "s1", {"user_id": "u1"}, occurred_at=datetime(2026, 1, 2))
    coll.insert(with_outbox({"_id": "m1"}, [second, first]))
    published = []
    relay = OutboxRelay([coll], published.append)

    assert relay.relay_once() == 2
    assert [e["event_id"] for e in published] == [first["event_id"], second["event_id"]]
    assert coll.docs["m1"][OUTBOX] == {} and coll.docs["m1"][OUTBOX_COUNT] == 0
    assert relay.relay_once() == 0


def test_an_event_the_broker_refused_stays_in_the_outbox():
    coll = FakeCollection()
    event = make_event("identity.member_left.v1", "s1", {"user_id": "u1"})
    coll.insert(with_outbox({"_id": "m1"}, [event]))

    def broker_down(_):
        raise ConnectionError("broker down")

    with pytest.raises(ConnectionError):
        OutboxRelay([coll], broker_down).relay_once()
    assert coll.docs["m1"][OUTBOX_COUNT] == 1
    delivered = []
    OutboxRelay([coll], delivered.append).relay_once()
    assert delivered == [event]


def test_outbox_fields_merge_into_one_update():
    event = make_event("identity.structure_updated.v1", "s1", {})
    set_part, inc_part = outbox_fields([event])
    assert set_part == {f"{OUTBOX}.{event['event_id']}": event}
    assert inc_part == {OUTBOX_COUNT: 1}


@pytest.mark.parametrize("bad", ["identity.member_left", "member_left.v1.x.y", "identity.member_left.1"])
def test_event_types_must_be_versioned(bad):
    with pytest.raises(ValueError):
        make_event(bad, None, {})
