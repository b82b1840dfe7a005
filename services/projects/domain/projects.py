"""Projects: create, change (optimistic concurrency), read, list with filters, history."""
from __future__ import annotations

import dataclasses

from maillage_shared.clock import new_id
from maillage_shared.contracts.projects import PROJECT_STATUSES
from maillage_shared.errors import Conflict, Forbidden, Invalid, NotFound

from . import rules
from .access import (
    ARCHIVED,
    PROJECT_NOT_FOUND,
    actor_in,
    can_read,
    readable_project,
    require_edit,
)
from .context import ProjectsContext
from .model import Member, Project, project_published, project_unpublished
from .text import fold
from .views import activity_view, by_project, project_view

STRUCTURE_NOT_FOUND = "Structure not found."
# What the structure's website shows of a public project: a change of these republishes it.
PUBLIC_FIELDS = ("title", "description", "theme", "aci", "status", "starts_on", "due_on")
PEOPLE_FIELDS = ("lead_id", "participant_ids")


def stale(kind: str, current_version: int) -> Conflict:
    return Conflict(f"Someone else changed this {kind} in the meantime: reload it to see their changes, "
                    "then make yours again.", {"version": f"The current version is {current_version}."})


def structure_of_project(ctx: ProjectsContext, project_id: str) -> str:
    project = ctx.projects.get(project_id)
    if project is None:
        raise NotFound(PROJECT_NOT_FOUND)
    return project.structure_id


def check_people(ctx: ProjectsContext, structure_id: str, lead_id: str | None, participant_ids: list[str]) -> None:
    """The lead and the participants are active members of the structure, and not guests."""
    members = ctx.members(structure_id)
    errors = {}
    if lead_id is not None:
        lead = members.get(lead_id)
        if lead is None:
            errors["lead_id"] = f"Not a member of this structure: {lead_id}."
        elif not lead.can_contribute:
            errors["lead_id"] = f"{lead.full_name} is a guest of the structure and cannot lead a project."
    unknown = [uid for uid in participant_ids if uid not in members]
    guests = [members[uid].full_name for uid in participant_ids if uid in members and not members[uid].can_contribute]
    if unknown:
        errors["participant_ids"] = f"Not a member of this structure: {', '.join(unknown)}."
    elif guests:
        errors["participant_ids"] = f"Guests cannot take part in a project: {', '.join(guests)}."
    if errors:
        raise Invalid("Unknown or unsuitable people: " + ", ".join(sorted(errors)) + ".", errors)


def _check_visibility(public: bool, restricted: bool) -> None:
    if public and restricted:
        raise Invalid("A restricted project cannot be public.",
                      {"public": "A restricted project cannot be public."})


