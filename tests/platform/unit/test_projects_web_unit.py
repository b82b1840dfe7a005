"""The projects pages alone: Flask's test client and a fake RPC pool, no broker and no service.

Checked here: what the pages show from the services' answers (in French), that every change
sends the version the page showed, that a 409 keeps what the user typed and shows the
current values, that descriptions are rendered without letting HTML through, and that a
project of another structure is not found under this one's address."""
from __future__ import annotations

import pytest
from maillage_shared.errors import Conflict, Invalid, NotFound

from gateway.web.markdown import render_markdown

from .test_web_unit import (  # noqa: F401 - fixtures too
    PAUL_ID,
    SID,
    USER_ID,
    csrf_of,
    log_in,
    make_client,
    member_replies,
    settings,
    text,
)

ANNE_ID = "7a1c0000-0000-4000-8000-000000000003"
MEMBERS = [
    {"user_id": USER_ID, "first_name": "Claire", "last_name": "Martin", "email": "c@example.org", "phone": None,
     "rpps": None, "role": "coordinator", "profession": "coordinateur", "joined_at": "2026-11-23T08:00:00"},
    {"user_id": PAUL_ID, "first_name": "Paul", "last_name": "Leroy", "email": "p@example.org", "phone": None,
     "rpps": None, "role": "member", "profession": "medecin_generaliste", "joined_at": "2026-11-23T08:00:00"},
    {"user_id": ANNE_ID, "first_name": "Anne", "last_name": "Morel", "email": "a@example.org", "phone": None,
     "rpps": None, "role": "member", "profession": "infirmier", "joined_at": "2026-11-23T08:00:00"},
]
PROGRESS = {"total": 2, "done": 1, "percent": 50, "overdue": 1}


def project(**overrides) -> dict:
    value = {"id": "p1", "structure_id": SID, "title": "Protocole AVK",
             "description": "Suivi de l'**INR**.\n\n<script>alert('x')</script>", "theme": "pathways",
             "aci": {"kind": "protocol", "theme": "iatrogenic_risk", "topic": None}, "lead_id": PAUL_ID,
             "participant_ids": [ANNE_ID], "starts_on": "2026-11-01", "due_on": "2027-03-31", "status": "active",
             "archived": False, "public": False, "restricted": False, "created_at": "2026-11-23T08:00:00Z",
             "created_by": USER_ID, "updated_at": "2026-11-23T08:00:00Z", "version": 4, "progress": PROGRESS,
             "can_edit": True}
    value.update(overrides)
    return value


def task(**overrides) -> dict:
    value = {"id": "t1", "structure_id": SID, "project_id": "p1", "title": "Rédiger le circuit INR", "notes": "",
             "assignee_ids": [ANNE_ID], "starts_on": None, "due_on": "2026-11-20", "status": "todo",
             "checklist": [{"id": "c1", "text": "Appeler le laboratoire", "done": False}], "depends_on": [],
             "waiting_for": [], "overdue": True, "comment_count": 0, "created_at": "2026-11-23T08:00:00Z",
             "created_by": USER_ID, "updated_at": "2026-11-23T08:00:00Z", "completed_at": None, "completed_by": None,
             "version": 2}
    value.update(overrides)
    return value


def detail(**overrides) -> dict:
    return {**task(**overrides), "project": {"id": "p1", "title": "Protocole AVK", "status": "active",
                                             "archived": False, "restricted": False, "lead_id": PAUL_ID},
            "comments": [], "can_edit": True, "can_comment": True}


def replies(role="coordinator", **projects_replies) -> dict:
    values = member_replies(role, list_members=MEMBERS)
    values.update({("projects", "get_project"): project(), ("projects", "list_tasks"): [task()],
                   ("projects", "project_activity"): [], ("projects", "get_task"): detail()})
    values.update({("projects", name): value for name, value in projects_replies.items()})
    return values


@pytest.fixture
def client(make_client, log_in):  # noqa: F811 - fixtures of test_web_unit
    def make(role="coordinator", **projects_replies):
        client, pool = make_client(replies(role, **projects_replies))
        log_in(client)
        return client, pool
    return make


