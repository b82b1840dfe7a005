"""The Nameko edge stays thin: schema in, domain call, JSON-able schema dump out."""
import json

import pytest
from maillage_shared.contracts.meetings import MeetingSchema, PollSchema
from maillage_shared.errors import Invalid
from maillage_shared.settings import Settings
from nameko.testing.services import worker_factory

from services.meetings.service import MeetingsService

from .conftest import COORD, PAUL, SID
from .fakes import fake_context


class FakeWiring:
    def __init__(self, ctx):
        self.ctx = ctx

    def context(self, db, correlation_id, identity_rpc, projects_rpc):
        return self.ctx


@pytest.fixture
def service(clock, directory):
    return worker_factory(MeetingsService, wiring=FakeWiring(fake_context(clock=clock, directory=directory)),
                          settings=Settings(env="test", public_url="https://maillage.example.org"))


def test_a_poll_goes_from_json_to_a_meeting_in_json(service):
    poll = service.create_poll(COORD, SID, {"title": "Réunion", "kind": "project",
                                            "slots": [{"date": "2026-12-03", "start": "12:30", "end": "14:00"}]})
    service.vote(PAUL, SID, poll["id"], {"answers": {poll["slots"][0]["id"]: "yes"}})
    meeting = service.close_poll(COORD, SID, poll["id"], {"slot_id": poll["slots"][0]["id"]})

    assert json.loads(json.dumps(meeting)) == meeting
    assert PollSchema().validate(poll) == {} and MeetingSchema().validate(meeting) == {}
    assert (meeting["starts_at"], meeting["date"], meeting["start"]) == ("2026-12-03T11:30:00Z", "2026-12-03", "12:30")


@pytest.mark.parametrize("payload, field", [
    ({"title": "R", "kind": "party", "date": "2026-12-03", "start": "12:00", "end": "13:00"}, "kind"),
    ({"title": "R", "kind": "other", "date": "2026-12-03", "start": "13:00", "end": "12:00"}, "end"),
    ({"title": "R", "kind": "other", "date": "2026-12-03", "start": "25:00", "end": "26:00"}, "start"),
    ({"title": "R", "kind": "other", "date": "2026-12-03", "start": "12:00", "end": "13:00", "age": 3}, "age"),
])
def test_bad_input_is_invalid_naming_the_field(service, payload, field):
    with pytest.raises(Invalid) as error:
        service.create_meeting(COORD, SID, payload)

    assert field in error.value.fields


def test_attendance_minutes_must_be_whole_numbers(service):
    meeting = service.create_meeting(COORD, SID, {"title": "R", "kind": "other", "date": "2026-12-03",
                                                  "start": "12:00", "end": "13:00"})

    with pytest.raises(Invalid) as error:
        service.record_attendance(COORD, SID, meeting["id"], {"entries": [
            {"user_id": COORD, "status": "present", "minutes": "soixante"}]})

    assert "entries.0.minutes" in error.value.fields


def test_the_calendar_feed_is_text(service):
    service.create_meeting(COORD, SID, {"title": "R", "kind": "other", "date": "2026-12-03", "start": "12:00",
                                        "end": "13:00"})
    token = service.issue_calendar_feed(COORD)["token"]

    text = service.calendar_feed(token)

    assert text.startswith("BEGIN:VCALENDAR") and "SUMMARY:R" in text


def test_minutes_with_dated_actions_answer_in_json(service):
    meeting = service.create_meeting(COORD, SID, {"title": "R", "kind": "concertation", "date": "2026-12-03",
                                                  "start": "12:00", "end": "13:00"})

    saved = service.save_minutes(COORD, SID, meeting["id"], {
        "actions": [{"text": "Relire", "owner_id": PAUL, "due_on": "2027-01-15"}],
        "cases": [{"code": "C-1", "criterion": "ald", "recorded_in_file": True}]})

    assert saved["minutes"]["actions"][0]["due_on"] == "2027-01-15"
    assert MeetingSchema().validate(saved) == {}
