"""Reading stored documents back into domain dataclasses, whatever the server returned."""
from dataclasses import dataclass, field
from datetime import date, datetime

from maillage_shared.records import from_document, stored_changes, to_document


@dataclass
class Period:
    id: str
    starts_on: date
    created_at: datetime
    confirmed: bool
    count: int
    note: str | None = None
    tags: list = field(default_factory=list)


def test_round_trip_through_a_document():
    period = Period("p1", date(2026, 11, 23), datetime(2026, 11, 23, 8, 0), True, 3, tags=["a"])
    doc = to_document(period)
    assert doc["_id"] == "p1" and doc["starts_on"] == "2026-11-23"
    assert from_document(Period, doc) == period


def test_values_the_mongo_wire_server_hands_back_in_other_types():
    doc = {"_id": "p1", "starts_on": "2026-11-23", "created_at": "2026-11-23 08:00:00.123000",
           "confirmed": 1, "count": 3.0}
    period = from_document(Period, doc)
    assert period.created_at == datetime(2026, 11, 23, 8, 0, 0, 123000)
    assert period.confirmed is True and period.count == 3
    assert period.note is None and period.tags == []


def test_missing_document_and_changes():
    assert from_document(Period, None) is None
    assert stored_changes({"starts_on": date(2026, 1, 2), "note": "x"}) == {"starts_on": "2026-01-02", "note": "x"}