def test_the_project_page_shows_the_team_the_tasks_and_a_safe_description(client):
    c, _ = client()

    html = text(c.get(f"/app/s/{SID}/projects/p1"))

    assert "Protocole AVK" in html and "Paul Leroy" in html and "Anne Morel" in html
    assert "<strong>INR</strong>" in html and "<script>alert" not in html and "&lt;script&gt;" in html
    assert "Protocole pluriprofessionnel" in html and "Risque iatrogénique" in html
    assert "Rédiger le circuit INR" in html and "en retard" in html and "Marquer comme fait" in html
    assert "1 / 2 tâches" in html


def test_another_structure_s_project_is_not_found_under_this_address(client):
    c, _ = client(get_project=project(structure_id="another-structure"))

    assert c.get(f"/app/s/{SID}/projects/p1").status_code == 404


def test_a_quick_status_change_sends_the_version_the_page_showed(client):
    c, pool = client(update_task=task(status="done", version=3))
    page = c.get(f"/app/s/{SID}/projects/p1")

    response = c.post(f"/app/s/{SID}/tasks/t1/status", data={
        "csrf_token": csrf_of(page), "version": "2", "status": "done", "next": f"/app/s/{SID}/projects/p1"})

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/app/s/{SID}/projects/p1")
    assert pool.args_of("update_task") == (USER_ID, "t1", {"version": 2, "status": "done"})
    assert "Bravo : « Rédiger le circuit INR » est fait." in text(c.get(f"/app/s/{SID}/projects/p1"))


def test_a_task_waiting_for_another_says_so_in_french(client):
    waiting = Conflict("This task waits for « Relire »: finish it first.",
                       {"status": "Waiting for « Relire »: finish it first."})
    c, _ = client(update_task=waiting)
    page = c.get(f"/app/s/{SID}/projects/p1")

    c.post(f"/app/s/{SID}/tasks/t1/status", data={"csrf_token": csrf_of(page), "version": "2", "status": "done",
                                                  "next": f"/app/s/{SID}/projects/p1"})

    assert "Cette tâche attend « Relire » : terminez-la d’abord." in text(c.get(f"/app/s/{SID}/projects/p1"))


def test_a_conflicting_edit_keeps_what_was_typed_and_shows_the_current_values(client):
    stale = Conflict("Someone else changed this task in the meantime: reload it to see their changes, then make "
                     "yours again.", {"version": "The current version is 3."})
    c, pool = client(update_task=stale)
    pool.replies[("projects", "get_task")] = detail(notes="Ce que l'autre a écrit", version=3)
    page = c.get(f"/app/s/{SID}/tasks/t1")

    response = c.post(f"/app/s/{SID}/tasks/t1", data={
        "csrf_token": csrf_of(page), "version": "2", "title": "Rédiger le circuit INR", "notes": "Ma version",
        "status": "todo", "assignee_ids": [ANNE_ID]})

    html = text(response)
    assert response.status_code == 409
    assert "Quelqu’un d’autre a modifié cette tâche pendant que vous la modifiiez." in html
    assert "Ce que l&#39;autre a écrit" in html and "Ma version" in html
    assert 'name="version" value="3"' in html


def test_project_form_errors_land_next_to_their_fields(client):
    invalid = Invalid("Invalid input: aci.theme", {"aci.theme": "A protocol needs its ACI theme (annexe 3).",
                                                   "due_on": "The due date must be on or after the start date."})
    c, pool = client(create_project=invalid)
    page = c.get(f"/app/s/{SID}/projects/new")

    response = c.post(f"/app/s/{SID}/projects/new", data={
        "csrf_token": csrf_of(page), "title": "Protocole AVK", "theme": "pathways", "status": "active",
        "aci.kind": "protocol", "aci.topic": "vaccination", "lead_id": PAUL_ID, "participant_ids": [ANNE_ID],
        "starts_on": "2026-12-01", "due_on": "2026-11-01"})

    html = text(response)
    assert response.status_code == 400
    assert "Un protocole doit indiquer son thème ACI (annexe 3)." in html
    assert "L’échéance doit être le jour du début ou après." in html
    sent = pool.args_of("create_project")[2]
    assert sent["aci"] == {"kind": "protocol", "theme": None, "topic": None}  # the topic belongs to missions
    assert sent["participant_ids"] == [ANNE_ID] and sent["public"] is False


