"""The finance bounded context's JSON API: the ACI page and declaration of a year, payments,
the distribution policy and the live shares, the annual report (JSON, CSV, PDF), and the
instance admins' catalogue overrides.

Coordinators change everything and see every share; members read the totals and their own
share; the service decides (it asks identity for the role)."""
from __future__ import annotations

import base64

from flask import Blueprint, Response
from maillage_shared.contracts.finance import (
    AciPageSchema,
    CatalogueValuesSchema,
    DeclarationRequestSchema,
    DeclarationSchema,
    DistributionSchema,
    HistoryQuerySchema,
    HistorySchema,
    OverrideChangeSchema,
    OverrideRequestSchema,
    PaymentRequestSchema,
    PaymentsSchema,
    PolicyRequestSchema,
    PolicySchema,
    ReportSchema,
)

from ..context import current_user_id, rpc
from . import API_PREFIX, endpoint
from .downloads import csv_response

bp = Blueprint("finance", __name__, url_prefix=API_PREFIX)

YEAR_HELP = "A year without a catalogue for the structure's kind (e.g. an MSP before 2017) is a 400 naming `year`."


def blueprints() -> list[Blueprint]:
    return [bp]


@endpoint(bp, "/structures/<sid>/aci/<int:year>", "GET", summary="The ACI page of a year", tags=["finance"],
          auth="tenant", response=AciPageSchema(), errors=(403,),
          description="Each indicator with its class, fixed and variable points, the declared inputs, what is met "
                      "and what is missing, points and euros (cents), the evidence the platform has (concertation "
                      "meetings and cases against the 5 % target, validated protocols, coordination time), the "
                      "schedule; a CPTS sees its missions with fixed and variable parts. Computed at each call. "
                      + YEAR_HELP)
def aci_page(sid, year):
    return rpc("finance", "aci_page", current_user_id(), sid, year)


@endpoint(bp, "/structures/<sid>/aci/<int:year>/declaration", "GET", summary="The declared inputs of a year",
          tags=["finance"], auth="tenant", response=DeclarationSchema(), errors=(403,), description=YEAR_HELP)
def get_declaration(sid, year):
    return rpc("finance", "get_declaration", current_user_id(), sid, year)


@endpoint(bp, "/structures/<sid>/aci/<int:year>/declaration", "PUT", summary="Declare a year's inputs (coordinators)",
          tags=["finance"], auth="tenant", role="coordinator", body=DeclarationRequestSchema(),
          response=AciPageSchema(),
          description="Replaces the declaration (patientèle of the partner physicians, partner professionals, "
                      "ALD/≥ 75 patients, per-indicator inputs, missions…) and answers the recomputed ACI page. An "
                      "unknown indicator or mission code, a negative count, a lead who is not a member → 400 naming "
                      "the field. " + YEAR_HELP)
def save_declaration(sid, year, body):
    return rpc("finance", "save_declaration", current_user_id(), sid, year, body)


@endpoint(bp, "/structures/<sid>/finance/<int:year>/payments", "GET",
          summary="Expected advance and balance, payments received and the difference", tags=["finance"],
          auth="tenant", response=PaymentsSchema(), errors=(403,), description=YEAR_HELP)
def payments(sid, year):
    return rpc("finance", "payments", current_user_id(), sid, year)


@endpoint(bp, "/structures/<sid>/finance/<int:year>/payments", "POST", summary="Record a payment received",
          tags=["finance"], auth="tenant", role="coordinator", body=PaymentRequestSchema(),
          response=PaymentsSchema(), status=201,
          description="Send a `request_id` of your choosing: a retried request returns the payments without "
                      "counting twice. `repayment` is money paid back to the CPAM.")
def record_payment(sid, year, body):
    return rpc("finance", "record_payment", current_user_id(), sid, year, body)


@endpoint(bp, "/structures/<sid>/finance/<int:year>/policy", "GET", summary="The distribution policy of a year",
          tags=["finance"], auth="tenant", response=PolicySchema(), errors=(403,), description=YEAR_HELP)
def get_policy(sid, year):
    return rpc("finance", "get_policy", current_user_id(), sid, year)


