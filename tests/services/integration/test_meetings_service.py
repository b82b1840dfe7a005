"""The meetings service in a real Nameko container next to the real identity service, on a
real RabbitMQ vhost and Mongo-wire server, with e-mails going to the SMTP sink."""
import re
import time
import uuid

import eventlet
import icalendar
import pytest
from maillage_shared.contracts.envelope import EventEnvelopeSchema
from maillage_shared.contracts.identity import SignupRequestSchema
from maillage_shared.contracts.meetings import EVENTS
from maillage_shared.errors import Conflict, Invalid, NotFound
from maillage_shared.events import OUTBOX_COUNT
from nameko.events import event_handler
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter
from pymongo import MongoClient

from services.identity.service import IdentityService
from services.meetings.service import MeetingsService

from ..conftest import nameko_config

SIGNUP = SignupRequestSchema.EXAMPLES[0]


class MeetingClosedProbe:
    """Finance, as a consumer of ``meetings.meeting_closed.v1`` sees it."""

    name = "meetings_closed_probe"

    @event_handler("meetings", "meeting_closed.v1")
    def handle(self, event):
        return event


@pytest.fixture
def settings(service_settings):
    return service_settings()


@pytest.fixture
def platform(container_factory, settings):
    for service in (IdentityService, MeetingsService):
        container_factory(service, nameko_config(settings)).start()


@pytest.fixture
def identity(platform, connect):
    return connect("identity")


@pytest.fixture
def meetings(platform, connect):
    return connect("meetings")


@pytest.fixture
def database(settings, mongo_uri):
    client = MongoClient(mongo_uri, serverSelectionTimeoutMS=5000)
    yield client[settings.database_name("meetings")]
    client.close()


@pytest.fixture
def team(identity, mailbox):
    """A structure with its coordinator and a nurse who joined through an invitation."""
    coordinator = identity.signup(SIGNUP, "192.0.2.1")
    sid = coordinator["structure"]["id"]
    email = f"anne.{uuid.uuid4().hex[:6]}@example.org"
    identity.invite(coordinator["user_id"], sid, {"email": email, "role": "member", "profession": "infirmier"})
    token = re.search(r"/invitations/(\S+)", mailbox.wait_for(email).get_content()).group(1)
    anne = identity.accept_invitation(token, {"first_name": "Anne", "last_name": "Morel",
                                              "password": "un autre mot de passe"})["tokens"]["user_id"]
    return {"sid": sid, "coordinator": coordinator["user_id"], "coordinator_email": SIGNUP["coordinator"]["email"],
            "anne": anne, "anne_email": email}


def wait_until(condition, timeout=15.0, message="condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} not met within {timeout} s")
        eventlet.sleep(0.05)


def calendar_part(message) -> icalendar.Calendar:
    part = next(p for p in message.walk() if p.get_filename() == "invitation.ics")
    return icalendar.Calendar.from_ical(part.get_payload(decode=True))


def test_a_poll_closes_into_a_meeting_whose_invitation_reaches_the_mailbox(meetings, team, mailbox):
    sid, coordinator, anne = team["sid"], team["coordinator"], team["anne"]
    poll = meetings.create_poll(coordinator, sid, {"title": "Concertation de mars", "kind": "concertation",
                                                   "slots": [{"date": "2027-03-25", "start": "12:30", "end": "14:00"},
                                                             {"date": "2027-03-29", "start": "12:30", "end": "14:00"}]})
    assert "Concertation de mars" in mailbox.wait_for(team["anne_email"])["Subject"]
    late = poll["slots"][1]["id"]
    meetings.vote(anne, sid, poll["id"], {"answers": {poll["slots"][0]["id"]: "no", late: "yes"}})

    meeting = meetings.close_poll(coordinator, sid, poll["id"], {"slot_id": late})

    assert (meeting["starts_at"], meeting["start"]) == ("2027-03-29T10:30:00Z", "12:30")  # summer time by then
    message = mailbox.wait_for(team["anne_email"])
    assert message["Subject"] == "Invitation : Concertation de mars"
    [event] = calendar_part(message).walk("VEVENT")
    assert str(event["UID"]).startswith(meeting["id"] + "@")
    assert int(event["SEQUENCE"]) == 0
    with pytest.raises(Conflict):
        meetings.close_poll(coordinator, sid, poll["id"], {"slot_id": late})
    with pytest.raises(Conflict):
        meetings.vote(anne, sid, poll["id"], {"answers": {late: "maybe"}})


def test_an_invitee_from_another_structure_is_refused(meetings, identity, team):
    other = identity.signup({**SIGNUP, "structure": {**SIGNUP["structure"], "name": "Autre MSP"},
                             "coordinator": {**SIGNUP["coordinator"], "email": "autre@example.org"}}, "192.0.2.9")

    with pytest.raises(Invalid) as error:
        meetings.create_meeting(team["coordinator"], team["sid"], {
            "title": "Réunion", "kind": "other", "date": "2027-01-07", "start": "12:00", "end": "13:00",
            "invitee_ids": [other["user_id"]]})
    with pytest.raises(NotFound):
        meetings.list_meetings(other["user_id"], team["sid"], {})

    assert error.value.fields == {"invitee_ids.0": "Not a member of this structure."}


