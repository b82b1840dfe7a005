"""Tasks: assignees on the team, dependencies without cycles, no completion while a
prerequisite is open, optimistic concurrency, who may change or comment, events, history."""
from datetime import date

import pytest
from maillage_shared.errors import Conflict, Forbidden, Invalid, NotFound

from services.projects.domain import tasks

from .conftest import ANNE, CLAIRE, GUEST, JULIEN, OUTSIDER, PAUL


@pytest.fixture
def project(make_project):
    return make_project(lead_id=PAUL, participant_ids=[ANNE, CLAIRE])


@pytest.mark.parametrize("overrides, field, words", [
    ({"assignee_ids": ["nobody"]}, "assignee_ids", "Unknown assignee"),
    ({"assignee_ids": [OUTSIDER]}, "assignee_ids", "Unknown assignee"),
    ({"assignee_ids": [GUEST]}, "assignee_ids", "Guests"),
    ({"assignee_ids": [JULIEN]}, "assignee_ids", "Julien Petit"),  # a member, not on the team
    ({"depends_on": ["nowhere"]}, "depends_on", "Unknown task"),
    ({"starts_on": date(2026, 12, 2), "due_on": date(2026, 12, 1)}, "due_on", "due date"),
])
def test_bad_tasks_are_refused_naming_the_field_and_nothing_is_written(ctx, project, make_task, overrides, field,
                                                                        words):
    with pytest.raises(Invalid) as err:
        make_task(project, **overrides)

    assert words in err.value.fields[field]
    assert ctx.tasks.rows == {} and ctx.activities.actions() == ["project.created"]


def test_a_task_of_another_project_cannot_be_a_prerequisite(ctx, make_project, project, make_task):
    elsewhere = make_task(make_project(title="Autre"))

    with pytest.raises(Invalid) as err:
        make_task(project, depends_on=[elsewhere["id"]])
    assert "depends_on" in err.value.fields


def test_dependencies_cannot_make_a_cycle(ctx, project, make_task):
    first = make_task(project, title="Relire")
    second = make_task(project, title="Rédiger", depends_on=[first["id"]])
    third = make_task(project, title="Valider", depends_on=[second["id"]])

    with pytest.raises(Invalid) as err:
        tasks.update_task(ctx, PAUL, first["id"], {"version": 1, "depends_on": [third["id"]]})

    assert err.value.fields["depends_on"].endswith("« Relire » → « Valider » → « Rédiger » → « Relire ».")
    assert ctx.tasks.get(first["id"]).version == 1


def test_a_task_waits_for_its_prerequisites_before_being_done(ctx, project, make_task):
    first = make_task(project, title="Relire")
    second = make_task(project, title="Rédiger", depends_on=[first["id"]])
    assert second["waiting_for"] == [first["id"]]

    with pytest.raises(Conflict) as err:
        tasks.update_task(ctx, ANNE, second["id"], {"version": 1, "status": "done"})
    assert err.value.fields == {"status": "Waiting for « Relire »: finish it first."}
    with pytest.raises(Conflict):
        make_task(project, status="done", depends_on=[first["id"]])

    tasks.update_task(ctx, ANNE, first["id"], {"version": 1, "status": "done"})
    done = tasks.update_task(ctx, ANNE, second["id"], {"version": 1, "status": "done"})
    assert (done["status"], done["waiting_for"], done["completed_by"]) == ("done", [], ANNE)


def test_a_done_task_cannot_start_waiting_for_an_open_one(ctx, project, make_task):
    open_one = make_task(project, title="Relire")
    done = make_task(project, title="Bilan", status="done")

    with pytest.raises(Conflict) as err:
        tasks.update_task(ctx, PAUL, done["id"], {"version": 1, "depends_on": [open_one["id"]]})
    assert "depends_on" in err.value.fields


