"""Labels of the projects' codes and the projects service's messages, for the web pages.

msgids are English (translated in ``gateway/translations``); the ACI lists' French labels
are the official wording of the ACI texts.
"""
from __future__ import annotations

import re

from flask_babel import gettext
from maillage_shared.errors import MaillageError

from .i18n import N_, service_message

PROJECT_STATUS_LABELS = {"idea": N_("Idea"), "active": N_("In progress"), "done": N_("Done"),
                         "abandoned": N_("Abandoned")}
TASK_STATUS_LABELS = {"todo": N_("To do"), "in_progress": N_("Under way"), "done": N_("Done")}
THEME_LABELS = {
    "access": N_("Access to care"), "prevention": N_("Prevention and screening"), "pathways": N_("Care pathways"),
    "quality": N_("Quality and safety of care"), "public_health": N_("Public health"),
    "team": N_("Team life and coordination"), "training": N_("Training"), "other": N_("Other"),
}
ACI_KIND_LABELS = {"protocol": N_("Multi-professional protocol"), "public_health_mission": N_("Public health mission"),
                   "quality": N_("Quality approach"), "training": N_("Training"), "other": N_("Other ACI item"),
                   "none": N_("No ACI tag")}
ACI_THEME_LABELS = {
    "severe_conditions": N_("Severe, complicated or decompensated conditions (heart failure, COPD, unstable asthma, "
                            "severe psychiatric disorders)"),
    "chronic_conditions": N_("Chronic conditions needing repeated care, preventing loss of work (chronic low-back "
                             "pain, anxiety-depression)"),
    "iatrogenic_risk": N_("Iatrogenic risk, therapeutic balance (anticoagulants, insulin)"),
    "complex_patients": N_("Complex patients, loss of autonomy, care at home (frail elderly, chronic wounds, "
                           "palliative care, after a stroke)"),
    "obesity": N_("Obese patients (adults, children)"),
    "high_risk_pregnancy": N_("High-risk pregnancies, difficult psychosocial context"),
    "psychiatric_or_social": N_("Care made harder by psychiatric or behavioural disorders or social difficulties; "
                                "domestic abuse"),
    "off_list": N_("Off the list (after the opinion of the CPAM medical service)"),
}
ACI_TOPIC_LABELS = {
    "vaccination": N_("Vaccination coverage"), "tuberculosis": N_("Tuberculosis"),
    "child_obesity": N_("Overweight and obesity in children"),
    "youth_distress_addictions": N_("Psychological distress and addictions of young people aged 12 to 25"),
    "suicide_prevention": N_("Suicide prevention"),
    "elderly": N_("Elderly people (falls, nutrition, hydration, depression, iatrogenesis)"),
    "perinatal_precarity": N_("Perinatal prevention for women in precarious situations"),
    "health_education": N_("Therapeutic and health education"), "regional": N_("Regional topic chosen by the ARS"),
}
PROJECT_SORT_LABELS = {"due_on": N_("Due date"), "-updated_at": N_("Recently changed"), "title": N_("Title"),
                       "status": N_("Status"), "-created_at": N_("Newest")}
FIELD_LABELS = {"title": N_("title"), "description": N_("description"), "theme": N_("theme"), "aci": N_("ACI tag"),
                "lead_id": N_("lead"), "participant_ids": N_("participants"), "starts_on": N_("start date"),
                "due_on": N_("due date"), "public": N_("public"), "restricted": N_("restricted"),
                "notes": N_("notes"), "assignee_ids": N_("assignees"), "checklist": N_("checklist"),
                "depends_on": N_("dependencies")}

# Messages of the projects service that carry names or titles.
_PATTERNS = (
    (re.compile(r"^Someone else changed this project in the meantime"),
     N_("Someone else changed this project while you were editing it. Check the current values below, then save "
        "again."), ()),
    (re.compile(r"^Someone else changed this task in the meantime"),
     N_("Someone else changed this task while you were editing it. Check the current values below, then save "
        "again."), ()),
    (re.compile(r"^The current version is (\d+)\.$"), N_("The current version is %(n)s."), ("n",)),
    (re.compile(r"^(?:This task waits for|Waiting for) (.+): finish it first\.$"),
     N_("This task waits for %(titles)s: finish it first."), ("titles",)),
    (re.compile(r"^These tasks would wait for each other: (.+)\.$"),
     N_("These tasks would wait for each other: %(chain)s."), ("chain",)),
    (re.compile(r"^Unknown task: (.+)\.$"), N_("This task does not belong to the project."), ()),
    (re.compile(r"^Not on the project's team: (.+)\. Add them to the participants first\.$"),
     N_("Not on the project's team: %(names)s. Add them to the participants first."), ("names",)),
    (re.compile(r"^Unknown assignee: (.+) is not a member of this structure\.$"),
     N_("Unknown assignee: this person is not a member of the structure."), ()),
    (re.compile(r"^Not a member of this structure: (.+)\.$"), N_("This person is not a member of the structure."),
     ()),
    (re.compile(r"^Guests cannot (?:take part in a project|be assigned tasks): (.+)\.$"),
     N_("Guests cannot take part: %(names)s."), ("names",)),
    (re.compile(r"^(.+) is a guest of the structure and cannot lead a project\.$"),
     N_("%(name)s is a guest of the structure and cannot lead a project."), ("name",)),
    (re.compile(r"^Still assigned to open tasks of this project: (.+)\. Reassign those tasks first\.$"),
     N_("Still assigned to open tasks of this project: %(names)s. Reassign those tasks first."), ("names",)),
    (re.compile(r"^From (\w+), a project can only become: (.*)\.$"),
     N_("From « %(current)s », a project can only become: %(allowed)s."), ("current", "allowed")),
    (re.compile(r"^A project cannot go from (\w+) to (\w+)\.$"),
     N_("A project cannot go from « %(current)s » to « %(wanted)s »."), ("current", "wanted")),
)


