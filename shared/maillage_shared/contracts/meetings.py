"""Contracts of the meetings service: date polls, meetings, minutes with pseudonymous
concertation cases, attendance, coordination time, yearly report, calendar feed, events.

Times a person types are Paris wall-clock times (``date`` + ``start``/``end`` as HH:MM);
the service stores and sends the instants as UTC (``starts_at``/``ends_at``).
"""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from .base import ContractSchema
from .fields import TIME_RE, StrippedString, UtcDateTime

MEETING_KINDS = {"concertation": "Concertation pluriprofessionnelle", "project": "Réunion de projet",
                 "governance": "Gouvernance", "training": "Formation", "other": "Autre"}
ANSWERS = ("yes", "maybe", "no")
CASE_CRITERIA = {"ald": "ALD", "age_75": "75 ans ou plus", "complex": "Autre situation complexe"}
ATTENDANCE_STATUSES = ("present", "excused", "absent")
MEETING_STATUSES = ("scheduled", "cancelled", "closed")
POLL_STATUSES = ("open", "closed")
MAX_SLOTS = 30
MAX_INVITEES = 300
ID = validate.Length(min=1, max=64)


def _time(**kwargs) -> fields.String:
    return fields.String(validate=validate.Regexp(TIME_RE, error="Use HH:MM."), **kwargs)


class LocalSlotSchema(ContractSchema):
    """A date and Paris wall-clock start/end, as people type them."""
    date = fields.Date(required=True)
    start = _time(required=True)
    end = _time(required=True)

    @validates_schema
    def ends_after_start(self, data, **kwargs):
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            raise ValidationError("The end must be after the start.", "end")

    EXAMPLES = [{"date": "2026-12-03", "start": "12:30", "end": "14:00"}]


