"""Projects: who may create, read and change them; people, dates and visibility checked;
optimistic concurrency; publication events; history; the list's filters and sorting."""
from datetime import date

import pytest
from maillage_shared.errors import Conflict, Forbidden, Invalid, NotFound

from services.projects.domain import projects, tasks

from .conftest import ANNE, CLAIRE, GUEST, JULIEN, OTHER_SID, OUTSIDER, PAUL, SID


def test_a_project_is_led_by_its_creator_unless_a_lead_is_named(ctx, make_project):
    mine = make_project(actor=JULIEN, lead_id=None, participant_ids=[])
    theirs = make_project(actor=CLAIRE, lead_id=PAUL, participant_ids=[ANNE, PAUL, ANNE])

    assert (mine["lead_id"], mine["version"], mine["can_edit"]) == (JULIEN, 1, True)
    assert theirs["participant_ids"] == [ANNE]  # the lead is not repeated, duplicates dropped
    assert theirs["progress"] == {"total": 0, "done": 0, "percent": 0, "overdue": 0}
    assert ctx.activities.actions(theirs["id"]) == ["project.created"]


@pytest.mark.parametrize("overrides, field", [
    ({"participant_ids": ["nobody"]}, "participant_ids"),
    ({"participant_ids": [OUTSIDER]}, "participant_ids"),  # a member of another structure
    ({"participant_ids": [GUEST]}, "participant_ids"),
    ({"lead_id": OUTSIDER}, "lead_id"),
    ({"lead_id": GUEST}, "lead_id"),
    ({"starts_on": date(2026, 12, 1), "due_on": date(2026, 11, 1)}, "due_on"),
    ({"public": True, "restricted": True}, "public"),
])
def test_bad_people_dates_or_visibility_are_refused_naming_the_field_and_nothing_is_written(
        ctx, make_project, overrides, field):
    with pytest.raises(Invalid) as err:
        make_project(**overrides)

    assert field in err.value.fields
    assert ctx.projects.rows == {} and ctx.activities.rows == {}


def test_a_member_of_another_structure_cannot_create_or_see_anything(ctx, make_project):
    project = make_project()

    with pytest.raises(NotFound):
        make_project(actor=OUTSIDER)
    with pytest.raises(NotFound):
        projects.get_project(ctx, OUTSIDER, project["id"])
    with pytest.raises(NotFound):
        projects.list_projects(ctx, OUTSIDER, SID, {})
    assert projects.list_projects(ctx, OUTSIDER, OTHER_SID, {}) == []


def test_guests_read_but_do_not_create_or_change(ctx, make_project):
    project = make_project()

    assert projects.get_project(ctx, GUEST, project["id"])["can_edit"] is False
    with pytest.raises(Forbidden):
        make_project(actor=GUEST)
    with pytest.raises(Forbidden):
        projects.update_project(ctx, GUEST, project["id"], {"version": 1, "title": "Autre"})


def test_only_the_team_and_coordinators_change_a_project(ctx, make_project):
    project = make_project(lead_id=PAUL, participant_ids=[ANNE])

    assert projects.get_project(ctx, JULIEN, project["id"])["can_edit"] is False
    with pytest.raises(Forbidden):
        projects.update_project(ctx, JULIEN, project["id"], {"version": 1, "title": "Autre"})
    changed = projects.update_project(ctx, ANNE, project["id"], {"version": 1, "title": "Protocole AVK 2"})
    changed = projects.update_project(ctx, CLAIRE, project["id"], {"version": 2, "status": "done"})

    assert (changed["title"], changed["status"], changed["version"]) == ("Protocole AVK 2", "done", 3)


def test_a_restricted_project_is_read_only_by_its_team_and_coordinators(ctx, make_project):
    project = make_project(actor=PAUL, lead_id=PAUL, participant_ids=[ANNE], restricted=True)

    with pytest.raises(NotFound):
        projects.get_project(ctx, JULIEN, project["id"])
    assert [p["id"] for p in projects.list_projects(ctx, JULIEN, SID, {})] == []
    assert projects.get_project(ctx, ANNE, project["id"])["restricted"] is True
    assert projects.get_project(ctx, CLAIRE, project["id"])["id"] == project["id"]


def test_a_stale_version_is_a_conflict_and_nothing_is_written(ctx, make_project):
    project = make_project()
    projects.update_project(ctx, PAUL, project["id"], {"version": 1, "title": "Première modification"})

    with pytest.raises(Conflict) as err:
        projects.update_project(ctx, ANNE, project["id"], {"version": 1, "title": "Seconde modification"})

    assert err.value.fields == {"version": "The current version is 2."}
    assert projects.get_project(ctx, ANNE, project["id"])["title"] == "Première modification"


def test_a_write_that_loses_the_race_is_a_conflict(ctx, make_project, monkeypatch):
    project = make_project()
    monkeypatch.setattr(ctx.projects, "update", lambda *args: False)  # someone wrote between read and write

    with pytest.raises(Conflict):
        projects.update_project(ctx, PAUL, project["id"], {"version": 1, "title": "Autre"})
    assert ctx.activities.actions(project["id"]) == ["project.created"]


@pytest.mark.parametrize("change, field", [
    ({"status": "done"}, "status"),  # an idea is not done before it was active
    ({"due_on": date(2026, 1, 1)}, "due_on"),  # before the start date already stored
    ({"lead_id": None}, "lead_id"),
    ({"participant_ids": [OUTSIDER]}, "participant_ids"),
])
def test_bad_changes_name_the_field(ctx, make_project, change, field):
    project = make_project(status="idea", starts_on=date(2026, 11, 1))

    with pytest.raises(Invalid) as err:
        projects.update_project(ctx, CLAIRE, project["id"], {"version": 1, **change})

    assert field in err.value.fields
    assert projects.get_project(ctx, CLAIRE, project["id"])["version"] == 1


