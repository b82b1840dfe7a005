"""A member left a structure (``identity.member_left.v1``): their open tasks there are
unassigned and each project concerned gets a history entry addressed to its lead.

At-least-once delivery: an event already processed is skipped; a re-delivery after a
crash half-way does the rest without repeating anything (the writes are conditional and
the history entries have ids derived from the event).
"""
from __future__ import annotations

import uuid
from collections import defaultdict

from maillage_shared.errors import MaillageError

from .context import ProjectsContext
from .model import Project, Task

MAX_RETRIES = 5
FORMER_MEMBER = "A former member"


def member_left(ctx: ProjectsContext, event: dict) -> bool:
    """Handle the event once; False when it had already been handled."""
    if ctx.processed_events.seen(event["event_id"]):
        return False
    structure_id, user_id = event["structure_id"], event["payload"]["user_id"]
    if _still_a_member(ctx, structure_id, user_id):  # left and came back before we heard of it
        ctx.processed_events.mark(event)
        return True
    name = _name_of(ctx, user_id)
    unassigned: dict[str, list[str]] = defaultdict(list)
    for task in ctx.tasks.assigned_to([structure_id], user_id, open_only=True):
        if _unassign(ctx, task, user_id):
            unassigned[task.project_id].append(task.title)
    touched = {p.id: p for p in ctx.projects.involving([structure_id], user_id)}
    for project in list(touched.values()):
        _leave_team(ctx, project, user_id)
    for project in ctx.projects.many(set(unassigned) - set(touched)):
        touched[project.id] = project
    for project in touched.values():
        was_lead = project.lead_id == user_id
        recipient = None if was_lead else project.lead_id
        ctx.record(project.id, structure_id, "member.left", None,
                   activity_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{event['event_id']}/{project.id}")),
                   for_user_id=recipient, user_id=user_id, name=name, tasks=sorted(unassigned.get(project.id, [])),
                   was_lead=was_lead, title=project.title)
    ctx.processed_events.mark(event)
    return True


def _still_a_member(ctx: ProjectsContext, structure_id: str, user_id: str) -> bool:
    try:
        return ctx.directory.membership(structure_id, user_id) is not None
    except MaillageError:  # identity unreachable: the departure is what the event says
        return False


def _name_of(ctx: ProjectsContext, user_id: str) -> str:
    try:
        return ctx.directory.person_name(user_id) or FORMER_MEMBER
    except MaillageError:
        return FORMER_MEMBER


def _unassign(ctx: ProjectsContext, task: Task, user_id: str) -> bool:
    for _ in range(MAX_RETRIES):
        if user_id not in task.assignee_ids or not task.is_open:
            return False
        remaining = [uid for uid in task.assignee_ids if uid != user_id]
        if ctx.tasks.update(task.id, task.version, {"assignee_ids": remaining, "updated_at": ctx.now()}, []):
            return True
        task = ctx.tasks.get(task.id)
        if task is None:
            return False
    raise RuntimeError(f"task {task.id} kept changing while unassigning a departed member")


def _leave_team(ctx: ProjectsContext, project: Project, user_id: str) -> None:
    for _ in range(MAX_RETRIES):
        changes = {}
        if user_id in project.participant_ids:
            changes["participant_ids"] = [uid for uid in project.participant_ids if uid != user_id]
        if project.lead_id == user_id:
            changes["lead_id"] = None
        if not changes:
            return
        changes["updated_at"] = ctx.now()
        if ctx.projects.update(project.id, project.version, changes, []):
            return
        project = ctx.projects.get(project.id)
        if project is None:
            return
    raise RuntimeError(f"project {project.id} kept changing while removing a departed member")

