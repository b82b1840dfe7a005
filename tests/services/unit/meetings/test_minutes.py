"""Minutes with pseudonymous cases, attendance rules, closing and reopening with revisions."""
from datetime import date

import pytest
from maillage_shared.errors import Conflict, Forbidden, Invalid

from services.meetings.domain import minutes
from services.meetings.domain.model import MEETING_CLOSED, MEETING_REOPENED

from .conftest import ANNE, COORD, JULIEN, PAUL, SID
from .fakes import FakeProjects, fake_context

CASE = {"code": "C-2026-014", "criterion": "ald", "question": "Coordination des soins à domicile",
        "decisions": "Passage IDE 2x/semaine", "recorded_in_file": True}


def minutes_request(**overrides) -> dict:
    request = {"notes": "Tour de table.", "decisions": [{"text": "Relire le protocole AVK"}],
               "actions": [{"text": "Relire le protocole", "owner_id": PAUL, "due_on": date(2027, 1, 15),
                            "to_task": False}],
               "cases": [CASE, {**CASE, "code": "C-2026-015", "criterion": "age_75", "recorded_in_file": False}]}
    request.update(overrides)
    return request


def test_minutes_keep_cases_and_count_them_per_criterion(make_meeting, ctx):
    meeting = make_meeting()

    saved = minutes.save_minutes(ctx, COORD, SID, meeting["id"], minutes_request())

    assert [c["code"] for c in saved["minutes"]["cases"]] == ["C-2026-014", "C-2026-015"]
    assert saved["case_counts"] == {"ald": 1, "age_75": 1, "complex": 0, "total": 2}
    assert saved["minutes"]["actions"][0]["due_on"] == date(2027, 1, 15)
    assert saved["has_minutes"] is True


@pytest.mark.parametrize("field, value, where, words", [
    ("cases.0.question", "Patient NIR 1 85 05 78 006 084 36", "cases.0.question", "social security"),
    ("cases.0.decisions", "Née le 12/03/1948, revoir", "cases.0.decisions", "date of birth"),
    ("cases.0.code", "DUPONT", "cases.0.code", "pseudonymous"),
    ("cases.0.code", "1850578006084", "cases.0.code", "social security"),
    ("notes", "Appeler Mme Dupont au 06 12 34 56 78", "notes", "phone"),
    ("notes", "écrire à jean.dupont@example.org", "notes", "e-mail"),
    ("cases.0.question", "Mme Durand, chutes", "cases.0.question", "name"),
])
def test_obvious_identifiers_are_refused_naming_the_field(make_meeting, ctx, field, value, where, words):
    request = minutes_request()
    if field == "notes":
        request["notes"] = value
    else:
        request["cases"][0] = {**CASE, field.rsplit(".", 1)[1]: value}

    with pytest.raises(Invalid) as error:
        minutes.save_minutes(ctx, COORD, SID, make_meeting()["id"], request)

    assert where in error.value.fields and words in error.value.fields[where]


def test_a_follow_up_date_is_not_mistaken_for_a_birth_date(make_meeting, ctx):
    request = minutes_request(cases=[{**CASE, "decisions": "Revoir le 12/01/2027 après le bilan du 2026-11-20"}])

    assert minutes.save_minutes(ctx, COORD, SID, make_meeting()["id"], request)["case_counts"]["total"] == 1


def test_cases_belong_to_concertation_meetings_and_codes_are_unique(make_meeting, ctx):
    governance = make_meeting(kind="governance")
    with pytest.raises(Invalid) as error:
        minutes.save_minutes(ctx, COORD, SID, governance["id"], minutes_request())
    assert "cases" in error.value.fields

    with pytest.raises(Invalid) as error:
        minutes.save_minutes(ctx, COORD, SID, make_meeting()["id"], minutes_request(cases=[CASE, CASE]))
    assert error.value.fields == {"cases.1.code": "Same code as case 1."}


def test_actions_become_tasks_when_the_projects_service_answers(clock, directory):
    projects = FakeProjects({"p1": SID})
    ctx = fake_context(clock=clock, directory=directory, projects=projects)
    from services.meetings.domain import meetings

    from .conftest import meeting_request
    meeting = meetings.create_meeting(ctx, COORD, SID, meeting_request(project_id="p1"))
    action = {"text": "Relire le protocole", "owner_id": PAUL, "due_on": None, "to_task": True}

    saved = minutes.save_minutes(ctx, COORD, SID, meeting["id"], minutes_request(actions=[action]))
    again = minutes.save_minutes(ctx, COORD, SID, meeting["id"], minutes_request(actions=[
        {**action, "task_id": saved["minutes"]["actions"][0]["task_id"]}]))

    assert saved["minutes"]["actions"][0]["task_status"] == "created"
    assert again["minutes"]["actions"][0]["task_id"] == "task-1" and len(projects.tasks) == 1


def test_without_a_projects_service_actions_stay_actions_and_the_answer_says_so(make_meeting, ctx):
    meeting = make_meeting(project_id="p1")
    action = {"text": "Relire le protocole", "owner_id": PAUL, "due_on": None, "to_task": True}

    saved = minutes.save_minutes(ctx, COORD, SID, meeting["id"], minutes_request(actions=[action]))

    assert saved["minutes"]["actions"][0]["task_status"] == "unavailable"
    assert "projects service" in saved["notice"]


