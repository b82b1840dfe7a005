"""Labels and helpers of the ACI funding pages: indicator classes and statuses, the inputs each
indicator asks for, money and points in French, and the reasons the finance service sends
(code + English text + parameters), translated through the catalogue with their parameters."""
from __future__ import annotations

import re

from flask_babel import gettext
from maillage_shared.contracts.finance import PAYMENT_KINDS, REASON_MESSAGES
from maillage_shared.contracts.projects import ACI_MISSION_TOPICS

from .i18n import N_

CLASS_LABELS = {"prerequisite": N_("Prerequisite"), "core": N_("Core"), "optional": N_("Optional"),
                "operating": N_("Operating costs")}
STATUS_LABELS = {"met": N_("met"), "partial": N_("partly met"), "not_met": N_("not met"),
                 "not_declared": N_("not declared")}
PAYMENT_KIND_LABELS = {"advance": N_("Advance"), "balance": N_("Balance"), "other": N_("Other payment"),
                       "repayment": N_("Repayment to the CPAM")}
BASIS_LABELS = {"expected": N_("The amount computed for the year"), "received": N_("The payments received"),
                "fixed": N_("An amount the partners set")}
RESERVE_LABELS = {"none": N_("No reserve"), "fixed": N_("A fixed amount"), "percent": N_("A percentage")}
CAP_LABELS = {"redistribute": N_("Goes to the other members"), "structure": N_("Stays with the structure")}
KEY_LABELS = {("meeting_minutes", "all"): N_("Minutes attended, all meetings"),
              ("meeting_minutes", "concertation"): N_("Minutes attended, concertation meetings only"),
              ("coordination_time", None): N_("Recorded coordination time"),
              ("equal_share", None): N_("An equal share per partner")}
KEY_ROWS = (("meeting_minutes", "all"), ("meeting_minutes", "concertation"), ("coordination_time", None),
            ("equal_share", None))
PART_LABELS = {"protocols": N_("Protocols written"), "missions": N_("Missions led"), "manual": N_("Manual amount"),
               "pass_cap": N_("Above the PASS cap"), "pass_cap_redistribution": N_("From others above the cap")}
GRADE_LABELS = {"A": N_("official text"), "B": N_("one reliable source"), "C": N_("unverified reconstruction")}
# What each indicator asks the coordinator (the rest comes from the platform's evidence).
INDICATOR_INPUTS = {
    "opening_hours": ("hours", "met"), "crisis_response": ("met",), "care_diversity": ("level",),
    "cstm_physician": ("met",), "public_health_missions": (), "users_involvement": ("level",),
    "sas_participation": ("level",), "coordination": ("met",), "protocols": ("count",),
    "concertation": ("meetings", "cases"), "trainees": ("count",), "external_coordination": ("met",),
    "quality_approach": ("level",), "cooperation_protocols": ("count",), "heart_failure_pathway": ("met",),
    "child_obesity_pathway": ("met",), "si_label": ("level",), "si_advanced": ("met",), "team_active_file": ("met",),
}
INPUT_LABELS = {
    "hours": N_("Weekday opening span (hours)"), "met": N_("Declared met"), "level": N_("Level reached"),
    "count": N_("Number"), "meetings": N_("Meetings held outside the platform"),
    "cases": N_("Cases discussed outside the platform"),
}
INPUT_HINTS = {
    ("opening_hours", "met"): N_("Open on Saturday morning and unscheduled care every working day."),
    ("protocols", "count"): N_("Validated protocols not recorded on the platform."),
    ("trainees", "count"): N_("Internships hosted this year."),
    ("coordination", "met"): N_("A coordinator with a job description."),
    ("si_label", "level"): N_("0: none, 1: standard level, 2: advanced level."),
    ("sas_participation", "level"): N_("1: at least half the physicians, 2: all of them."),
}


def key_field(kind: str, scope: str | None) -> str:
    return f"key_{kind}_{scope}" if kind == "meeting_minutes" else f"key_{kind}"


def reason_text(reason: dict) -> str:
    """A reason in the page's language (the English text is the msgid)."""
    template = REASON_MESSAGES.get(reason.get("code", ""))
    if template is None:
        return reason.get("message", "")
    params = dict(reason.get("params") or {})
    if reason.get("cause"):
        params["reason"] = reason_text(reason["cause"])
    try:
        return gettext(template, **params) if params else gettext(template)
    except (KeyError, ValueError, TypeError):
        return reason.get("message", "")


def euros(cents) -> str:
    """« 12 345,67 € » (integer cents in, no float on the way)."""
    if cents is None:
        return "—"
    whole, rest = divmod(abs(int(cents)), 100)
    return f"{'-' if cents < 0 else ''}{whole:,}".replace(",", "\u00a0") + f",{rest:02d}\u00a0€"


def points_text(value) -> str:
    return f"{float(value or 0):,.2f}".replace(",", "\u00a0").replace(".", ",").removesuffix(",00")


def hours(minutes: int) -> str:
    whole, rest = divmod(int(minutes or 0), 60)
    return f"{whole} h {rest:02d}" if rest else f"{whole} h"


def label(table: dict, code) -> str:
    return gettext(table[code]) if code in table else (code or "")


def template_helpers() -> dict:
    return {"euros": euros, "points": points_text, "reason_text": reason_text, "hours": hours,
            "class_label": lambda c: label(CLASS_LABELS, c), "status_label": lambda s: label(STATUS_LABELS, s),
            "payment_kind_label": lambda k: label(PAYMENT_KIND_LABELS, k), "grade_label": lambda g: label(GRADE_LABELS, g),
            "part_label": _part_label, "INPUT_LABELS": INPUT_LABELS, "INPUT_HINTS": INPUT_HINTS,
            "MISSION_TOPICS": ACI_MISSION_TOPICS, "PAYMENT_KINDS": PAYMENT_KINDS, "PAYMENT_KIND_LABELS": PAYMENT_KIND_LABELS,
            "BASIS_LABELS": BASIS_LABELS, "RESERVE_LABELS": RESERVE_LABELS, "CAP_LABELS": CAP_LABELS,
            "KEY_LABELS": KEY_LABELS, "KEY_ROWS": KEY_ROWS, "key_field": key_field, "tr": gettext}


def _part_label(source: str) -> str:
    if source.startswith("key:"):
        return gettext("Key %(n)s", n=int(source.split(":")[1]) + 1)
    return label(PART_LABELS, source)


# Catalogue overrides (instance admins) --------------------------------------------------------------
# The finance service's messages about overrides (the French is in messages.po).
OVERRIDE_MESSAGES = (
    N_("No such catalogue."), N_("Unknown value path."), N_("Invalid value."),
    N_("Expected a text such as 04-30."),
    N_("Expected a whole number, 0 or more (points or cents), or null."),
)
NO_VALUE_AT = re.compile(r"^(\S+) has no value at (.+)\.$")


def override_message(text: str) -> str:
    """The service's « <catalogue> has no value at <path>. », in the page's language."""
    match = NO_VALUE_AT.match(text or "")
    if match:
        return gettext("%(catalogue)s has no value at %(path)s.", catalogue=match.group(1), path=match.group(2))
    return text


def catalogue_value(value) -> str:
    """A catalogue value as shown and typed: « 1000 », « 04-30 », « — » for none."""
    return "—" if value is None else str(value)
