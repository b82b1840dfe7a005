"""Contracts of the projects service: projects, tasks (checklist, comments, dependencies),
activity history, the structure dashboard and each member's personal view.

The ACI reference lists (brief, ACI-REFERENCE §1.6) are data here: the preferred protocol
themes of annexe 3 of the ACI MSP, and the topics of the missions de santé publique.
Labels are the official French wording; codes are stable English identifiers.
"""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from .base import ContractSchema
from .fields import StrippedString, UtcDateTime

PROJECT_STATUSES = ("idea", "active", "done", "abandoned")
# idea -> active -> done, or abandoned; a finished or abandoned project may be taken up again.
PROJECT_TRANSITIONS = {
    "idea": ("active", "abandoned"),
    "active": ("done", "abandoned", "idea"),
    "done": ("active",),
    "abandoned": ("idea", "active"),
}
TASK_STATUSES = ("todo", "in_progress", "done")
OPEN_TASK_STATUSES = ("todo", "in_progress")

PROJECT_THEMES = {
    "access": "Accès aux soins",
    "prevention": "Prévention et dépistage",
    "pathways": "Parcours de soins",
    "quality": "Qualité et sécurité des soins",
    "public_health": "Santé publique",
    "team": "Vie d'équipe et coordination",
    "training": "Formation",
    "other": "Autre",
}

ACI_KINDS = {
    "protocol": "Protocole pluriprofessionnel",
    "public_health_mission": "Mission de santé publique",
    "quality": "Démarche qualité",
    "training": "Formation",
    "other": "Autre",
}
# Annexe 3 of the ACI MSP: preferred themes of protocols (7 categories), plus « hors liste »
# (accepted after the opinion of the CPAM medical service).
ACI_PROTOCOL_THEMES = {
    "severe_conditions": "Affections sévères compliquées ou décompensées (insuffisance cardiaque, BPCO, "
                         "asthme instable, troubles psychiatriques sévères)",
    "chronic_conditions": "Pathologies chroniques nécessitant des soins itératifs et prévention de la "
                          "désinsertion socio-professionnelle (lombalgie chronique, syndrome anxio-dépressif)",
    "iatrogenic_risk": "Risque iatrogénique ou équilibre thérapeutique (AVK, insuline)",
    "complex_patients": "Patients complexes ou en perte d'autonomie, maintien à domicile (personne âgée "
                        "fragile, plaies chroniques, polypathologie, soins palliatifs, suites d'AVC)",
    "obesity": "Patients obèses (adultes, enfants)",
    "high_risk_pregnancy": "Grossesses à risque ou dans un contexte psycho-social difficile",
    "psychiatric_or_social": "Soins compliqués par des troubles psychiatriques ou du comportement, ou des "
                             "difficultés sociales ; violences intrafamiliales",
    "off_list": "Hors liste (après avis du service médical de la CPAM)",
}
# Topics of the missions de santé publique listed in the ACI (the ARS may add regional ones).
ACI_MISSION_TOPICS = {
    "vaccination": "Amélioration de la couverture vaccinale",
    "tuberculosis": "Lutte contre la tuberculose",
    "child_obesity": "Surpoids et obésité chez l'enfant",
    "youth_distress_addictions": "Souffrance psychique et conduites addictives des jeunes de 12 à 25 ans",
    "suicide_prevention": "Prévention du suicide",
    "elderly": "Personnes âgées (chutes, nutrition, hydratation, dépression, iatrogénie) hors territoires PAERPA",
    "perinatal_precarity": "Prévention périnatale des femmes en situation de précarité",
    "health_education": "Éducation thérapeutique et éducation à la santé",
    "regional": "Thème régional retenu par l'ARS",
}
PROJECT_SORTS = ("due_on", "-due_on", "title", "-updated_at", "updated_at", "-created_at", "created_at", "status")
MAX_PEOPLE = 300
MAX_CHECKLIST_ITEMS = 100
MAX_DEPENDENCIES = 50
TITLE_MAX = 160
DESCRIPTION_MAX = 20_000


def _dates_in_order(data: dict) -> None:
    if data.get("starts_on") and data.get("due_on") and data["due_on"] < data["starts_on"]:
        raise ValidationError("The due date must be on or after the start date.", "due_on")


def Ids(**kwargs) -> fields.List:  # noqa: N802 - a field factory reads like a type
    """A list of user or task ids (strings), at most ``limit`` of them."""
    limit = kwargs.pop("limit", MAX_PEOPLE)
    return fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                       validate=validate.Length(max=limit), **kwargs)


