"""Contracts of the finance service: the yearly ACI declaration and page, payments, the
distribution policy and the live shares, the annual report, catalogue overrides, events.

Money is integer cents everywhere (``*_cents``); points are numbers with two decimals at most.
Catalogue-specific codes (indicators, CPTS missions) are checked by the service against the
catalogue of the year (unknown code → 400 naming ``indicators.<code>``).
"""
from __future__ import annotations

from marshmallow import fields, validate

from .base import ContractSchema
from .fields import StrippedString, UtcDateTime
from .projects import ACI_MISSION_TOPICS

STRUCTURE_KINDS = ("msp", "cpts", "cds")
INDICATOR_CLASSES = ("prerequisite", "core", "optional", "operating")
INDICATOR_STATUSES = ("met", "partial", "not_met", "not_declared")
PAYMENT_KINDS = ("advance", "balance", "other", "repayment")
POLICY_BASES = ("expected", "received", "fixed")
RESERVE_KINDS = ("none", "fixed", "percent")
KEY_KINDS = ("meeting_minutes", "coordination_time", "equal_share")
KEY_SCOPES = ("all", "concertation")
CAP_EXCESS = ("redistribute", "structure")
MAX_MONEY_CENTS = 10_000_000_000  # €100 M: anything above is a typing mistake
ID = validate.Length(min=1, max=64)


# Reasons the service gives (``code`` → English text with %(parameters)s); clients translate
# the text, with the parameters, through their own catalogues.
REASON_MESSAGES = {
    # declarations
    "not_declared": "Not declared yet.",
    "declare_patientele": "Declare the médecin-traitant patientèle of the partner physicians.",
    "declare_professionals": "Declare the number of partner or salaried professionals.",
    "declare_ald_75": "Declare the number of patients aged 75 or more or in ALD, to know the 5 % target.",
    "declare_size_tier": "Declare the CPTS size tier (1 to 4).",
    "opening_span_short": "Open %(hours)s h on weekdays: at least %(minimum)s h are required.",
    "opening_span_reduced": "Open %(hours)s h on weekdays (less than %(full)s h): the CPAM may reduce the points.",
    "opening_conditions": "Saturday-morning opening and unscheduled care every working day are required.",
    "coordination_missing": "A coordination function (a coordinator, with a job description) is required.",
    "coordination_no_time": "No coordination time is recorded on the platform this year.",
    "si_label_missing": "An information system labelled e-santé (standard level) is required.",
    "too_few_meetings": "%(held)s concertation meetings held: at least %(required)s are required.",
    "cases_below_target": "%(cases)s cases discussed for a target of %(target)s (5 %% of %(patients)s patients): "
                          "the points are prorated.",
    "cases_below_target_all_or_nothing": "%(cases)s cases discussed for a target of %(target)s: not met.",
    "no_protocol": "No validated protocol with an ACI theme.",
    "protocols_over_max": "%(count)s protocols: at most %(max)s are paid.",
    "protocol_without_theme": "%(count)s validated protocols have no ACI theme and do not count.",
    "protocol_off_list": "%(count)s protocols are outside the annexe-3 list: the CPAM medical service must agree.",
    "missions_over_max": "%(count)s missions done: at most %(max)s are paid.",
    "no_mission": "No public health mission done this year.",
    "trainees_below_min": "%(count)s internships: at least %(minimum)s are required.",
    "crisis_plan_missing": "A crisis preparation plan is required.",
    "level_zero": "Level 0: nothing is paid.",
    "value_missing": "The catalogue has no value for %(path)s: an instance admin must set it.",
    "unverified_value": "Some values are graded C (reconstructions): check them against the official text.",
    # CPTS
    "mission_not_started": "The mission has not started.",
    "crisis_not_recognised": "The variable part is paid only when the ARS recognises a crisis.",
    "actions_over_variable": "The achieved actions exceed the variable part: it is capped.",
    "ceiling_applied": "The total is capped at the ceiling of the size tier (%(ceiling)s).",
    # distribution
    "fixed_amounts_scaled": "The fixed amounts exceed what is left after the reserve: they are reduced in proportion.",
    "no_measure": "No key has anything to share on yet (no meeting, no coordination time, no partner): the amount "
                  "stays undistributed for now.",
    "pass_cap_kept": "Amounts above the PASS cap stay with the structure.",
    # whole file
    "prerequisites_not_met": "Prerequisites not met: nothing will be paid for this year.",
    "prerequisites_not_met_guarantee": "Prerequisites not met: only the new-structure minimum will be paid.",
    "prerequisite_missing": "%(label)s: %(reason)s",
    "contract_not_started": "The contract starts after this year: nothing is due.",
    "prorated_contract": "The contract started on %(date)s: amounts are prorated (%(percent)s %% of the year).",
    "guarantee_applied": "New structure: the minimum of %(minimum)s applies (year %(nth)s of %(years)s).",
    "schedule_unknown": "The payment schedule of this scheme is not in the catalogue.",
    "anniversary_unknown": "Declare the contract's signing date to know the due dates.",
}


