"""Meeting e-mails over SMTP (``settings.smtp_*``), and the relay of the mail outbox.

Each message is in French with one English line, and carries the iCalendar part twice:
as a ``text/calendar; method=…`` alternative (what Outlook and Gmail act on) and as an
``invitation.ics`` attachment (what other clients import). The relay sends the notices
stored with the meetings and polls, and removes each one once the SMTP server took it;
a failure leaves it for the next pass, until ``MAX_ATTEMPTS``.
"""
from __future__ import annotations

import logging
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from babel.dates import format_date
from maillage_shared.clock import PARIS, utcnow
from pymongo.database import Database

from .ics import invitation_ics, meeting_url
from .mongo import MAIL, MAIL_COLLECTIONS, MAIL_COUNT

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 20
SUBJECTS = {"invitation": "Invitation : {title}", "update": "Modifiée : {title}",
            "cancellation": "Annulée : {title}", "uninvited": "Vous n'êtes plus invité·e : {title}"}
INTROS = {
    "invitation": "{organizer} vous invite à la réunion « {title} ».",
    "update": "La réunion « {title} » a été modifiée. Voici ses nouvelles informations.",
    "cancellation": "La réunion « {title} » est annulée.",
    "uninvited": "Vous n'êtes plus attendu·e à la réunion « {title} ».",
}
ENGLISH = {"invitation": "You are invited to this meeting; the calendar file is attached.",
           "update": "This meeting was changed; the attached calendar file updates it.",
           "cancellation": "This meeting is cancelled; the attached file removes it from your calendar.",
           "uninvited": "You are no longer invited; the attached file removes it from your calendar."}


def _when(starts_at: str, ends_at: str) -> str:
    start = datetime.fromisoformat(starts_at).replace(tzinfo=UTC).astimezone(PARIS)
    end = datetime.fromisoformat(ends_at).replace(tzinfo=UTC).astimezone(PARIS)
    return f"{format_date(start.date(), format='full', locale='fr')}, {start:%H:%M}–{end:%H:%M} (heure de Paris)"


def meeting_message(notice: dict, *, public_url: str, sender: str, now: datetime) -> EmailMessage:
    meeting, kind = notice["meeting"], notice["kind"]
    organizer = (notice.get("organizer") or {}).get("name") or "L'équipe"
    link = meeting_url(public_url, meeting["structure_id"], meeting["id"])
    lines = [INTROS[kind].format(organizer=organizer, title=meeting["title"]), "",
             f"Quand : {_when(meeting['starts_at'], meeting['ends_at'])}"]
    if meeting.get("place"):
        lines.append(f"Où : {meeting['place']}")
    if meeting.get("visio_url"):
        lines.append(f"Visioconférence : {meeting['visio_url']}")
    if notice.get("reason"):
        lines.append(f"Motif : {notice['reason']}")
    if meeting.get("agenda") and kind in ("invitation", "update"):
        lines += ["", "Ordre du jour :", *(f"  - {item}" for item in meeting["agenda"])]
    lines += ["", f"Sur Maillage : {link}", "",
              "Le fichier joint ajoute (ou met à jour) la réunion dans votre agenda.", "",
              f"English: {ENGLISH[kind]}"]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = notice["to"]["email"]
    message["Subject"] = SUBJECTS[kind].format(title=meeting["title"])
    message.set_content("\n".join(lines) + "\n")
    ics = invitation_ics(notice, public_url=public_url, now=now)
    message.add_alternative(ics.decode("utf-8"), subtype="calendar", params={"method": notice["method"]})
    message.add_attachment(ics, maintype="text", subtype="calendar", filename="invitation.ics",
                           params={"method": notice["method"]})
    return message


def poll_message(notice: dict, *, public_url: str, sender: str) -> EmailMessage:
    poll = notice["poll"]
    link = f"{public_url.rstrip('/')}/app/s/{poll['structure_id']}/polls/{poll['id']}"
    slots = [f"  - {_when(s['starts_at'], s['ends_at'])}" for s in poll["slots"]]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = notice["to"]["email"]
    message["Subject"] = f"Quelle date pour « {poll['title']} » ?"
    message.set_content("\n".join([
        f"{notice['organizer']['name']} cherche une date pour « {poll['title']} ».", "",
        "Créneaux proposés :", *slots, "",
        f"Indiquez vos disponibilités (oui, si besoin, non) : {link}", "",
        f"English: {notice['organizer']['name']} is looking for a date; answer at the link above."]) + "\n")
    return message


class SmtpMeetingMailer:
    def __init__(self, settings: Any):
        self.settings = settings

    def message(self, notice: dict, now: datetime | None = None) -> EmailMessage:
        s = self.settings
        if notice["kind"] == "poll":
            return poll_message(notice, public_url=s.public_url, sender=s.mail_from)
        return meeting_message(notice, public_url=s.public_url, sender=s.mail_from, now=now or utcnow())

    def send(self, notice: dict) -> bool:
        s = self.settings
        try:
            message = self.message(notice)
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
                if s.smtp_starttls:
                    smtp.starttls()
                if s.smtp_user:
                    smtp.login(s.smtp_user, s.smtp_password)
                smtp.send_message(message)
            return True
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("meeting e-mail to %s not sent (%s: %s); it will be retried", notice["to"]["email"],
                        type(exc).__name__, exc)
            return False


def relay_mail(db: Database, mailer: SmtpMeetingMailer, batch_size: int = 50) -> int:
    """One pass over the mail outboxes; returns how many messages were sent."""
    sent = 0
    for name in MAIL_COLLECTIONS:
        collection = db[name]
        for doc in collection.find({MAIL_COUNT: {"$gt": 0}}, {MAIL: 1}).limit(batch_size):
            for notice_id, notice in (doc.get(MAIL) or {}).items():
                where = {"_id": doc["_id"], f"{MAIL}.{notice_id}": {"$exists": True}}
                done = {"$unset": {f"{MAIL}.{notice_id}": ""}, "$inc": {MAIL_COUNT: -1}}
                if mailer.send(notice):
                    collection.update_one(where, done)
                    sent += 1
                elif int(notice.get("attempts") or 0) + 1 >= MAX_ATTEMPTS:
                    log.error("giving up the meeting e-mail to %s after %s attempts", notice["to"]["email"],
                              MAX_ATTEMPTS)
                    collection.update_one(where, done)
                else:
                    collection.update_one(where, {"$set": {f"{MAIL}.{notice_id}.attempts":
                                                           int(notice.get("attempts") or 0) + 1}})
    return sent
