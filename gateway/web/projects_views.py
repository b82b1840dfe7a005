"""Projects and tasks in the web client: the list with its filters, a project's page
(tasks, checklist, comments, dependencies, history), the project and task forms, the
structure's dashboard and « Mes tâches » across all the user's structures.

Every change sends the ``version`` the page showed: when someone else changed the project
or task in the meantime, the service answers 409 and the page says so, showing the current
values next to what the user typed (nothing is silently overwritten).
"""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext
from maillage_shared.contracts.projects import (
    ACI_KINDS,
    ACI_MISSION_TOPICS,
    ACI_PROTOCOL_THEMES,
    PROJECT_SORTS,
    PROJECT_STATUSES,
    PROJECT_THEMES,
    TASK_STATUSES,
)
from maillage_shared.errors import Conflict, Forbidden, Invalid, NotFound

from ..context import rpc
from .forms import Form
from .markdown import render_markdown
from .pages import Page, bp, render_page, structure_page, user_page
from .projects_i18n import (
    ACI_KIND_LABELS,
    ACI_THEME_LABELS,
    ACI_TOPIC_LABELS,
    PROJECT_SORT_LABELS,
    PROJECT_STATUS_LABELS,
    TASK_STATUS_LABELS,
    THEME_LABELS,
    describe_activity,
    project_message,
    translated,
)
from .session import safe_next

PROJECT_FIELDS = ("title", "description", "theme", "lead_id", "starts_on", "due_on", "status")
FLAGS = ("public", "restricted")
HISTORY_LENGTH = 30


def labels() -> dict:
    return {"PROJECT_STATUS_LABELS": PROJECT_STATUS_LABELS, "TASK_STATUS_LABELS": TASK_STATUS_LABELS,
            "THEME_LABELS": THEME_LABELS, "ACI_KIND_LABELS": ACI_KIND_LABELS, "ACI_THEME_LABELS": ACI_THEME_LABELS,
            "ACI_TOPIC_LABELS": ACI_TOPIC_LABELS, "markdown": render_markdown, "describe": describe_activity}


def _people(sid: str) -> dict[str, dict]:
    return {m["user_id"]: m for m in rpc("identity", "list_members", sid)}


def _contributors(people: dict[str, dict]) -> list[tuple[str, str]]:
    return [(uid, f"{m['first_name']} {m['last_name']}") for uid, m in people.items() if m["role"] != "guest"]


def _team_options(project: dict, people: dict[str, dict]) -> list[tuple[str, str]]:
    team = dict.fromkeys(uid for uid in [project["lead_id"], *project["participant_ids"]] if uid in people)
    return [(uid, f"{people[uid]['first_name']} {people[uid]['last_name']}") for uid in team]


def _project_of(page: Page, pid: str) -> dict:
    project = rpc("projects", "get_project", page.user_id, pid)
    if project["structure_id"] != page.sid:  # another structure's project under this one's address
        raise NotFound("Project not found.")
    return project


def _task_of(page: Page, tid: str) -> dict:
    task = rpc("projects", "get_task", page.user_id, tid)
    if task["structure_id"] != page.sid:
        raise NotFound("Task not found.")
    return task


# The list -------------------------------------------------------------------------------------------

@bp.get("/app/s/<sid>/projects")
def projects(sid: str):
    page = structure_page(sid)
    people = _people(sid)
    allowed = {"status": PROJECT_STATUSES, "theme": tuple(PROJECT_THEMES), "aci": tuple(ACI_KINDS),
               "lead": tuple(people), "participant": tuple(people), "sort": PROJECT_SORTS}
    query = {key: request.args[key] for key, values in allowed.items() if request.args.get(key) in values}
    if request.args.get("archived") == "1":
        query["archived"] = True
    if request.args.get("q", "").strip():
        query["q"] = request.args["q"].strip()[:100]
    found = rpc("projects", "list_projects", page.user_id, sid, query)
    return render_page("projects.html", page, active="projects", projects=found, people=people, query=query,
                       contributors=_contributors(people), sorts=PROJECT_SORT_LABELS, **labels())