def Cents(required: bool = False, minimum: int = 0, **kwargs) -> fields.Integer:  # noqa: N802 - a field factory
    error = "Must be 0 or more (in cents)." if minimum == 0 else f"Must be at least {minimum} (in cents)."
    if required:
        kwargs["required"] = True
    return fields.Integer(strict=True, validate=validate.Range(min=minimum, max=MAX_MONEY_CENTS, error=error), **kwargs)


def Count(maximum: int, **kwargs) -> fields.Integer:  # noqa: N802
    return fields.Integer(strict=True, allow_none=True, load_default=None,
                          validate=validate.Range(min=0, max=maximum, error=f"Must be between 0 and {maximum}."),
                          **kwargs)


# Declaration -------------------------------------------------------------------------------

class DeclaredIndicatorSchema(ContractSchema):
    """What the structure declares for one indicator; each rule reads the fields it needs."""
    met = fields.Boolean(load_default=None, allow_none=True)
    level = Count(3)
    count = Count(1000)
    hours = fields.Float(load_default=None, allow_none=True,
                         validate=validate.Range(min=0, max=24, error="Between 0 and 24 hours."))
    meetings = Count(1000)
    cases = Count(100_000)
    note = StrippedString(load_default="", validate=validate.Length(max=500))


class MissionDeclarationSchema(ContractSchema):
    """A public health mission of an MSP (max 2 paid)."""
    title = StrippedString(required=True, validate=validate.Length(min=1, max=160))
    topic = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(tuple(ACI_MISSION_TOPICS)))
    lead_id = fields.String(load_default=None, allow_none=True, validate=ID)
    done = fields.Boolean(load_default=False)


class CptsActionSchema(ContractSchema):
    """An action indicator of a CPTS mission's variable part, with its deliverables."""
    label = StrippedString(required=True, validate=validate.Length(min=1, max=200))
    amount_cents = Cents(required=True)
    achieved = fields.Boolean(load_default=False)
    deliverables = fields.List(StrippedString(validate=validate.Length(min=1, max=200)), load_default=list,
                               validate=validate.Length(max=20))


class CptsMissionDeclarationSchema(ContractSchema):
    started = fields.Boolean(load_default=False)
    variable_percent = fields.Integer(load_default=None, allow_none=True, strict=True,
                                      validate=validate.Range(min=0, max=100, error="Between 0 and 100."))
    actions = fields.List(fields.Nested(CptsActionSchema), load_default=list, validate=validate.Length(max=30))
    lead_id = fields.String(load_default=None, allow_none=True, validate=ID)


