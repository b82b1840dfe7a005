"""identity.member_left: open tasks unassigned, the team updated, the lead told; idempotent."""
import pytest

from services.projects.domain import departures, overview, projects, tasks

from .conftest import ANNE, CLAIRE, PAUL, SID


def left(user_id, event_id="event-1"):
    return {"event_id": event_id, "type": "identity.member_left.v1", "occurred_at": "2026-11-23T10:00:00Z",
            "structure_id": SID, "correlation_id": "c1", "payload": {"user_id": user_id, "reason": "removed"}}


@pytest.fixture
def work(make_project, make_task):
    project = make_project(lead_id=PAUL, participant_ids=[ANNE, CLAIRE])
    open_task = make_task(project, title="Rédiger", assignee_ids=[ANNE, CLAIRE])
    done_task = make_task(project, title="Relire", assignee_ids=[ANNE], status="done")
    return project, open_task, done_task


def test_a_departed_member_is_unassigned_from_open_tasks_and_the_lead_is_told(ctx, directory, work):
    project, open_task, done_task = work
    directory.remove(SID, ANNE)

    assert departures.member_left(ctx, left(ANNE)) is True

    assert ctx.tasks.get(open_task["id"]).assignee_ids == [CLAIRE]
    assert ctx.tasks.get(done_task["id"]).assignee_ids == [ANNE]  # what they did stays theirs
    assert ANNE not in ctx.projects.get(project["id"]).participant_ids
    [entry] = [a for a in projects.project_activity(ctx, PAUL, project["id"], 50) if a["action"] == "member.left"]
    assert entry["for_user_id"] == PAUL
    assert entry["details"] == {"user_id": ANNE, "name": "Anne Morel", "tasks": ["Rédiger"], "was_lead": False,
                                "title": "Protocole AVK"}


def test_a_redelivered_event_changes_nothing(ctx, directory, work):
    project, open_task, _ = work
    directory.remove(SID, ANNE)
    departures.member_left(ctx, left(ANNE))
    writes = (ctx.tasks.writes, ctx.projects.writes, len(ctx.activities.rows))

    assert departures.member_left(ctx, left(ANNE)) is False
    assert (ctx.tasks.writes, ctx.projects.writes, len(ctx.activities.rows)) == writes


def test_a_crash_half_way_is_finished_by_the_redelivery_without_repeating(ctx, directory, work, monkeypatch):
    project, open_task, _ = work
    directory.remove(SID, ANNE)
    monkeypatch.setattr(ctx.processed_events, "mark", lambda event: (_ for _ in ()).throw(OSError("mongo down")))
    with pytest.raises(OSError):
        departures.member_left(ctx, left(ANNE))
    monkeypatch.undo()

    departures.member_left(ctx, left(ANNE))

    assert [a.action for a in ctx.activities.rows.values()].count("member.left") == 1
    assert ctx.tasks.get(open_task["id"]).assignee_ids == [CLAIRE]


def test_when_the_lead_leaves_the_project_has_no_lead_and_the_entry_says_so(ctx, directory, work):
    project, _, _ = work
    directory.remove(SID, PAUL)

    departures.member_left(ctx, left(PAUL))

    assert ctx.projects.get(project["id"]).lead_id is None
    [entry] = [a for a in ctx.activities.rows.values() if a.action == "member.left"]
    assert entry.details["was_lead"] is True and entry.for_user_id is None


def test_someone_who_came_back_meanwhile_keeps_their_tasks(ctx, work):
    _, open_task, _ = work

    departures.member_left(ctx, left(ANNE))  # the directory still lists Anne: she re-joined

    assert ctx.tasks.get(open_task["id"]).assignee_ids == [ANNE, CLAIRE]
    assert overview.my_tasks(ctx, ANNE)[0]["title"] == "Rédiger"
    assert tasks.get_task(ctx, ANNE, open_task["id"])["version"] == 1