# A project ----------------------------------------------------------------------------------------

@bp.get("/app/s/<sid>/projects/<pid>")
def project(sid: str, pid: str):
    page = structure_page(sid)
    return _project_page(page, _project_of(page, pid), Form({"status": "todo"}))


def _project_page(page: Page, project: dict, task_form: Form, status: int = 200):
    people = _people(page.sid)
    tasks = rpc("projects", "list_tasks", page.user_id, project["id"])
    history = rpc("projects", "project_activity", page.user_id, project["id"], {"limit": HISTORY_LENGTH})
    return render_page("project.html", page, active="projects", status=status, project=project, tasks=tasks,
                       tasks_by_id={t["id"]: t for t in tasks}, history=history, people=people,
                       team_options=_team_options(project, people), task_options=[(t["id"], t["title"]) for t in tasks],
                       task_form=task_form, can_edit_task=lambda t: project["can_edit"] or (
                           page.user_id in t["assignee_ids"] and not project["archived"] and page.role != "guest"),
                       task_statuses=TASK_STATUSES, **labels())


@bp.post("/app/s/<sid>/projects/<pid>/tasks")
def add_task(sid: str, pid: str):
    page = structure_page(sid)
    project_ = _project_of(page, pid)
    form = _task_form_from_request()
    payload = _task_payload(form)
    try:
        task = rpc("projects", "create_task", page.user_id, pid, payload)
    except (Invalid, Conflict) as exc:
        return _project_page(page, project_, form.fail(translated(exc)), exc.http_status)
    flash(gettext("Task added: %(title)s.", title=task["title"]), "success")
    return redirect(url_for("web.project", sid=sid, pid=pid) + "#tasks")


# Project form ----------------------------------------------------------------------------------------

@bp.route("/app/s/<sid>/projects/new", methods=["GET", "POST"])
def new_project(sid: str):
    page = structure_page(sid)
    if page.role == "guest":
        raise Forbidden("Guests can read projects but not create them.")
    if request.method == "GET":
        form = Form({"lead_id": page.user_id, "status": "active", "theme": "other", "participant_ids": []})
        return _project_form_page(page, form, None)
    form = _project_form_from_request()
    try:
        created = rpc("projects", "create_project", page.user_id, sid, _project_payload(form))
    except Invalid as exc:
        return _project_form_page(page, form.fail(translated(exc)), None, 400)
    flash(gettext("Project created: %(title)s.", title=created["title"]), "success")
    return redirect(url_for("web.project", sid=sid, pid=created["id"]))


@bp.route("/app/s/<sid>/projects/<pid>/edit", methods=["GET", "POST"])
def edit_project(sid: str, pid: str):
    page = structure_page(sid)
    current = _project_of(page, pid)
    if not current["can_edit"] and not (current["archived"] and page.is_coordinator):
        raise Forbidden("Only the project's lead and participants, or a coordinator, can change it.")
    if request.method == "GET":
        return _project_form_page(page, _project_form_from(current), current)
    form = _project_form_from_request()
    payload = {**_project_payload(form), "archived": form.get("archived") == "1",
               "version": _version(form)}
    try:
        rpc("projects", "update_project", page.user_id, pid, payload)
    except Conflict as exc:
        latest = _project_of(page, pid)
        form.values["version"] = str(latest["version"])  # saving again is now a deliberate choice
        return _project_form_page(page, form.fail(translated(exc)), latest, 409, conflict=True)
    except Invalid as exc:
        return _project_form_page(page, form.fail(translated(exc)), current, 400)
    flash(gettext("Changes saved."), "success")
    return redirect(url_for("web.project", sid=sid, pid=pid))


def _project_form_page(page: Page, form: Form, project: dict | None, status: int = 200, conflict: bool = False):
    people = _people(page.sid)
    return render_page("project_form.html", page, active="projects", status=status, form=form, project=project,
                       conflict=conflict, contributors=_contributors(people), people=people,
                       statuses=PROJECT_STATUSES, themes=tuple(PROJECT_THEMES), aci_kinds=tuple(ACI_KINDS),
                       aci_themes=tuple(ACI_PROTOCOL_THEMES), aci_topics=tuple(ACI_MISSION_TOPICS), **labels())


