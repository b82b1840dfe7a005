"""The ACI file of a structure's year: the declaration, the computed page (indicators, points,
euros, evidence, what is missing), the schedule and the payments received."""
from __future__ import annotations

import copy
from datetime import date

from maillage_shared.clock import new_id
from maillage_shared.errors import Invalid

from . import access, sharing
from .catalogue import Catalogue
from .context import FinanceContext
from .model import Payment, YearEvidence
from .remuneration import compute_remuneration
from .schedule import compare_payments, expected_schedule

MIN_YEAR, MAX_YEAR = 2000, 2100
EMPTY_DECLARATION = {
    "patientele": None, "partner_professionals": None, "ald_or_75_patients": None, "ipa_present": False,
    "crisis_occurred": False, "contract_signed_on": None, "new_structure": False, "size_tier": None,
    "early_signatory": False, "indicators": {}, "missions": [], "cpts_missions": {}, "notes": "",
}


def check_year(year) -> int:
    if not isinstance(year, int) or isinstance(year, bool) or not MIN_YEAR <= year <= MAX_YEAR:
        raise Invalid("Invalid year.", {"year": f"A year between {MIN_YEAR} and {MAX_YEAR}."})
    return year


def evidence_of(ctx: FinanceContext, structure_id: str, year: int) -> YearEvidence:
    meetings, coordination, protocols = ctx.evidence.year(structure_id, year)
    return YearEvidence(year=year, meetings=meetings, coordination=coordination, protocols=protocols)


def declaration_of(ctx: FinanceContext, structure_id: str, year: int) -> tuple[dict, dict | None]:
    stored = ctx.declarations.get(structure_id, year)
    declaration = copy.deepcopy(EMPTY_DECLARATION)
    if stored:
        declaration.update(stored["declaration"])
    return declaration, stored


def validate_declaration(catalogue: Catalogue, kind: str, declaration: dict, member_ids: set[str] | None) -> None:
    """What the contract cannot know: the catalogue's indicator and mission codes, the people."""
    errors: dict[str, str] = {}
    codes = {i.code for i in catalogue.indicators}
    for code in declaration.get("indicators") or {}:
        if code not in codes:
            errors[f"indicators.{code}"] = f"Unknown indicator for {catalogue.title}."
    missions = {m.code for m in catalogue.missions}
    for code in declaration.get("cpts_missions") or {}:
        if code not in missions:
            errors[f"cpts_missions.{code}"] = f"Unknown mission for {catalogue.title}."
    if kind != "cpts" and declaration.get("size_tier") is not None:
        errors["size_tier"] = "Only a CPTS has a size tier."
    if member_ids is not None:
        for index, mission in enumerate(declaration.get("missions") or []):
            if mission.get("lead_id") and mission["lead_id"] not in member_ids:
                errors[f"missions.{index}.lead_id"] = "This person is not a member of the structure."
        for code, mission in (declaration.get("cpts_missions") or {}).items():
            if mission.get("lead_id") and mission["lead_id"] not in member_ids:
                errors[f"cpts_missions.{code}.lead_id"] = "This person is not a member of the structure."
    signed = declaration.get("contract_signed_on")
    if signed is not None and not date(MIN_YEAR, 1, 1) <= signed <= date(MAX_YEAR, 12, 31):
        errors["contract_signed_on"] = "Not a plausible date."
    if errors:
        raise Invalid("Invalid declaration: " + ", ".join(sorted(errors)), errors)


def compute_year(ctx: FinanceContext, structure_id: str, year: int, kind: str) -> dict:
    """Catalogue, declaration, evidence, remuneration and schedule of a year (pure reads)."""
    catalogue = ctx.catalogue(kind, year)
    declaration, stored = declaration_of(ctx, structure_id, year)
    evidence = evidence_of(ctx, structure_id, year)
    remuneration = compute_remuneration(catalogue, declaration, evidence, kind, year)
    schedule = expected_schedule(catalogue, declaration, remuneration, year)
    return {"catalogue": catalogue, "declaration": declaration, "stored": stored, "evidence": evidence,
            "remuneration": remuneration, "schedule": schedule}


def declaration_view(declaration: dict, stored: dict | None, year: int, kind: str) -> dict:
    return {**declaration, "year": year, "structure_kind": kind, "version": stored["version"] if stored else 0,
            "updated_at": stored.get("updated_at") if stored else None,
            "updated_by": stored.get("updated_by") if stored else None}