class DeclarationRequestSchema(ContractSchema):
    patientele = Count(500_000)
    partner_professionals = Count(1000)
    ald_or_75_patients = Count(500_000)
    ipa_present = fields.Boolean(load_default=False)
    crisis_occurred = fields.Boolean(load_default=False)
    contract_signed_on = fields.Date(load_default=None, allow_none=True)
    new_structure = fields.Boolean(load_default=False)
    size_tier = fields.Integer(load_default=None, allow_none=True, strict=True,
                               validate=validate.Range(min=1, max=4, error="A CPTS size tier is 1, 2, 3 or 4."))
    early_signatory = fields.Boolean(load_default=False)
    indicators = fields.Dict(keys=fields.String(validate=ID), values=fields.Nested(DeclaredIndicatorSchema),
                             load_default=dict)
    missions = fields.List(fields.Nested(MissionDeclarationSchema), load_default=list,
                           validate=validate.Length(max=10))
    cpts_missions = fields.Dict(keys=fields.String(validate=ID), values=fields.Nested(CptsMissionDeclarationSchema),
                                load_default=dict)
    notes = StrippedString(load_default="", validate=validate.Length(max=2000))

    EXAMPLES = [{
        "patientele": 2410, "partner_professionals": 11, "ald_or_75_patients": 2410, "ipa_present": False,
        "indicators": {"opening_hours": {"hours": 12, "met": True}, "coordination": {"met": True},
                       "si_label": {"level": 1}, "crisis_response": {"met": True}, "trainees": {"count": 2}},
        "missions": [{"title": "Couverture vaccinale", "topic": "vaccination", "done": True}],
    }, {"size_tier": 2, "contract_signed_on": "2023-04-15",
        "cpts_missions": {"access": {"started": True, "variable_percent": 80},
                          "pathways": {"started": True, "actions": [
                              {"label": "Parcours insuffisance cardiaque", "amount_cents": 500000, "achieved": True,
                               "deliverables": ["Feuilles d'émargement", "Comptes rendus"]}]}}}]


class DeclarationSchema(DeclarationRequestSchema):
    year = fields.Integer(required=True)
    structure_kind = fields.String(required=True)
    version = fields.Integer(required=True)
    updated_at = UtcDateTime(allow_none=True)
    updated_by = fields.String(allow_none=True)

    EXAMPLES = [{**DeclarationRequestSchema.EXAMPLES[0], "year": 2026, "structure_kind": "msp", "version": 3,
                 "updated_at": "2026-11-23T08:00:00Z", "updated_by": "7a1c"}]


# The ACI page ------------------------------------------------------------------------------

