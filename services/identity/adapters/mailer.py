"""Invitation e-mails over SMTP (``settings.smtp_*``).

French first (the people invited are French professionals), one English line for the
others. Sending never raises: the invitation is already stored, so a mail outage is
logged and reported as ``False``; the coordinator can resend or share the link.
"""
from __future__ import annotations

import logging
import smtplib
from datetime import UTC
from email.message import EmailMessage
from typing import Any

from maillage_shared.clock import PARIS

from ..domain.views import InvitationNotice

log = logging.getLogger(__name__)

ROLE_LABELS_FR = {"coordinator": "coordinateur·rice", "member": "membre", "guest": "invité·e"}
TIMEOUT_SECONDS = 10


def invitation_link(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/invitations/{token}"


def invitation_message(notice: InvitationNotice, *, public_url: str, sender: str) -> EmailMessage:
    link = invitation_link(public_url, notice.token)
    until = notice.expires_at.replace(tzinfo=UTC).astimezone(PARIS).strftime("%d/%m/%Y")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = notice.to
    message["Subject"] = f"Invitation à rejoindre {notice.structure_name} sur Maillage"
    message.set_content(
        "Bonjour,\n\n"
        f"{notice.inviter_name} vous invite à rejoindre l'équipe « {notice.structure_name} » sur Maillage, "
        f"en tant que {ROLE_LABELS_FR.get(notice.role, notice.role)} ({notice.profession_label}).\n\n"
        f"Pour accepter l'invitation, ouvrez ce lien (valable jusqu'au {until}) :\n{link}\n\n"
        "Si vous n'attendiez pas cette invitation, ignorez simplement ce message.\n\n"
        f"English: {notice.inviter_name} invited you to join {notice.structure_name} on Maillage; "
        f"open the link above to accept (valid until {until}).\n")
    return message


class SmtpInvitationMailer:
    def __init__(self, settings: Any):
        self.settings = settings

    def send_invitation(self, notice: InvitationNotice) -> bool:
        s = self.settings
        message = invitation_message(notice, public_url=s.public_url, sender=s.mail_from)
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
                if s.smtp_starttls:
                    smtp.starttls()
                if s.smtp_user:
                    smtp.login(s.smtp_user, s.smtp_password)
                smtp.send_message(message)
            return True
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("invitation e-mail to %s not sent (%s: %s); the invitation is kept",
                        notice.to, type(exc).__name__, exc)
            return False