def _project_form_from(project: dict) -> Form:
    aci = project.get("aci") or {}
    values = {name: project.get(name) or "" for name in PROJECT_FIELDS}
    values.update({"aci.kind": aci.get("kind") or "", "aci.theme": aci.get("theme") or "",
                   "aci.topic": aci.get("topic") or "", "participant_ids": list(project["participant_ids"]),
                   "version": str(project["version"])})
    values.update({flag: "1" if project.get(flag) else "" for flag in (*FLAGS, "archived")})
    return Form(values)


def _project_form_from_request() -> Form:
    form = Form.from_request()
    form.values["participant_ids"] = request.form.getlist("participant_ids")
    return form


def _project_payload(form: Form) -> dict:
    payload = {name: form.get(name) for name in ("title", "description", "theme", "status")}
    payload["lead_id"] = form.optional("lead_id")
    payload["starts_on"] = form.optional("starts_on")
    payload["due_on"] = form.optional("due_on")
    payload["participant_ids"] = [uid for uid in form.values.get("participant_ids", []) if uid]
    kind = form.get("aci.kind")
    payload["aci"] = None if not kind else {
        "kind": kind, "theme": form.optional("aci.theme") if kind == "protocol" else None,
        "topic": form.optional("aci.topic") if kind == "public_health_mission" else None}
    payload.update({flag: form.get(flag) == "1" for flag in FLAGS})
    return payload


def _version(form: Form) -> int | str:
    value = form.get("version")
    return int(value) if value.isdigit() else value


# A task ------------------------------------------------------------------------------------------

@bp.get("/app/s/<sid>/tasks/<tid>")
def task(sid: str, tid: str):
    page = structure_page(sid)
    current = _task_of(page, tid)
    return _task_page(page, current, _task_form_from(current))


@bp.post("/app/s/<sid>/tasks/<tid>")
def edit_task(sid: str, tid: str):
    page = structure_page(sid)
    current = _task_of(page, tid)
    form = _task_form_from_request()
    payload = {**_task_payload(form), "version": _version(form)}
    try:
        rpc("projects", "update_task", page.user_id, tid, payload)
    except Conflict as exc:
        latest = _task_of(page, tid)
        if "version" in (exc.fields or {}):
            form.values["version"] = str(latest["version"])
        return _task_page(page, latest, form.fail(translated(exc)), 409, conflict="version" in (exc.fields or {}))
    except Invalid as exc:
        return _task_page(page, current, form.fail(translated(exc)), 400)
    flash(gettext("Changes saved."), "success")
    return redirect(url_for("web.task", sid=sid, tid=tid))


def _task_page(page: Page, task_: dict, form: Form, status: int = 200, conflict: bool = False):
    people = _people(page.sid)
    project_ = _project_of(page, task_["project"]["id"])
    siblings = rpc("projects", "list_tasks", page.user_id, project_["id"])
    return render_page("task.html", page, active="projects", status=status, task=task_, project=project_,
                       form=form, conflict=conflict, people=people, team_options=_team_options(project_, people),
                       task_options=[(t["id"], t["title"]) for t in siblings if t["id"] != task_["id"]],
                       tasks_by_id={t["id"]: t for t in siblings}, task_statuses=TASK_STATUSES, **labels())


def _task_form_from(task_: dict) -> Form:
    values = {name: task_.get(name) or "" for name in ("title", "notes", "starts_on", "due_on", "status")}
    values.update({"assignee_ids": list(task_["assignee_ids"]), "depends_on": list(task_["depends_on"]),
                   "version": str(task_["version"])})
    return Form(values)


def _task_form_from_request() -> Form:
    form = Form.from_request()
    for name in ("assignee_ids", "depends_on"):
        form.values[name] = request.form.getlist(name)
    return form


