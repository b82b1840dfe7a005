"""The projects service in a real Nameko container next to the identity service, against a
real RabbitMQ vhost and a real Mongo-wire server, called over RPC like the gateway calls it."""
import re
import uuid

import pytest
from maillage_shared.contracts.envelope import EventEnvelopeSchema
from maillage_shared.contracts.identity import SignupRequestSchema
from maillage_shared.contracts.projects import EVENTS
from maillage_shared.errors import Conflict, Invalid, NotFound
from maillage_shared.events import OUTBOX_COUNT
from nameko.events import event_handler
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter
from pymongo import MongoClient

from services.identity.service import IdentityService
from services.projects.service import ProjectsService

from ..conftest import nameko_config
from .test_identity_service import wait_until

SIGNUP = SignupRequestSchema.EXAMPLES[0]


class Probe:
    """Another service of the platform, listening to what the two services publish."""

    name = "projects_probe"

    @event_handler("projects", "task_completed.v1")
    def task_completed(self, event):
        return event

    @event_handler("identity", "member_left.v1")
    def member_left(self, event):
        return event


@pytest.fixture
def settings(service_settings):
    return service_settings()


@pytest.fixture
def containers(container_factory, settings):
    started = {}
    for cls in (IdentityService, ProjectsService, Probe):
        started[cls.name] = container_factory(cls, nameko_config(settings))
        started[cls.name].start()
    return started


@pytest.fixture
def connect(connect, containers):
    """The shared proxies, once this module's services run."""
    return connect


@pytest.fixture
def identity(connect):
    return connect("identity")


@pytest.fixture
def projects(connect):
    return connect("projects")


@pytest.fixture
def database(settings, mongo_uri):
    client = MongoClient(mongo_uri, serverSelectionTimeoutMS=5000)
    yield client[settings.database_name("projects")]
    client.close()


@pytest.fixture
def msp(identity, mailbox):
    """A structure with its coordinator and a nurse who accepted an invitation."""
    coordinator = identity.signup(SIGNUP, "192.0.2.1")
    sid = coordinator["structure"]["id"]
    identity.invite(coordinator["user_id"], sid, {"email": "anne.morel@example.org", "role": "member",
                                                  "profession": "infirmier"})
    link = mailbox.wait_for("anne.morel@example.org").get_content()
    token = re.search(r"http://maillage\.test/invitations/(\S+)", link).group(1)
    anne = identity.accept_invitation(token, {"first_name": "Anne", "last_name": "Morel",
                                              "password": "un autre mot de passe"})["tokens"]["user_id"]
    return {"sid": sid, "claire": coordinator["user_id"], "anne": anne}


def test_health_pings_the_database(projects):
    assert projects.health() == {"status": "ok"}