class PersonSchema(ContractSchema):
    user_id = fields.String(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    profession = fields.String(required=True)

    EXAMPLES = [{"user_id": "7a1c", "first_name": "Paul", "last_name": "Leroy", "profession": "medecin_generaliste"}]


class _MeetingFieldsSchema(ContractSchema):
    title = StrippedString(required=True, validate=validate.Length(min=1, max=160))
    kind = fields.String(required=True, validate=validate.OneOf(tuple(MEETING_KINDS)))
    project_id = fields.String(load_default=None, allow_none=True, validate=ID)
    place = StrippedString(load_default="", validate=validate.Length(max=200))
    visio_url = fields.Url(load_default=None, allow_none=True, schemes={"https", "http"})


# Polls ----------------------------------------------------------------------------------

class PollCreateSchema(_MeetingFieldsSchema):
    description = StrippedString(load_default="", validate=validate.Length(max=2000))
    slots = fields.List(fields.Nested(LocalSlotSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_SLOTS))
    invitee_ids = fields.List(fields.String(validate=ID), load_default=None, allow_none=True,
                              validate=validate.Length(max=MAX_INVITEES))

    EXAMPLES = [{"title": "Concertation de décembre", "kind": "concertation", "place": "Salle de réunion",
                 "slots": [{"date": "2026-12-03", "start": "12:30", "end": "14:00"},
                           {"date": "2026-12-04", "start": "12:30", "end": "14:00"}]}]


class VoteSchema(ContractSchema):
    answers = fields.Dict(keys=fields.String(validate=ID), values=fields.String(validate=validate.OneOf(ANSWERS)),
                          required=True)

    EXAMPLES = [{"answers": {"s1": "yes", "s2": "maybe"}}]


class PollCloseSchema(ContractSchema):
    slot_id = fields.String(required=True, validate=ID)
    agenda = fields.List(StrippedString(validate=validate.Length(min=1, max=300)), load_default=list,
                         validate=validate.Length(max=30))

    EXAMPLES = [{"slot_id": "s1", "agenda": ["Situations complexes du mois"]}]


class TallySchema(ContractSchema):
    yes = fields.Integer(required=True)
    maybe = fields.Integer(required=True)
    no = fields.Integer(required=True)
    score = fields.Integer(required=True)


class SlotSchema(LocalSlotSchema):
    id = fields.String(required=True)
    starts_at = UtcDateTime(required=True)
    ends_at = UtcDateTime(required=True)
    duration_minutes = fields.Integer(required=True)
    tally = fields.Nested(TallySchema, required=True)

    EXAMPLES = [{"id": "s1", "date": "2026-12-03", "start": "12:30", "end": "14:00",
                 "starts_at": "2026-12-03T11:30:00Z", "ends_at": "2026-12-03T13:00:00Z", "duration_minutes": 90,
                 "tally": {"yes": 3, "maybe": 1, "no": 0, "score": 7}}]


class RespondentSchema(PersonSchema):
    answers = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    voted_at = UtcDateTime(required=True)

    EXAMPLES = [{**PersonSchema.EXAMPLES[0], "answers": {"s1": "yes", "s2": "no"}, "voted_at": "2026-11-23T08:00:00Z"}]


class PollSchema(_MeetingFieldsSchema):
    id = fields.String(required=True)
    structure_id = fields.String(required=True)
    description = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(POLL_STATUSES))
    slots = fields.List(fields.Nested(SlotSchema), required=True)
    best_slot_ids = fields.List(fields.String(), required=True)
    invitees = fields.List(fields.Nested(PersonSchema), required=True)
    respondents = fields.List(fields.Nested(RespondentSchema), required=True)
    my_answers = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    created_by = fields.String(required=True)
    created_at = UtcDateTime(required=True)
    closed_at = UtcDateTime(allow_none=True)
    chosen_slot_id = fields.String(allow_none=True)
    meeting_id = fields.String(allow_none=True)

    EXAMPLES = [{"id": "p1", "structure_id": "5b0c", "title": "Concertation de décembre", "kind": "concertation",
                 "project_id": None, "place": "Salle de réunion", "visio_url": None, "description": "",
                 "status": "open", "slots": SlotSchema.EXAMPLES, "best_slot_ids": ["s1"],
                 "invitees": PersonSchema.EXAMPLES,
                 "respondents": [{**PersonSchema.EXAMPLES[0], "answers": {"s1": "yes"},
                                  "voted_at": "2026-11-23T08:00:00Z"}],
                 "my_answers": {"s1": "yes"}, "created_by": "7a1c", "created_at": "2026-11-23T08:00:00Z",
                 "closed_at": None, "chosen_slot_id": None, "meeting_id": None}]


class PollSummarySchema(ContractSchema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True)
    slot_count = fields.Integer(required=True)
    respondent_count = fields.Integer(required=True)
    invitee_count = fields.Integer(required=True)
    answered = fields.Boolean(required=True)
    first_starts_at = UtcDateTime(required=True)
    created_at = UtcDateTime(required=True)
    meeting_id = fields.String(allow_none=True)

    EXAMPLES = [{"id": "p1", "title": "Concertation de décembre", "kind": "concertation", "status": "open",
                 "slot_count": 2, "respondent_count": 1, "invitee_count": 9, "answered": True,
                 "first_starts_at": "2026-12-03T11:30:00Z", "created_at": "2026-11-23T08:00:00Z",
                 "meeting_id": None}]


class PollListQuerySchema(ContractSchema):
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(POLL_STATUSES))

    EXAMPLES = [{"status": "open"}]


# Meetings -------------------------------------------------------------------------------

class MeetingCreateSchema(_MeetingFieldsSchema, LocalSlotSchema):
    agenda = fields.List(StrippedString(validate=validate.Length(min=1, max=300)), load_default=list,
                         validate=validate.Length(max=30))
    invitee_ids = fields.List(fields.String(validate=ID), load_default=list, validate=validate.Length(max=MAX_INVITEES))

    EXAMPLES = [{"title": "Conseil de gestion de la SISA", "kind": "governance", "date": "2026-12-10",
                 "start": "20:00", "end": "21:30", "place": "Salle de réunion", "agenda": ["Budget 2027"],
                 "invitee_ids": ["7a1c"]}]


