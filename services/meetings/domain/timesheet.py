"""Time given to the team: meetings attended and coordination time, and the yearly report.

Coordinators record coordination time that is not a meeting (e.g. two hours preparing
the ACI file) for a member; a ``request_id`` makes a retried request return the record
already made instead of counting the time twice. The yearly report counts closed
meetings only (their attendance is final), by Paris date.
"""
from __future__ import annotations

import csv
import io
from datetime import date

from maillage_shared.clock import new_id
from maillage_shared.errors import Invalid, NotFound

from .access import require_coordinator, team
from .context import MeetingsContext
from .model import CLOSED, CONCERTATION, PRESENT, TimeRecord, time_deleted, time_recorded
from .ports import AlreadyExists
from .schedule import year_bounds
from .views import person

ACI_MIN_CONCERTATIONS = 6  # ACI MSP: at least 6 concertation meetings a year (ACI-REFERENCE §5.1)
CRITERIA_FR = {"ald": "ALD", "age_75": "75 ans ou plus", "complex": "Autre situation complexe"}


def record_time(ctx: MeetingsContext, actor_id: str, structure_id: str, request: dict) -> dict:
    actor, members = team(ctx, structure_id, actor_id)
    require_coordinator(actor)
    request_key = f"{structure_id}:{request.get('request_id') or new_id()}"
    existing = ctx.times.by_request_key(request_key)
    if existing is not None:
        return time_view(existing, members)
    member = members.get(request["user_id"])
    if member is None:
        raise Invalid("Coordination time is recorded for a member of the structure.",
                      {"user_id": "Not a member of this structure."})
    if request["date"] > ctx.today():
        raise Invalid("Coordination time is recorded once done.", {"date": "This date is in the future."})
    record = TimeRecord(id=new_id(), structure_id=structure_id, user_id=member.user_id, date=request["date"],
                        minutes=request["minutes"], label=request["label"].strip(), recorded_by=actor_id,
                        recorded_at=ctx.now(), request_key=request_key, person=member.person())
    try:
        ctx.times.add(record, [time_recorded(record)])
    except AlreadyExists:  # the same request, retried while the first one was being written
        return time_view(ctx.times.by_request_key(request_key), members)
    return time_view(record, members)


def list_time(ctx: MeetingsContext, actor_id: str, structure_id: str, query: dict) -> list[dict]:
    """A year's records: all of them for coordinators, one's own for the others."""
    actor, members = team(ctx, structure_id, actor_id)
    year = query.get("year") or ctx.today().year
    records = ctx.times.between(structure_id, date(year, 1, 1), date(year, 12, 31))
    if not actor.is_coordinator:
        records = [r for r in records if r.user_id == actor_id]
    return [time_view(r, members) for r in sorted(records, key=lambda r: (r.date, r.recorded_at), reverse=True)]


def delete_time(ctx: MeetingsContext, actor_id: str, structure_id: str, time_id: str) -> None:
    actor, _ = team(ctx, structure_id, actor_id)
    require_coordinator(actor)
    record = ctx.times.get(structure_id, time_id)
    if record is None:
        raise NotFound("Time record not found.")
    ctx.times.delete(record.id, ctx.now(), [time_deleted(record)])


def time_view(record: TimeRecord, members: dict) -> dict:
    return {**person(record.user_id, members, {record.user_id: record.person}), "id": record.id,
            "structure_id": record.structure_id, "date": record.date, "minutes": record.minutes,
            "label": record.label, "recorded_by": record.recorded_by, "recorded_at": record.recorded_at}


