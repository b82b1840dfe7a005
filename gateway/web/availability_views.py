"""Leave and on-call periods: declare, list, delete; who is on call on a given day."""
from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, request, url_for
from flask_babel import gettext
from maillage_shared.contracts.identity import AVAILABILITY_KINDS
from maillage_shared.errors import Forbidden, Invalid, NotFound

from ..context import rpc
from .forms import Form
from .i18n import as_date, profession_label, today_in_paris
from .pages import Page, bp, render_page, structure_page


@bp.get("/app/s/<sid>/availability")
def availability(sid: str):
    page = structure_page(sid)
    defaults = {"kind": request.args.get("kind") if request.args.get("kind") in AVAILABILITY_KINDS else "leave",
                "user_id": page.user_id}
    return _availability_page(page, Form(defaults))


@bp.post("/app/s/<sid>/availability")
def declare_availability(sid: str):
    page = structure_page(sid)
    form = Form.from_request()
    starts_on = form.get("starts_on")
    payload = {"kind": form.get("kind"), "starts_on": starts_on, "ends_on": form.get("ends_on") or starts_on,
               "note": form.get("note")}
    if page.is_coordinator and form.get("user_id") and form.get("user_id") != page.user_id:
        payload["user_id"] = form.get("user_id")
    try:
        created = rpc("identity", "declare_availability", page.user_id, sid, payload)
    except (Invalid, Forbidden, NotFound) as exc:
        return _availability_page(page, form.fail(exc), 400 if isinstance(exc, Invalid) else exc.http_status)
    if created["kind"] == "on_call":
        message = gettext("On-call period saved for %(name)s.", name=_full_name(created))
    else:
        message = gettext("Leave saved for %(name)s.", name=_full_name(created))
    flash(message, "success")
    return redirect(url_for("web.availability", sid=sid, date=created["starts_on"]))


@bp.post("/app/s/<sid>/availability/<aid>/delete")
def delete_availability(sid: str, aid: str):
    page = structure_page(sid)
    try:
        rpc("identity", "delete_availability", page.user_id, sid, aid)
    except NotFound:
        flash(gettext("This period had already been deleted."), "info")
    except Forbidden:
        flash(gettext("Only a coordinator can delete someone else's period."), "error")
    else:
        flash(gettext("Period deleted."), "success")
    return redirect(url_for("web.availability", sid=sid))


def _availability_page(page: Page, form: Form, status: int = 200):
    today = today_in_paris()
    asked = request.args.get("date", "")
    day = as_date(asked) or today
    date_error = gettext("Enter a date such as %(example)s.", example=today.isoformat()) \
        if asked and not as_date(asked) else ""
    monday = today - timedelta(days=today.weekday())
    sid = page.sid
    on_call = rpc("identity", "on_call", sid, {"date": day.isoformat()})
    upcoming = rpc("identity", "list_availability", sid, {"starts_on": today.isoformat()})
    away = rpc("identity", "list_availability", sid,
               {"kind": "leave", "starts_on": monday.isoformat(), "ends_on": (monday + timedelta(days=6)).isoformat()})
    members = rpc("identity", "list_members", sid) if page.is_coordinator else []
    member_options = [(m["user_id"], f"{m['first_name']} {m['last_name']} · {profession_label(m['profession'])}")
                      for m in members]
    upcoming = sorted(upcoming, key=lambda a: (str(a["starts_on"]), str(a["ends_on"]), a["last_name"]))
    return render_page("availability.html", page, active="availability", status=status, form=form,
                       day=day, date_error=date_error, on_call=on_call, upcoming=upcoming, away=away, member_options=member_options,
                       today=today, week=(monday, monday + timedelta(days=6)), kinds=AVAILABILITY_KINDS,
                       can_delete=lambda a: page.is_coordinator or a["user_id"] == page.user_id,
                       is_today=(day == today), next_day=(day + timedelta(days=1)), previous_day=(day - timedelta(days=1)))


def _full_name(entry: dict) -> str:
    return f"{entry.get('first_name', '')} {entry.get('last_name', '')}".strip()

