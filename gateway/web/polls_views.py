"""Date polls: propose slots, answer them, see the tally, close on a slot (→ the meeting)."""
from __future__ import annotations

from flask import Response, flash, redirect, request, url_for
from flask_babel import gettext
from maillage_shared.contracts.meetings import ANSWERS, MEETING_KINDS
from maillage_shared.errors import Conflict, Forbidden, Invalid, NotFound

from ..context import rpc
from .forms import Form
from .i18n import N_, service_message
from .meeting_forms import EXTRA_ROWS, row_count, slots_payload
from .pages import Page, bp, render_page, structure_page

INITIAL_SLOT_ROWS = 3
# The meetings service's message when a closed poll is deleted (extracted for translation).
POLLS_SERVICE_MESSAGES = (N_("This poll is closed: it led to a meeting and cannot be deleted."),)


@bp.route("/app/s/<sid>/polls/new", methods=["GET", "POST"])
def new_poll(sid: str):
    page = structure_page(sid)
    if request.method == "GET":
        return _new_poll_page(page, Form({"kind": "concertation", "slots_rows": str(INITIAL_SLOT_ROWS),
                                          **{f"slots.{i}.start": "12:30" for i in range(INITIAL_SLOT_ROWS)},
                                          **{f"slots.{i}.end": "14:00" for i in range(INITIAL_SLOT_ROWS)}}))
    form = Form.from_request()
    if request.form.get("add_slots"):
        form.values["slots_rows"] = str(row_count(form, "slots") + EXTRA_ROWS)
        return _new_poll_page(page, form)
    slots, field_map = slots_payload(form)
    if not slots:
        form.add_error("slots.0.date", gettext("Propose at least one slot."))
        return _new_poll_page(page, form, 400)
    payload = {"title": form.get("title"), "kind": form.get("kind"), "place": form.get("place"),
               "visio_url": form.optional("visio_url"), "description": form.get("description"), "slots": slots}
    try:
        poll = rpc("meetings", "create_poll", page.user_id, sid, payload)
    except (Invalid, Forbidden) as exc:
        return _new_poll_page(page, form.fail(exc, field_map), exc.http_status)
    flash(gettext("Poll created; the team is asked by e-mail to answer."), "success")
    return redirect(url_for("web.poll", sid=sid, poll_id=poll["id"]))


def _new_poll_page(page: Page, form: Form, status: int = 200):
    return render_page("poll_new.html", page, active="meetings", status=status, form=form,
                       slot_rows=range(row_count(form, "slots")), kinds=list(MEETING_KINDS))


@bp.get("/app/s/<sid>/polls/<poll_id>")
def poll(sid: str, poll_id: str):
    page = structure_page(sid)
    return _poll_page(page, rpc("meetings", "get_poll", page.user_id, sid, poll_id))


def _poll_page(page: Page, found: dict, vote_form: Form | None = None, status: int = 200):
    vote_form = vote_form or Form({f"answers.{slot_id}": answer for slot_id, answer in found["my_answers"].items()})
    return render_page("poll.html", page, active="meetings", status=status, poll=found, vote_form=vote_form,
                       answers=ANSWERS, manager=page.is_coordinator or found["created_by"] == page.user_id,
                       can_delete=page.is_coordinator and found["status"] == "open")


@bp.post("/app/s/<sid>/polls/<poll_id>/votes")
def vote(sid: str, poll_id: str):
    page = structure_page(sid)
    form = Form.from_request()
    answers = {key.split(".", 1)[1]: value for key, value in form.values.items()
               if key.startswith("answers.") and value}
    try:
        rpc("meetings", "vote", page.user_id, sid, poll_id, {"answers": answers})
    except Invalid as exc:
        found = rpc("meetings", "get_poll", page.user_id, sid, poll_id)
        return _poll_page(page, found, form.fail(exc), 400)
    except Conflict as exc:
        flash(service_message(exc.message), "error")
    else:
        flash(gettext("Your answers are saved; you can change them until the poll is closed."), "success")
    return redirect(url_for("web.poll", sid=sid, poll_id=poll_id))


@bp.post("/app/s/<sid>/polls/<poll_id>/close")
def close_poll(sid: str, poll_id: str):
    page = structure_page(sid)
    try:
        meeting = rpc("meetings", "close_poll", page.user_id, sid, poll_id, {"slot_id": request.form.get("slot_id", "")})
    except (Invalid, Conflict, Forbidden) as exc:
        flash(gettext("Choose the slot to keep.") if isinstance(exc, Invalid) else service_message(exc.message),
              "error")
        return redirect(url_for("web.poll", sid=sid, poll_id=poll_id))
    flash(gettext("Poll closed: the meeting is scheduled and the invitations are on their way."), "success")
    return redirect(url_for("web.meeting", sid=sid, mid=meeting["id"]))


@bp.route("/app/s/<sid>/polls/<poll_id>/delete", methods=["GET", "POST"])
def delete_poll(sid: str, poll_id: str):
    """Coordinators delete a poll still open, after a confirmation page."""
    page = structure_page(sid)
    found = rpc("meetings", "get_poll", page.user_id, sid, poll_id)
    if not page.is_coordinator:
        raise Forbidden("Only a coordinator of this structure can do this.")
    if request.method == "GET":
        if found["status"] != "open":
            flash(service_message(POLLS_SERVICE_MESSAGES[0]), "error")
            return redirect(url_for("web.poll", sid=sid, poll_id=poll_id))
        return render_page("poll_delete.html", page, active="meetings", poll=found)
    try:
        rpc("meetings", "delete_poll", page.user_id, sid, poll_id)
    except (Conflict, Forbidden, NotFound) as exc:
        flash(service_message(exc.message), "error")
        return redirect(url_for("web.poll", sid=sid, poll_id=poll_id) if isinstance(exc, Conflict)
                        else url_for("web.meetings", sid=sid))
    flash(gettext("Poll deleted."), "success")
    return redirect(url_for("web.meetings", sid=sid))


@bp.get("/app/s/<sid>/polls/<poll_id>/answers.csv")
def poll_csv(sid: str, poll_id: str):
    page = structure_page(sid)
    text = rpc("meetings", "poll_csv", page.user_id, sid, poll_id)
    return Response(text, headers={"Content-Type": "text/csv; charset=utf-8",
                                   "Content-Disposition": f'attachment; filename="sondage-{poll_id[:8]}.csv"'})