class AciTagSchema(ContractSchema):
    """What the project counts for in the ACI: a protocol names its annexe-3 theme, a public
    health mission its topic; the other kinds name neither."""
    kind = fields.String(required=True, validate=validate.OneOf(tuple(ACI_KINDS)))
    theme = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(tuple(ACI_PROTOCOL_THEMES)))
    topic = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(tuple(ACI_MISSION_TOPICS)))

    @validates_schema
    def theme_or_topic_as_the_kind_needs(self, data, **kwargs):
        kind = data.get("kind")
        errors = {}
        if kind == "protocol" and not data.get("theme"):
            errors["theme"] = ["A protocol needs its ACI theme (annexe 3)."]
        if kind == "public_health_mission" and not data.get("topic"):
            errors["topic"] = ["A public health mission needs its topic."]
        if kind != "protocol" and data.get("theme"):
            errors["theme"] = ["Only a protocol has an ACI theme."]
        if kind != "public_health_mission" and data.get("topic"):
            errors["topic"] = ["Only a public health mission has a topic."]
        if errors:
            raise ValidationError(errors)

    EXAMPLES = [{"kind": "protocol", "theme": "iatrogenic_risk"},
                {"kind": "public_health_mission", "topic": "vaccination"}, {"kind": "quality"}]


class ProjectCreateSchema(ContractSchema):
    title = StrippedString(required=True, validate=validate.Length(min=1, max=TITLE_MAX))
    description = fields.String(load_default="", validate=validate.Length(max=DESCRIPTION_MAX))
    theme = fields.String(load_default="other", validate=validate.OneOf(tuple(PROJECT_THEMES)))
    aci = fields.Nested(AciTagSchema, load_default=None, allow_none=True)
    lead_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))
    participant_ids = Ids(load_default=list)
    starts_on = fields.Date(load_default=None, allow_none=True)
    due_on = fields.Date(load_default=None, allow_none=True)
    status = fields.String(load_default="idea", validate=validate.OneOf(PROJECT_STATUSES))
    public = fields.Boolean(load_default=False)
    restricted = fields.Boolean(load_default=False)

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        _dates_in_order(data)

    EXAMPLES = [{
        "title": "Protocole AVK", "description": "Suivi de l'INR **entre** infirmières, pharmaciens et médecins.",
        "theme": "pathways", "aci": {"kind": "protocol", "theme": "iatrogenic_risk"},
        "lead_id": "7a1c", "participant_ids": ["8b2d"], "starts_on": "2026-11-23", "due_on": "2027-03-31",
        "status": "active", "public": False, "restricted": False,
    }, {"title": "Groupe de marche"}]


class ProjectUpdateSchema(ContractSchema):
    """Only the fields sent change; ``version`` is the one the client read (409 if stale)."""
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    title = StrippedString(validate=validate.Length(min=1, max=TITLE_MAX))
    description = fields.String(validate=validate.Length(max=DESCRIPTION_MAX))
    theme = fields.String(validate=validate.OneOf(tuple(PROJECT_THEMES)))
    aci = fields.Nested(AciTagSchema, allow_none=True)
    lead_id = fields.String(allow_none=True, validate=validate.Length(min=1, max=64))
    participant_ids = Ids()
    starts_on = fields.Date(allow_none=True)
    due_on = fields.Date(allow_none=True)
    status = fields.String(validate=validate.OneOf(PROJECT_STATUSES))
    archived = fields.Boolean()
    public = fields.Boolean()
    restricted = fields.Boolean()

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        _dates_in_order(data)

    EXAMPLES = [{"version": 1, "status": "active", "due_on": "2027-03-31"}, {"version": 3, "public": True}]


class ProgressSchema(ContractSchema):
    total = fields.Integer(required=True)
    done = fields.Integer(required=True)
    percent = fields.Integer(required=True)
    overdue = fields.Integer(required=True)

    EXAMPLES = [{"total": 4, "done": 1, "percent": 25, "overdue": 1}]


