"""The structure dashboard and each member's personal view (across all their structures)."""
from __future__ import annotations

from datetime import timedelta

from maillage_shared.contracts.projects import ACI_KINDS, PROJECT_STATUSES

from . import rules
from .access import actor_in, can_read
from .context import ProjectsContext
from .model import DONE, Member
from .projects import STRUCTURE_NOT_FOUND
from .text import fold
from .views import activity_view, by_project, project_view, task_summary

LIVE_STATUSES = ("idea", "active")  # the open tasks of a finished or abandoned project do not nag
RECENT_ACTIVITY = 15


def dashboard(ctx: ProjectsContext, actor_id: str, structure_id: str) -> dict:
    actor = actor_in(ctx, structure_id, actor_id, missing=STRUCTURE_NOT_FOUND)
    projects = {p.id: p for p in ctx.projects.in_structure(structure_id, archived=False) if can_read(p, actor)}
    tasks = by_project(ctx.tasks.of_projects(list(projects)))
    today = ctx.today()
    week, next_week = rules.week_of(today), rules.week_of(today + timedelta(days=7))
    overdue, this_week, following_week = [], [], []
    for project_id, project_tasks in tasks.items():
        project = projects[project_id]
        if project.status not in LIVE_STATUSES:
            continue
        for task in project_tasks.values():
            if not task.is_open or task.due_on is None:
                continue
            if task.due_on < today:
                bucket = overdue
            elif task.due_on <= week[1]:
                bucket = this_week
            elif next_week[0] <= task.due_on <= next_week[1]:
                bucket = following_week
            else:
                continue
            bucket.append(task_summary(task, project, project_tasks, today))
    active = sorted((p for p in projects.values() if p.status == "active"),
                    key=lambda p: (p.due_on is None, p.due_on or today, fold(p.title)))
    counted = [p for p in projects.values() if p.status != "abandoned"]
    aci = {code: 0 for code in (*ACI_KINDS, "none")}
    for project in counted:
        aci[(project.aci or {}).get("kind") or "none"] += 1
    statuses = {code: 0 for code in PROJECT_STATUSES}
    for project in projects.values():
        statuses[project.status] += 1
    titles = {p.id: p.title for p in projects.values()}
    recent = ctx.activities.of_projects(structure_id, list(projects), RECENT_ACTIVITY) if projects else []
    by_due = lambda s: (s["due_on"], fold(s["title"]))  # noqa: E731
    return {
        "structure_id": structure_id, "today": today, "week": list(week), "next_week": list(next_week),
        "active_projects": [_dashboard_project(p, tasks.get(p.id, {}).values(), today) for p in active],
        "overdue": sorted(overdue, key=by_due), "due_this_week": sorted(this_week, key=by_due),
        "due_next_week": sorted(following_week, key=by_due),
        "recent_activity": [activity_view(a, titles) for a in recent],
        "aci_counts": [{"code": code, "count": count} for code, count in aci.items()],
        "status_counts": [{"code": code, "count": count} for code, count in statuses.items()],
    }


def _dashboard_project(project, tasks, today) -> dict:
    return {"id": project.id, "title": project.title, "status": project.status, "theme": project.theme,
            "aci": project.aci, "lead_id": project.lead_id, "due_on": project.due_on,
            "progress": rules.progress(tasks, today)}


def my_tasks(ctx: ProjectsContext, user_id: str, include_done: bool = False) -> list[dict]:
    """The user's tasks in every structure they belong to now, overdue first."""
    structures = {m.structure_id: m for m in ctx.directory.structures_of(user_id)}
    if not structures:
        return []
    mine = ctx.tasks.assigned_to(list(structures), user_id, open_only=not include_done)
    projects = {p.id: p for p in ctx.projects.many({t.project_id for t in mine})}
    visible = {pid: p for pid, p in projects.items()
               if p.structure_id in structures and not p.archived
               and can_read(p, Member(user_id, structures[p.structure_id].role))}
    siblings = by_project(ctx.tasks.of_projects(list(visible)))
    today = ctx.today()
    tasks = sorted((t for t in mine if t.project_id in visible),
                   key=lambda t: (t.status == DONE, rules.personal_order(t, today)))
    return [task_summary(t, visible[t.project_id], siblings.get(t.project_id, {}), today,
                         structures[t.structure_id].structure_name) for t in tasks]


def my_projects(ctx: ProjectsContext, user_id: str) -> list[dict]:
    """Projects the user leads or takes part in, in every structure they belong to now."""
    structures = {m.structure_id: m for m in ctx.directory.structures_of(user_id)}
    if not structures:
        return []
    projects = [p for p in ctx.projects.involving(list(structures), user_id) if p.structure_id in structures]
    tasks = by_project(ctx.tasks.of_projects([p.id for p in projects]))
    today = ctx.today()
    views = []
    for project in projects:
        member = Member(user_id, structures[project.structure_id].role)
        view = project_view(project, member, tasks.get(project.id, {}).values(), today)
        view["structure_name"] = structures[project.structure_id].structure_name
        view["my_part"] = "lead" if project.lead_id == user_id else "participant"
        views.append(view)
    order = {status: index for index, status in enumerate(("active", "idea", "done", "abandoned"))}
    return sorted(views, key=lambda v: (order[v["status"]], v["due_on"] is None, v["due_on"] or today,
                                        fold(v["title"])))