def test_closing_publishes_meeting_closed_through_the_outbox_and_reclosing_a_new_revision(
        meetings, team, container_factory, settings, database):
    sid, coordinator, anne = team["sid"], team["coordinator"], team["anne"]
    meeting = meetings.create_meeting(coordinator, sid, {
        "title": "Concertation", "kind": "concertation", "date": "2026-10-25", "start": "01:00", "end": "04:00",
        "invitee_ids": [anne]})
    assert meeting["duration_minutes"] == 240  # the night the clocks go back
    meetings.save_minutes(coordinator, sid, meeting["id"], {"cases": [
        {"code": "C-1", "criterion": "ald", "recorded_in_file": True},
        {"code": "C-2", "criterion": "age_75", "question": "Chutes", "decisions": "Bilan kiné"}]})
    meetings.record_attendance(coordinator, sid, meeting["id"], {"entries": [
        {"user_id": coordinator, "status": "present"}, {"user_id": anne, "status": "present", "minutes": 200}]})
    probe = container_factory(MeetingClosedProbe, nameko_config(settings))
    probe.start()

    with entrypoint_waiter(probe, "handle", timeout=15,
                           callback=lambda worker_ctx, result, exc_info: result["payload"]["revision"] == 1) as first:
        closed = meetings.close_meeting(coordinator, sid, meeting["id"])
    meetings.reopen_meeting(coordinator, sid, meeting["id"], {"reason": "Anne est partie plus tôt"})
    meetings.record_attendance(coordinator, sid, meeting["id"], {"entries": [
        {"user_id": coordinator, "status": "present"}, {"user_id": anne, "status": "present", "minutes": 120}]})
    with entrypoint_waiter(probe, "handle", timeout=15,
                           callback=lambda worker_ctx, result, exc_info: result["payload"]["revision"] == 2) as second:
        meetings.close_meeting(coordinator, sid, meeting["id"])

    event = first.get()
    assert closed["status"] == "closed" and EventEnvelopeSchema().validate(event) == {}
    payload = EVENTS[event["type"]]().load(event["payload"])
    assert payload["case_counts"] == {"ald": 1, "age_75": 1, "complex": 0, "total": 2}
    assert {p["user_id"]: p["minutes"] for p in payload["participants"]} == {coordinator: 240, anne: 200}
    assert {p["user_id"]: p["minutes"] for p in second.get()["payload"]["participants"]} == {coordinator: 240,
                                                                                               anne: 120}
    wait_until(lambda: database.meetings.count_documents({OUTBOX_COUNT: {"$gt": 0}}) == 0, message="outbox empty")
    report = meetings.yearly_report(coordinator, sid, {"year": 2026})
    assert {m["user_id"]: m["meeting_minutes"] for m in report["members"]} == {coordinator: 240, anne: 120}


def test_a_member_who_leaves_is_removed_from_upcoming_meetings_once_even_if_redelivered(
        meetings, identity, team, settings, database):
    sid, coordinator, anne = team["sid"], team["coordinator"], team["anne"]
    meeting = meetings.create_meeting(coordinator, sid, {
        "title": "Gouvernance", "kind": "governance", "date": "2027-01-07", "start": "20:00", "end": "21:30",
        "invitee_ids": [anne]})

    identity.remove_member(coordinator, sid, anne)

    wait_until(lambda: anne not in [p["user_id"] for p in meetings.get_meeting(coordinator, sid, meeting["id"])[
        "invitees"]], message="anne removed from the invitees")
    [processed] = list(database.processed_events.find({}))
    replay = {"event_id": processed["event_id"], "type": "identity.member_left.v1", "structure_id": sid,
              "occurred_at": "2026-11-23T08:00:00Z", "correlation_id": "replay",
              "payload": {"user_id": anne, "reason": "removed"}}
    event_dispatcher(nameko_config(settings))("identity", "member_left.v1", replay)
    wait_until(lambda: database.processed_events.count_documents({}) == 1, message="still one processed event")


def test_time_records_are_idempotent_and_the_calendar_feed_answers(meetings, team):
    sid, coordinator = team["sid"], team["coordinator"]
    request = {"user_id": team["anne"], "date": "2026-11-02", "minutes": 120, "label": "Dossier ACI",
               "request_id": "same-request"}
    first = meetings.record_coordination_time(coordinator, sid, request)
    again = meetings.record_coordination_time(coordinator, sid, request)
    meetings.create_meeting(coordinator, sid, {"title": "Formation AVK", "kind": "training", "date": "2027-01-14",
                                               "start": "19:00", "end": "21:00"})
    token = meetings.issue_calendar_feed(coordinator)["token"]

    feed = icalendar.Calendar.from_ical(meetings.calendar_feed(token))

    assert first["id"] == again["id"]
    assert len(meetings.list_coordination_time(coordinator, sid, {"year": 2026})) == 1
    assert [str(e["SUMMARY"]) for e in feed.walk("VEVENT")] == ["Formation AVK"]
    meetings.revoke_calendar_feed(coordinator)
    with pytest.raises(NotFound):
        meetings.calendar_feed(token)


def test_demo_data_is_idempotent(meetings, identity, database):
    identity_demo = identity.ensure_demo_data()
    first = meetings.ensure_demo_data(identity_demo)
    counts = {name: database[name].count_documents({}) for name in ("meetings", "polls", "time_records")}
    second = meetings.ensure_demo_data(identity_demo)

    assert len(first["created"]) == 6 and second["created"] == []
    assert {name: database[name].count_documents({}) for name in counts} == counts == {
        "meetings": 5, "polls": 1, "time_records": 1}