class ProjectSchema(ContractSchema):
    id = fields.String(required=True)
    structure_id = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    theme = fields.String(required=True)
    aci = fields.Nested(AciTagSchema, allow_none=True)
    lead_id = fields.String(allow_none=True)
    participant_ids = fields.List(fields.String(), required=True)
    starts_on = fields.Date(allow_none=True)
    due_on = fields.Date(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(PROJECT_STATUSES))
    archived = fields.Boolean(required=True)
    public = fields.Boolean(required=True)
    restricted = fields.Boolean(required=True)
    created_at = UtcDateTime(required=True)
    created_by = fields.String(required=True)
    updated_at = UtcDateTime(required=True)
    version = fields.Integer(required=True)
    progress = fields.Nested(ProgressSchema, required=True)
    can_edit = fields.Boolean(required=True)

    EXAMPLES = [{
        "id": "p1", "structure_id": "5b0c", "title": "Protocole AVK", "description": "Suivi de l'INR.",
        "theme": "pathways", "aci": {"kind": "protocol", "theme": "iatrogenic_risk", "topic": None},
        "lead_id": "7a1c", "participant_ids": ["8b2d"], "starts_on": "2026-11-23", "due_on": "2027-03-31",
        "status": "active", "archived": False, "public": False, "restricted": False,
        "created_at": "2026-11-23T08:00:00Z", "created_by": "7a1c", "updated_at": "2026-11-23T08:00:00Z",
        "version": 2, "progress": ProgressSchema.EXAMPLES[0], "can_edit": True,
    }]


class MyProjectSchema(ProjectSchema):
    structure_name = fields.String(required=True)
    my_part = fields.String(required=True, validate=validate.OneOf(("lead", "participant")))

    EXAMPLES = [{**ProjectSchema.EXAMPLES[0], "structure_name": "MSP des Tilleuls", "my_part": "lead"}]


class ProjectListQuerySchema(ContractSchema):
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(PROJECT_STATUSES))
    theme = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(tuple(PROJECT_THEMES)))
    aci = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(tuple(ACI_KINDS)))
    lead = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))
    participant = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))
    archived = fields.Boolean(load_default=False)
    q = StrippedString(load_default="", validate=validate.Length(max=100))
    sort = fields.String(load_default="due_on", validate=validate.OneOf(PROJECT_SORTS))

    EXAMPLES = [{"status": "active", "aci": "protocol", "sort": "-updated_at"}, {"participant": "8b2d"}]


class ChecklistItemInputSchema(ContractSchema):
    id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))
    text = StrippedString(required=True, validate=validate.Length(min=1, max=200))
    done = fields.Boolean(load_default=False)


class ChecklistItemSchema(ContractSchema):
    id = fields.String(required=True)
    text = fields.String(required=True)
    done = fields.Boolean(required=True)


def _checklist(**kwargs) -> fields.List:
    return fields.List(fields.Nested(ChecklistItemInputSchema), validate=validate.Length(max=MAX_CHECKLIST_ITEMS),
                       **kwargs)


class TaskCreateSchema(ContractSchema):
    title = StrippedString(required=True, validate=validate.Length(min=1, max=TITLE_MAX))
    notes = fields.String(load_default="", validate=validate.Length(max=DESCRIPTION_MAX))
    assignee_ids = Ids(load_default=list)
    starts_on = fields.Date(load_default=None, allow_none=True)
    due_on = fields.Date(load_default=None, allow_none=True)
    status = fields.String(load_default="todo", validate=validate.OneOf(TASK_STATUSES))
    checklist = _checklist(load_default=list)
    depends_on = Ids(load_default=list, limit=MAX_DEPENDENCIES)

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        _dates_in_order(data)

    EXAMPLES = [{"title": "Rédiger le circuit INR", "notes": "Laboratoire → infirmière → médecin.",
                 "assignee_ids": ["8b2d"], "due_on": "2026-12-15",
                 "checklist": [{"text": "Relire les recommandations HAS"}], "depends_on": []},
                {"title": "Valider en réunion d'équipe"}]


class TaskUpdateSchema(ContractSchema):
    """Only the fields sent change; ``version`` is the one the client read (409 if stale).
    ``checklist`` and ``depends_on`` replace the whole list (checklist items keep their ``id``)."""
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    title = StrippedString(validate=validate.Length(min=1, max=TITLE_MAX))
    notes = fields.String(validate=validate.Length(max=DESCRIPTION_MAX))
    assignee_ids = Ids()
    starts_on = fields.Date(allow_none=True)
    due_on = fields.Date(allow_none=True)
    status = fields.String(validate=validate.OneOf(TASK_STATUSES))
    checklist = _checklist()
    depends_on = Ids(limit=MAX_DEPENDENCIES)

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        _dates_in_order(data)

    EXAMPLES = [{"version": 1, "status": "done"}, {"version": 2, "assignee_ids": ["8b2d"], "due_on": "2026-12-20"}]