def test_attendance_defaults_to_the_duration_and_is_bounded(make_meeting, ctx):
    meeting = make_meeting()

    saved = minutes.record_attendance(ctx, COORD, SID, meeting["id"], {"entries": [
        {"user_id": PAUL, "status": "present", "minutes": None},
        {"user_id": ANNE, "status": "present", "minutes": 45},
        {"user_id": JULIEN, "status": "excused", "minutes": None}]})

    assert {a["user_id"]: (a["status"], a["minutes"]) for a in saved["attendance"]} == {
        PAUL: ("present", 90), ANNE: ("present", 45), JULIEN: ("excused", 0)}


@pytest.mark.parametrize("entry, field, words", [
    ({"user_id": PAUL, "status": "present", "minutes": 91}, "entries.0.minutes", "At most 90 minutes"),
    ({"user_id": PAUL, "status": "present", "minutes": -5}, "entries.0.minutes", "negative"),
    ({"user_id": PAUL, "status": "absent", "minutes": 30}, "entries.0.minutes", "Only people present"),
    ({"user_id": "u-other", "status": "present", "minutes": None}, "entries.0.user_id", "Not a member"),
])
def test_bad_attendance_is_refused_naming_the_entry(make_meeting, ctx, entry, field, words):
    with pytest.raises(Invalid) as error:
        minutes.record_attendance(ctx, COORD, SID, make_meeting()["id"], {"entries": [entry]})

    assert words in error.value.fields[field]


def test_closing_needs_someone_present(make_meeting, ctx):
    meeting = make_meeting()

    with pytest.raises(Conflict, match="attendance"):
        minutes.close_meeting(ctx, COORD, SID, meeting["id"])
    minutes.record_attendance(ctx, COORD, SID, meeting["id"], {"entries": [
        {"user_id": PAUL, "status": "absent", "minutes": None}]})
    with pytest.raises(Conflict, match="attendance"):
        minutes.close_meeting(ctx, COORD, SID, meeting["id"])


def closed_meeting(make_meeting, ctx) -> dict:
    meeting = make_meeting()
    minutes.save_minutes(ctx, COORD, SID, meeting["id"], minutes_request())
    minutes.record_attendance(ctx, COORD, SID, meeting["id"], {"entries": [
        {"user_id": COORD, "status": "present", "minutes": None},
        {"user_id": PAUL, "status": "present", "minutes": 60},
        {"user_id": ANNE, "status": "excused", "minutes": None}]})
    return minutes.close_meeting(ctx, COORD, SID, meeting["id"])


def test_closing_freezes_and_publishes_each_participant_s_minutes(make_meeting, ctx):
    closed = closed_meeting(make_meeting, ctx)

    [event] = ctx.meetings.outbox
    assert (closed["status"], closed["revision"], event.type) == ("closed", 1, MEETING_CLOSED)
    assert event.payload["case_counts"] == {"ald": 1, "age_75": 1, "complex": 0, "total": 2}
    assert {p["user_id"]: (p["profession"], p["status"], p["minutes"]) for p in event.payload["participants"]} == {
        COORD: ("coordinateur", "present", 90), PAUL: ("medecin_generaliste", "present", 60),
        ANNE: ("infirmier", "excused", 0), JULIEN: ("pharmacien", "absent", 0)}
    assert (event.payload["date"], event.payload["duration_minutes"], event.payload["revision"]) == (
        "2026-12-03", 90, 1)
    for change in (lambda: minutes.save_minutes(ctx, COORD, SID, closed["id"], minutes_request()),
                   lambda: minutes.record_attendance(ctx, COORD, SID, closed["id"], {"entries": [
                       {"user_id": PAUL, "status": "present", "minutes": 90}]}),
                   lambda: minutes.close_meeting(ctx, COORD, SID, closed["id"])):
        with pytest.raises(Conflict):
            change()
    assert len(ctx.meetings.outbox) == 1, "a retried close must not publish the time twice"


def test_a_coordinator_reopens_with_a_reason_and_the_next_close_is_a_new_revision(make_meeting, ctx, clock):
    closed = closed_meeting(make_meeting, ctx)

    with pytest.raises(Forbidden):
        minutes.reopen_meeting(ctx, PAUL, SID, closed["id"], {"reason": "Oubli"})
    reopened = minutes.reopen_meeting(ctx, COORD, SID, closed["id"], {"reason": "Anne était là en fait"})
    minutes.record_attendance(ctx, COORD, SID, closed["id"], {"entries": [
        {"user_id": PAUL, "status": "present", "minutes": 60}, {"user_id": ANNE, "status": "present", "minutes": 30}]})
    again = minutes.close_meeting(ctx, COORD, SID, closed["id"])

    assert reopened["status"] == "scheduled"
    assert [(r["by"], r["reason"]) for r in again["reopenings"]] == [(COORD, "Anne était là en fait")]
    assert [(e.type, e.payload["revision"]) for e in ctx.meetings.outbox] == [
        (MEETING_CLOSED, 1), (MEETING_REOPENED, 1), (MEETING_CLOSED, 2)]
    with pytest.raises(Conflict):
        minutes.reopen_meeting(ctx, COORD, SID, make_meeting()["id"], {"reason": "Pas fermée"})
