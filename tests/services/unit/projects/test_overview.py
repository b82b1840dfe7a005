"""The structure dashboard and the personal view (across structures)."""
from datetime import date

import pytest
from maillage_shared.errors import NotFound

from services.projects.domain import overview, projects, tasks

from .conftest import ANNE, CLAIRE, JULIEN, OTHER_SID, OUTSIDER, PAUL, SID

# The fake clock says Monday 23 November 2026: this week ends on the 29th, next week is 30 Nov – 6 Dec.
TODAY = date(2026, 11, 23)


@pytest.fixture
def team(ctx, make_project, make_task):
    avk = make_project(title="Protocole AVK", aci={"kind": "protocol", "theme": "iatrogenic_risk"})
    bpco = make_project(title="Dépistage BPCO", aci={"kind": "public_health_mission", "topic": "vaccination"},
                        status="idea")
    secret = make_project(title="Recrutement", restricted=True, lead_id=CLAIRE, participant_ids=[])
    make_project(title="Ancien projet", status="abandoned")
    late = make_task(avk, title="En retard", due_on=date(2026, 11, 20), assignee_ids=[ANNE])
    make_task(avk, title="Cette semaine", due_on=date(2026, 11, 29), assignee_ids=[PAUL])
    make_task(avk, title="Fait", due_on=date(2026, 11, 1), status="done")
    make_task(bpco, title="Semaine prochaine", due_on=date(2026, 12, 4), assignee_ids=[ANNE])
    make_task(bpco, title="Plus tard", due_on=date(2026, 12, 20))
    make_task(secret, title="Secret en retard", due_on=date(2026, 11, 2))
    return {"avk": avk, "bpco": bpco, "secret": secret, "late": late}


def titles(items):
    return [item["title"] for item in items]


def test_the_dashboard_shows_what_is_late_and_what_is_coming(ctx, team):
    board = overview.dashboard(ctx, PAUL, SID)

    assert board["today"] == TODAY and board["week"] == [date(2026, 11, 23), date(2026, 11, 29)]
    assert titles(board["active_projects"]) == ["Protocole AVK"]
    assert board["active_projects"][0]["progress"] == {"total": 3, "done": 1, "percent": 33, "overdue": 1}
    assert titles(board["overdue"]) == ["En retard"]  # the restricted project's task stays hidden
    assert titles(board["due_this_week"]) == ["Cette semaine"]
    assert titles(board["due_next_week"]) == ["Semaine prochaine"]
    assert board["overdue"][0]["project_title"] == "Protocole AVK"
    assert {c["code"]: c["count"] for c in board["aci_counts"]} == {
        "protocol": 1, "public_health_mission": 1, "quality": 0, "training": 0, "other": 0, "none": 0}
    assert {c["code"]: c["count"] for c in board["status_counts"]} == {
        "idea": 1, "active": 1, "done": 0, "abandoned": 1}
    assert "Recrutement" not in {a["project_title"] for a in board["recent_activity"]}


def test_a_coordinator_s_dashboard_includes_restricted_projects(ctx, team):
    board = overview.dashboard(ctx, CLAIRE, SID)

    assert titles(board["overdue"]) == ["Secret en retard", "En retard"]


def test_the_dashboard_follows_changes(ctx, clock, team):
    clock.advance(minutes=1)
    tasks.update_task(ctx, ANNE, team["late"]["id"], {"version": 1, "status": "done"})

    board = overview.dashboard(ctx, PAUL, SID)

    assert board["overdue"] == []
    assert board["active_projects"][0]["progress"]["done"] == 2
    assert board["recent_activity"][0]["action"] == "task.status_changed"


def test_the_dashboard_of_another_structure_is_not_found(ctx, team):
    with pytest.raises(NotFound):
        overview.dashboard(ctx, OUTSIDER, SID)


def test_my_tasks_span_my_structures_overdue_first(ctx, directory, make_project, make_task, team):
    directory.add(OTHER_SID, ANNE, "member", "Anne", "Morel", structure_name="CPTS du Littoral")
    cpts = make_project(actor=OUTSIDER, structure_id=OTHER_SID, title="Parcours insuffisance cardiaque",
                        lead_id=OUTSIDER, participant_ids=[ANNE])
    make_task(cpts, actor=OUTSIDER, title="Très en retard", due_on=date(2026, 11, 1), assignee_ids=[ANNE])
    make_task(cpts, actor=OUTSIDER, title="Sans date", assignee_ids=[ANNE])

    mine = overview.my_tasks(ctx, ANNE)

    assert titles(mine) == ["Très en retard", "En retard", "Semaine prochaine", "Sans date"]
    assert [t["structure_name"] for t in mine[:2]] == ["CPTS du Littoral", "MSP des Tilleuls"]
    assert [t["overdue"] for t in mine] == [True, True, False, False]
    assert overview.my_tasks(ctx, JULIEN) == []


def test_done_tasks_come_last_when_asked_for(ctx, team):
    tasks.update_task(ctx, ANNE, team["late"]["id"], {"version": 1, "status": "done"})

    assert titles(overview.my_tasks(ctx, ANNE)) == ["Semaine prochaine"]
    assert titles(overview.my_tasks(ctx, ANNE, include_done=True)) == ["Semaine prochaine", "En retard"]


def test_tasks_of_a_structure_one_left_or_of_an_archived_project_are_not_shown(ctx, directory, team):
    projects.update_project(ctx, CLAIRE, team["bpco"]["id"], {"version": 1, "archived": True})
    assert titles(overview.my_tasks(ctx, ANNE)) == ["En retard"]

    directory.remove(SID, ANNE)
    assert overview.my_tasks(ctx, ANNE) == []


def test_my_projects_say_my_part(ctx, team):
    mine = overview.my_projects(ctx, PAUL)

    assert [(p["title"], p["my_part"], p["structure_name"]) for p in mine] == [
        ("Protocole AVK", "lead", "MSP des Tilleuls"), ("Dépistage BPCO", "lead", "MSP des Tilleuls"),
        ("Ancien projet", "lead", "MSP des Tilleuls")]
    assert [p["title"] for p in overview.my_projects(ctx, ANNE)][:1] == ["Protocole AVK"]