def yearly_report(ctx: MeetingsContext, actor_id: str, structure_id: str, query: dict) -> dict:
    """Concertation count and cases per criterion; each member's meeting and coordination
    time. Coordinators see everyone; the others see their own line."""
    actor, members = team(ctx, structure_id, actor_id)
    year = query.get("year") or ctx.today().year
    starts_from, starts_before = year_bounds(year)
    closed = ctx.meetings.between(structure_id, starts_from, starts_before, status=CLOSED)
    records = ctx.times.between(structure_id, date(year, 1, 1), date(year, 12, 31))
    by_kind: dict[str, int] = {}
    concertations, totals = [], {"ald": 0, "age_75": 0, "complex": 0, "total": 0}
    recorded_in_file = 0
    rows: dict[str, dict] = {}

    def row(user_id: str, snapshot: dict) -> dict:
        if user_id not in rows:
            rows[user_id] = {**person(user_id, members, snapshot), "meetings_attended": 0, "meeting_minutes": 0,
                             "coordination_minutes": 0, "total_minutes": 0}
        return rows[user_id]

    for meeting in closed:
        by_kind[meeting.kind] = by_kind.get(meeting.kind, 0) + 1
        counts = meeting.case_counts()
        present = [u for u, e in meeting.attendance.items() if e["status"] == PRESENT]
        if meeting.kind == CONCERTATION:
            concertations.append({"id": meeting.id, "date": meeting.date, "title": meeting.title,
                                  "participants": len(present), "case_counts": counts})
            for key in totals:
                totals[key] += counts[key]
            recorded_in_file += sum(1 for c in meeting.minutes.get("cases") or [] if c.get("recorded_in_file"))
        for user_id in present:
            line = row(user_id, meeting.people)
            line["meetings_attended"] += 1
            line["meeting_minutes"] += meeting.attendance[user_id]["minutes"]
    for record in records:
        row(record.user_id, {record.user_id: record.person})["coordination_minutes"] += record.minutes
    for line in rows.values():
        line["total_minutes"] = line["meeting_minutes"] + line["coordination_minutes"]
    lines = sorted(rows.values(), key=lambda r: (r["last_name"].casefold(), r["first_name"].casefold()))
    if not actor.is_coordinator:
        lines = [line for line in lines if line["user_id"] == actor_id]
    concertations.sort(key=lambda c: c["date"])
    return {"year": year, "scope": "structure" if actor.is_coordinator else "self",
            "concertation": {"meetings": len(concertations), "target_meetings": ACI_MIN_CONCERTATIONS,
                             "cases": totals, "recorded_in_file": recorded_in_file, "meeting_list": concertations},
            "meetings_by_kind": by_kind, "members": lines}


def report_csv(ctx: MeetingsContext, actor_id: str, structure_id: str, query: dict) -> str:
    """The report for a spreadsheet (``;``-separated UTF-8 with BOM, as French Excel expects)."""
    report = yearly_report(ctx, actor_id, structure_id, query)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    if (query.get("part") or "members") == "concertation":
        writer.writerow(["Date", "Réunion", "Participants présents", *CRITERIA_FR.values(), "Total des cas"])
        for meeting in report["concertation"]["meeting_list"]:
            counts = meeting["case_counts"]
            writer.writerow([meeting["date"].strftime("%d/%m/%Y"), meeting["title"], meeting["participants"],
                             *(counts[k] for k in CRITERIA_FR), counts["total"]])
        cases = report["concertation"]["cases"]
        writer.writerow([f"Total {report['year']}", f"{report['concertation']['meetings']} réunions", "",
                         *(cases[k] for k in CRITERIA_FR), cases["total"]])
        return out.getvalue()
    writer.writerow(["Nom", "Prénom", "Profession", "Réunions", "Minutes en réunion", "Minutes de coordination",
                     "Total (minutes)", "Total (heures)"])
    for line in report["members"]:
        writer.writerow([line["last_name"], line["first_name"], line["profession"], line["meetings_attended"],
                         line["meeting_minutes"], line["coordination_minutes"], line["total_minutes"],
                         hours(line["total_minutes"])])
    return out.getvalue()


def hours(minutes: int) -> str:
    return f"{minutes // 60} h {minutes % 60:02d}"