class TaskSchema(ContractSchema):
    id = fields.String(required=True)
    structure_id = fields.String(required=True)
    project_id = fields.String(required=True)
    title = fields.String(required=True)
    notes = fields.String(required=True)
    assignee_ids = fields.List(fields.String(), required=True)
    starts_on = fields.Date(allow_none=True)
    due_on = fields.Date(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(TASK_STATUSES))
    checklist = fields.List(fields.Nested(ChecklistItemSchema), required=True)
    depends_on = fields.List(fields.String(), required=True)
    waiting_for = fields.List(fields.String(), required=True)
    overdue = fields.Boolean(required=True)
    comment_count = fields.Integer(required=True)
    created_at = UtcDateTime(required=True)
    created_by = fields.String(required=True)
    updated_at = UtcDateTime(required=True)
    completed_at = UtcDateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)
    version = fields.Integer(required=True)

    EXAMPLES = [{
        "id": "t1", "structure_id": "5b0c", "project_id": "p1", "title": "Rédiger le circuit INR", "notes": "",
        "assignee_ids": ["8b2d"], "starts_on": None, "due_on": "2026-12-15", "status": "in_progress",
        "checklist": [{"id": "c1", "text": "Relire les recommandations HAS", "done": True}],
        "depends_on": ["t0"], "waiting_for": [], "overdue": False, "comment_count": 1,
        "created_at": "2026-11-23T08:00:00Z", "created_by": "7a1c", "updated_at": "2026-11-24T08:00:00Z",
        "completed_at": None, "completed_by": None, "version": 3,
    }]


class CommentCreateSchema(ContractSchema):
    body = StrippedString(required=True, validate=validate.Length(min=1, max=5000))

    EXAMPLES = [{"body": "J'ai appelé le laboratoire : d'accord pour envoyer les INR aux infirmières."}]


class CommentSchema(ContractSchema):
    id = fields.String(required=True)
    task_id = fields.String(required=True)
    author_id = fields.String(required=True)
    author_name = fields.String(required=True)
    body = fields.String(required=True)
    created_at = UtcDateTime(required=True)

    EXAMPLES = [{"id": "m1", "task_id": "t1", "author_id": "8b2d", "author_name": "Anne Morel",
                 "body": "C'est fait.", "created_at": "2026-11-24T08:00:00Z"}]


class ProjectSummarySchema(ContractSchema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)
    archived = fields.Boolean(required=True)
    restricted = fields.Boolean(required=True)
    lead_id = fields.String(allow_none=True)


class TaskDetailSchema(TaskSchema):
    project = fields.Nested(ProjectSummarySchema, required=True)
    comments = fields.List(fields.Nested(CommentSchema), required=True)
    can_edit = fields.Boolean(required=True)
    can_comment = fields.Boolean(required=True)

    EXAMPLES = [{**TaskSchema.EXAMPLES[0],
                 "project": {"id": "p1", "title": "Protocole AVK", "status": "active", "archived": False,
                             "restricted": False, "lead_id": "7a1c"},
                 "comments": CommentSchema.EXAMPLES, "can_edit": True, "can_comment": True}]


class TaskSummarySchema(ContractSchema):
    """A task in the dashboard and the personal view, with where it belongs."""
    id = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)
    starts_on = fields.Date(allow_none=True)
    due_on = fields.Date(allow_none=True)
    overdue = fields.Boolean(required=True)
    assignee_ids = fields.List(fields.String(), required=True)
    waiting_for = fields.List(fields.String(), required=True)
    waiting_for_titles = fields.List(fields.String(), required=True)
    project_id = fields.String(required=True)
    project_title = fields.String(required=True)
    structure_id = fields.String(required=True)
    structure_name = fields.String(allow_none=True)
    version = fields.Integer(required=True)

    EXAMPLES = [{"id": "t1", "title": "Rédiger le circuit INR", "status": "todo", "starts_on": None,
                 "due_on": "2026-11-20", "overdue": True, "assignee_ids": ["8b2d"], "waiting_for": ["t0"],
                 "waiting_for_titles": ["Relire les recommandations HAS"], "project_id": "p1", "project_title": "Protocole AVK", "structure_id": "5b0c",
                 "structure_name": "MSP des Tilleuls", "version": 2}]


class MyTasksQuerySchema(ContractSchema):
    include_done = fields.Boolean(load_default=False)

    EXAMPLES = [{"include_done": True}]


class ActivitySchema(ContractSchema):
    id = fields.String(required=True)
    project_id = fields.String(required=True)
    project_title = fields.String(required=True)
    task_id = fields.String(allow_none=True)
    at = UtcDateTime(required=True)
    actor_id = fields.String(allow_none=True)
    actor_name = fields.String(required=True)
    action = fields.String(required=True)
    details = fields.Dict(required=True)
    for_user_id = fields.String(allow_none=True)

    EXAMPLES = [{"id": "h1", "project_id": "p1", "project_title": "Protocole AVK", "task_id": "t1",
                 "at": "2026-11-24T08:00:00Z", "actor_id": "8b2d", "actor_name": "Anne Morel",
                 "action": "task.status_changed", "details": {"title": "Rédiger le circuit INR", "from": "todo",
                                                              "to": "done"}, "for_user_id": None}]


