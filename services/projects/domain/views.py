"""What the domain returns to the edge: read models shaped like the contract schemas
(plain dicts, dumped by the service through ``maillage_shared.contracts.projects``)."""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import date

from . import rules
from .access import can_comment, can_edit, can_edit_task
from .model import Activity, Comment, Member, Project, Task


def project_view(project: Project, member: Member | None, tasks: Iterable[Task], today: date) -> dict:
    view = dataclasses.asdict(project)
    view["progress"] = rules.progress(tasks, today)
    view["can_edit"] = bool(member and can_edit(project, member) and not project.archived)
    return view


def project_summary(project: Project) -> dict:
    return {"id": project.id, "title": project.title, "status": project.status, "archived": project.archived,
            "restricted": project.restricted, "lead_id": project.lead_id}


def task_view(task: Task, project_tasks: Mapping[str, Task], today: date, comment_count: int = 0) -> dict:
    view = dataclasses.asdict(task)
    view["waiting_for"] = rules.waiting_for(task.depends_on, project_tasks)
    view["overdue"] = rules.is_overdue(task, today)
    view["comment_count"] = comment_count
    return view


def task_detail(task: Task, project: Project, member: Member, project_tasks: Mapping[str, Task],
                comments: list[Comment], today: date) -> dict:
    view = task_view(task, project_tasks, today, len(comments))
    view["project"] = project_summary(project)
    view["comments"] = [comment_view(c) for c in comments]
    view["can_edit"] = can_edit_task(project, task, member) and not project.archived
    view["can_comment"] = can_comment(project, member) and not project.archived
    return view


def task_summary(task: Task, project: Project, project_tasks: Mapping[str, Task], today: date,
                 structure_name: str | None = None) -> dict:
    waiting = rules.waiting_for(task.depends_on, project_tasks)
    return {"id": task.id, "title": task.title, "status": task.status, "starts_on": task.starts_on,
            "due_on": task.due_on, "overdue": rules.is_overdue(task, today), "assignee_ids": list(task.assignee_ids),
            "waiting_for": waiting, "waiting_for_titles": [project_tasks[tid].title for tid in waiting],
            "project_id": project.id,
            "project_title": project.title, "structure_id": task.structure_id, "structure_name": structure_name,
            "version": task.version}


def comment_view(comment: Comment) -> dict:
    return {"id": comment.id, "task_id": comment.task_id, "author_id": comment.author_id,
            "author_name": comment.author_name, "body": comment.body, "created_at": comment.created_at}


def activity_view(activity: Activity, project_titles: Mapping[str, str]) -> dict:
    view = dataclasses.asdict(activity)
    view.pop("structure_id")
    view["project_title"] = project_titles.get(activity.project_id, "")
    return view


def by_project(tasks: Iterable[Task]) -> dict[str, dict[str, Task]]:
    grouped: dict[str, dict[str, Task]] = {}
    for task in tasks:
        grouped.setdefault(task.project_id, {})[task.id] = task
    return grouped