def project_message(message: str) -> str:
    for pattern, msgid, names in _PATTERNS:
        match = pattern.match(message or "")
        if match:
            values = {name: _status_or_text(value) for name, value in zip(names, match.groups(), strict=True)}
            return gettext(msgid, **values) if values else gettext(msgid)
    return service_message(message)


def _status_or_text(value: str) -> str:
    if value in PROJECT_STATUS_LABELS:
        return gettext(PROJECT_STATUS_LABELS[value])
    if re.fullmatch(r"[a-z_]+(, [a-z_]+)*", value) and all(v in PROJECT_STATUS_LABELS for v in value.split(", ")):
        return ", ".join(gettext(PROJECT_STATUS_LABELS[v]) for v in value.split(", "))
    return value


def translated(exc: MaillageError) -> MaillageError:
    """The same error with its message and field messages in the page's language."""
    copy = type(exc)(project_message(exc.message), {k: project_message(v) for k, v in (exc.fields or {}).items()})
    return copy


def describe_activity(entry: dict) -> str:
    """One line of history in the page's language."""
    details, actor = entry.get("details") or {}, entry.get("actor_name") or gettext("Someone")
    title = details.get("title", "")
    action = entry.get("action")
    if action == "project.created":
        return gettext("%(actor)s created the project.", actor=actor)
    if action == "project.updated":
        return gettext("%(actor)s changed the %(fields)s.", actor=actor, fields=_fields(details))
    if action == "project.status_changed":
        return gettext("%(actor)s moved the project from « %(old)s » to « %(new)s ».", actor=actor,
                       old=_label(PROJECT_STATUS_LABELS, details.get("from")),
                       new=_label(PROJECT_STATUS_LABELS, details.get("to")))
    if action == "project.archived":
        return gettext("%(actor)s archived the project.", actor=actor)
    if action == "project.unarchived":
        return gettext("%(actor)s took the project out of the archive.", actor=actor)
    if action == "task.created":
        return gettext("%(actor)s added the task « %(title)s ».", actor=actor, title=title)
    if action == "task.updated":
        return gettext("%(actor)s changed the %(fields)s of « %(title)s ».", actor=actor, title=title,
                       fields=_fields(details))
    if action == "task.status_changed":
        return gettext("%(actor)s set « %(title)s » to « %(status)s ».", actor=actor, title=title,
                       status=_label(TASK_STATUS_LABELS, details.get("to")))
    if action == "task.commented":
        return gettext("%(actor)s commented on « %(title)s »: %(excerpt)s", actor=actor, title=title,
                       excerpt=details.get("excerpt", ""))
    if action == "member.left":
        text = gettext("%(name)s left the structure.", name=details.get("name") or gettext("A former member"))
        if details.get("tasks"):
            text += " " + gettext("Their open tasks are unassigned: %(tasks)s.",
                                  tasks=", ".join(f"« {t} »" for t in details["tasks"]))
        if details.get("was_lead"):
            text += " " + gettext("The project has no lead any more: choose one.")
        return text
    return action or ""


def _label(table: dict, code: str | None) -> str:
    return gettext(table[code]) if code in table else (code or "")


def _fields(details: dict) -> str:
    return ", ".join(_label(FIELD_LABELS, name) for name in details.get("fields", []))


# Messages the projects service sends back as they are (translated by ``service_message``).
SERVICE_MESSAGES = (
    N_("A restricted project cannot be public."),
    N_("A project needs a lead."),
    N_("The due date must be on or after the start date."),
    N_("A task cannot wait for itself."),
    N_("A protocol needs its ACI theme (annexe 3)."),
    N_("A public health mission needs its topic."),
    N_("Only a protocol has an ACI theme."),
    N_("Only a public health mission has a topic."),
    N_("Only the project's lead and participants, or a coordinator, can change it."),
    N_("Guests can read projects but not change them."),
    N_("Guests can read projects but not create them."),
    N_("Guests can read projects but not comment."),
    N_("This project is archived: take it out of the archive to change it."),
    N_("Project not found."),
    N_("Task not found."),
    N_("Not a valid integer."),
)