class ReasonSchema(ContractSchema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    params = fields.Dict(required=True)
    indicator = fields.String()
    cause = fields.Dict()


class SourcedValueSchema(ContractSchema):
    path = fields.String(required=True)
    value = fields.Raw(allow_none=True)
    grade = fields.String(required=True, validate=validate.OneOf(("A", "B", "C")))
    source = fields.String(required=True)
    note = fields.String(required=True)
    overridden = fields.Boolean(required=True)
    original = fields.Raw(allow_none=True)


class IndicatorSchema(ContractSchema):
    code = fields.String(required=True)
    label = fields.String(required=True)
    axis = fields.String(required=True)
    class_ = fields.String(data_key="class", attribute="class", required=True,
                           validate=validate.OneOf(INDICATOR_CLASSES))
    status = fields.String(required=True, validate=validate.OneOf(INDICATOR_STATUSES))
    fixed_points = fields.Float(required=True)
    variable_points = fields.Float(required=True)
    points = fields.Float(required=True)
    max_points = fields.Float(required=True)
    amount_cents = fields.Integer(required=True)
    earned_cents = fields.Integer(required=True)
    potential_cents = fields.Integer(required=True)
    missing = fields.List(fields.Nested(ReasonSchema), required=True)
    inputs = fields.Dict(required=True)
    evidence = fields.Dict(required=True)
    values = fields.List(fields.Nested(SourcedValueSchema), required=True)


class CptsMissionSchema(ContractSchema):
    code = fields.String(required=True)
    label = fields.String(required=True)
    class_ = fields.String(data_key="class", attribute="class", required=True)
    included = fields.Boolean(required=True)
    started = fields.Boolean(required=True)
    lead_id = fields.String(allow_none=True)
    fixed_max_cents = fields.Integer(required=True)
    variable_max_cents = fields.Integer(required=True)
    variable_percent = fields.Integer(allow_none=True)
    fixed_cents = fields.Integer(required=True)
    variable_cents = fields.Integer(required=True)
    amount_cents = fields.Integer(required=True)
    actions = fields.List(fields.Nested(CptsActionSchema), required=True)
    missing = fields.List(fields.Nested(ReasonSchema), required=True)
    values = fields.List(fields.Nested(SourcedValueSchema), required=True)


class CatalogueSummarySchema(ContractSchema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    legal_text = fields.String(required=True)
    unit = fields.String(required=True)
    years = fields.Dict(required=True)
    unverified_values = fields.Integer(required=True)
    overridden_values = fields.Integer(required=True)


class GuaranteeSchema(ContractSchema):
    applies = fields.Boolean(required=True)
    applied = fields.Boolean(required=True)
    minimum_cents = fields.Integer(allow_none=True)
    advance_cents = fields.Integer(allow_none=True)
    nth_year = fields.Integer(allow_none=True)
    years = fields.Integer(allow_none=True)


class TotalsSchema(ContractSchema):
    points = fields.Float(required=True)
    amount_cents = fields.Integer(required=True)
    by_class_cents = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    advance_base_cents = fields.Integer(required=True)
    guarantee = fields.Nested(GuaranteeSchema, required=True)


class RemunerationSchema(ContractSchema):
    year = fields.Integer(required=True)
    structure_kind = fields.String(required=True)
    catalogue = fields.Nested(CatalogueSummarySchema, required=True)
    unit = fields.String(required=True)
    point_value_cents = fields.Integer(allow_none=True)
    size_tier = fields.Integer(allow_none=True)
    prerequisites_met = fields.Boolean(required=True)
    not_paid_reasons = fields.List(fields.Nested(ReasonSchema), required=True)
    coverage_percent = fields.Float(required=True)
    notes = fields.List(fields.Nested(ReasonSchema), required=True)
    warnings = fields.List(fields.Nested(ReasonSchema), required=True)
    indicators = fields.List(fields.Nested(IndicatorSchema), required=True)
    missions = fields.List(fields.Nested(CptsMissionSchema), required=True)
    totals = fields.Nested(TotalsSchema, required=True)


class ScheduleSchema(ContractSchema):
    advance_percent = fields.Integer(allow_none=True)
    advance_cents = fields.Integer(allow_none=True)
    advance_due_on = fields.String(allow_none=True)
    balance_cents = fields.Integer(allow_none=True)
    balance_due_on = fields.String(allow_none=True)
    total_cents = fields.Integer(required=True)
    notes = fields.List(fields.Nested(ReasonSchema), required=True)


class StructureRefSchema(ContractSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)


class AciPageSchema(ContractSchema):
    year = fields.Integer(required=True)
    structure = fields.Nested(StructureRefSchema, required=True)
    remuneration = fields.Nested(RemunerationSchema, required=True)
    schedule = fields.Nested(ScheduleSchema, required=True)
    declaration = fields.Nested(DeclarationSchema, required=True)
    declared = fields.Boolean(required=True)
    can_edit = fields.Boolean(required=True)
    computed_at = UtcDateTime(required=True)


# Payments ------------------------------------------------------------------------------------

class PaymentRequestSchema(ContractSchema):
    kind = fields.String(required=True, validate=validate.OneOf(PAYMENT_KINDS))
    amount_cents = Cents(required=True, minimum=1)
    received_on = fields.Date(required=True)
    reference = StrippedString(load_default="", validate=validate.Length(max=100))
    note = StrippedString(load_default="", validate=validate.Length(max=500))
    request_id = fields.String(load_default=None, allow_none=True, validate=ID)

    EXAMPLES = [{"kind": "advance", "amount_cents": 2541000, "received_on": "2026-04-28", "reference": "CPAM 35 — avance",
                 "request_id": "b7f0c7d2"}]


class PaymentSchema(ContractSchema):
    id = fields.String(required=True)
    year = fields.Integer(required=True)
    kind = fields.String(required=True)
    amount_cents = fields.Integer(required=True)
    received_on = fields.Date(required=True)
    reference = fields.String(required=True)
    note = fields.String(required=True)
    recorded_by = fields.String(required=True)
    recorded_at = UtcDateTime(required=True)


class PaymentLineSchema(ContractSchema):
    kind = fields.String(required=True)
    expected_cents = fields.Integer(allow_none=True)
    due_on = fields.String(allow_none=True)
    received_cents = fields.Integer(required=True)
    difference_cents = fields.Integer(allow_none=True)


class PaymentComparisonSchema(ContractSchema):
    received_by_kind_cents = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    received_cents = fields.Integer(required=True)
    expected_cents = fields.Integer(required=True)
    difference_cents = fields.Integer(required=True)
    lines = fields.List(fields.Nested(PaymentLineSchema), required=True)


class PaymentsSchema(ContractSchema):
    year = fields.Integer(required=True)
    schedule = fields.Nested(ScheduleSchema, required=True)
    comparison = fields.Nested(PaymentComparisonSchema, required=True)
    payments = fields.List(fields.Nested(PaymentSchema), required=True)


# Distribution policy and shares ----------------------------------------------------------------

class ReserveSchema(ContractSchema):
    kind = fields.String(load_default="none", validate=validate.OneOf(RESERVE_KINDS))
    amount_cents = Cents(load_default=0)
    percent = fields.Float(load_default=0, validate=validate.Range(min=0, max=100,
                                                                   error="A percentage is between 0 and 100."))
    label = StrippedString(load_default="", validate=validate.Length(max=200))


class KeySchema(ContractSchema):
    kind = fields.String(required=True, validate=validate.OneOf(KEY_KINDS))
    weight = fields.Integer(required=True, strict=True,
                            validate=validate.Range(min=0, max=1000, error="A weight is between 0 and 1000."))
    scope = fields.String(load_default="all", validate=validate.OneOf(KEY_SCOPES))
    user_ids = fields.List(fields.String(validate=ID), load_default=list, validate=validate.Length(max=500))


class DeliverablesSchema(ContractSchema):
    per_protocol_cents = Cents(load_default=0)
    per_mission_cents = Cents(load_default=0)
    protocol_authors = fields.Dict(keys=fields.String(validate=ID),
                                   values=fields.List(fields.String(validate=ID), validate=validate.Length(max=20)),
                                   load_default=dict)


class ManualAmountSchema(ContractSchema):
    user_id = fields.String(required=True, validate=ID)
    amount_cents = Cents(required=True)
    label = StrippedString(load_default="", validate=validate.Length(max=200))


class PolicyRequestSchema(ContractSchema):
    basis = fields.String(load_default="expected", validate=validate.OneOf(POLICY_BASES))
    fixed_amount_cents = Cents(load_default=None, allow_none=True)
    reserve = fields.Nested(ReserveSchema, load_default=lambda: {"kind": "none", "amount_cents": 0, "percent": 0,
                                                                  "label": ""})
    keys = fields.List(fields.Nested(KeySchema), load_default=list, validate=validate.Length(max=10))
    deliverables = fields.Nested(DeliverablesSchema, load_default=lambda: {
        "per_protocol_cents": 0, "per_mission_cents": 0, "protocol_authors": {}})
    manual_amounts = fields.List(fields.Nested(ManualAmountSchema), load_default=list,
                                 validate=validate.Length(max=500))
    pass_cap_excess = fields.String(load_default="redistribute", validate=validate.OneOf(CAP_EXCESS))
    note = StrippedString(load_default="", validate=validate.Length(max=1000))

    EXAMPLES = [{"basis": "expected",
                 "reserve": {"kind": "percent", "percent": 30, "label": "Coordinatrice salariée, logiciel, locaux"},
                 "keys": [{"kind": "meeting_minutes", "weight": 2, "scope": "concertation"},
                          {"kind": "coordination_time", "weight": 1}],
                 "deliverables": {"per_protocol_cents": 50000, "per_mission_cents": 0},
                 "note": "Règlement intérieur de la SISA, article 12"}]


class PolicySchema(PolicyRequestSchema):
    year = fields.Integer(required=True)
    structure_kind = fields.String(required=True)
    version = fields.Integer(required=True)
    updated_at = UtcDateTime(allow_none=True)
    updated_by = fields.String(allow_none=True)

    EXAMPLES = [{**PolicyRequestSchema.EXAMPLES[0], "year": 2026, "structure_kind": "msp", "version": 2,
                 "updated_at": "2026-11-23T08:00:00Z", "updated_by": "7a1c"}]


class SharePartSchema(ContractSchema):
    source = fields.String(required=True)
    amount_cents = fields.Integer(required=True)


class ShareSchema(ContractSchema):
    user_id = fields.String(required=True)
    first_name = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    profession = fields.String(allow_none=True)
    amount_cents = fields.Integer(required=True)
    parts = fields.List(fields.Nested(SharePartSchema), required=True)
    measures = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    capped = fields.Boolean(required=True)
    cap_cut_cents = fields.Integer(required=True)


class KeyResultSchema(ContractSchema):
    index = fields.Integer(required=True)
    kind = fields.String(required=True)
    scope = fields.String(allow_none=True)
    weight = fields.Integer(required=True)
    unit = fields.String(required=True)
    total_measure = fields.Integer(required=True)
    pot_cents = fields.Integer(required=True)
    members = fields.Integer(required=True)


class DistributionSchema(ContractSchema):
    year = fields.Integer(required=True)
    structure_kind = fields.String(required=True)
    scope = fields.String(required=True, validate=validate.OneOf(("structure", "self")))
    version = fields.Integer(required=True)
    computed_at = UtcDateTime(allow_none=True)
    policy_version = fields.Integer(required=True)
    basis = fields.String(required=True)
    amount_cents = fields.Integer(required=True)
    reserve_cents = fields.Integer(required=True)
    reserve_label = fields.String(required=True)
    fixed_cents = fields.Integer(required=True)
    distributed_cents = fields.Integer(required=True)
    undistributed_cents = fields.Integer(required=True)
    undistributed_reasons = fields.List(fields.Nested(ReasonSchema), required=True)
    keys = fields.List(fields.Nested(KeyResultSchema), required=True)
    pass_cap_cents = fields.Integer(allow_none=True)
    pass_year = fields.Integer(allow_none=True)
    members = fields.Integer(required=True)
    shares = fields.List(fields.Nested(ShareSchema), required=True)
    my_share = fields.Nested(ShareSchema, allow_none=True)
    warnings = fields.List(fields.Nested(ReasonSchema), required=True)

    EXAMPLES = [{"year": 2026, "structure_kind": "msp", "scope": "structure", "version": 12,
                 "computed_at": "2026-11-23T08:00:00Z", "policy_version": 2, "basis": "expected",
                 "amount_cents": 5000000, "reserve_cents": 1500000, "reserve_label": "Coordination",
                 "fixed_cents": 0, "distributed_cents": 3500000, "undistributed_cents": 0, "undistributed_reasons": [],
                 "keys": [{"index": 0, "kind": "meeting_minutes", "scope": "concertation", "weight": 1,
                           "unit": "minutes", "total_measure": 540, "pot_cents": 3500000, "members": 2}],
                 "pass_cap_cents": None, "pass_year": None, "members": 2,
                 "shares": [{"user_id": "7a1c", "first_name": "Paul", "last_name": "Leroy",
                             "profession": "medecin_generaliste", "amount_cents": 2333333,
                             "parts": [{"source": "key:0", "amount_cents": 2333333}],
                             "measures": {"meeting_minutes": 360}, "capped": False, "cap_cut_cents": 0},
                            {"user_id": "8b2d", "first_name": "Anne", "last_name": "Morel", "profession": "infirmier",
                             "amount_cents": 1166667, "parts": [{"source": "key:0", "amount_cents": 1166667}],
                             "measures": {"meeting_minutes": 180}, "capped": False, "cap_cut_cents": 0}],
                 "my_share": None, "warnings": []}]


class ShareChangeSchema(ContractSchema):
    user_id = fields.String(required=True)
    before_cents = fields.Integer(required=True)
    after_cents = fields.Integer(required=True)


class RecomputationSchema(ContractSchema):
    version = fields.Integer(required=True)
    at = UtcDateTime(required=True)
    cause = fields.Dict(required=True)
    amount_cents = fields.Integer(required=True)
    distributed_cents = fields.Integer(required=True)
    changes = fields.List(fields.Nested(ShareChangeSchema), required=True)


class PolicyChangeSchema(ContractSchema):
    version = fields.Integer(required=True)
    at = UtcDateTime(required=True)
    by = fields.String(required=True)
    changes = fields.List(fields.Dict(), required=True)


class FinanceAuditEntrySchema(ContractSchema):
    id = fields.String(required=True)
    at = UtcDateTime(required=True)
    action = fields.String(required=True)
    actor_id = fields.String(allow_none=True)
    year = fields.Integer(allow_none=True)
    details = fields.Dict(required=True)


class HistorySchema(ContractSchema):
    year = fields.Integer(required=True)
    recomputations = fields.List(fields.Nested(RecomputationSchema), required=True)
    policy_changes = fields.List(fields.Nested(PolicyChangeSchema), required=True)
    audit = fields.List(fields.Nested(FinanceAuditEntrySchema), required=True)


class HistoryQuerySchema(ContractSchema):
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))

    EXAMPLES = [{"limit": 50}]