class MeetingUpdateSchema(MeetingCreateSchema):
    """Every field optional: only what is sent changes (date, start and end go together)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(**kwargs)

    EXAMPLES = [{"place": "Salle du rez-de-chaussée"}, {"date": "2026-12-11", "start": "20:00", "end": "21:30"}]


class CancelSchema(ContractSchema):
    reason = StrippedString(load_default="", validate=validate.Length(max=500))

    EXAMPLES = [{"reason": "Trop d'absents"}]


class DecisionSchema(ContractSchema):
    text = StrippedString(required=True, validate=validate.Length(min=1, max=1000))


class ActionSchema(ContractSchema):
    text = StrippedString(required=True, validate=validate.Length(min=1, max=1000))
    owner_id = fields.String(load_default=None, allow_none=True, validate=ID)
    due_on = fields.Date(load_default=None, allow_none=True)
    to_task = fields.Boolean(load_default=False)
    task_id = fields.String(load_default=None, allow_none=True)
    task_status = fields.String(load_default=None, allow_none=True)


class CaseSchema(ContractSchema):
    code = StrippedString(required=True, validate=validate.Length(min=1, max=20))
    criterion = fields.String(required=True, validate=validate.OneOf(tuple(CASE_CRITERIA)))
    question = StrippedString(load_default="", validate=validate.Length(max=1000))
    decisions = StrippedString(load_default="", validate=validate.Length(max=2000))
    recorded_in_file = fields.Boolean(load_default=False)


class MinutesRequestSchema(ContractSchema):
    notes = fields.String(load_default="", validate=validate.Length(max=20000))
    decisions = fields.List(fields.Nested(DecisionSchema), load_default=list, validate=validate.Length(max=50))
    actions = fields.List(fields.Nested(ActionSchema), load_default=list, validate=validate.Length(max=50))
    cases = fields.List(fields.Nested(CaseSchema), load_default=list, validate=validate.Length(max=100))

    EXAMPLES = [{"notes": "**Tour de table** des situations.", "decisions": [{"text": "Protocole AVK à relire"}],
                 "actions": [{"text": "Relire le protocole AVK", "owner_id": "7a1c", "due_on": "2027-01-15"}],
                 "cases": [{"code": "C-2026-014", "criterion": "ald", "question": "Coordination des soins à domicile",
                            "decisions": "Passage IDE 2x/semaine", "recorded_in_file": True}]}]


class MinutesSchema(MinutesRequestSchema):
    updated_at = UtcDateTime(allow_none=True)
    updated_by = fields.String(allow_none=True)


class AttendanceEntrySchema(ContractSchema):
    user_id = fields.String(required=True, validate=ID)
    status = fields.String(required=True, validate=validate.OneOf(ATTENDANCE_STATUSES))
    minutes = fields.Integer(load_default=None, allow_none=True, strict=True)


class AttendanceRequestSchema(ContractSchema):
    entries = fields.List(fields.Nested(AttendanceEntrySchema), required=True,
                          validate=validate.Length(min=1, max=MAX_INVITEES))

    EXAMPLES = [{"entries": [{"user_id": "7a1c", "status": "present"},
                             {"user_id": "8b2d", "status": "present", "minutes": 60},
                             {"user_id": "9c3e", "status": "excused"}]}]


class AttendanceSchema(PersonSchema):
    status = fields.String(required=True, validate=validate.OneOf(ATTENDANCE_STATUSES))
    minutes = fields.Integer(required=True)

    EXAMPLES = [{**PersonSchema.EXAMPLES[0], "status": "present", "minutes": 75}]


class ReopeningSchema(ContractSchema):
    at = UtcDateTime(required=True)
    by = fields.String(required=True)
    reason = fields.String(required=True)


class ReopenSchema(ContractSchema):
    reason = StrippedString(required=True, validate=validate.Length(min=3, max=500))

    EXAMPLES = [{"reason": "Oubli d'un participant arrivé en retard"}]


class CaseCountsSchema(ContractSchema):
    ald = fields.Integer(required=True)
    age_75 = fields.Integer(required=True)
    complex = fields.Integer(required=True)
    total = fields.Integer(required=True)

    EXAMPLES = [{"ald": 2, "age_75": 1, "complex": 0, "total": 3}]


class MeetingSummarySchema(ContractSchema):
    id = fields.String(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(MEETING_STATUSES))
    date = fields.Date(required=True)
    start = fields.String(required=True)
    end = fields.String(required=True)
    starts_at = UtcDateTime(required=True)
    ends_at = UtcDateTime(required=True)
    duration_minutes = fields.Integer(required=True)
    place = fields.String(required=True)
    visio_url = fields.String(allow_none=True)
    invitee_count = fields.Integer(required=True)
    invited = fields.Boolean(required=True)
    case_counts = fields.Nested(CaseCountsSchema, required=True)
    has_minutes = fields.Boolean(required=True)

    EXAMPLES = [{"id": "m1", "kind": "concertation", "title": "Concertation de décembre", "status": "scheduled",
                 "date": "2026-12-03", "start": "12:30", "end": "14:00", "starts_at": "2026-12-03T11:30:00Z",
                 "ends_at": "2026-12-03T13:00:00Z", "duration_minutes": 90, "place": "Salle de réunion",
                 "visio_url": None, "invitee_count": 6, "invited": True,
                 "case_counts": {"ald": 0, "age_75": 0, "complex": 0, "total": 0}, "has_minutes": False}]


class MeetingSchema(MeetingSummarySchema):
    structure_id = fields.String(required=True)
    project_id = fields.String(allow_none=True)
    project_verified = fields.Boolean(required=True)
    agenda = fields.List(fields.String(), required=True)
    invitees = fields.List(fields.Nested(PersonSchema), required=True)
    organizer_id = fields.String(required=True)
    sequence = fields.Integer(required=True)
    poll_id = fields.String(allow_none=True)
    minutes = fields.Nested(MinutesSchema, required=True)
    attendance = fields.List(fields.Nested(AttendanceSchema), required=True)
    revision = fields.Integer(required=True)
    closed_at = UtcDateTime(allow_none=True)
    closed_by = fields.String(allow_none=True)
    reopenings = fields.List(fields.Nested(ReopeningSchema), required=True)
    cancelled_at = UtcDateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    created_by = fields.String(required=True)
    created_at = UtcDateTime(required=True)
    notice = fields.String(allow_none=True)

    EXAMPLES = [{**MeetingSummarySchema.EXAMPLES[0], "structure_id": "5b0c", "project_id": None,
                 "project_verified": False, "agenda": ["Situations complexes"], "invitees": PersonSchema.EXAMPLES,
                 "organizer_id": "7a1c", "sequence": 0, "poll_id": "p1",
                 "minutes": {"notes": "", "decisions": [], "actions": [], "cases": [], "updated_at": None,
                             "updated_by": None},
                 "attendance": [], "revision": 0, "closed_at": None, "closed_by": None, "reopenings": [],
                 "cancelled_at": None, "cancel_reason": None, "created_by": "7a1c",
                 "created_at": "2026-11-23T08:00:00Z", "notice": None}]


class MeetingListQuerySchema(ContractSchema):
    when = fields.String(load_default="upcoming", validate=validate.OneOf(("upcoming", "past", "all")))
    year = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=2000, max=2100))
    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(tuple(MEETING_KINDS)))

    EXAMPLES = [{"when": "past", "year": 2026}]


# Coordination time and the yearly report -------------------------------------------------

class CoordinationTimeRequestSchema(ContractSchema):
    user_id = fields.String(required=True, validate=ID)
    date = fields.Date(required=True)
    minutes = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=24 * 60, error="Between 1 minute and 24 hours."))
    label = StrippedString(required=True, validate=validate.Length(min=1, max=200))
    request_id = fields.String(load_default=None, allow_none=True, validate=ID)

    EXAMPLES = [{"user_id": "7a1c", "date": "2026-11-20", "minutes": 120, "label": "Préparation du dossier ACI",
                 "request_id": "b7f0c7d2"}]


class CoordinationTimeSchema(PersonSchema):
    id = fields.String(required=True)
    structure_id = fields.String(required=True)
    date = fields.Date(required=True)
    minutes = fields.Integer(required=True)
    label = fields.String(required=True)
    recorded_by = fields.String(required=True)
    recorded_at = UtcDateTime(required=True)

    EXAMPLES = [{**PersonSchema.EXAMPLES[0], "id": "t1", "structure_id": "5b0c", "date": "2026-11-20",
                 "minutes": 120, "label": "Préparation du dossier ACI", "recorded_by": "7a1c",
                 "recorded_at": "2026-11-23T08:00:00Z"}]


class YearQuerySchema(ContractSchema):
    year = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=2000, max=2100))

    EXAMPLES = [{"year": 2026}]


class ReportCsvQuerySchema(YearQuerySchema):
    part = fields.String(load_default="members", validate=validate.OneOf(("members", "concertation")))

    EXAMPLES = [{"year": 2026, "part": "members"}]


class MemberTimeSchema(PersonSchema):
    meetings_attended = fields.Integer(required=True)
    meeting_minutes = fields.Integer(required=True)
    coordination_minutes = fields.Integer(required=True)
    total_minutes = fields.Integer(required=True)

    EXAMPLES = [{**PersonSchema.EXAMPLES[0], "meetings_attended": 1, "meeting_minutes": 90,
                 "coordination_minutes": 120, "total_minutes": 210}]


class ConcertationMeetingSchema(ContractSchema):
    id = fields.String(required=True)
    date = fields.Date(required=True)
    title = fields.String(required=True)
    participants = fields.Integer(required=True)
    case_counts = fields.Nested(CaseCountsSchema, required=True)


class ConcertationSchema(ContractSchema):
    meetings = fields.Integer(required=True)
    target_meetings = fields.Integer(required=True)
    cases = fields.Nested(CaseCountsSchema, required=True)
    recorded_in_file = fields.Integer(required=True)
    meeting_list = fields.List(fields.Nested(ConcertationMeetingSchema), required=True)


class YearlyReportSchema(ContractSchema):
    year = fields.Integer(required=True)
    scope = fields.String(required=True, validate=validate.OneOf(("structure", "self")))
    concertation = fields.Nested(ConcertationSchema, required=True)
    meetings_by_kind = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    members = fields.List(fields.Nested(MemberTimeSchema), required=True)

    EXAMPLES = [{"year": 2026, "scope": "structure",
                 "concertation": {"meetings": 1, "target_meetings": 6, "cases": CaseCountsSchema.EXAMPLES[0],
                                  "recorded_in_file": 3,
                                  "meeting_list": [{"id": "m1", "date": "2026-03-12", "title": "Concertation",
                                                    "participants": 5, "case_counts": CaseCountsSchema.EXAMPLES[0]}]},
                 "meetings_by_kind": {"concertation": 1},
                 "members": [{**PersonSchema.EXAMPLES[0], "meetings_attended": 1, "meeting_minutes": 90,
                              "coordination_minutes": 120, "total_minutes": 210}]}]


# Calendar feed ------------------------------------------------------------------------------

class CalendarFeedSchema(ContractSchema):
    active = fields.Boolean(required=True)
    created_at = UtcDateTime(allow_none=True)
    token = fields.String(allow_none=True)

    EXAMPLES = [{"active": True, "created_at": "2026-11-23T08:00:00Z", "token": None}]


class CalendarFeedLinkSchema(ContractSchema):
    active = fields.Boolean(required=True)
    created_at = UtcDateTime(allow_none=True)
    url = fields.String(allow_none=True)

    EXAMPLES = [{"active": True, "created_at": "2026-11-23T08:00:00Z",
                 "url": "https://maillage.example/api/v1/me/calendar.ics?token=q3Zl0c1Qm9YbXh8W"}]


class CalendarQuerySchema(ContractSchema):
    token = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))

    EXAMPLES = [{"token": "q3Zl0c1Qm9YbXh8W0lqv0lC7rZp6o4N9"}]


# Events ---------------------------------------------------------------------------------------

class ParticipantPayload(ContractSchema):
    user_id = fields.String(required=True)
    profession = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(ATTENDANCE_STATUSES))
    minutes = fields.Integer(required=True)


class MeetingClosedPayload(ContractSchema):
    """A closed meeting's figures. ``revision`` grows at each close: a consumer keeps, per
    ``meeting_id``, only the highest revision it has seen (replace, never add)."""
    meeting_id = fields.String(required=True)
    revision = fields.Integer(required=True, validate=validate.Range(min=1))
    kind = fields.String(required=True, validate=validate.OneOf(tuple(MEETING_KINDS)))
    title = fields.String(required=True)
    project_id = fields.String(allow_none=True)
    date = fields.Date(required=True)
    starts_at = UtcDateTime(required=True)
    ends_at = UtcDateTime(required=True)
    duration_minutes = fields.Integer(required=True)
    case_counts = fields.Nested(CaseCountsSchema, required=True)
    participants = fields.List(fields.Nested(ParticipantPayload), required=True)

    EXAMPLES = [{"meeting_id": "m1", "revision": 1, "kind": "concertation", "title": "Concertation de décembre",
                 "project_id": None, "date": "2026-12-03", "starts_at": "2026-12-03T11:30:00Z",
                 "ends_at": "2026-12-03T13:00:00Z", "duration_minutes": 90,
                 "case_counts": {"ald": 1, "age_75": 1, "complex": 0, "total": 2},
                 "participants": [{"user_id": "7a1c", "profession": "medecin_generaliste", "status": "present",
                                   "minutes": 90},
                                  {"user_id": "8b2d", "profession": "infirmier", "status": "excused", "minutes": 0}]}]


class MeetingReopenedPayload(ContractSchema):
    """The figures of ``revision`` are withdrawn until the meeting is closed again."""
    meeting_id = fields.String(required=True)
    revision = fields.Integer(required=True, validate=validate.Range(min=1))
    reason = fields.String(required=True)

    EXAMPLES = [{"meeting_id": "m1", "revision": 1, "reason": "Oubli d'un participant"}]


class CoordinationTimeRecordedPayload(ContractSchema):
    time_id = fields.String(required=True)
    user_id = fields.String(required=True)
    profession = fields.String(required=True)
    date = fields.Date(required=True)
    minutes = fields.Integer(required=True)
    label = fields.String(required=True)

    EXAMPLES = [{"time_id": "t1", "user_id": "7a1c", "profession": "coordinateur", "date": "2026-11-20",
                 "minutes": 120, "label": "Préparation du dossier ACI"}]


class CoordinationTimeDeletedPayload(ContractSchema):
    time_id = fields.String(required=True)
    user_id = fields.String(required=True)

    EXAMPLES = [{"time_id": "t1", "user_id": "7a1c"}]


EVENTS = {
    "meetings.meeting_closed.v1": MeetingClosedPayload,
    "meetings.meeting_reopened.v1": MeetingReopenedPayload,
    "meetings.coordination_time_recorded.v1": CoordinationTimeRecordedPayload,
    "meetings.coordination_time_deleted.v1": CoordinationTimeDeletedPayload,
}
