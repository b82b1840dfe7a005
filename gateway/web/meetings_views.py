"""Meetings: the list (upcoming, open polls, past), scheduling one, and the meeting page
with its agenda, invitees, minutes editor (pseudonymous cases), attendance, close/reopen.

The meetings service checks every right again; what the page offers follows the same
rules (organiser or coordinator manage; invitees may write the minutes).
"""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext
from maillage_shared.contracts.meetings import ATTENDANCE_STATUSES, CASE_CRITERIA, MEETING_KINDS
from maillage_shared.errors import Conflict, Forbidden, Invalid, NotFound

from ..context import rpc
from .forms import Form
from .i18n import N_, service_message, today_in_paris
from .meeting_forms import (
    EXTRA_ROWS,
    lines,
    minutes_form_values,
    minutes_number,
    minutes_payload,
    render_markdown,
    row_count,
)
from .meeting_messages import MEETINGS_SERVICE_MESSAGES  # noqa: F401 - extracted for translation
from .pages import Page, bp, render_page, structure_page

KIND_LABELS = {"concertation": N_("Multi-professional concertation"), "project": N_("Project meeting"),
               "governance": N_("Governance"), "training": N_("Training"), "other": N_("Other")}
CRITERION_LABELS = {"ald": N_("Long-term condition (ALD)"), "age_75": N_("Aged 75 or more"),
                    "complex": N_("Other complex situation")}
ATTENDANCE_LABELS = {"present": N_("Present"), "excused": N_("Excused"), "absent": N_("Absent")}
STATUS_LABELS = {"scheduled": N_("Scheduled"), "cancelled": N_("Cancelled"), "closed": N_("Closed")}


def _person_options(members: list[dict]) -> list[tuple[str, str]]:
    return [(m["user_id"], f"{m['first_name']} {m['last_name']}") for m in members]


@bp.get("/app/s/<sid>/meetings")
def meetings(sid: str):
    page = structure_page(sid)
    upcoming = rpc("meetings", "list_meetings", page.user_id, sid, {"when": "upcoming"})
    past = rpc("meetings", "list_meetings", page.user_id, sid, {"when": "past", "year": today_in_paris().year})
    open_polls = rpc("meetings", "list_polls", page.user_id, sid, {"status": "open"})
    return render_page("meetings.html", page, active="meetings", upcoming=upcoming, past=past, polls=open_polls,
                       can_organise=page.role != "guest")


@bp.route("/app/s/<sid>/meetings/new", methods=["GET", "POST"])
def new_meeting(sid: str):
    page = structure_page(sid)
    members = rpc("identity", "list_members", sid)
    if request.method == "GET":
        form = Form({"kind": request.args.get("kind") if request.args.get("kind") in MEETING_KINDS else "concertation",
                     "start": "12:30", "end": "14:00"})
        return _new_meeting_page(page, form, members, [m["user_id"] for m in members])
    form = Form.from_request()
    chosen = request.form.getlist("invitee_ids")
    try:
        meeting = rpc("meetings", "create_meeting", page.user_id, sid, _meeting_payload(form, chosen))
    except (Invalid, Forbidden) as exc:
        return _new_meeting_page(page, form.fail(exc, AGENDA_FIELDS), members, chosen, exc.http_status)
    flash(gettext("Meeting scheduled; the invitations are on their way by e-mail."), "success")
    return redirect(url_for("web.meeting", sid=sid, mid=meeting["id"]))


def _meeting_payload(form: Form, chosen: list[str]) -> dict:
    return {"title": form.get("title"), "kind": form.get("kind"), "date": form.get("date"),
            "start": form.get("start"), "end": form.get("end"), "place": form.get("place"),
            "visio_url": form.optional("visio_url"), "agenda": lines(form.get("agenda")), "invitee_ids": chosen}


AGENDA_FIELDS = {f"agenda.{i}": "agenda" for i in range(30)}


def _new_meeting_page(page: Page, form: Form, members: list[dict], chosen: list[str], status: int = 200):
    return render_page("meeting_new.html", page, active="meetings", status=status, form=form, members=members,
                       chosen=set(chosen), kinds=list(MEETING_KINDS))