@endpoint(bp, "/structures/<sid>/finance/<int:year>/policy", "PUT", summary="Set the distribution policy (coordinators)",
          tags=["finance"], auth="tenant", role="coordinator", body=PolicyRequestSchema(), response=PolicySchema(),
          description="The reserve first (fixed cents, or a percentage ≤ 100), then fixed amounts (per protocol "
                      "written, per mission led, manual), then weighted keys (meeting minutes, all meetings or "
                      "concertation only; coordination time; an equal share per partner). All-zero or negative "
                      "weights, a percentage above 100, a share for someone outside the structure → 400 naming the "
                      "field. The change is kept (who, when, what) and the shares are recomputed.")
def set_policy(sid, year, body):
    return rpc("finance", "set_policy", current_user_id(), sid, year, body)


@endpoint(bp, "/structures/<sid>/finance/<int:year>/distribution", "GET", summary="Each member's share, live",
          tags=["finance"], auth="tenant", response=DistributionSchema(), errors=(403,),
          description="Recomputed when a meeting closes or reopens, coordination time is recorded or deleted, a "
                      "protocol is validated, or the policy, declaration or payments change. Shares sum exactly to "
                      "`distributed_cents` (largest remainder in cents). Coordinators see every share (`scope` "
                      "structure); members the totals and `my_share` (`scope` self). CPTS: nobody above one PASS.")
def distribution(sid, year):
    return rpc("finance", "distribution", current_user_id(), sid, year)


@endpoint(bp, "/structures/<sid>/finance/<int:year>/history", "GET",
          summary="Every recomputation and policy change of a year (coordinators)", tags=["finance"], auth="tenant",
          role="coordinator", query=HistoryQuerySchema(), response=HistorySchema())
def history(sid, year, query):
    return rpc("finance", "history", current_user_id(), sid, year, query)


REPORT_HELP = "The annual report (coordinators): structure, indicators, evidence, payments, distribution per member."


@endpoint(bp, "/structures/<sid>/reports/aci/<int:year>.json", "GET", summary="The annual ACI report (JSON)",
          tags=["reports"], auth="tenant", role="coordinator", response=ReportSchema(), description=REPORT_HELP)
def report_json(sid, year):
    return rpc("finance", "report", current_user_id(), sid, year)


@endpoint(bp, "/structures/<sid>/reports/aci/<int:year>.csv", "GET", summary="The annual ACI report (CSV)",
          tags=["reports"], auth="tenant", role="coordinator", binary_response=True,
          description=REPORT_HELP + " `;`-separated UTF-8 with a byte-order mark, one section after the other.")
def report_csv(sid, year):
    return csv_response(rpc("finance", "report_csv", current_user_id(), sid, year), f"rapport-aci-{year}.csv")


@endpoint(bp, "/structures/<sid>/reports/aci/<int:year>.pdf", "GET", summary="The annual ACI report (PDF)",
          tags=["reports"], auth="tenant", role="coordinator", binary_response=True,
          description=REPORT_HELP + " French, dated, paginated; `application/pdf`.")
def report_pdf(sid, year):
    pdf = base64.b64decode(rpc("finance", "report_pdf", current_user_id(), sid, year))
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="rapport-aci-{year}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@endpoint(bp, "/admin/finance/catalogues", "GET", summary="Every ACI catalogue value with its source and grade",
          tags=["admin"], response=CatalogueValuesSchema(many=True), errors=(403,),
          description="Instance admins only (MAILLAGE_INSTANCE_ADMINS). Overridden values show their original.")
def list_catalogues():
    return rpc("finance", "list_catalogues", current_user_id())


@endpoint(bp, "/admin/finance/overrides", "PUT", summary="Override a catalogue value (instance admins)",
          tags=["admin"], body=OverrideRequestSchema(), response=OverrideChangeSchema(), errors=(403, 404),
          description="E.g. once a C-graded value is checked on Légifrance. `clear: true` goes back to the file's "
                      "value. Audited (who, when, old → new, reason); every ledger using the catalogue is recomputed.")
def override_value(body):
    return rpc("finance", "override_value", current_user_id(), body)


@endpoint(bp, "/admin/finance/overrides", "GET", summary="The history of catalogue overrides (instance admins)",
          tags=["admin"], response=OverrideChangeSchema(many=True), errors=(403,))
def override_history():
    return rpc("finance", "override_history", current_user_id())
