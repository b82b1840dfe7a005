"""Factory fixtures for the finance domain: « MSP des Tilleuls » (a coordinator, two
members, a guest) and a CPTS on a fake directory; events made from the contract examples."""
from __future__ import annotations

import copy
import uuid

import pytest
from maillage_shared.contracts.meetings import MeetingClosedPayload

from .fakes import FakeClock, FakeDirectory, fake_context

SID, CPTS_SID, OTHER_SID = "msp-1", "cpts-1", "msp-2"
CLAIRE, PAUL, ANNE, GUEST, OUTSIDER, ADMIN = "claire", "paul", "anne", "guest", "outsider", "admin"


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def directory():
    directory = FakeDirectory()
    directory.add_structure(SID, "msp")
    directory.add(SID, CLAIRE, "coordinator", "Claire", "Martin", "coordinateur")
    directory.add(SID, PAUL, "member", "Paul", "Leroy", "medecin_generaliste")
    directory.add(SID, ANNE, "member", "Anne", "Morel", "infirmier")
    directory.add(SID, GUEST, "guest", "Gaëlle", "Invitée", "autre")
    directory.add_structure(CPTS_SID, "cpts", "CPTS du Littoral")
    directory.add(CPTS_SID, CLAIRE, "coordinator", "Claire", "Martin", "coordinateur")
    directory.add(CPTS_SID, PAUL, "member", "Paul", "Leroy", "medecin_generaliste")
    directory.add_structure(OTHER_SID, "msp", "MSP du Port")
    directory.add(OTHER_SID, OUTSIDER, "coordinator", "Olga", "Dehors", "coordinateur")
    directory.emails[ADMIN] = "federation.admin@example.org"
    return directory


@pytest.fixture
def ctx(clock, directory):
    return fake_context(directory=directory, clock=clock, admins={"federation.admin@example.org"})


def closed_event(meeting_id="m1", revision=1, day="2026-03-12", participants=None, kind="concertation",
                 cases=2, structure_id=SID) -> tuple[dict, dict]:
    payload = copy.deepcopy(MeetingClosedPayload.EXAMPLES[0])
    payload.update(meeting_id=meeting_id, revision=revision, kind=kind, date=day,
                   case_counts={"ald": cases, "age_75": 0, "complex": 0, "total": cases},
                   participants=participants if participants is not None else [
                       {"user_id": PAUL, "profession": "medecin_generaliste", "status": "present", "minutes": 90},
                       {"user_id": ANNE, "profession": "infirmier", "status": "present", "minutes": 60}])
    return envelope("meetings.meeting_closed.v1", payload, structure_id), payload


def envelope(event_type: str, payload: dict, structure_id: str = SID) -> dict:
    return {"event_id": str(uuid.uuid4()), "type": event_type, "occurred_at": "2026-11-23T08:00:00.000Z",
            "structure_id": structure_id, "correlation_id": "c1", "payload": payload}


MINUTES_POLICY = {"basis": "fixed", "fixed_amount_cents": 1_000_000,
                  "reserve": {"kind": "percent", "percent": 10, "label": "Locaux"},
                  "keys": [{"kind": "meeting_minutes", "weight": 1, "scope": "all"}]}
