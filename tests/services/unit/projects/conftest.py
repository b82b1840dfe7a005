"""Factory fixtures for projects domain tests: a structure with a coordinator, members and
a guest on a fake directory; projects and tasks made through the domain with overrides."""
from __future__ import annotations

import pytest

from services.projects.domain import projects, tasks

from .fakes import FakeClock, FakeDirectory, fake_context

SID = "msp-1"
OTHER_SID = "msp-2"
CLAIRE, PAUL, ANNE, JULIEN, GUEST, OUTSIDER = "claire", "paul", "anne", "julien", "guest", "outsider"


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def directory():
    directory = FakeDirectory()
    directory.add(SID, CLAIRE, "coordinator", "Claire", "Martin")
    directory.add(SID, PAUL, "member", "Paul", "Leroy")
    directory.add(SID, ANNE, "member", "Anne", "Morel")
    directory.add(SID, JULIEN, "member", "Julien", "Petit")
    directory.add(SID, GUEST, "guest", "Gaëlle", "Invitée")
    directory.add(OTHER_SID, OUTSIDER, "coordinator", "Olga", "Dehors", structure_name="CPTS du Littoral")
    return directory


@pytest.fixture
def ctx(clock, directory):
    return fake_context(clock=clock, directory=directory)


@pytest.fixture
def make_project(ctx):
    def make(actor=CLAIRE, structure_id=SID, **overrides):
        request = {"title": "Protocole AVK", "description": "", "theme": "pathways", "aci": None, "lead_id": PAUL,
                   "participant_ids": [ANNE], "starts_on": None, "due_on": None, "status": "active",
                   "public": False, "restricted": False}
        request.update(overrides)
        return projects.create_project(ctx, actor, structure_id, request)

    return make


@pytest.fixture
def make_task(ctx):
    def make(project, actor=CLAIRE, **overrides):
        request = {"title": "Rédiger le circuit INR", "notes": "", "assignee_ids": [], "starts_on": None,
                   "due_on": None, "status": "todo", "checklist": [], "depends_on": []}
        request.update(overrides)
        return tasks.create_task(ctx, actor, project["id"], request)

    return make
