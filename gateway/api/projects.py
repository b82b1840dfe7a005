"""The projects bounded context's JSON API: projects and tasks of a structure, their
history, the structure dashboard and the caller's own tasks and projects.

``/projects/<pid>`` and ``/tasks/<tid>`` carry no structure id: the projects service says
which structure owns them (``structure_of``) and the caller must be a member of it, else
404. The service checks again who may read (restricted projects) and change what.
"""
from __future__ import annotations

from flask import Blueprint
from maillage_shared.contracts.projects import (
    ACI_KINDS,
    ACI_MISSION_TOPICS,
    ACI_PROTOCOL_THEMES,
    PROJECT_STATUSES,
    PROJECT_THEMES,
    TASK_STATUSES,
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
from marshmallow import Schema, fields

from ..context import current_user_id, rpc
from . import API_PREFIX, endpoint
from .reference import LabelledCodeSchema

bp = Blueprint("projects", __name__, url_prefix=API_PREFIX)

CONFLICT_HELP = ("`version` must be the one read: if someone changed it meanwhile, the answer is 409 and "
                 "nothing is written — read it again, then send the change again.")


def project_structure(path: dict) -> str:
    return rpc("projects", "structure_of_project", path["pid"])


def task_structure(path: dict) -> str:
    return rpc("projects", "structure_of_task", path["tid"])


def blueprints() -> list[Blueprint]:
    return [bp]


# Projects ---------------------------------------------------------------------------------------

@endpoint(bp, "/structures/<sid>/projects", "GET", summary="Projects of the structure, filtered and sorted",
          tags=["projects"], auth="tenant", query=ProjectListQuerySchema(), response=ProjectSchema(many=True),
          description="Archived projects only with `archived=true`. Restricted projects are listed only to their "
                      "team and the coordinators. `participant` matches the lead too.")
def list_projects(sid, query):
    return rpc("projects", "list_projects", current_user_id(), sid, query)


@endpoint(bp, "/structures/<sid>/projects", "POST", summary="Create a project", tags=["projects"], auth="tenant",
          body=ProjectCreateSchema(), response=ProjectSchema(), status=201, errors=(403,),
          description="The lead defaults to the caller. The lead and participants must be members (not guests) "
                      "of the structure; the ACI tag's theme or topic must be one of the reference lists.")
def create_project(sid, body):
    return rpc("projects", "create_project", current_user_id(), sid, body)


@endpoint(bp, "/projects/<pid>", "GET", summary="A project, with its progress", tags=["projects"], auth="tenant",
          structure_of=project_structure, response=ProjectSchema())
def get_project(pid):
    return rpc("projects", "get_project", current_user_id(), pid)


@endpoint(bp, "/projects/<pid>", "PATCH", summary="Change a project (only the fields sent)", tags=["projects"],
          auth="tenant", structure_of=project_structure, body=ProjectUpdateSchema(), response=ProjectSchema(),
          errors=(403, 409),
          description="Only its lead, its participants and the coordinators may change it. " + CONFLICT_HELP)
def update_project(pid, body):
    return rpc("projects", "update_project", current_user_id(), pid, body)


@endpoint(bp, "/projects/<pid>/activity", "GET", summary="The project's history, newest first",
          tags=["projects"], auth="tenant", structure_of=project_structure, query=ActivityQuerySchema(),
          response=ActivitySchema(many=True))
def project_activity(pid, query):
    return rpc("projects", "project_activity", current_user_id(), pid, query)


# Tasks ------------------------------------------------------------------------------------------

@endpoint(bp, "/projects/<pid>/tasks", "GET", summary="Tasks of a project, by due date", tags=["tasks"],
          auth="tenant", structure_of=project_structure, response=TaskSchema(many=True))
def list_tasks(pid):
    return rpc("projects", "list_tasks", current_user_id(), pid)


@endpoint(bp, "/projects/<pid>/tasks", "POST", summary="Add a task to a project", tags=["tasks"], auth="tenant",
          structure_of=project_structure, body=TaskCreateSchema(), response=TaskSchema(), status=201,
          errors=(403, 409),
          description="Assignees must be on the project's team; `depends_on` names tasks of the same project. "
                      "A task cannot be done while a task it waits for is open (409).")
def create_task(pid, body):
    return rpc("projects", "create_task", current_user_id(), pid, body)


@endpoint(bp, "/tasks/<tid>", "GET", summary="A task with its comments", tags=["tasks"], auth="tenant",
          structure_of=task_structure, response=TaskDetailSchema())
def get_task(tid):
    return rpc("projects", "get_task", current_user_id(), tid)


@endpoint(bp, "/tasks/<tid>", "PATCH", summary="Change a task (only the fields sent)", tags=["tasks"],
          auth="tenant", structure_of=task_structure, body=TaskUpdateSchema(), response=TaskSchema(),
          errors=(403, 409),
          description="`checklist` and `depends_on` replace the whole list. Marking it done while a task it "
                      "waits for is open is a 409 naming `status`; a dependency cycle a 400 naming `depends_on`. "
                      + CONFLICT_HELP)
def update_task(tid, body):
    return rpc("projects", "update_task", current_user_id(), tid, body)


@endpoint(bp, "/tasks/<tid>/comments", "POST", summary="Comment on a task", tags=["tasks"], auth="tenant",
          structure_of=task_structure, body=CommentCreateSchema(), response=CommentSchema(), status=201,
          errors=(403, 409))
def add_comment(tid, body):
    return rpc("projects", "add_comment", current_user_id(), tid, body)


# Views --------------------------------------------------------------------------------------------

@endpoint(bp, "/structures/<sid>/dashboard", "GET", summary="Where the structure's projects stand",
          tags=["dashboard"], auth="tenant", response=DashboardSchema(),
          description="Active projects with their progress, overdue tasks, tasks due this week and next "
                      "(Paris time), recent activity, projects per ACI tag and per status.")
def dashboard(sid):
    return rpc("projects", "dashboard", current_user_id(), sid)


@endpoint(bp, "/me/tasks", "GET", summary="The caller's tasks in all their structures, overdue first",
          tags=["dashboard"], query=MyTasksQuerySchema(), response=TaskSummarySchema(many=True),
          description="Open tasks only unless `include_done=true`; tasks of archived projects and of structures "
                      "the caller left are not listed.")
def my_tasks(query):
    return rpc("projects", "my_tasks", current_user_id(), query)


@endpoint(bp, "/me/projects", "GET", summary="Projects the caller leads or takes part in, in all their structures",
          tags=["dashboard"], response=MyProjectSchema(many=True))
def my_projects():
    return rpc("projects", "my_projects", current_user_id())


class ProjectsReferenceSchema(Schema):
    project_statuses = fields.List(fields.Nested(LabelledCodeSchema), required=True)
    task_statuses = fields.List(fields.Nested(LabelledCodeSchema), required=True)
    themes = fields.List(fields.Nested(LabelledCodeSchema), required=True)
    aci_kinds = fields.List(fields.Nested(LabelledCodeSchema), required=True)
    aci_protocol_themes = fields.List(fields.Nested(LabelledCodeSchema), required=True)
    aci_mission_topics = fields.List(fields.Nested(LabelledCodeSchema), required=True)


PROJECT_STATUS_LABELS = {"idea": "Idée", "active": "En cours", "done": "Terminé", "abandoned": "Abandonné"}
TASK_STATUS_LABELS = {"todo": "À faire", "in_progress": "En cours", "done": "Fait"}


def _labelled(codes, labels: dict[str, str]) -> list[dict]:
    return [{"code": code, "label": labels[code]} for code in codes]


@endpoint(bp, "/reference/projects", "GET", summary="Project statuses, themes and the ACI lists, with French labels",
          tags=["projects"], auth="none", response=ProjectsReferenceSchema(),
          description="The ACI lists are those of the ACI MSP: annexe-3 protocol themes and the topics of the "
                      "missions de santé publique.")
def projects_reference():
    return {
        "project_statuses": _labelled(PROJECT_STATUSES, PROJECT_STATUS_LABELS),
        "task_statuses": _labelled(TASK_STATUSES, TASK_STATUS_LABELS),
        "themes": _labelled(PROJECT_THEMES, PROJECT_THEMES),
        "aci_kinds": _labelled(ACI_KINDS, ACI_KINDS),
        "aci_protocol_themes": _labelled(ACI_PROTOCOL_THEMES, ACI_PROTOCOL_THEMES),
        "aci_mission_topics": _labelled(ACI_MISSION_TOPICS, ACI_MISSION_TOPICS),
    }
