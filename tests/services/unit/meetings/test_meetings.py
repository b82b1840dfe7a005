"""Scheduling, changing and cancelling meetings, and the notices each change sends."""
from datetime import date

import pytest
from maillage_shared.errors import Conflict, Forbidden, Invalid, NotFound

from services.meetings.domain import meetings

from .conftest import ANNE, COORD, JULIEN, PAUL, SID, meeting_request
from .fakes import FakeProjects, fake_context


def test_a_meeting_invites_its_organiser_and_sends_requests(make_meeting, ctx):
    meeting = make_meeting(invitee_ids=[PAUL, ANNE])

    assert [p["user_id"] for p in meeting["invitees"]] == [PAUL, COORD, ANNE]  # sorted by last name
    assert (meeting["duration_minutes"], meeting["sequence"], meeting["status"]) == (90, 0, "scheduled")
    assert {(n["method"], n["kind"], n["to"]["email"]) for n in ctx.meetings.mail} == {
        ("REQUEST", "invitation", f"{u}@example.org") for u in (COORD, PAUL, ANNE)}


def test_a_meeting_in_the_past_is_recorded_without_e_mails(make_meeting, ctx):
    meeting = make_meeting(date=date(2026, 11, 2))

    assert meeting["status"] == "scheduled" and ctx.meetings.mail == []


@pytest.mark.parametrize("overrides, field", [
    ({"start": "14:00", "end": "12:00"}, "end"),
    ({"invitee_ids": [PAUL, "u-other"]}, "invitee_ids.1"),
    ({"date": date(2027, 3, 28), "start": "02:30", "end": "04:00"}, "start"),
])
def test_bad_meetings_are_refused_naming_the_field(make_meeting, overrides, field):
    with pytest.raises(Invalid) as error:
        make_meeting(**overrides)

    assert field in error.value.fields


def test_a_guest_cannot_organise(make_meeting, directory):
    directory.add(SID, "u-guest", "Gaston", "Invité", role="guest")

    with pytest.raises(Forbidden):
        make_meeting(actor="u-guest")


def test_changing_the_time_bumps_the_sequence_and_updates_everyone(make_meeting, ctx):
    meeting = make_meeting(invitee_ids=[PAUL, ANNE])
    ctx.meetings.mail.clear()

    changed = meetings.update_meeting(ctx, COORD, SID, meeting["id"], {"start": "13:00", "end": "14:30"})

    assert (changed["start"], changed["end"], changed["sequence"]) == ("13:00", "14:30", 1)
    assert {(n["method"], n["kind"], n["meeting"]["sequence"]) for n in ctx.meetings.mail} == {("REQUEST", "update", 1)}
    assert len(ctx.meetings.mail) == 3


def test_removing_an_invitee_sends_them_a_cancel_and_adding_one_an_invitation(make_meeting, ctx):
    meeting = make_meeting(invitee_ids=[PAUL, ANNE])
    ctx.meetings.mail.clear()

    changed = meetings.update_meeting(ctx, COORD, SID, meeting["id"], {"invitee_ids": [ANNE, JULIEN]})

    assert {p["user_id"] for p in changed["invitees"]} == {COORD, ANNE, JULIEN}
    assert {(n["method"], n["to"]["email"]) for n in ctx.meetings.mail} == {
        ("CANCEL", f"{PAUL}@example.org"), ("REQUEST", f"{JULIEN}@example.org")}
    assert changed["sequence"] == 1


def test_cancelling_sends_cancel_with_a_higher_sequence_and_freezes_the_meeting(make_meeting, ctx):
    meeting = make_meeting(invitee_ids=[PAUL])
    ctx.meetings.mail.clear()

    cancelled = meetings.cancel_meeting(ctx, COORD, SID, meeting["id"], {"reason": "Trop d'absents"})

    assert (cancelled["status"], cancelled["sequence"], cancelled["cancel_reason"]) == ("cancelled", 1, "Trop d'absents")
    assert {(n["method"], n["meeting"]["sequence"]) for n in ctx.meetings.mail} == {("CANCEL", 1)}
    with pytest.raises(Conflict):
        meetings.update_meeting(ctx, COORD, SID, meeting["id"], {"title": "Autre"})


def test_only_the_organiser_or_a_coordinator_changes_a_meeting(make_meeting, ctx):
    meeting = make_meeting(actor=PAUL)

    with pytest.raises(Forbidden):
        meetings.update_meeting(ctx, ANNE, SID, meeting["id"], {"title": "Autre"})
    assert meetings.update_meeting(ctx, COORD, SID, meeting["id"], {"title": "Autre"})["title"] == "Autre"


def test_lists_of_upcoming_and_past_meetings(make_meeting, ctx):
    past = make_meeting(date=date(2026, 11, 2), title="Passée")
    soon = make_meeting(date=date(2026, 12, 3), title="Bientôt")
    later = make_meeting(date=date(2027, 1, 7), title="Plus tard")

    upcoming = meetings.list_meetings(ctx, PAUL, SID, {"when": "upcoming"})
    previous = meetings.list_meetings(ctx, PAUL, SID, {"when": "past"})

    assert [m["id"] for m in upcoming] == [soon["id"], later["id"]]
    assert [m["id"] for m in previous] == [past["id"]]
    assert [m["id"] for m in meetings.list_meetings(ctx, PAUL, SID, {"when": "all", "year": 2027})] == [later["id"]]


def test_a_project_is_checked_when_the_projects_service_answers(clock, directory):
    ctx = fake_context(clock=clock, directory=directory, projects=FakeProjects({"p1": SID, "p2": "structure-b"}))

    linked = meetings.create_meeting(ctx, COORD, SID, meeting_request(project_id="p1"))
    with pytest.raises(Invalid) as error:
        meetings.create_meeting(ctx, COORD, SID, meeting_request(project_id="p2"))

    assert linked["project_verified"] is True
    assert error.value.fields == {"project_id": "No such project in this structure."}


def test_without_a_projects_service_the_project_id_is_kept_unverified(make_meeting):
    meeting = make_meeting(project_id="p-not-checked")

    assert (meeting["project_id"], meeting["project_verified"]) == ("p-not-checked", False)


def test_the_structure_of_a_meeting_is_found_or_not_found(make_meeting, ctx):
    meeting = make_meeting()

    assert meetings.structure_of(ctx, meeting["id"]) == SID
    with pytest.raises(NotFound):
        meetings.structure_of(ctx, "no-such-meeting")