def _unique(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def create_project(ctx: ProjectsContext, actor_id: str, structure_id: str, request: dict) -> dict:
    actor = actor_in(ctx, structure_id, actor_id, with_names=True, missing=STRUCTURE_NOT_FOUND)
    if not actor.can_contribute:
        raise Forbidden("Guests can read projects but not create them.")
    lead_id = request.get("lead_id") or actor.user_id
    participants = [uid for uid in _unique(request.get("participant_ids") or []) if uid != lead_id]
    check_people(ctx, structure_id, lead_id, participants)
    rules.check_dates(request.get("starts_on"), request.get("due_on"))
    _check_visibility(request.get("public", False), request.get("restricted", False))
    now = ctx.now()
    project = Project(
        id=new_id(), structure_id=structure_id, title=request["title"], created_at=now, created_by=actor.user_id,
        updated_at=now, description=request.get("description", ""), theme=request.get("theme", "other"),
        aci=_aci(request.get("aci")), lead_id=lead_id, participant_ids=participants,
        starts_on=request.get("starts_on"), due_on=request.get("due_on"), status=request.get("status", "idea"),
        public=request.get("public", False), restricted=request.get("restricted", False))
    ctx.projects.add(project, [project_published(project)] if project.public else [])
    ctx.record(project.id, structure_id, "project.created", actor, title=project.title)
    return project_view(project, actor, [], ctx.today())


def update_project(ctx: ProjectsContext, actor_id: str, project_id: str, request: dict) -> dict:
    project, actor = readable_project(ctx, project_id, actor_id, with_names=True)
    require_edit(project, actor)
    request = dict(request)
    version = request.pop("version")
    if version != project.version:
        raise stale("project", project.version)
    if "aci" in request:
        request["aci"] = _aci(request["aci"])
    if "participant_ids" in request:
        lead = request.get("lead_id", project.lead_id)
        request["participant_ids"] = [uid for uid in _unique(request["participant_ids"]) if uid != lead]
    changes = {name: value for name, value in request.items() if getattr(project, name) != value}
    if project.archived and changes.get("archived", True):
        raise Conflict(ARCHIVED)
    if not changes:
        return project_view(project, actor, ctx.tasks.of_project(project.id), ctx.today())
    if "status" in changes:
        rules.check_transition(project.status, changes["status"])
    changed = dataclasses.replace(project, **changes)
    rules.check_dates(changed.starts_on, changed.due_on)
    tasks = ctx.tasks.of_project(project.id)
    if "lead_id" in changes and changes["lead_id"] is None:
        raise Invalid("A project needs a lead.", {"lead_id": "A project needs a lead."})
    if set(changes) & set(PEOPLE_FIELDS):
        check_people(ctx, project.structure_id, changes.get("lead_id"),
                     changes.get("participant_ids", []))
        _keep_assignees_on_the_team(ctx, changed, tasks)
    _check_visibility(changed.public, changed.restricted)
    events = _publication_events(project, changed, changes)
    changes["updated_at"] = ctx.now()
    if not ctx.projects.update(project.id, version, changes, events):
        raise stale("project", (ctx.projects.get(project.id) or project).version)
    _record_changes(ctx, project, actor, changes)
    changed = dataclasses.replace(changed, updated_at=changes["updated_at"], version=version + 1)
    return project_view(changed, actor, tasks, ctx.today())


def _aci(tag: dict | None) -> dict | None:
    if not tag:
        return None
    return {"kind": tag["kind"], "theme": tag.get("theme"), "topic": tag.get("topic")}


def _keep_assignees_on_the_team(ctx: ProjectsContext, changed: Project, tasks) -> None:
    """Someone leaving the team must first hand over their open tasks."""
    team = changed.team
    still_assigned = sorted({uid for t in tasks if t.is_open for uid in t.assignee_ids if uid not in team})
    if still_assigned:
        members = ctx.members(changed.structure_id)
        names = ", ".join(members[uid].full_name if uid in members else uid for uid in still_assigned)
        message = f"Still assigned to open tasks of this project: {names}. Reassign those tasks first."
        raise Invalid(message, {"participant_ids": message})


def _publication_events(before: Project, after: Project, changes: dict) -> list:
    was_shown = before.public and not before.archived
    shown = after.public and not after.archived
    if shown and (not was_shown or set(changes) & set(PUBLIC_FIELDS)):
        return [project_published(after)]
    if was_shown and not shown:
        return [project_unpublished(after)]
    return []


def _record_changes(ctx: ProjectsContext, before: Project, actor: Member, changes: dict) -> None:
    sid = before.structure_id
    if "status" in changes:
        ctx.record(before.id, sid, "project.status_changed", actor, title=before.title,
                   **{"from": before.status, "to": changes["status"]})
    if "archived" in changes:
        ctx.record(before.id, sid, "project.archived" if changes["archived"] else "project.unarchived", actor,
                   title=before.title)
    others = sorted(set(changes) - {"status", "archived", "updated_at"})
    if others:
        ctx.record(before.id, sid, "project.updated", actor, title=changes.get("title", before.title),
                   fields=others)


def get_project(ctx: ProjectsContext, actor_id: str, project_id: str) -> dict:
    project, actor = readable_project(ctx, project_id, actor_id)
    return project_view(project, actor, ctx.tasks.of_project(project.id), ctx.today())


def list_projects(ctx: ProjectsContext, actor_id: str, structure_id: str, query: dict) -> list[dict]:
    actor = actor_in(ctx, structure_id, actor_id, missing=STRUCTURE_NOT_FOUND)
    words = fold(query.get("q") or "").split()
    projects = [p for p in ctx.projects.in_structure(structure_id, archived=bool(query.get("archived")))
                if can_read(p, actor) and _matches(p, query, words)]
    tasks = by_project(ctx.tasks.of_projects([p.id for p in projects]))
    today = ctx.today()
    views = [project_view(p, actor, tasks.get(p.id, {}).values(), today) for p in projects]
    return sort_projects(views, query.get("sort") or "due_on")


def _matches(project: Project, query: dict, words: list[str]) -> bool:
    if query.get("status") and project.status != query["status"]:
        return False
    if query.get("theme") and project.theme != query["theme"]:
        return False
    if query.get("aci") and (project.aci or {}).get("kind") != query["aci"]:
        return False
    if query.get("lead") and project.lead_id != query["lead"]:
        return False
    if query.get("participant") and query["participant"] not in project.team:
        return False
    title = fold(project.title)
    return all(word in title for word in words)


def sort_projects(views: list[dict], sort: str) -> list[dict]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    by_title = sorted(views, key=lambda v: fold(v["title"]))
    if key == "title":
        return by_title
    if key == "status":
        return sorted(by_title, key=lambda v: PROJECT_STATUSES.index(v["status"]))
    dated = [v for v in by_title if v.get(key) is not None]
    undated = [v for v in by_title if v.get(key) is None]
    return sorted(dated, key=lambda v: v[key], reverse=descending) + undated  # no date: always last


def project_activity(ctx: ProjectsContext, actor_id: str, project_id: str, limit: int = 50) -> list[dict]:
    project, _ = readable_project(ctx, project_id, actor_id)
    return [activity_view(a, {project.id: project.title}) for a in ctx.activities.of_project(project.id, limit)]
