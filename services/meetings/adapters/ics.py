"""iCalendar (RFC 5545) documents: invitations and updates (iTIP, RFC 5546) and the feed.

An event's UID is derived from the meeting id only, so every version of the invitation,
its cancellation and the feed entry are the same event to a calendar application; the
SEQUENCE says which version is newer. Times are written in UTC (``…Z``), which every
client converts to the reader's zone, so no VTIMEZONE is needed.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as VEvent
from maillage_shared.clock import utcnow

from ..domain.model import Meeting
from ..domain.notices import meeting_snapshot

PRODID = "-//Maillage//Reunions 1.0//FR"
KIND_LABELS_FR = {"concertation": "Concertation pluriprofessionnelle", "project": "Réunion de projet",
                  "governance": "Gouvernance", "training": "Formation", "other": "Réunion"}


def uid_domain(public_url: str) -> str:
    return urlsplit(public_url).hostname or "maillage.localhost"


def event_uid(meeting_id: str, domain: str) -> str:
    return f"{meeting_id}@{domain}"


def meeting_url(public_url: str, structure_id: str, meeting_id: str) -> str:
    return f"{public_url.rstrip('/')}/app/s/{structure_id}/meetings/{meeting_id}"


def _utc(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", ""))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _address(person: dict) -> vCalAddress:
    address = vCalAddress(f"mailto:{person['email']}")
    address.params["cn"] = vText(person["name"])
    return address


def _vevent(meeting: dict, *, domain: str, url: str, now: datetime, cancelled: bool) -> VEvent:
    event = VEvent()
    event.add("uid", event_uid(meeting["id"], domain))
    event.add("dtstamp", _utc(now))
    event.add("dtstart", _utc(meeting["starts_at"]))
    event.add("dtend", _utc(meeting["ends_at"]))
    event.add("sequence", int(meeting.get("sequence") or 0))
    event.add("summary", meeting["title"])
    event.add("categories", [KIND_LABELS_FR.get(meeting.get("kind"), "Réunion")])
    location = meeting.get("place") or meeting.get("visio_url") or ""
    if location:
        event.add("location", location)
    lines = [f"- {item}" for item in meeting.get("agenda") or []]
    description = ("Ordre du jour :\n" + "\n".join(lines) + "\n\n") if lines else ""
    if meeting.get("visio_url"):
        description += f"Visioconférence : {meeting['visio_url']}\n"
    description += f"Sur Maillage : {url}"
    event.add("description", description)
    event.add("url", url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def invitation_ics(notice: dict, *, public_url: str, now: datetime) -> bytes:
    """The iTIP message of a notice: METHOD REQUEST (invitation, update) or CANCEL."""
    meeting, method = notice["meeting"], notice["method"]
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    event = _vevent(meeting, domain=uid_domain(public_url), now=now, cancelled=(method == "CANCEL"),
                    url=meeting_url(public_url, meeting["structure_id"], meeting["id"]))
    if notice.get("organizer"):
        event.add("organizer", _address(notice["organizer"]))
    if method == "CANCEL":  # the cancellation concerns its recipient
        attendees = [notice["to"]]
    else:
        attendees = list(notice.get("attendees") or [])
        if not any(a["email"] == notice["to"]["email"] for a in attendees):
            attendees.append(notice["to"])
    for person in attendees:
        address = _address(person)
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["partstat"] = vText("NEEDS-ACTION")
        address.params["rsvp"] = vText("FALSE")
        event.add("attendee", address, encode=0)
    calendar.add_component(event)
    return calendar.to_ical()


def feed_ics(meetings: Iterable[dict], *, public_url: str, now: datetime, name: str) -> bytes:
    """A subscribable calendar of someone's meetings (cancelled ones stay, marked cancelled,
    so calendar applications remove them)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-published-ttl", "PT1H")
    domain = uid_domain(public_url)
    for meeting in meetings:
        calendar.add_component(_vevent(meeting, domain=domain, now=now, cancelled=meeting["status"] == "cancelled",
                                       url=meeting_url(public_url, meeting["structure_id"], meeting["id"])))
    return calendar.to_ical()


def feed_text(meetings: Iterable[Meeting], public_url: str) -> str:
    return feed_ics([meeting_snapshot(m) for m in meetings], public_url=public_url, now=utcnow(),
                    name="Maillage — mes réunions").decode("utf-8")
