"""Tasks of a project: create, change (optimistic concurrency, dependencies, checklist),
read, comment."""
from __future__ import annotations

import dataclasses

from maillage_shared.clock import new_id
from maillage_shared.errors import Forbidden, Invalid, NotFound

from . import rules
from .access import (
    TASK_NOT_FOUND,
    can_comment,
    readable_project,
    readable_task,
    require_edit,
    require_not_archived,
)
from .context import ProjectsContext
from .model import DONE, Comment, Member, Project, Task, task_completed
from .projects import stale
from .views import comment_view, task_detail, task_view


def structure_of_task(ctx: ProjectsContext, task_id: str) -> str:
    task = ctx.tasks.get(task_id)
    if task is None:
        raise NotFound(TASK_NOT_FOUND)
    return task.structure_id


def check_assignees(ctx: ProjectsContext, project: Project, assignee_ids: list[str]) -> None:
    """Assignees are members of the structure (not guests) on the project's team."""
    members = ctx.members(project.structure_id)
    unknown = [uid for uid in assignee_ids if uid not in members]
    if unknown:
        raise Invalid("Unknown assignee.", {"assignee_ids": f"Unknown assignee: {', '.join(unknown)} is not a "
                                                            "member of this structure."})
    guests = [members[uid].full_name for uid in assignee_ids if not members[uid].can_contribute]
    if guests:
        raise Invalid("Guests cannot be assigned tasks.",
                      {"assignee_ids": f"Guests cannot be assigned tasks: {', '.join(guests)}."})
    outside = [members[uid].full_name for uid in assignee_ids if uid not in project.team]
    if outside:
        raise Invalid("Assignees must be on the project's team.",
                      {"assignee_ids": f"Not on the project's team: {', '.join(outside)}. "
                                       "Add them to the participants first."})


def create_task(ctx: ProjectsContext, actor_id: str, project_id: str, request: dict) -> dict:
    project, actor = readable_project(ctx, project_id, actor_id, with_names=True)
    require_edit(project, actor)
    require_not_archived(project)
    assignees = list(dict.fromkeys(request.get("assignee_ids") or []))
    check_assignees(ctx, project, assignees)
    rules.check_dates(request.get("starts_on"), request.get("due_on"))
    project_tasks = {t.id: t for t in ctx.tasks.of_project(project.id)}
    task_id = new_id()
    depends_on = list(dict.fromkeys(request.get("depends_on") or []))
    rules.check_dependencies(task_id, depends_on, project_tasks)
    status = request.get("status", "todo")
    if status == DONE:
        rules.check_can_complete(depends_on, project_tasks)
    now = ctx.now()
    task = Task(id=task_id, structure_id=project.structure_id, project_id=project.id, title=request["title"],
                created_at=now, created_by=actor.user_id, updated_at=now, notes=request.get("notes", ""),
                assignee_ids=assignees, starts_on=request.get("starts_on"), due_on=request.get("due_on"),
                status=status, checklist=rules.checklist_items(request.get("checklist") or [], new_id),
                depends_on=depends_on, completed_at=now if status == DONE else None,
                completed_by=actor.user_id if status == DONE else None)
    ctx.tasks.add(task, [task_completed(task, project)] if status == DONE else [])
    ctx.record(project.id, project.structure_id, "task.created", actor, task_id=task.id, title=task.title)
    project_tasks[task.id] = task
    return task_view(task, project_tasks, ctx.today())