@bp.route("/app/s/<sid>/meetings/<mid>/edit", methods=["GET", "POST"])
def edit_meeting(sid: str, mid: str):
    """Change a scheduled meeting; the service e-mails the update (iCalendar SEQUENCE + 1)."""
    page = structure_page(sid)
    found = _meeting(page, mid)
    members = rpc("identity", "list_members", sid)
    if request.method == "GET":
        if not (page.is_coordinator or found["organizer_id"] == page.user_id):
            raise Forbidden("Only the organiser or a coordinator can do this.")
        if found["status"] != "scheduled":
            flash(gettext("Only a scheduled meeting can be changed."), "error")
            return redirect(url_for("web.meeting", sid=sid, mid=mid))
        form = Form({"title": found["title"], "kind": found["kind"], "date": found["date"], "start": found["start"],
                     "end": found["end"], "place": found.get("place") or "", "visio_url": found.get("visio_url") or "",
                     "agenda": "\n".join(found["agenda"])})
        return _edit_meeting_page(page, found, form, members, [p["user_id"] for p in found["invitees"]])
    form = Form.from_request()
    chosen = request.form.getlist("invitee_ids")
    try:
        rpc("meetings", "update_meeting", page.user_id, sid, mid, _meeting_payload(form, chosen))
    except (Invalid, Forbidden, Conflict) as exc:
        return _edit_meeting_page(page, found, form.fail(exc, AGENDA_FIELDS), members, chosen, exc.http_status)
    flash(gettext("Meeting updated; the invitees are told by e-mail."), "success")
    return redirect(url_for("web.meeting", sid=sid, mid=mid))


def _edit_meeting_page(page: Page, found: dict, form: Form, members: list[dict], chosen: list[str],
                       status: int = 200):
    return render_page("meeting_edit.html", page, active="meetings", status=status, form=form, meeting=found,
                       members=members, chosen=set(chosen), kinds=list(MEETING_KINDS))


@bp.get("/app/s/<sid>/meetings/<mid>")
def meeting(sid: str, mid: str):
    page = structure_page(sid)
    return _meeting_page(page, _meeting(page, mid))


def _meeting(page: Page, mid: str) -> dict:
    return rpc("meetings", "get_meeting", page.user_id, page.sid, mid)


def _meeting_page(page: Page, meeting: dict, minutes_form: Form | None = None, attendance_form: Form | None = None,
                  status: int = 200):
    members = rpc("identity", "list_members", page.sid)
    manager = page.is_coordinator or meeting["organizer_id"] == page.user_id
    invited = any(p["user_id"] == page.user_id for p in meeting["invitees"])
    minutes_form = minutes_form or Form(minutes_form_values(meeting["minutes"]))
    people = {p["user_id"]: p for p in meeting["invitees"]}
    people.update({a["user_id"]: a for a in meeting["attendance"]})
    attendance = {a["user_id"]: a for a in meeting["attendance"]}
    attendance_rows = sorted(people.values(), key=lambda p: (p["last_name"].casefold(), p["first_name"].casefold()))
    if attendance_form is None:
        values = {}
        for i, person in enumerate(attendance_rows):
            entry = attendance.get(person["user_id"])
            values[f"entries.{i}.status"] = entry["status"] if entry else "present"
            values[f"entries.{i}.minutes"] = str(entry["minutes"]) if entry and entry["status"] == "present" else ""
        attendance_form = Form(values)
    return render_page(
        "meeting.html", page, active="meetings", status=status, meeting=meeting, manager=manager,
        can_write=manager or (invited and page.role != "guest"), editable=meeting["status"] == "scheduled",
        minutes_form=minutes_form, attendance_form=attendance_form, attendance_rows=attendance_rows,
        action_rows=range(row_count(minutes_form, "actions")), case_rows=range(row_count(minutes_form, "cases")),
        owner_options=_person_options(members), criteria=list(CASE_CRITERIA), statuses=ATTENDANCE_STATUSES,
        notes_html=render_markdown(meeting["minutes"]["notes"]), names={m["user_id"]: m for m in members})


