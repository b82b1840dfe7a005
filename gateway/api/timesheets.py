"""Coordination time (not tied to a meeting) and the yearly concertation and time report."""
from __future__ import annotations

from flask import Blueprint
from maillage_shared.contracts.meetings import (
    CoordinationTimeRequestSchema,
    CoordinationTimeSchema,
    ReportCsvQuerySchema,
    YearlyReportSchema,
    YearQuerySchema,
)

from ..context import current_user_id, rpc
from . import API_PREFIX, endpoint
from .downloads import csv_response

bp = Blueprint("meetings_time", __name__, url_prefix=API_PREFIX)


@endpoint(bp, "/structures/<sid>/coordination-time", "POST", summary="Record coordination time for a member",
          tags=["time"], auth="tenant", role="coordinator", body=CoordinationTimeRequestSchema(),
          response=CoordinationTimeSchema(), status=201,
          description="E.g. 120 minutes « préparation du dossier ACI ». Send a `request_id` of your choosing: "
                      "a retried request then returns the record already made instead of counting twice.")
def record_time(sid, body):
    return rpc("meetings", "record_coordination_time", current_user_id(), sid, body)


@endpoint(bp, "/structures/<sid>/coordination-time", "GET", summary="Coordination time of a year",
          tags=["time"], auth="tenant", query=YearQuerySchema(), response=CoordinationTimeSchema(many=True),
          description="Coordinators see everyone's; members see their own.")
def list_time(sid, query):
    return rpc("meetings", "list_coordination_time", current_user_id(), sid, query)


@endpoint(bp, "/structures/<sid>/coordination-time/<time_id>", "DELETE", summary="Delete a coordination time record",
          tags=["time"], auth="tenant", role="coordinator", status=204)
def delete_time(sid, time_id):
    rpc("meetings", "delete_coordination_time", current_user_id(), sid, time_id)


@endpoint(bp, "/structures/<sid>/reports/meetings", "GET",
          summary="The year's concertation count and each member's meeting and coordination time",
          tags=["reports"], auth="tenant", query=YearQuerySchema(), response=YearlyReportSchema(),
          description="Closed meetings only, by Paris date; default the current year. Coordinators see every "
                      "member; the others their own line (`scope`).")
def yearly_report(sid, query):
    return rpc("meetings", "yearly_report", current_user_id(), sid, query)


@endpoint(bp, "/structures/<sid>/reports/meetings.csv", "GET", summary="The yearly report as CSV",
          tags=["reports"], auth="tenant", query=ReportCsvQuerySchema(),
          description="`part=members` (time per member, default) or `part=concertation` (meetings and cases per "
                      "criterion). `;`-separated UTF-8 with a byte-order mark.")
def yearly_report_csv(sid, query):
    text = rpc("meetings", "yearly_report_csv", current_user_id(), sid, query)
    return csv_response(text, f"reunions-{query.get('part', 'members')}-{query.get('year', 'annee')}.csv")
