"""Coordination time (never counted twice), the yearly report and its CSV, calendar feeds,
members who leave, demo data."""
from datetime import date

import pytest
from maillage_shared.errors import Forbidden, Invalid, NotFound, Unauthorized

from services.meetings import demo
from services.meetings.domain import feeds, members_left, minutes, polls, timesheet
from services.meetings.domain.model import TIME_RECORDED

from .conftest import ANNE, COORD, JULIEN, PAUL, SID

TIME = {"user_id": PAUL, "date": date(2026, 11, 20), "minutes": 120, "label": "Préparation du dossier ACI",
        "request_id": "req-1"}


def test_a_retried_time_record_is_not_counted_twice(ctx):
    first = timesheet.record_time(ctx, COORD, SID, TIME)
    retried = timesheet.record_time(ctx, COORD, SID, TIME)

    assert first["id"] == retried["id"]
    assert [e.type for e in ctx.times.outbox] == [TIME_RECORDED]
    assert len(timesheet.list_time(ctx, COORD, SID, {"year": 2026})) == 1


@pytest.mark.parametrize("change, field", [({"user_id": "u-other"}, "user_id"), ({"date": date(2026, 12, 1)}, "date")])
def test_bad_time_records_are_refused(ctx, change, field):
    with pytest.raises(Invalid) as error:
        timesheet.record_time(ctx, COORD, SID, {**TIME, **change, "request_id": None})

    assert field in error.value.fields


def test_only_coordinators_record_time_and_members_see_their_own(ctx):
    with pytest.raises(Forbidden):
        timesheet.record_time(ctx, PAUL, SID, TIME)
    timesheet.record_time(ctx, COORD, SID, TIME)
    timesheet.record_time(ctx, COORD, SID, {**TIME, "user_id": ANNE, "request_id": "req-2"})

    assert [r["user_id"] for r in timesheet.list_time(ctx, PAUL, SID, {"year": 2026})] == [PAUL]


def test_the_yearly_report_counts_closed_meetings_and_time(make_meeting, ctx):
    meeting = make_meeting(date=date(2026, 11, 12))
    minutes.save_minutes(ctx, COORD, SID, meeting["id"], {"notes": "", "decisions": [], "actions": [], "cases": [
        {"code": "C-1", "criterion": "ald", "question": "", "decisions": "", "recorded_in_file": True},
        {"code": "C-2", "criterion": "complex", "question": "", "decisions": "", "recorded_in_file": False}]})
    minutes.record_attendance(ctx, COORD, SID, meeting["id"], {"entries": [
        {"user_id": PAUL, "status": "present", "minutes": None}, {"user_id": ANNE, "status": "present", "minutes": 30}]})
    minutes.close_meeting(ctx, COORD, SID, meeting["id"])
    make_meeting(date=date(2026, 11, 19))  # not closed: not counted
    timesheet.record_time(ctx, COORD, SID, TIME)

    report = timesheet.yearly_report(ctx, COORD, SID, {"year": 2026})
    own = timesheet.yearly_report(ctx, ANNE, SID, {"year": 2026})

    assert report["concertation"]["meetings"] == 1 and report["concertation"]["recorded_in_file"] == 1
    assert report["concertation"]["cases"] == {"ald": 1, "age_75": 0, "complex": 1, "total": 2}
    lines = {line["user_id"]: (line["meetings_attended"], line["meeting_minutes"], line["coordination_minutes"],
                               line["total_minutes"]) for line in report["members"]}
    assert lines == {PAUL: (1, 90, 120, 210), ANNE: (1, 30, 0, 30)}
    assert (own["scope"], [line["user_id"] for line in own["members"]]) == ("self", [ANNE])
    csv_text = timesheet.report_csv(ctx, COORD, SID, {"year": 2026, "part": "members"})
    assert csv_text.startswith("\ufeffNom;Prénom;Profession;Réunions")
    assert "Leroy;Paul;medecin_generaliste;1;90;120;210;3 h 30" in csv_text
    concertation_csv = timesheet.report_csv(ctx, COORD, SID, {"year": 2026, "part": "concertation"})
    assert "12/11/2026;Concertation de décembre;2;1;0;1;2" in concertation_csv


def test_a_deleted_time_record_no_longer_counts(ctx):
    record = timesheet.record_time(ctx, COORD, SID, TIME)
    timesheet.delete_time(ctx, COORD, SID, record["id"])

    assert timesheet.list_time(ctx, COORD, SID, {"year": 2026}) == []
    with pytest.raises(NotFound):
        timesheet.delete_time(ctx, COORD, SID, record["id"])


def test_a_calendar_feed_token_works_until_regenerated_or_revoked(make_meeting, ctx):
    meeting = make_meeting(invitee_ids=[PAUL])
    first = feeds.issue_feed(ctx, PAUL)["token"]

    owner, found = feeds.feed_meetings(ctx, first)
    second = feeds.issue_feed(ctx, PAUL)["token"]

    assert owner == PAUL and [m.id for m in found] == [meeting["id"]]
    assert ctx.feeds.get(PAUL).token_digest != second, "only a digest is stored"
    with pytest.raises(NotFound):
        feeds.feed_meetings(ctx, first)
    feeds.revoke_feed(ctx, PAUL)
    with pytest.raises(NotFound):
        feeds.feed_meetings(ctx, second)
    with pytest.raises(Unauthorized):
        feeds.feed_meetings(ctx, None)
    assert feeds.feed_status(ctx, PAUL)["active"] is False


def test_a_member_who_left_is_removed_from_upcoming_meetings_and_open_polls(make_meeting, make_poll, ctx):
    past = make_meeting(date=date(2026, 11, 2), invitee_ids=[PAUL, ANNE])
    upcoming = make_meeting(invitee_ids=[PAUL, ANNE])
    poll = make_poll()
    polls.vote(ctx, PAUL, SID, poll["id"], {"answers": {poll["slots"][0]["id"]: "yes"}})

    changed = members_left.forget_member(ctx, SID, PAUL)
    again = members_left.forget_member(ctx, SID, PAUL)

    assert (changed, again) == (2, 0)
    assert PAUL not in ctx.meetings.get(SID, upcoming["id"]).invitee_ids
    assert PAUL in ctx.meetings.get(SID, past["id"]).invitee_ids
    stored = ctx.polls.get(SID, poll["id"])
    assert PAUL not in stored.invitee_ids and PAUL not in stored.ballots


def test_demo_data_is_idempotent(ctx, directory):
    identity_demo = {"structure_id": SID, "members": [
        {"user_id": m.user_id, "first_name": m.first_name, "last_name": m.last_name, "role": m.role,
         "profession": m.profession, "email": m.email} for m in directory.active_members(SID).values()]}

    first = demo.ensure_demo_data(ctx, identity_demo)
    second = demo.ensure_demo_data(ctx, identity_demo)

    assert len(first["created"]) == 6 and second["created"] == []
    report = timesheet.yearly_report(ctx, COORD, SID, {})
    assert report["concertation"]["meetings"] >= 1 and report["concertation"]["cases"]["total"] >= 2
    assert ctx.meetings.mail == [] and ctx.polls.mail == []
    assert JULIEN in {line["user_id"] for line in report["members"]}
