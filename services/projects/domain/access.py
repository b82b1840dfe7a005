"""Who may read or change a project.

- Members of other structures never see anything: NotFound, exactly like a project that
  does not exist.
- Every member of the structure reads a project, unless it is restricted: then only its
  lead, its participants and the structure's coordinators do (the others get NotFound).
- Its lead, its participants and the coordinators change it; a task's assignees change that
  task. Guests read only. An archived project is read-only until it is taken out of the archive.
"""
from __future__ import annotations

from maillage_shared.errors import Conflict, Forbidden, NotFound

from .context import ProjectsContext
from .model import Member, Project, Task

PROJECT_NOT_FOUND = "Project not found."
TASK_NOT_FOUND = "Task not found."
ONLY_TEAM = "Only the project's lead and participants, or a coordinator, can change it."
ARCHIVED = "This project is archived: take it out of the archive to change it."


def actor_in(ctx: ProjectsContext, structure_id: str, user_id: str | None, with_names: bool = False,
             missing: str = PROJECT_NOT_FOUND) -> Member:
    if not user_id:
        raise NotFound(missing)
    member = (ctx.members(structure_id).get(user_id) if with_names
              else ctx.directory.membership(structure_id, user_id))
    if member is None:
        raise NotFound(missing)
    return member


def can_read(project: Project, member: Member) -> bool:
    return not project.restricted or member.is_coordinator or member.user_id in project.team


def can_edit(project: Project, member: Member) -> bool:
    return member.can_contribute and (member.is_coordinator or member.user_id in project.team)


def can_edit_task(project: Project, task: Task, member: Member) -> bool:
    return can_edit(project, member) or (member.can_contribute and member.user_id in task.assignee_ids)


def can_comment(project: Project, member: Member) -> bool:
    return member.can_contribute and can_read(project, member)


def readable_project(ctx: ProjectsContext, project_id: str, actor_id: str,
                     with_names: bool = False) -> tuple[Project, Member]:
    project = ctx.projects.get(project_id)
    if project is None:
        raise NotFound(PROJECT_NOT_FOUND)
    member = actor_in(ctx, project.structure_id, actor_id, with_names)
    if not can_read(project, member):
        raise NotFound(PROJECT_NOT_FOUND)
    return project, member


def readable_task(ctx: ProjectsContext, task_id: str, actor_id: str,
                  with_names: bool = False) -> tuple[Task, Project, Member]:
    task = ctx.tasks.get(task_id)
    if task is None:
        raise NotFound(TASK_NOT_FOUND)
    project = ctx.projects.get(task.project_id)
    if project is None:
        raise NotFound(TASK_NOT_FOUND)
    member = actor_in(ctx, project.structure_id, actor_id, with_names, missing=TASK_NOT_FOUND)
    if not can_read(project, member):
        raise NotFound(TASK_NOT_FOUND)
    return task, project, member


def require_edit(project: Project, member: Member, task: Task | None = None) -> None:
    allowed = can_edit_task(project, task, member) if task is not None else can_edit(project, member)
    if not allowed:
        raise Forbidden(ONLY_TEAM if member.can_contribute else "Guests can read projects but not change them.")


def require_not_archived(project: Project) -> None:
    if project.archived:
        raise Conflict(ARCHIVED)
