"""The Nameko edge stays thin: schema in, domain call, JSON-able schema dump out; the demo
data is idempotent; the member_left handler ignores malformed events."""
import json

import pytest
from maillage_shared.contracts.projects import (
    DashboardSchema,
    ProjectCreateSchema,
    ProjectSchema,
    TaskDetailSchema,
    TaskSchema,
    TaskSummarySchema,
)
from maillage_shared.errors import Forbidden, Invalid
from maillage_shared.settings import Settings
from nameko.testing.services import worker_factory

from services.projects.service import ProjectsService

from .conftest import ANNE, CLAIRE, JULIEN, PAUL, SID
from .fakes import FakeDirectory, fake_context


class FakeWiring:
    """Stands in for ProjectsWiring: hands the service a context built on fakes."""

    def __init__(self, ctx):
        self.ctx = ctx

    def context(self, db, correlation_id, identity):
        return self.ctx


@pytest.fixture
def service(ctx):
    return worker_factory(ProjectsService, wiring=FakeWiring(ctx), settings=Settings(env="test"))


def as_json(value):
    return json.loads(json.dumps(value))


def test_answers_are_json_values_in_the_contract_shape(service):
    example = {**ProjectCreateSchema.EXAMPLES[0], "lead_id": PAUL, "participant_ids": [ANNE]}
    project = service.create_project(CLAIRE, SID, example)
    task = service.create_task(CLAIRE, project["id"], {"title": "Relire", "assignee_ids": [ANNE],
                                                       "due_on": "2026-11-20", "checklist": [{"text": "HAS"}]})
    detail = service.get_task(ANNE, task["id"])
    board = service.dashboard(PAUL, SID)
    mine = service.my_tasks(ANNE, {})

    for value, schema in ((project, ProjectSchema()), (task, TaskSchema()), (detail, TaskDetailSchema()),
                          (board, DashboardSchema()), (mine, TaskSummarySchema(many=True))):
        assert as_json(value) == value
        schema.load(value)
    assert project["starts_on"] == "2026-11-23" and project["created_at"].endswith("Z")
    assert mine[0]["overdue"] is True and board["overdue"][0]["id"] == task["id"]


def test_input_is_checked_through_the_contract(service):
    with pytest.raises(Invalid) as err:
        service.create_project(CLAIRE, SID, {"title": "X", "aci": {"kind": "protocol", "theme": "astrologie"}})
    assert list(err.value.fields) == ["aci.theme"]
    with pytest.raises(Invalid) as err:
        service.update_task(CLAIRE, "t", {"status": "done"})
    assert list(err.value.fields) == ["version"]
    with pytest.raises(Invalid) as err:
        service.list_projects(CLAIRE, SID, {"sort": "random"})
    assert list(err.value.fields) == ["sort"]


@pytest.mark.parametrize("aci, field", [
    ({"kind": "protocol"}, "aci.theme"),
    ({"kind": "public_health_mission", "topic": "astrologie"}, "aci.topic"),
    ({"kind": "quality", "theme": "iatrogenic_risk"}, "aci.theme"),
    ({"kind": "bonus"}, "aci.kind"),
])
def test_the_aci_tag_is_checked_against_the_lists(service, aci, field):
    with pytest.raises(Invalid) as err:
        service.create_project(CLAIRE, SID, {"title": "X", "aci": aci})
    assert field in err.value.fields


def demo_people():
    names = [("Claire", "Martin", "coordinator"), ("Paul", "Leroy", "member"), ("Hélène", "Bernard", "member"),
             ("Anne", "Morel", "member"), ("Julien", "Petit", "member"), ("Sophie", "Durand", "member"),
             ("Camille", "Rousseau", "member"), ("Léa", "Fontaine", "member"), ("Marc", "Girard", "member")]
    return [{"user_id": f"u-{first.lower()}", "first_name": first, "last_name": last, "role": role,
             "profession": "autre", "email": f"{first.lower()}@example.org"} for first, last, role in names]


def test_demo_data_is_idempotent_and_gives_a_lively_dashboard(clock):
    directory = FakeDirectory()
    for person in demo_people():
        directory.add("demo", person["user_id"], person["role"], person["first_name"], person["last_name"])
    ctx = fake_context(clock=clock, directory=directory)
    service = worker_factory(ProjectsService, wiring=FakeWiring(ctx), settings=Settings(env="test"))
    identity_demo = {"structure_id": "demo", "members": demo_people()}

    first = service.ensure_demo_data(identity_demo)
    counts = (len(ctx.projects.rows), len(ctx.tasks.rows), len(ctx.activities.rows))
    second = service.ensure_demo_data(identity_demo)

    assert "Protocole AVK" in first["created"] and second["created"] == []
    assert (len(ctx.projects.rows), len(ctx.tasks.rows), len(ctx.activities.rows)) == counts
    board = service.dashboard("u-claire", "demo")
    assert board["overdue"] and board["due_this_week"] and board["due_next_week"]
    assert [t["title"] for t in service.my_tasks("u-anne", {})][0] == (
        "Rédiger le circuit de l'INR : laboratoire → infirmière → médecin")


def test_demo_data_is_refused_in_production(ctx):
    service = worker_factory(ProjectsService, wiring=FakeWiring(ctx), settings=Settings(env="production"))
    with pytest.raises(Forbidden):
        service.ensure_demo_data({"structure_id": SID, "members": []})


def test_a_malformed_member_left_event_is_ignored(service):
    assert service.on_member_left({"event_id": "e1", "payload": {"reason": "removed"}}) == {
        "event_id": "e1", "handled": False}
    assert service.on_member_left({"event_id": "e2", "structure_id": SID,
                                   "payload": {"user_id": JULIEN, "reason": "removed"}})["handled"] is True