def test_the_dashboard_and_my_tasks(client):
    board = {"structure_id": SID, "today": "2026-11-23", "week": ["2026-11-23", "2026-11-29"],
             "next_week": ["2026-11-30", "2026-12-06"],
             "active_projects": [{"id": "p1", "title": "Protocole AVK", "status": "active", "theme": "pathways",
                                  "aci": None, "lead_id": PAUL_ID, "due_on": None, "progress": PROGRESS}],
             "overdue": [{**task(), "project_title": "Protocole AVK", "structure_name": None, "waiting_for_titles": []}],
             "due_this_week": [], "due_next_week": [], "recent_activity": [
                 {"id": "h1", "project_id": "p1", "project_title": "Protocole AVK", "task_id": "t1",
                  "at": "2026-11-23T08:00:00Z", "actor_id": ANNE_ID, "actor_name": "Anne Morel",
                  "action": "task.status_changed", "details": {"title": "Relire", "from": "todo", "to": "done"},
                  "for_user_id": None}],
             "aci_counts": [{"code": "protocol", "count": 1}], "status_counts": [{"code": "active", "count": 1}]}
    mine = [{**task(), "project_title": "Protocole AVK", "structure_name": "MSP des Tilleuls", "waiting_for_titles": []}]
    c, _ = client(dashboard=board, my_tasks=mine, my_projects=[])

    dashboard = text(c.get(f"/app/s/{SID}/dashboard"))
    personal = text(c.get("/app/me/tasks"))

    assert "Tâches en retard" in dashboard and "Rédiger le circuit INR" in dashboard
    assert "Anne Morel a passé « Relire » à « Fait »." in dashboard
    assert "Mes tâches" in personal and "Rédiger le circuit INR" in personal and "Marquer comme fait" in personal


def test_the_list_passes_only_known_filters(client):
    c, pool = client(list_projects=[project()])

    html = text(c.get(f"/app/s/{SID}/projects?status=active&theme=astrologie&lead={PAUL_ID}&sort=title&q=avk"))

    assert pool.args_of("list_projects") == (USER_ID, SID, {"status": "active", "lead": PAUL_ID, "sort": "title",
                                                            "q": "avk"})
    assert "1 projet" in html and "Protocole AVK" in html


def test_a_deleted_task_is_not_found(client):
    c, _ = client(get_task=NotFound("Task not found."))
    assert c.get(f"/app/s/{SID}/tasks/t1").status_code == 404


@pytest.mark.parametrize("source, html", [
    ("**gras** et *italique*", "<p><strong>gras</strong> et <em>italique</em></p>"),
    ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>"),
    ("[clic](javascript:alert(1))", "<p>[clic](javascript:alert(1))</p>"),
    ('[HAS](https://has-sante.fr/"onmouseover=x)',  # the quote stays inside the address, escaped
     '<p><a href="https://has-sante.fr/&#34;onmouseover=x" rel="nofollow noopener noreferrer">HAS</a></p>'),
    ("[HAS](https://www.has-sante.fr)", '<p><a href="https://www.has-sante.fr" rel="nofollow noopener noreferrer">'
                                        'HAS</a></p>'),
    ("- un\n- deux\n\n1. premier", "<ul>\n<li>un</li>\n<li>deux</li>\n</ul>\n<ol>\n<li>premier</li>\n</ol>"),
    ("# Titre", "<h3>Titre</h3>"),
    ("`<b>`", "<p><code>&lt;b&gt;</code></p>"),
    ("ligne 1\nligne 2", "<p>ligne 1<br>ligne 2</p>"),
    ("snake_case_name", "<p>snake_case_name</p>"),
])
def test_markdown_is_rendered_without_letting_html_through(source, html):
    assert str(render_markdown(source)) == html