def test_a_project_with_dependent_tasks_through_rpc(projects, msp, containers, database):
    sid, claire, anne = msp["sid"], msp["claire"], msp["anne"]
    project = projects.create_project(claire, sid, {
        "title": "Protocole AVK", "participant_ids": [anne], "status": "active", "due_on": "2027-03-31",
        "aci": {"kind": "protocol", "theme": "iatrogenic_risk"}})
    first = projects.create_task(claire, project["id"], {"title": "Relire", "assignee_ids": [anne],
                                                         "due_on": "2026-11-01"})
    second = projects.create_task(claire, project["id"], {"title": "Rédiger", "depends_on": [first["id"]]})

    with pytest.raises(Conflict) as waiting:
        projects.update_task(anne, second["id"], {"version": 1, "status": "done"})
    with pytest.raises(Invalid) as cycle:
        projects.update_task(claire, first["id"], {"version": 1, "depends_on": [second["id"]]})
    with pytest.raises(Invalid) as outsider:
        projects.create_task(claire, project["id"], {"title": "X", "assignee_ids": [str(uuid.uuid4())]})

    assert "status" in waiting.value.fields and "depends_on" in cycle.value.fields
    assert "assignee_ids" in outsider.value.fields
    with entrypoint_waiter(containers["projects_probe"], "task_completed", timeout=15,
                           callback=lambda ctx, result, exc: result["payload"]["task_id"] == first["id"]) as got:
        done = projects.update_task(anne, first["id"], {"version": 1, "status": "done"})
    event = got.get()
    assert EventEnvelopeSchema().validate(event) == {} and EVENTS[event["type"]]().validate(event["payload"]) == {}
    assert (done["version"], done["completed_by"]) == (2, anne)
    with pytest.raises(Conflict):
        projects.update_task(claire, first["id"], {"version": 1, "notes": "écrase"})
    assert projects.get_task(claire, first["id"])["notes"] == ""

    board = projects.dashboard(claire, sid)
    assert board["active_projects"][0]["progress"] == {"total": 2, "done": 1, "percent": 50, "overdue": 0}
    assert [a["action"] for a in projects.project_activity(anne, project["id"], {"limit": 3})][0] == \
        "task.status_changed"
    assert [t["title"] for t in projects.my_tasks(anne, {"include_done": True})] == ["Relire"]
    assert [p["my_part"] for p in projects.my_projects(anne)] == ["participant"]
    wait_until(lambda: database.tasks.count_documents({OUTBOX_COUNT: {"$gt": 0}}) == 0, message="outbox empty")
    with pytest.raises(NotFound):
        projects.get_project(str(uuid.uuid4()), project["id"])


def test_member_left_unassigns_and_tells_the_lead_once_even_when_redelivered(projects, identity, msp, containers,
                                                                               database, settings):
    sid, claire, anne = msp["sid"], msp["claire"], msp["anne"]
    project = projects.create_project(claire, sid, {"title": "Dépistage BPCO", "participant_ids": [anne]})
    task = projects.create_task(claire, project["id"], {"title": "Commander un spiromètre",
                                                        "assignee_ids": [anne, claire]})

    with entrypoint_waiter(containers["projects_probe"], "member_left", timeout=15) as published, \
            entrypoint_waiter(containers["projects"], "on_member_left", timeout=15) as handled:
        identity.remove_member(claire, sid, anne)

    assert handled.get() == {"event_id": published.get()["event_id"], "handled": True}
    after = projects.get_task(claire, task["id"])
    assert (after["assignee_ids"], after["version"]) == ([claire], 2)
    assert anne not in projects.get_project(claire, project["id"])["participant_ids"]
    [entry] = [a for a in projects.project_activity(claire, project["id"]) if a["action"] == "member.left"]
    assert entry["details"]["name"] == "Anne Morel" and entry["details"]["tasks"] == ["Commander un spiromètre"]
    assert entry["for_user_id"] == claire

    # At-least-once delivery: the same event again changes nothing.
    with entrypoint_waiter(containers["projects"], "on_member_left", timeout=15) as again:
        event_dispatcher(nameko_config(settings))("identity", "member_left.v1", published.get())
    assert again.get() == {"event_id": published.get()["event_id"], "handled": False}
    assert projects.get_task(claire, task["id"])["version"] == 2
    assert database.activities.count_documents({"action": "member.left"}) == 1
    assert database.processed_events.count_documents({}) == 1


def test_demo_data_is_idempotent(projects, identity, database):
    identity_demo = identity.ensure_demo_data()
    first = projects.ensure_demo_data(identity_demo)
    counts = {name: database[name].count_documents({}) for name in ("projects", "tasks", "comments", "activities")}
    second = projects.ensure_demo_data(identity_demo)

    assert len(first["created"]) == 5 and second["created"] == []
    assert {name: database[name].count_documents({}) for name in counts} == counts
    coordinator = identity_demo["members"][0]["user_id"]
    titles = [p["title"] for p in projects.list_projects(coordinator, identity_demo["structure_id"], {"sort": "title"})]
    assert "Protocole AVK" in titles and "Dossier ACI 2026" in titles