# Instance admin: catalogue values and their overrides -----------------------------------------

class CatalogueValuesSchema(ContractSchema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    legal_text = fields.String(required=True)
    unit = fields.String(required=True)
    years = fields.Dict(required=True)
    structure_kinds = fields.List(fields.String(), required=True)
    values = fields.List(fields.Nested(SourcedValueSchema), required=True)


class OverrideRequestSchema(ContractSchema):
    catalogue_id = fields.String(required=True, validate=ID)
    path = fields.String(required=True, validate=validate.Length(min=1, max=200))
    value = fields.Raw(load_default=None, allow_none=True)
    clear = fields.Boolean(load_default=False)
    reason = StrippedString(required=True, validate=validate.Length(min=3, max=500))

    EXAMPLES = [{"catalogue_id": "aci_msp_avenant1", "path": "indicators.concertation.variable", "value": 1000,
                 "reason": "Vérifié sur Légifrance, annexe de l'avenant 1"}]


class OverrideChangeSchema(ContractSchema):
    catalogue_id = fields.String(required=True)
    path = fields.String(required=True)
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
    cleared = fields.Boolean(required=True)
    reason = fields.String(required=True)
    by = fields.String(required=True)
    at = UtcDateTime(required=True)


# The annual report ----------------------------------------------------------------------------

class ReportSchema(ContractSchema):
    title = fields.String(required=True)
    generated_at = UtcDateTime(required=True)
    year = fields.Integer(required=True)
    structure = fields.Dict(required=True)
    remuneration = fields.Nested(RemunerationSchema, required=True)
    schedule = fields.Nested(ScheduleSchema, required=True)
    payments = fields.Nested(PaymentsSchema, required=True)
    distribution = fields.Nested(DistributionSchema, required=True)
    policy = fields.Nested(PolicySchema, allow_none=True)
    evidence = fields.Dict(required=True)
    declaration = fields.Nested(DeclarationSchema, required=True)


# Events ----------------------------------------------------------------------------------------

class ShareAmountSchema(ContractSchema):
    user_id = fields.String(required=True)
    amount_cents = fields.Integer(required=True)


class DistributionUpdatedPayload(ContractSchema):
    """The shares of a structure's year changed (a meeting closed or reopened, coordination
    time, a protocol, the policy, the declaration or a payment): the full new shares, and the
    ``version`` of the ledger (a consumer keeps the highest)."""
    year = fields.Integer(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    amount_cents = fields.Integer(required=True)
    reserve_cents = fields.Integer(required=True)
    distributed_cents = fields.Integer(required=True)
    undistributed_cents = fields.Integer(required=True)
    shares = fields.List(fields.Nested(ShareAmountSchema), required=True)
    cause = fields.Dict(required=True)

    EXAMPLES = [{"year": 2026, "version": 13, "amount_cents": 5000000, "reserve_cents": 1500000,
                 "distributed_cents": 3500000, "undistributed_cents": 0,
                 "shares": [{"user_id": "7a1c", "amount_cents": 2333333}, {"user_id": "8b2d", "amount_cents": 1166667}],
                 "cause": {"kind": "event", "type": "meetings.meeting_closed.v1", "event_id": "0f8e"}}]


EVENTS = {
    "finance.distribution_updated.v1": DistributionUpdatedPayload,
}