def aci_page(ctx: FinanceContext, actor_id: str, structure_id: str, year: int) -> dict:
    role = access.require_reader(ctx, structure_id, actor_id)
    check_year(year)
    structure = ctx.directory.structure(structure_id)
    kind = structure["kind"]
    year_data = compute_year(ctx, structure_id, year, kind)
    return {"year": year, "structure": {"id": structure_id, "name": structure["name"], "kind": kind},
            "remuneration": year_data["remuneration"], "schedule": year_data["schedule"],
            "declaration": declaration_view(year_data["declaration"], year_data["stored"], year, kind),
            "declared": year_data["stored"] is not None, "can_edit": role == access.COORDINATOR,
            "computed_at": ctx.now()}


def get_declaration(ctx: FinanceContext, actor_id: str, structure_id: str, year: int) -> dict:
    access.require_reader(ctx, structure_id, actor_id)
    check_year(year)
    kind = ctx.directory.structure(structure_id)["kind"]
    ctx.catalogue(kind, year)  # a year without a catalogue is bad input here too
    declaration, stored = declaration_of(ctx, structure_id, year)
    return declaration_view(declaration, stored, year, kind)


def save_declaration(ctx: FinanceContext, actor_id: str, structure_id: str, year: int, declaration: dict) -> dict:
    access.require_coordinator(ctx, structure_id, actor_id)
    check_year(year)
    kind = ctx.directory.structure(structure_id)["kind"]
    catalogue = ctx.catalogue(kind, year)
    member_ids = {m["user_id"] for m in ctx.directory.members(structure_id)}
    validate_declaration(catalogue, kind, declaration, member_ids)
    before, _ = declaration_of(ctx, structure_id, year)
    version = ctx.declarations.save(structure_id, year, kind, declaration, actor_id, ctx.now())
    ctx.audit("declaration.saved", actor_id=actor_id, structure_id=structure_id, year=year, version=version,
              changes=diff_fields(before, declaration))
    sharing.recompute(ctx, structure_id, year, {"kind": "declaration", "by": actor_id, "version": version})
    return aci_page(ctx, actor_id, structure_id, year)


def payments_view(ctx: FinanceContext, actor_id: str, structure_id: str, year: int) -> dict:
    access.require_reader(ctx, structure_id, actor_id)
    check_year(year)
    kind = ctx.directory.structure(structure_id)["kind"]
    year_data = compute_year(ctx, structure_id, year, kind)
    payments = ctx.payments.for_year(structure_id, year)
    return {"year": year, "schedule": year_data["schedule"],
            "comparison": compare_payments(year_data["schedule"], payments),
            "payments": [payment_view(p) for p in sorted(payments, key=lambda p: (p.received_on, p.id))]}


def payment_view(payment: Payment) -> dict:
    return {"id": payment.id, "year": payment.year, "kind": payment.kind, "amount_cents": payment.amount_cents,
            "received_on": payment.received_on, "reference": payment.reference, "note": payment.note,
            "recorded_by": payment.recorded_by, "recorded_at": payment.recorded_at}


def record_payment(ctx: FinanceContext, actor_id: str, structure_id: str, year: int, request: dict) -> dict:
    access.require_coordinator(ctx, structure_id, actor_id)
    check_year(year)
    kind = ctx.directory.structure(structure_id)["kind"]
    ctx.catalogue(kind, year)
    request_id = request.get("request_id")
    payment = Payment(id=f"{structure_id}:{request_id}" if request_id else new_id(), structure_id=structure_id,
                      year=year, kind=request["kind"], amount_cents=request["amount_cents"],
                      received_on=request["received_on"], reference=request.get("reference", ""),
                      note=request.get("note", ""), recorded_by=actor_id, recorded_at=ctx.now())
    stored, created = ctx.payments.add(payment)
    if created:
        ctx.audit("payment.recorded", actor_id=actor_id, structure_id=structure_id, year=year, payment_id=stored.id,
                  kind=stored.kind, amount_cents=stored.amount_cents, received_on=stored.received_on.isoformat())
        sharing.recompute(ctx, structure_id, year, {"kind": "payment", "by": actor_id, "payment_id": stored.id})
    return payments_view(ctx, actor_id, structure_id, year)


def diff_fields(before: dict, after: dict, prefix: str = "") -> list[dict]:
    """What changed between two JSON-like documents, field by field (for the audit trail)."""
    changes = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        path = f"{prefix}{key}"
        if isinstance(old, dict) and isinstance(new, dict):
            changes.extend(diff_fields(old, new, f"{path}."))
        elif old != new:
            changes.append({"field": path, "before": _plain(old), "after": _plain(new)})
    return changes


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