def _task_payload(form: Form) -> dict:
    payload = {"title": form.get("title"), "notes": form.get("notes"), "status": form.get("status") or "todo",
               "starts_on": form.optional("starts_on"), "due_on": form.optional("due_on"),
               "assignee_ids": [uid for uid in form.values.get("assignee_ids", []) if uid],
               "depends_on": [tid for tid in form.values.get("depends_on", []) if tid]}
    return payload


@bp.post("/app/s/<sid>/tasks/<tid>/status")
def task_status(sid: str, tid: str):
    """A quick status change from a list (project page, dashboard, « Mes tâches »)."""
    page = structure_page(sid)
    back = safe_next(request.form.get("next"), url_for("web.task", sid=sid, tid=tid))
    wanted = request.form.get("status", "")
    try:
        changed = rpc("projects", "update_task", page.user_id, tid,
                      {"version": _version(Form.from_request()), "status": wanted})
    except (Conflict, Invalid) as exc:
        flash(project_message(_first_message(exc)), "error")
        return redirect(back)
    if changed["status"] == "done":
        flash(gettext("Well done: « %(title)s » is done.", title=changed["title"]), "success")
    else:
        status_label = TASK_STATUS_LABELS[changed["status"]]
        flash(gettext("« %(title)s »: %(status)s.", title=changed["title"], status=gettext(status_label).lower()),
              "success")
    return redirect(back)


def _first_message(exc) -> str:
    if exc.fields and "version" not in exc.fields:
        return next(iter(exc.fields.values()))
    return exc.message


@bp.post("/app/s/<sid>/tasks/<tid>/checklist")
def task_checklist(sid: str, tid: str):
    """Tick or untick an item, or add one: the whole list is sent with the version the page showed."""
    page = structure_page(sid)
    current = _task_of(page, tid)
    items = [dict(item) for item in current["checklist"]]
    toggle, new_item = request.form.get("toggle"), (request.form.get("new_item") or "").strip()
    for item in items:
        if item["id"] == toggle:
            item["done"] = not item["done"]
    if new_item:
        items.append({"text": new_item, "done": False})
    back = url_for("web.task", sid=sid, tid=tid) + "#checklist"
    try:
        rpc("projects", "update_task", page.user_id, tid, {"version": _version(Form.from_request()),
                                                           "checklist": items})
    except (Conflict, Invalid) as exc:
        flash(project_message(exc.message) if isinstance(exc, Conflict)
              else project_message(next(iter(exc.fields.values()), exc.message)), "error")
    return redirect(back)


@bp.post("/app/s/<sid>/tasks/<tid>/comments")
def task_comment(sid: str, tid: str):
    page = structure_page(sid)
    current = _task_of(page, tid)
    form = Form.from_request()
    try:
        rpc("projects", "add_comment", page.user_id, tid, {"body": form.get("body")})
    except (Invalid, Conflict) as exc:
        return _comment_failed(page, current, form, exc)
    flash(gettext("Comment added."), "success")
    return redirect(url_for("web.task", sid=sid, tid=tid) + "#comments")


def _comment_failed(page: Page, current: dict, comment_form: Form, exc):
    form = _task_form_from(current)
    form.values["body"] = comment_form.get("body")
    form.fail(translated(exc))
    return _task_page(page, current, form, exc.http_status)


# Views across projects -------------------------------------------------------------------------------

@bp.get("/app/s/<sid>/dashboard")
def dashboard(sid: str):
    page = structure_page(sid)
    board = rpc("projects", "dashboard", page.user_id, sid)
    return render_page("dashboard.html", page, active="projects", board=board, people=_people(sid), **labels())


@bp.get("/app/me/tasks")
def my_tasks():
    page = user_page()
    include_done = request.args.get("done") == "1"
    tasks = rpc("projects", "my_tasks", page.user_id, {"include_done": include_done})
    mine = rpc("projects", "my_projects", page.user_id)
    return render_page("my_tasks.html", page, active="my_tasks", tasks=tasks, projects=mine,
                       include_done=include_done, several=len(page.memberships) > 1, **labels())
