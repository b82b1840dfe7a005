"""Factory fixtures for the meetings domain tests: a context on fakes and a structure with
a coordinator and a few members, meetings and polls made with overrides."""
from __future__ import annotations

from datetime import date

import pytest

from services.meetings.domain import meetings, polls

from .fakes import FakeClock, FakeDirectory, fake_context

SID = "structure-a"
OTHER_SID = "structure-b"
COORD, PAUL, ANNE, JULIEN = "u-claire", "u-paul", "u-anne", "u-julien"


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def directory():
    d = FakeDirectory()
    d.add(SID, COORD, "Claire", "Martin", role="coordinator", profession="coordinateur")
    d.add(SID, PAUL, "Paul", "Leroy", profession="medecin_generaliste")
    d.add(SID, ANNE, "Anne", "Morel", profession="infirmier")
    d.add(SID, JULIEN, "Julien", "Petit", profession="pharmacien")
    d.add(OTHER_SID, "u-other", "Olga", "Autre", role="coordinator")
    return d


@pytest.fixture
def ctx(clock, directory):
    return fake_context(clock=clock, directory=directory)


def meeting_request(**overrides) -> dict:
    request = {"title": "Concertation de décembre", "kind": "concertation", "date": date(2026, 12, 3),
               "start": "12:30", "end": "14:00", "place": "Salle de réunion", "visio_url": None, "project_id": None,
               "agenda": ["Situations complexes"], "invitee_ids": [PAUL, ANNE, JULIEN]}
    request.update(overrides)
    return request


@pytest.fixture
def make_meeting(ctx):
    def make(actor=COORD, **overrides):
        return meetings.create_meeting(ctx, actor, SID, meeting_request(**overrides))

    return make


def poll_request(**overrides) -> dict:
    request = {"title": "Réunion de projet", "kind": "project", "place": "Salle", "visio_url": None,
               "project_id": None, "description": "",
               "slots": [{"date": date(2026, 12, 3), "start": "12:30", "end": "14:00"},
                         {"date": date(2026, 12, 4), "start": "12:30", "end": "14:00"}],
               "invitee_ids": None}
    request.update(overrides)
    return request


@pytest.fixture
def make_poll(ctx):
    def make(actor=COORD, **overrides):
        return polls.create_poll(ctx, actor, SID, poll_request(**overrides))

    return make