def test_someone_with_open_tasks_stays_on_the_team_until_they_are_reassigned(ctx, make_project, make_task):
    project = make_project(participant_ids=[ANNE, JULIEN])
    make_task(project, assignee_ids=[ANNE])

    with pytest.raises(Invalid) as err:
        projects.update_project(ctx, CLAIRE, project["id"], {"version": 1, "participant_ids": [JULIEN]})

    assert "Anne Morel" in err.value.fields["participant_ids"]


def test_an_archived_project_is_read_only_until_taken_out_of_the_archive(ctx, make_project, make_task):
    project = make_project()
    projects.update_project(ctx, CLAIRE, project["id"], {"version": 1, "archived": True})

    with pytest.raises(Conflict):
        projects.update_project(ctx, CLAIRE, project["id"], {"version": 2, "title": "Autre"})
    with pytest.raises(Conflict):
        make_task(project)
    assert projects.list_projects(ctx, CLAIRE, SID, {}) == []
    assert [p["id"] for p in projects.list_projects(ctx, CLAIRE, SID, {"archived": True})] == [project["id"]]
    back = projects.update_project(ctx, CLAIRE, project["id"], {"version": 2, "archived": False, "title": "Repris"})
    assert (back["archived"], back["title"]) == (False, "Repris")


def test_publication_events_follow_the_public_flag(ctx, make_project):
    public = make_project(public=True)
    private = make_project(title="Privé")
    projects.update_project(ctx, CLAIRE, private["id"], {"version": 1, "due_on": date(2027, 1, 1)})
    projects.update_project(ctx, CLAIRE, public["id"], {"version": 1, "title": "Dépistage BPCO"})
    projects.update_project(ctx, CLAIRE, public["id"], {"version": 2, "participant_ids": []})  # not shown publicly
    projects.update_project(ctx, CLAIRE, private["id"], {"version": 2, "public": True})
    projects.update_project(ctx, CLAIRE, public["id"], {"version": 3, "public": False})

    published = [(e.type.split(".")[1], e.payload.get("project", {}).get("title") or e.payload["project_id"])
                 for e in ctx.projects.outbox]
    assert published == [("project_published", "Protocole AVK"), ("project_published", "Dépistage BPCO"),
                         ("project_published", "Privé"), ("project_unpublished", public["id"])]
    assert set(ctx.projects.outbox[0].payload["project"]) == {"id", "title", "description", "theme", "aci", "status",
                                                              "starts_on", "due_on"}


def test_the_history_says_who_changed_what(ctx, clock, make_project):
    project = make_project(status="idea")
    clock.advance(minutes=5)
    projects.update_project(ctx, PAUL, project["id"], {"version": 1, "status": "active", "title": "AVK"})

    history = projects.project_activity(ctx, ANNE, project["id"], 10)

    assert [(h["action"], h["actor_name"]) for h in history] == [
        ("project.status_changed", "Paul Leroy"), ("project.updated", "Paul Leroy"),
        ("project.created", "Claire Martin")]
    assert history[0]["details"] == {"title": "Protocole AVK", "from": "idea", "to": "active"}
    assert history[1]["details"] == {"title": "AVK", "fields": ["title"]}
    assert history[0]["project_title"] == "AVK"  # the current title


def test_the_list_filters_and_sorts(ctx, make_project, make_task):
    avk = make_project(title="Protocole AVK", due_on=date(2027, 3, 1), aci={"kind": "protocol",
                                                                            "theme": "iatrogenic_risk"})
    bpco = make_project(title="Dépistage BPCO", theme="prevention", lead_id=JULIEN, participant_ids=[],
                        due_on=date(2027, 1, 1), status="idea")
    walk = make_project(title="Groupe de marche", theme="prevention", participant_ids=[JULIEN, ANNE])
    make_task(avk, status="done")
    make_task(avk)

    def titles(**query):
        return [p["title"] for p in projects.list_projects(ctx, CLAIRE, SID, query)]

    assert titles() == ["Dépistage BPCO", "Protocole AVK", "Groupe de marche"]
    assert titles(sort="title") == ["Dépistage BPCO", "Groupe de marche", "Protocole AVK"]
    assert titles(sort="-due_on") == ["Protocole AVK", "Dépistage BPCO", "Groupe de marche"]
    assert titles(status="idea") == ["Dépistage BPCO"]
    assert titles(theme="prevention", sort="title") == ["Dépistage BPCO", "Groupe de marche"]
    assert titles(aci="protocol") == ["Protocole AVK"]
    assert titles(lead=JULIEN) == ["Dépistage BPCO"]
    assert titles(participant=JULIEN, sort="title") == ["Dépistage BPCO", "Groupe de marche"]
    assert titles(q="depistage") == ["Dépistage BPCO"]
    listed = {p["id"]: p for p in projects.list_projects(ctx, CLAIRE, SID, {})}
    assert listed[avk["id"]]["progress"]["percent"] == 50
    assert bpco["id"] in listed and walk["id"] in listed


def test_structure_of_a_project_or_task(ctx, make_project, make_task):
    project = make_project()
    task = make_task(project)

    assert projects.structure_of_project(ctx, project["id"]) == SID
    assert tasks.structure_of_task(ctx, task["id"]) == SID
    with pytest.raises(NotFound):
        projects.structure_of_project(ctx, "nope")
