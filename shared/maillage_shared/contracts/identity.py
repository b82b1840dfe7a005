"""Contracts of the identity service: structures, people, memberships, invitations,
sessions, directory and availability. Every schema carries example payloads."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from .base import ContractSchema
from .fields import (
    PHONE_RE,
    POSTCODE_RE,
    TIME_RE,
    Email,
    Name,
    StrippedString,
    UtcDateTime,
    validate_finess,
    validate_rpps,
)

STRUCTURE_KINDS = {"msp": "Maison de santé pluriprofessionnelle", "cpts": "CPTS", "cds": "Centre de santé"}
ROLES = ("coordinator", "member", "guest")
PROFESSIONS = {
    "medecin_generaliste": "Médecin généraliste",
    "medecin_specialiste": "Médecin spécialiste",
    "infirmier": "Infirmier·e",
    "ipa": "Infirmier·e en pratique avancée",
    "pharmacien": "Pharmacien·ne",
    "kinesitherapeute": "Masseur-kinésithérapeute",
    "sage_femme": "Sage-femme",
    "chirurgien_dentiste": "Chirurgien·ne-dentiste",
    "orthophoniste": "Orthophoniste",
    "orthoptiste": "Orthoptiste",
    "pedicure_podologue": "Pédicure-podologue",
    "dieteticien": "Diététicien·ne",
    "psychologue": "Psychologue",
    "ergotherapeute": "Ergothérapeute",
    "assistant_medical": "Assistant·e médical·e",
    "coordinateur": "Coordinateur·rice",
    "secretaire": "Secrétaire médical·e",
    "autre": "Autre",
}
AVAILABILITY_KINDS = ("leave", "on_call")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PASSWORD_MIN_LENGTH = 10


def _validate_phone(value: str) -> None:
    if not PHONE_RE.match(value):
        raise ValidationError("Enter a phone number such as 02 99 00 00 00.")


class AddressSchema(ContractSchema):
    line1 = StrippedString(required=True, validate=validate.Length(min=1, max=200))
    line2 = StrippedString(load_default="", validate=validate.Length(max=200))
    postcode = fields.String(required=True, validate=validate.Regexp(POSTCODE_RE, error="A French postcode has 5 digits."))
    city = StrippedString(required=True, validate=validate.Length(min=1, max=120))


class OpeningHoursSchema(ContractSchema):
    day = fields.String(required=True, validate=validate.OneOf(WEEKDAYS))
    opens = fields.String(required=True, validate=validate.Regexp(TIME_RE, error="Use HH:MM."))
    closes = fields.String(required=True, validate=validate.Regexp(TIME_RE, error="Use HH:MM."))

    @validates_schema
    def closes_after_opening(self, data, **kwargs):
        if data.get("opens") and data.get("closes") and data["closes"] <= data["opens"]:
            raise ValidationError("Closing time must be after opening time.", "closes")


class StructureFieldsSchema(ContractSchema):
    kind = fields.String(required=True, validate=validate.OneOf(tuple(STRUCTURE_KINDS)))
    name = StrippedString(required=True, validate=validate.Length(min=2, max=160))
    finess = fields.String(load_default=None, allow_none=True, validate=validate_finess)
    address = fields.Nested(AddressSchema, required=True)
    phone = fields.String(load_default=None, allow_none=True, validate=_validate_phone)
    opening_hours = fields.List(fields.Nested(OpeningHoursSchema), load_default=list)


class StructureUpdateSchema(StructureFieldsSchema):
    """Every field optional: only what is sent changes."""

    def __init__(self, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(**kwargs)

    EXAMPLES = [{"phone": "02 99 12 34 56", "opening_hours": [{"day": "saturday", "opens": "08:00", "closes": "12:00"}]}]


class StructureSchema(StructureFieldsSchema):
    id = fields.String(required=True)
    slug = fields.String(required=True)
    created_at = UtcDateTime(required=True)

    EXAMPLES = [{
        "id": "5b0c8f3e-2a41-4a55-9d2a-0f1f7b8c9d10", "kind": "msp", "name": "MSP des Tilleuls",
        "slug": "msp-des-tilleuls", "finess": "350012345",
        "address": {"line1": "3 rue des Tilleuls", "line2": "", "postcode": "35000", "city": "Rennes"},
        "phone": "02 99 00 00 00",
        "opening_hours": [{"day": "monday", "opens": "08:00", "closes": "20:00"}],
        "created_at": "2026-11-23T08:00:00",
    }]


class PasswordField(fields.String):
    def __init__(self, **kwargs):
        super().__init__(validate=validate.Length(min=PASSWORD_MIN_LENGTH, max=200,
                         error=f"Use at least {PASSWORD_MIN_LENGTH} characters."), load_only=True, **kwargs)


class PersonFieldsSchema(ContractSchema):
    first_name = Name(required=True)
    last_name = Name(required=True)


class SignupRequestSchema(ContractSchema):
    structure = fields.Nested(StructureFieldsSchema, required=True)
    coordinator = fields.Nested(lambda: SignupCoordinatorSchema(), required=True)

    EXAMPLES = [{
        "structure": {"kind": "msp", "name": "MSP des Tilleuls", "finess": "350012345",
                      "address": {"line1": "3 rue des Tilleuls", "postcode": "35000", "city": "Rennes"},
                      "phone": "02 99 00 00 00",
                      "opening_hours": [{"day": "monday", "opens": "08:00", "closes": "20:00"}]},
        "coordinator": {"email": "claire.martin@example.org", "password": "un mot de passe solide",
                        "first_name": "Claire", "last_name": "Martin", "profession": "coordinateur"},
    }]


class SignupCoordinatorSchema(PersonFieldsSchema):
    email = Email(required=True)
    password = PasswordField(required=True)
    profession = fields.String(required=True, validate=validate.OneOf(tuple(PROFESSIONS)))
    rpps = fields.String(load_default=None, allow_none=True, validate=validate_rpps)


class LoginRequestSchema(ContractSchema):
    email = Email(required=True)
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))

    EXAMPLES = [{"email": "claire.martin@example.org", "password": "un mot de passe solide"}]


class RefreshRequestSchema(ContractSchema):
    refresh_token = fields.String(required=True, validate=validate.Length(min=10, max=200))

    EXAMPLES = [{"refresh_token": "q3Zl0c1Qm9YbXh8W0lqv0lC7rZp6o4N9x1kq2b3c4d5"}]


class TokenPairSchema(ContractSchema):
    token_type = fields.String(dump_default="Bearer")
    access_token = fields.String(required=True)
    access_expires_at = UtcDateTime(required=True)
    refresh_token = fields.String(required=True)
    refresh_expires_at = UtcDateTime(required=True)
    user_id = fields.String(required=True)

    EXAMPLES = [{"token_type": "Bearer", "access_token": "eyJhbGciOiJFZERTQSJ9.e30.sig",
                 "access_expires_at": "2026-11-23T08:15:00", "refresh_token": "q3Zl0c1Qm9YbXh8W0lqv0lC7rZp6o4N9",
                 "refresh_expires_at": "2026-12-23T08:00:00", "user_id": "7a1c…"}]


class MembershipSummarySchema(ContractSchema):
    structure_id = fields.String(required=True)
    structure_name = fields.String(required=True)
    structure_kind = fields.String(required=True)
    structure_slug = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    profession = fields.String(required=True)


class UserSchema(PersonFieldsSchema):
    id = fields.String(required=True)
    email = fields.String(required=True)
    phone = fields.String(allow_none=True)
    rpps = fields.String(allow_none=True)
    locale = fields.String(required=True)
    created_at = UtcDateTime(required=True)


class MeSchema(ContractSchema):
    user = fields.Nested(UserSchema, required=True)
    memberships = fields.List(fields.Nested(MembershipSummarySchema), required=True)

    EXAMPLES = [{
        "user": {"id": "7a1c", "email": "claire.martin@example.org", "first_name": "Claire", "last_name": "Martin",
                 "phone": None, "rpps": None, "locale": "fr", "created_at": "2026-11-23T08:00:00"},
        "memberships": [{"structure_id": "5b0c", "structure_name": "MSP des Tilleuls", "structure_kind": "msp",
                         "structure_slug": "msp-des-tilleuls", "role": "coordinator", "profession": "coordinateur"}],
    }]


class ProfileUpdateSchema(ContractSchema):
    first_name = Name()
    last_name = Name()
    phone = fields.String(allow_none=True, validate=_validate_phone)
    rpps = fields.String(allow_none=True, validate=validate_rpps)
    locale = fields.String(validate=validate.OneOf(("fr", "en")))

    EXAMPLES = [{"phone": "06 12 34 56 78", "rpps": "10003456786", "locale": "fr"}]


class MembershipSchema(ContractSchema):
    structure_id = fields.String(required=True)
    user_id = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    profession = fields.String(required=True)
    joined_at = UtcDateTime(required=True)

    EXAMPLES = [{"structure_id": "5b0c", "user_id": "7a1c", "role": "member", "profession": "infirmier",
                 "joined_at": "2026-11-23T08:00:00"}]


class MemberSchema(ContractSchema):
    user_id = fields.String(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    email = fields.String(required=True)
    phone = fields.String(allow_none=True)
    rpps = fields.String(allow_none=True)
    role = fields.String(required=True)
    profession = fields.String(required=True)
    joined_at = UtcDateTime(required=True)

    EXAMPLES = [{"user_id": "7a1c", "first_name": "Paul", "last_name": "Leroy", "email": "paul.leroy@example.org",
                 "phone": None, "rpps": "10003456786", "role": "member", "profession": "medecin_generaliste",
                 "joined_at": "2026-11-23T08:00:00"}]


class MemberUpdateSchema(ContractSchema):
    role = fields.String(validate=validate.OneOf(ROLES))
    profession = fields.String(validate=validate.OneOf(tuple(PROFESSIONS)))

    EXAMPLES = [{"role": "coordinator"}, {"profession": "ipa"}]


class InvitationRequestSchema(ContractSchema):
    email = Email(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    profession = fields.String(required=True, validate=validate.OneOf(tuple(PROFESSIONS)))

    EXAMPLES = [{"email": "paul.leroy@example.org", "role": "member", "profession": "medecin_generaliste"}]


class InvitationSchema(ContractSchema):
    id = fields.String(required=True)
    structure_id = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True)
    profession = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("pending", "accepted", "revoked", "expired")))
    expires_at = UtcDateTime(required=True)
    created_at = UtcDateTime(required=True)
    invited_by = fields.String(required=True)

    EXAMPLES = [{"id": "c0ffee", "structure_id": "5b0c", "email": "paul.leroy@example.org", "role": "member",
                 "profession": "medecin_generaliste", "status": "pending", "expires_at": "2026-12-07T08:00:00",
                 "created_at": "2026-11-23T08:00:00", "invited_by": "7a1c"}]


class InvitationPreviewSchema(ContractSchema):
    structure_id = fields.String(required=True)
    structure_name = fields.String(required=True)
    structure_kind = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True)
    profession = fields.String(required=True)
    account_exists = fields.Boolean(required=True)
    expires_at = UtcDateTime(required=True)

    EXAMPLES = [{"structure_id": "5b0c", "structure_name": "MSP des Tilleuls", "structure_kind": "msp",
                 "email": "paul.leroy@example.org", "role": "member", "profession": "medecin_generaliste",
                 "account_exists": False, "expires_at": "2026-12-07T08:00:00"}]


class AcceptInvitationSchema(ContractSchema):
    """New account: names + password. Existing account: its password only — or nothing when
    the caller is logged in as the invited account (the service checks which case applies)."""
    first_name = Name()
    last_name = Name()
    password = fields.String(load_only=True, validate=validate.Length(min=1, max=200))
    rpps = fields.String(load_default=None, allow_none=True, validate=validate_rpps)

    EXAMPLES = [{"first_name": "Paul", "last_name": "Leroy", "password": "un autre mot de passe"},
                {"password": "mot de passe du compte existant"}]


class AcceptedInvitationSchema(ContractSchema):
    structure_id = fields.String(required=True)
    tokens = fields.Nested(TokenPairSchema, required=True)

    EXAMPLES = [{"structure_id": "5b0c", "tokens": TokenPairSchema.EXAMPLES[0]}]


class SignupResultSchema(ContractSchema):
    structure = fields.Nested(StructureSchema, required=True)
    user_id = fields.String(required=True)
    tokens = fields.Nested(TokenPairSchema, required=True)

    EXAMPLES = [{"structure": StructureSchema.EXAMPLES[0], "user_id": "7a1c", "tokens": TokenPairSchema.EXAMPLES[0]}]


class AvailabilityRequestSchema(ContractSchema):
    kind = fields.String(required=True, validate=validate.OneOf(AVAILABILITY_KINDS))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    user_id = fields.String(load_default=None, allow_none=True)
    note = StrippedString(load_default="", validate=validate.Length(max=200))

    @validates_schema
    def ends_after_start(self, data, **kwargs):
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError("The end date must be on or after the start date.", "ends_on")

    EXAMPLES = [{"kind": "leave", "starts_on": "2026-12-21", "ends_on": "2027-01-03", "note": "Congés"},
                {"kind": "on_call", "starts_on": "2026-11-28", "ends_on": "2026-11-28"}]


class AvailabilitySchema(ContractSchema):
    id = fields.String(required=True)
    structure_id = fields.String(required=True)
    user_id = fields.String(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    profession = fields.String(required=True)
    kind = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    note = fields.String(required=True)
    created_at = UtcDateTime(required=True)

    EXAMPLES = [{"id": "a1", "structure_id": "5b0c", "user_id": "7a1c", "first_name": "Paul", "last_name": "Leroy",
                 "profession": "medecin_generaliste", "kind": "on_call", "starts_on": "2026-11-28",
                 "ends_on": "2026-11-28", "note": "", "created_at": "2026-11-23T08:00:00"}]


class DirectoryEntrySchema(ContractSchema):
    user_id = fields.String(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    profession = fields.String(required=True)
    profession_label = fields.String(required=True)
    role = fields.String(required=True)
    email = fields.String(required=True)
    phone = fields.String(allow_none=True)
    rpps = fields.String(allow_none=True)
    on_leave = fields.Boolean(required=True)
    on_call = fields.Boolean(required=True)

    EXAMPLES = [{"user_id": "7a1c", "first_name": "Paul", "last_name": "Leroy", "profession": "medecin_generaliste",
                 "profession_label": "Médecin généraliste", "role": "member", "email": "paul.leroy@example.org",
                 "phone": None, "rpps": "10003456786", "on_leave": False, "on_call": True}]


class DirectoryQuerySchema(ContractSchema):
    q = StrippedString(load_default="", validate=validate.Length(max=100))
    profession = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(tuple(PROFESSIONS)))

    EXAMPLES = [{"q": "ler", "profession": "medecin_generaliste"}]


class DateQuerySchema(ContractSchema):
    date = fields.Date(load_default=None, allow_none=True)

    EXAMPLES = [{"date": "2026-11-28"}]


class PeriodQuerySchema(ContractSchema):
    starts_on = fields.Date(load_default=None, allow_none=True)
    ends_on = fields.Date(load_default=None, allow_none=True)
    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(AVAILABILITY_KINDS))

    @validates_schema
    def ends_after_start(self, data, **kwargs):
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError("The end date must be on or after the start date.", "ends_on")

    EXAMPLES = [{"starts_on": "2026-11-23", "ends_on": "2026-11-29"}]


class AuditEntrySchema(ContractSchema):
    id = fields.String(required=True)
    at = UtcDateTime(required=True)
    action = fields.String(required=True)
    actor_id = fields.String(allow_none=True)
    structure_id = fields.String(allow_none=True)
    target = fields.String(allow_none=True)
    details = fields.Dict(required=True)

    EXAMPLES = [{"id": "e1", "at": "2026-11-23T08:00:00", "action": "member.role_changed", "actor_id": "7a1c",
                 "structure_id": "5b0c", "target": "8b2d", "details": {"from": "member", "to": "coordinator"}}]


# Events -------------------------------------------------------------------------------

class MemberJoinedPayload(ContractSchema):
    user_id = fields.String(required=True)
    role = fields.String(required=True)
    profession = fields.String(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)

    EXAMPLES = [{"user_id": "7a1c", "role": "member", "profession": "infirmier", "first_name": "Anne",
                 "last_name": "Morel"}]


class MemberLeftPayload(ContractSchema):
    user_id = fields.String(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(("removed", "left")))

    EXAMPLES = [{"user_id": "7a1c", "reason": "removed"}]


class StructureUpdatedPayload(ContractSchema):
    structure = fields.Nested(StructureSchema, required=True)

    EXAMPLES = [{"structure": StructureSchema.EXAMPLES[0]}]


EVENTS = {
    "identity.member_joined.v1": MemberJoinedPayload,
    "identity.member_left.v1": MemberLeftPayload,
    "identity.structure_updated.v1": StructureUpdatedPayload,
}
