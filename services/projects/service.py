"""The projects service's Nameko edge: each entrypoint loads its input through the
contract schema, calls one domain use case and dumps the result (JSON values only).

Run: ``python -m maillage_shared.runner services.projects.service:ProjectsService``.
"""
from __future__ import annotations

import logging

from maillage_shared.contracts import load
from maillage_shared.contracts.identity import MemberLeftPayload
from maillage_shared.contracts.projects import (
    ActivityQuerySchema,
    ActivitySchema,
    CommentCreateSchema,
    CommentSchema,
    DashboardSchema,
    MyProjectSchema,
    MyTasksQuerySchema,
    ProjectCreateSchema,
    ProjectListQuerySchema,
    ProjectSchema,
    ProjectUpdateSchema,
    TaskCreateSchema,
    TaskDetailSchema,
    TaskSchema,
    TaskSummarySchema,
    TaskUpdateSchema,
)
from maillage_shared.errors import Invalid
from maillage_shared.service_kit import (
    EXPECTED_ERRORS,
    CorrelationId,
    Metrics,
    MongoDatabase,
    SettingsProvider,
    relay_outbox,
)
from nameko.events import EventDispatcher, event_handler
from nameko.rpc import RpcProxy, rpc
from nameko.timer import timer

from . import demo
from .adapters.mongo import OUTBOX_COLLECTIONS
from .domain import departures, overview, projects, tasks
from .domain.context import ProjectsContext
from .wiring import ProjectsWiring

log = logging.getLogger(__name__)


class ProjectsService:
    name = "projects"

    db = MongoDatabase("projects")
    settings = SettingsProvider()
    correlation_id = CorrelationId()
    metrics = Metrics("projects")
    dispatch = EventDispatcher()
    identity = RpcProxy("identity")
    wiring = ProjectsWiring()

    @property
    def projects(self) -> ProjectsContext:
        return self.wiring.context(self.db, self.correlation_id, self.identity)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def health(self):
        self.db.command("ping")
        return {"status": "ok"}

    # Projects -------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def structure_of_project(self, project_id):
        return projects.structure_of_project(self.projects, project_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_projects(self, actor_id, structure_id, query=None):
        found = projects.list_projects(self.projects, actor_id, structure_id, load(ProjectListQuerySchema(), query))
        return ProjectSchema(many=True).dump(found)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_project(self, actor_id, structure_id, payload):
        request = load(ProjectCreateSchema(), payload)
        return ProjectSchema().dump(projects.create_project(self.projects, actor_id, structure_id, request))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_project(self, actor_id, project_id):
        return ProjectSchema().dump(projects.get_project(self.projects, actor_id, project_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def update_project(self, actor_id, project_id, payload):
        request = load(ProjectUpdateSchema(), payload)
        return ProjectSchema().dump(projects.update_project(self.projects, actor_id, project_id, request))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def project_activity(self, actor_id, project_id, query=None):
        limit = load(ActivityQuerySchema(), query)["limit"]
        return ActivitySchema(many=True).dump(projects.project_activity(self.projects, actor_id, project_id, limit))

    # Tasks ------------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def structure_of_task(self, task_id):
        return tasks.structure_of_task(self.projects, task_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_tasks(self, actor_id, project_id):
        return TaskSchema(many=True).dump(tasks.list_tasks(self.projects, actor_id, project_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_task(self, actor_id, project_id, payload):
        request = load(TaskCreateSchema(), payload)
        return TaskSchema().dump(tasks.create_task(self.projects, actor_id, project_id, request))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_task(self, actor_id, task_id):
        return TaskDetailSchema().dump(tasks.get_task(self.projects, actor_id, task_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def update_task(self, actor_id, task_id, payload):
        request = load(TaskUpdateSchema(), payload)
        return TaskSchema().dump(tasks.update_task(self.projects, actor_id, task_id, request))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def add_comment(self, actor_id, task_id, payload):
        request = load(CommentCreateSchema(), payload)
        return CommentSchema().dump(tasks.add_comment(self.projects, actor_id, task_id, request))

    # Views --------------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def dashboard(self, actor_id, structure_id):
        return DashboardSchema().dump(overview.dashboard(self.projects, actor_id, structure_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def my_tasks(self, user_id, query=None):
        include_done = load(MyTasksQuerySchema(), query)["include_done"]
        return TaskSummarySchema(many=True).dump(overview.my_tasks(self.projects, user_id, include_done))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def my_projects(self, user_id):
        return MyProjectSchema(many=True).dump(overview.my_projects(self.projects, user_id))

    # Demo, events ---------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def ensure_demo_data(self, identity_demo):
        return demo.ensure_demo_data(self.projects, identity_demo, self.settings.is_production)

    @event_handler("identity", "member_left.v1", requeue_on_error=True)
    def on_member_left(self, event):
        """Unassign the departed member from open tasks; tell each project's lead. Idempotent."""
        try:
            load(MemberLeftPayload(), event.get("payload"))
        except Invalid:
            log.error("ignoring a malformed identity.member_left.v1 event %s", event.get("event_id"))
            return {"event_id": event.get("event_id"), "handled": False}
        return {"event_id": event["event_id"], "handled": departures.member_left(self.projects, event)}

    @timer(interval=0.5)
    def relay_events(self):
        """Publish what the outbox holds (at-least-once; consumers are idempotent)."""
        relay_outbox(self.name, self.db, OUTBOX_COLLECTIONS, self.dispatch)