def test_completing_a_task_publishes_task_completed_and_reopening_clears_it(ctx, clock, project, make_task):
    task = make_task(project, assignee_ids=[ANNE])
    done = tasks.update_task(ctx, ANNE, task["id"], {"version": 1, "status": "done"})
    reopened = tasks.update_task(ctx, PAUL, task["id"], {"version": 2, "status": "in_progress"})

    [event] = ctx.tasks.outbox
    assert event.type == "projects.task_completed.v1"
    assert event.payload["project_title"] == "Protocole AVK" and event.payload["completed_by"] == ANNE
    assert done["completed_at"] == clock() and reopened["completed_at"] is None
    assert ctx.activities.actions(project["id"])[-2:] == ["task.status_changed", "task.status_changed"]


def test_concurrent_edits_the_second_writer_gets_a_conflict_instead_of_erasing_the_first(ctx, project, make_task):
    task = make_task(project, notes="")
    anne_read = claire_read = tasks.get_task(ctx, ANNE, task["id"])["version"]

    tasks.update_task(ctx, ANNE, task["id"], {"version": anne_read, "notes": "Appeler le laboratoire"})
    with pytest.raises(Conflict) as err:
        tasks.update_task(ctx, CLAIRE, task["id"], {"version": claire_read, "notes": "Autre chose"})

    assert "version" in err.value.fields
    assert tasks.get_task(ctx, CLAIRE, task["id"])["notes"] == "Appeler le laboratoire"


def test_assignees_change_their_task_and_others_off_the_team_do_not(ctx, make_project, make_task):
    project = make_project(lead_id=PAUL, participant_ids=[ANNE])
    task = make_task(project, assignee_ids=[ANNE])
    projects_task = tasks.get_task(ctx, JULIEN, task["id"])

    assert projects_task["can_edit"] is False and projects_task["can_comment"] is True
    with pytest.raises(Forbidden):
        tasks.update_task(ctx, JULIEN, task["id"], {"version": 1, "status": "done"})
    with pytest.raises(Forbidden):
        tasks.update_task(ctx, GUEST, task["id"], {"version": 1, "status": "done"})
    assert tasks.update_task(ctx, ANNE, task["id"], {"version": 1, "status": "in_progress"})["version"] == 2
    with pytest.raises(Forbidden):
        make_task(project, actor=JULIEN)


def test_the_checklist_is_replaced_whole_and_items_keep_their_ids(ctx, project, make_task):
    task = make_task(project, checklist=[{"text": "Appeler le laboratoire"}, {"text": "Proposer un schéma"}])
    first, second = task["checklist"]

    changed = tasks.update_task(ctx, ANNE, task["id"], {"version": 1, "checklist": [
        {**first, "done": True}, second, {"text": "Envoyer à l'équipe"}]})

    assert [(i["id"], i["done"]) for i in changed["checklist"][:2]] == [(first["id"], True), (second["id"], False)]
    assert changed["checklist"][2]["text"] == "Envoyer à l'équipe"


def test_comments_are_kept_with_their_author(ctx, clock, project, make_task):
    task = make_task(project)
    tasks.add_comment(ctx, JULIEN, task["id"], {"body": "Je peux aider."})

    detail = tasks.get_task(ctx, PAUL, task["id"])

    assert [(c["author_name"], c["body"]) for c in detail["comments"]] == [("Julien Petit", "Je peux aider.")]
    assert detail["comment_count"] == 1 and tasks.list_tasks(ctx, PAUL, project["id"])[0]["comment_count"] == 1
    with pytest.raises(Forbidden):
        tasks.add_comment(ctx, GUEST, task["id"], {"body": "Bonjour"})
    with pytest.raises(NotFound):
        tasks.add_comment(ctx, OUTSIDER, task["id"], {"body": "Bonjour"})


def test_tasks_of_a_restricted_project_are_hidden_from_the_rest_of_the_structure(ctx, make_project, make_task):
    project = make_project(restricted=True, lead_id=PAUL, participant_ids=[ANNE])
    task = make_task(project, assignee_ids=[ANNE])

    with pytest.raises(NotFound):
        tasks.get_task(ctx, JULIEN, task["id"])
    with pytest.raises(NotFound):
        tasks.list_tasks(ctx, JULIEN, project["id"])
    assert tasks.get_task(ctx, ANNE, task["id"])["project"]["restricted"] is True
