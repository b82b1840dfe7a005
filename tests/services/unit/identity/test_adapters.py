"""Adapters that need no server: argon2id hashing, the invitation e-mail, document decoding."""
import socket
from datetime import date, datetime

from maillage_shared.settings import Settings

from services.identity.adapters.mailer import SmtpInvitationMailer, invitation_message
from services.identity.adapters.mongo import from_document, to_document
from services.identity.adapters.passwords import Argon2idPasswords
from services.identity.domain.model import Availability, Invitation
from services.identity.domain.views import InvitationNotice

NOTICE = InvitationNotice(to="paul.leroy@example.org", token="tok-123", structure_name="MSP des Tilleuls",
                          inviter_name="Claire Martin", role="member", profession_label="Médecin généraliste",
                          expires_at=datetime(2026, 12, 7, 23, 30))


def test_passwords_are_hashed_with_argon2id():
    passwords = Argon2idPasswords.for_settings(Settings(env="test"))

    hashed = passwords.hash("un mot de passe solide")

    assert hashed.startswith("$argon2id$")
    assert passwords.verify(hashed, "un mot de passe solide")
    assert not passwords.verify(hashed, "un autre")
    assert not passwords.verify("not-a-hash", "un mot de passe solide")
    assert not passwords.needs_rehash(hashed)


def test_light_test_hashes_are_upgraded_outside_tests():
    light = Argon2idPasswords(light=True).hash("un mot de passe solide")

    assert Argon2idPasswords().needs_rehash(light)


def test_a_hashing_offload_is_used():
    calls = []

    def offload(function, *args):
        calls.append(function.__name__)
        return function(*args)

    passwords = Argon2idPasswords(light=True, offload=offload)
    passwords.verify(passwords.hash("x" * 10), "x" * 10)

    assert calls == ["hash", "verify"]


def test_the_invitation_email_is_french_first_with_the_link():
    message = invitation_message(NOTICE, public_url="https://maillage.example/", sender="Maillage <m@example.org>")
    body = message.get_content()

    assert message["Subject"] == "Invitation à rejoindre MSP des Tilleuls sur Maillage"
    assert "https://maillage.example/invitations/tok-123" in body
    assert body.index("Claire Martin vous invite") < body.index("English: Claire Martin invited you")
    assert "08/12/2026" in body  # the expiry date in Paris (23:30 UTC is the next day there)


def test_a_mail_server_that_does_not_answer_is_reported_not_raised():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens once closed

    assert SmtpInvitationMailer(Settings(env="test", smtp_port=port)).send_invitation(NOTICE) is False


def test_documents_written_by_set_are_read_back_as_entities():
    """The Mongo-wire server returns $set datetimes as strings and booleans as 1/0."""
    doc = to_document(Invitation(id="i1", structure_id="s", email="a@b.c", role="member", profession="ipa",
                                 token_digest="d", invited_by="u", created_at=datetime(2026, 11, 23, 8),
                                 expires_at=datetime(2026, 12, 7, 8)))
    doc.update({"accepted_at": "2026-11-24 10:15:00.123000", "state": "accepted", "_outbox_count": 0})

    invitation = from_document(Invitation, doc)

    assert doc["_id"] == "i1" and invitation.id == "i1"
    assert invitation.accepted_at == datetime(2026, 11, 24, 10, 15, 0, 123000)


def test_dates_are_stored_as_iso_text_so_ranges_compare():
    period = Availability(id="a", structure_id="s", user_id="u", kind="leave", starts_on=date(2026, 12, 21),
                          ends_on=date(2027, 1, 3), created_at=datetime(2026, 11, 23), created_by="u")

    doc = to_document(period)

    assert (doc["starts_on"], doc["ends_on"]) == ("2026-12-21", "2027-01-03")
    assert from_document(Availability, doc) == period
