"""The yearly report (concertation count, each member's meeting and coordination time,
CSV downloads), coordination time records, and the user's private calendar link."""
from __future__ import annotations

import uuid

from flask import Response, current_app, flash, redirect, request, url_for
from flask_babel import gettext
from maillage_shared.errors import Forbidden, Invalid, NotFound

from ..context import rpc
from .forms import Form
from .i18n import today_in_paris
from .pages import Page, bp, render_page, structure_page, user_page


def _year() -> int:
    try:
        year = int(request.args.get("year", ""))
    except ValueError:
        return today_in_paris().year
    return year if 2000 <= year <= 2100 else today_in_paris().year


@bp.get("/app/s/<sid>/meetings/report")
def meeting_report(sid: str):
    page = structure_page(sid)
    form = Form({"date": today_in_paris().isoformat(), "request_id": uuid.uuid4().hex})
    return _report_page(page, _year(), form)


def _report_page(page: Page, year: int, form: Form, status: int = 200):
    report = rpc("meetings", "yearly_report", page.user_id, page.sid, {"year": year})
    records = rpc("meetings", "list_coordination_time", page.user_id, page.sid, {"year": year})
    members = rpc("identity", "list_members", page.sid) if page.is_coordinator else []
    return render_page("meeting_report.html", page, active="meetings", status=status, report=report, year=year,
                       records=records, form=form, member_options=[
                           (m["user_id"], f"{m['first_name']} {m['last_name']}") for m in members])


@bp.get("/app/s/<sid>/meetings/report.csv")
def meeting_report_csv(sid: str):
    page = structure_page(sid)
    part = request.args.get("part") if request.args.get("part") in ("members", "concertation") else "members"
    year = _year()
    text = rpc("meetings", "yearly_report_csv", page.user_id, sid, {"year": year, "part": part})
    return Response(text, headers={"Content-Type": "text/csv; charset=utf-8",
                                   "Content-Disposition": f'attachment; filename="reunions-{part}-{year}.csv"'})


@bp.post("/app/s/<sid>/coordination-time")
def record_time(sid: str):
    page = structure_page(sid)
    form = Form.from_request()
    minutes = form.get("minutes")
    payload = {"user_id": form.get("user_id"), "date": form.get("date"), "label": form.get("label"),
               "minutes": int(minutes) if minutes.isdigit() else minutes, "request_id": form.optional("request_id")}
    try:
        record = rpc("meetings", "record_coordination_time", page.user_id, sid, payload)
    except (Invalid, Forbidden) as exc:
        return _report_page(page, _year(), form.fail(exc), exc.http_status)
    flash(gettext("%(minutes)s minutes of coordination recorded for %(name)s.", minutes=record["minutes"],
                  name=f"{record['first_name']} {record['last_name']}"), "success")
    return redirect(url_for("web.meeting_report", sid=sid, year=record["date"][:4]) + "#time")


@bp.post("/app/s/<sid>/coordination-time/<time_id>/delete")
def delete_time(sid: str, time_id: str):
    page = structure_page(sid)
    try:
        rpc("meetings", "delete_coordination_time", page.user_id, sid, time_id)
    except NotFound:
        flash(gettext("This record had already been deleted."), "info")
    else:
        flash(gettext("Coordination time deleted."), "success")
    return redirect(url_for("web.meeting_report", sid=sid, year=request.args.get("year")) + "#time")


@bp.get("/app/me/calendar")
def calendar_link():
    page = user_page()
    state = rpc("meetings", "calendar_feed_status", page.user_id)
    return render_page("calendar_feed.html", page, active="meetings", state=state, url=None)


@bp.post("/app/me/calendar")
def issue_calendar_link():
    page = user_page()
    state = rpc("meetings", "issue_calendar_feed", page.user_id)
    public_url = current_app.extensions["settings"].public_url.rstrip("/")
    url = f"{public_url}/api/v1/me/calendar.ics?token={state['token']}"
    return render_page("calendar_feed.html", page, active="meetings", state=state, url=url)


@bp.post("/app/me/calendar/revoke")
def revoke_calendar_link():
    page = user_page()
    rpc("meetings", "revoke_calendar_feed", page.user_id)
    flash(gettext("Your calendar link is revoked: calendar applications no longer receive your meetings."),
          "success")
    return redirect(url_for("web.calendar_link"))