def update_task(ctx: ProjectsContext, actor_id: str, task_id: str, request: dict) -> dict:
    task, project, actor = readable_task(ctx, task_id, actor_id, with_names=True)
    require_edit(project, actor, task)
    require_not_archived(project)
    request = dict(request)
    version = request.pop("version")
    if version != task.version:
        raise stale("task", task.version)
    for name in ("assignee_ids", "depends_on"):
        if name in request:
            request[name] = list(dict.fromkeys(request[name]))
    if "checklist" in request:
        request["checklist"] = rules.checklist_items(request["checklist"], new_id)
    changes = {name: value for name, value in request.items() if getattr(task, name) != value}
    changed = dataclasses.replace(task, **changes)
    rules.check_dates(changed.starts_on, changed.due_on)
    if "assignee_ids" in changes:
        check_assignees(ctx, project, changed.assignee_ids)
    project_tasks = {t.id: t for t in ctx.tasks.of_project(project.id)}
    if "depends_on" in changes:
        rules.check_dependencies(task.id, changed.depends_on, project_tasks)
    if changed.status == DONE and ({"status", "depends_on"} & set(changes)):
        rules.check_can_complete(changed.depends_on, project_tasks,
                                 field="status" if "status" in changes else "depends_on")
    if not changes:
        return task_view(task, project_tasks, ctx.today(), len(ctx.comments.of_task(task.id)))
    events = []
    if "status" in changes:
        completed = changed.status == DONE
        changes["completed_at"] = ctx.now() if completed else None
        changes["completed_by"] = actor.user_id if completed else None
        changed = dataclasses.replace(changed, completed_at=changes["completed_at"],
                                      completed_by=changes["completed_by"])
        if completed:
            events.append(task_completed(changed, project))
    changes["updated_at"] = ctx.now()
    if not ctx.tasks.update(task.id, version, changes, events):
        raise stale("task", (ctx.tasks.get(task.id) or task).version)
    _record_changes(ctx, project, task, actor, changes)
    changed = dataclasses.replace(changed, updated_at=changes["updated_at"], version=version + 1)
    project_tasks[task.id] = changed
    return task_view(changed, project_tasks, ctx.today(), len(ctx.comments.of_task(task.id)))


def _record_changes(ctx: ProjectsContext, project: Project, task: Task, actor: Member, changes: dict) -> None:
    title = changes.get("title", task.title)
    if "status" in changes:
        ctx.record(project.id, project.structure_id, "task.status_changed", actor, task_id=task.id, title=title,
                   **{"from": task.status, "to": changes["status"]})
    others = sorted(set(changes) - {"status", "updated_at", "completed_at", "completed_by"})
    if others:
        ctx.record(project.id, project.structure_id, "task.updated", actor, task_id=task.id, title=title,
                   fields=others)


def get_task(ctx: ProjectsContext, actor_id: str, task_id: str) -> dict:
    task, project, actor = readable_task(ctx, task_id, actor_id)
    project_tasks = {t.id: t for t in ctx.tasks.of_project(project.id)}
    return task_detail(task, project, actor, project_tasks, ctx.comments.of_task(task.id), ctx.today())


def list_tasks(ctx: ProjectsContext, actor_id: str, project_id: str) -> list[dict]:
    project, _ = readable_project(ctx, project_id, actor_id)
    tasks = ctx.tasks.of_project(project.id)
    project_tasks = {t.id: t for t in tasks}
    counts = ctx.comments.counts(project_tasks)
    today = ctx.today()
    return [task_view(t, project_tasks, today, counts.get(t.id, 0)) for t in tasks]


def add_comment(ctx: ProjectsContext, actor_id: str, task_id: str, request: dict) -> dict:
    task, project, actor = readable_task(ctx, task_id, actor_id, with_names=True)
    if not can_comment(project, actor):
        raise Forbidden("Guests can read projects but not comment.")
    require_not_archived(project)
    comment = Comment(id=new_id(), structure_id=project.structure_id, project_id=project.id, task_id=task.id,
                      author_id=actor.user_id, author_name=actor.full_name, body=request["body"],
                      created_at=ctx.now())
    ctx.comments.add(comment)
    excerpt = comment.body if len(comment.body) <= 120 else comment.body[:119] + "…"
    ctx.record(project.id, project.structure_id, "task.commented", actor, task_id=task.id, title=task.title,
               excerpt=excerpt)
    return comment_view(comment)
