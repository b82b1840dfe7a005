"""The invitation e-mails' iCalendar parts, parsed back with the ``icalendar`` library and
checked against RFC 5545 / RFC 5546 essentials; the e-mail itself; the feed."""
from datetime import UTC, date, datetime

import icalendar
import pytest

from services.meetings.adapters.ics import feed_ics, invitation_ics
from services.meetings.adapters.mailer import meeting_message
from services.meetings.domain import meetings
from services.meetings.domain.notices import meeting_snapshot

from .conftest import ANNE, COORD, PAUL, SID

PUBLIC_URL = "https://maillage.example.org"
NOW = datetime(2026, 11, 23, 9, 0)


def parse(ics: bytes) -> tuple[icalendar.Calendar, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(ics)
    [event] = calendar.walk("VEVENT")
    return calendar, event


@pytest.fixture
def notices(make_meeting, ctx):
    meeting = make_meeting(invitee_ids=[PAUL, ANNE], title="Concertation ; décembre, 2026", agenda=["Cas A", "Cas B"])
    meetings.update_meeting(ctx, COORD, SID, meeting["id"], {"place": "Salle du rez-de-chaussée"})
    meetings.cancel_meeting(ctx, COORD, SID, meeting["id"], {"reason": "Grève"})
    return meeting, ctx.meetings.mail


def test_an_invitation_has_the_rfc_5545_essentials(notices):
    meeting, sent = notices
    invitation = next(n for n in sent if n["kind"] == "invitation" and n["to"]["email"] == f"{PAUL}@example.org")

    calendar, event = parse(invitation_ics(invitation, public_url=PUBLIC_URL, now=NOW))

    assert (str(calendar["VERSION"]), str(calendar["METHOD"])) == ("2.0", "REQUEST")
    assert str(calendar["PRODID"]).startswith("-//Maillage//")
    assert str(event["UID"]) == f"{meeting['id']}@maillage.example.org"
    assert event.decoded("DTSTAMP") == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert event.decoded("DTSTART") == datetime(2026, 12, 3, 11, 30, tzinfo=UTC)  # 12:30 in Paris
    assert event.decoded("DTEND") == datetime(2026, 12, 3, 13, 0, tzinfo=UTC)
    assert int(event["SEQUENCE"]) == 0
    assert str(event["SUMMARY"]) == "Concertation ; décembre, 2026"
    assert str(event["ORGANIZER"]) == f"mailto:{COORD}@example.org"
    assert event["ORGANIZER"].params["CN"] == "Claire Martin"
    attendees = {str(a): a.params for a in event["ATTENDEE"]}
    assert set(attendees) == {f"mailto:{u}@example.org" for u in (COORD, PAUL, ANNE)}
    assert attendees[f"mailto:{PAUL}@example.org"]["CN"] == "Paul Leroy"
    assert "Cas A" in str(event["DESCRIPTION"]) and str(event["STATUS"]) == "CONFIRMED"


def test_an_update_and_a_cancel_keep_the_uid_and_raise_the_sequence(notices):
    meeting, sent = notices
    versions = {}
    for kind in ("invitation", "update", "cancellation"):
        notice = next(n for n in sent if n["kind"] == kind and n["to"]["email"] == f"{PAUL}@example.org")
        versions[kind] = parse(invitation_ics(notice, public_url=PUBLIC_URL, now=NOW))

    uids = {str(event["UID"]) for _, event in versions.values()}
    sequences = [int(versions[k][1]["SEQUENCE"]) for k in ("invitation", "update", "cancellation")]
    calendar, cancelled = versions["cancellation"]
    assert uids == {f"{meeting['id']}@maillage.example.org"}
    assert sequences == [0, 1, 2]
    assert str(versions["update"][1]["LOCATION"]) == "Salle du rez-de-chaussée"
    assert (str(calendar["METHOD"]), str(cancelled["STATUS"])) == ("CANCEL", "CANCELLED")


def test_lines_are_folded_and_end_with_crlf(notices):
    _, sent = notices
    ics = invitation_ics(sent[0], public_url=PUBLIC_URL, now=NOW)

    lines = ics.split(b"\r\n")
    assert ics.endswith(b"\r\n") and all(len(line) <= 75 for line in lines)


def test_the_e_mail_carries_the_calendar_as_alternative_and_attachment(notices):
    _, sent = notices
    invitation = next(n for n in sent if n["kind"] == "invitation")

    message = meeting_message(invitation, public_url=PUBLIC_URL, sender="Maillage <no-reply@x.org>", now=NOW)

    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 2 and all(p.get_param("method") == "REQUEST" for p in parts)
    assert any(p.get_filename() == "invitation.ics" for p in parts)
    body = message.get_body(("plain",)).get_content()
    assert "jeudi 3 décembre 2026, 12:30–14:00 (heure de Paris)" in body
    assert message["Subject"] == "Invitation : Concertation ; décembre, 2026"


def test_the_feed_lists_meetings_with_stable_uids(make_meeting, ctx):
    first = make_meeting(date=date(2026, 12, 3))
    second = make_meeting(date=date(2026, 12, 10), title="Gouvernance", kind="governance")

    calendar = icalendar.Calendar.from_ical(feed_ics(
        [meeting_snapshot(ctx.meetings.get(SID, m["id"])) for m in (first, second)],
        public_url=PUBLIC_URL, now=NOW, name="Maillage"))

    events = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert [str(e["UID"]) for e in events] == [f"{first['id']}@maillage.example.org",
                                                f"{second['id']}@maillage.example.org"]