@bp.post("/app/s/<sid>/meetings/<mid>/minutes")
def save_minutes(sid: str, mid: str):
    page = structure_page(sid)
    form = Form.from_request()
    for prefix in ("actions", "cases"):
        if request.form.get(f"add_{prefix}"):
            form.values[f"{prefix}_rows"] = str(row_count(form, prefix) + EXTRA_ROWS)
            return _meeting_page(page, _meeting(page, mid), minutes_form=form)
    payload, field_map = minutes_payload(form)
    try:
        saved = rpc("meetings", "save_minutes", page.user_id, sid, mid, payload)
    except Invalid as exc:
        return _meeting_page(page, _meeting(page, mid), minutes_form=form.fail(exc, field_map), status=400)
    except (Conflict, Forbidden) as exc:
        flash(service_message(exc.message), "error")
        return redirect(url_for("web.meeting", sid=sid, mid=mid))
    flash(gettext("Minutes saved."), "success")
    if saved.get("notice"):
        flash(service_message(saved["notice"]), "info")
    return redirect(url_for("web.meeting", sid=sid, mid=mid) + "#minutes")


@bp.post("/app/s/<sid>/meetings/<mid>/attendance")
def record_attendance(sid: str, mid: str):
    page = structure_page(sid)
    form = Form.from_request()
    entries = []
    for i in range(row_count(form, "entries")):
        entries.append({"user_id": form.get(f"entries.{i}.user_id"), "status": form.get(f"entries.{i}.status"),
                        "minutes": minutes_number(form.get(f"entries.{i}.minutes"))})
    try:
        rpc("meetings", "record_attendance", page.user_id, sid, mid, {"entries": entries})
    except Invalid as exc:
        return _meeting_page(page, _meeting(page, mid), attendance_form=form.fail(exc), status=400)
    except (Conflict, Forbidden) as exc:
        flash(service_message(exc.message), "error")
        return redirect(url_for("web.meeting", sid=sid, mid=mid))
    flash(gettext("Attendance saved."), "success")
    return redirect(url_for("web.meeting", sid=sid, mid=mid) + "#attendance")


@bp.post("/app/s/<sid>/meetings/<mid>/close")
def close_meeting(sid: str, mid: str):
    page = structure_page(sid)
    try:
        rpc("meetings", "close_meeting", page.user_id, sid, mid)
    except (Conflict, Forbidden) as exc:
        flash(service_message(exc.message), "error")
    else:
        flash(gettext("Meeting closed: the minutes and attendance are final and the time is credited."), "success")
    return redirect(url_for("web.meeting", sid=sid, mid=mid))


@bp.post("/app/s/<sid>/meetings/<mid>/reopen")
def reopen_meeting(sid: str, mid: str):
    page = structure_page(sid)
    try:
        rpc("meetings", "reopen_meeting", page.user_id, sid, mid, {"reason": request.form.get("reason", "")})
    except (Conflict, Forbidden, Invalid) as exc:
        flash(gettext("Give the reason for reopening (at least 3 characters).") if isinstance(exc, Invalid)
              else service_message(exc.message), "error")
    else:
        flash(gettext("Meeting reopened; the reason is kept in its history."), "success")
    return redirect(url_for("web.meeting", sid=sid, mid=mid))


@bp.post("/app/s/<sid>/meetings/<mid>/cancel")
def cancel_meeting(sid: str, mid: str):
    page = structure_page(sid)
    try:
        rpc("meetings", "cancel_meeting", page.user_id, sid, mid, {"reason": request.form.get("reason", "")})
    except (Conflict, Forbidden, Invalid, NotFound) as exc:
        flash(service_message(exc.message), "error")
    else:
        flash(gettext("Meeting cancelled; the invitees are told by e-mail."), "success")
    return redirect(url_for("web.meeting", sid=sid, mid=mid))


@bp.app_context_processor
def meeting_labels() -> dict:
    return {"MEETING_KIND_LABELS": KIND_LABELS, "CRITERION_LABELS": CRITERION_LABELS,
            "ATTENDANCE_LABELS": ATTENDANCE_LABELS, "MEETING_STATUS_LABELS": STATUS_LABELS,
            "ANSWER_LABELS": ANSWER_LABELS, "hours": hours}


ANSWER_LABELS = {"yes": N_("Yes"), "maybe": N_("If need be"), "no": N_("No")}


def hours(minutes: int | None) -> str:
    """« 3 h 05 »"""
    minutes = int(minutes or 0)
    return f"{minutes // 60} h {minutes % 60:02d}"