class ActivityQuerySchema(ContractSchema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))

    EXAMPLES = [{"limit": 20}]


class CountSchema(ContractSchema):
    code = fields.String(required=True)
    count = fields.Integer(required=True)


class DashboardProjectSchema(ContractSchema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)
    theme = fields.String(required=True)
    aci = fields.Nested(AciTagSchema, allow_none=True)
    lead_id = fields.String(allow_none=True)
    due_on = fields.Date(allow_none=True)
    progress = fields.Nested(ProgressSchema, required=True)


class DashboardSchema(ContractSchema):
    structure_id = fields.String(required=True)
    today = fields.Date(required=True)
    week = fields.List(fields.Date(), required=True)       # this week, Monday and Sunday
    next_week = fields.List(fields.Date(), required=True)  # next week, Monday and Sunday
    active_projects = fields.List(fields.Nested(DashboardProjectSchema), required=True)
    overdue = fields.List(fields.Nested(TaskSummarySchema), required=True)
    due_this_week = fields.List(fields.Nested(TaskSummarySchema), required=True)
    due_next_week = fields.List(fields.Nested(TaskSummarySchema), required=True)
    recent_activity = fields.List(fields.Nested(ActivitySchema), required=True)
    aci_counts = fields.List(fields.Nested(CountSchema), required=True)
    status_counts = fields.List(fields.Nested(CountSchema), required=True)

    EXAMPLES = [{
        "structure_id": "5b0c", "today": "2026-11-25", "week": ["2026-11-23", "2026-11-29"],
        "next_week": ["2026-11-30", "2026-12-06"],
        "active_projects": [{"id": "p1", "title": "Protocole AVK", "status": "active", "theme": "pathways",
                             "aci": {"kind": "protocol", "theme": "iatrogenic_risk", "topic": None},
                             "lead_id": "7a1c", "due_on": "2027-03-31", "progress": ProgressSchema.EXAMPLES[0]}],
        "overdue": TaskSummarySchema.EXAMPLES, "due_this_week": [], "due_next_week": [],
        "recent_activity": ActivitySchema.EXAMPLES,
        "aci_counts": [{"code": "protocol", "count": 2}, {"code": "none", "count": 1}],
        "status_counts": [{"code": "idea", "count": 1}, {"code": "active", "count": 2}],
    }]


# Events -------------------------------------------------------------------------------

class PublicProjectSchema(ContractSchema):
    """What a public project shows on the structure's website: no people, no tasks."""
    id = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    theme = fields.String(required=True)
    aci = fields.Nested(AciTagSchema, allow_none=True)
    status = fields.String(required=True)
    starts_on = fields.String(allow_none=True)
    due_on = fields.String(allow_none=True)


class ProjectPublishedPayload(ContractSchema):
    project = fields.Nested(PublicProjectSchema, required=True)

    EXAMPLES = [{"project": {"id": "p2", "title": "Dépistage BPCO", "description": "Un questionnaire en "
                             "salle d'attente et une spirométrie chez le pharmacien.", "theme": "prevention",
                             "aci": {"kind": "protocol", "theme": "severe_conditions", "topic": None},
                             "status": "active", "starts_on": "2026-11-02", "due_on": "2027-06-30"}}]


class ProjectUnpublishedPayload(ContractSchema):
    project_id = fields.String(required=True)

    EXAMPLES = [{"project_id": "p2"}]


class TaskCompletedPayload(ContractSchema):
    task_id = fields.String(required=True)
    project_id = fields.String(required=True)
    project_title = fields.String(required=True)
    title = fields.String(required=True)
    aci = fields.Nested(AciTagSchema, allow_none=True)
    assignee_ids = fields.List(fields.String(), required=True)
    completed_by = fields.String(required=True)
    completed_at = fields.String(required=True)

    EXAMPLES = [{"task_id": "t1", "project_id": "p1", "project_title": "Protocole AVK",
                 "title": "Rédiger le circuit INR", "aci": {"kind": "protocol", "theme": "iatrogenic_risk",
                                                            "topic": None},
                 "assignee_ids": ["8b2d"], "completed_by": "8b2d", "completed_at": "2026-11-24T08:00:00Z"}]


EVENTS = {
    "projects.project_published.v1": ProjectPublishedPayload,
    "projects.project_unpublished.v1": ProjectUnpublishedPayload,
    "projects.task_completed.v1": TaskCompletedPayload,
}
