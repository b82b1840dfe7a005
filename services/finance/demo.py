"""Demo finance data of the fictional « MSP des Tilleuls » (identity creates the people; the
meetings demo closes concertation meetings, whose events feed the shares).

Idempotent: the current year's declaration and distribution policy are saved only when the
year has none, through the same use cases as real data (audited, recomputed).
"""
from __future__ import annotations

from maillage_shared.errors import Forbidden

from .domain import files, sharing
from .domain.context import FinanceContext


def ensure_demo_data(ctx: FinanceContext, identity_demo: dict) -> dict:
    if ctx.policy.is_production:
        raise Forbidden("Demo data is never created in production.")
    sid = identity_demo["structure_id"]
    people = identity_demo["members"]
    coordinator = next(p["user_id"] for p in people if p["role"] == "coordinator")
    partners = [p["user_id"] for p in people if p["role"] in ("coordinator", "member")]
    lead = next((p["user_id"] for p in people if p.get("profession") == "infirmier"), coordinator)
    year, created = ctx.today().year, []
    if ctx.declarations.get(sid, year) is None:
        files.save_declaration(ctx, coordinator, sid, year, {
            "patientele": 2410, "partner_professionals": max(len(partners), 3), "ald_or_75_patients": 640,
            "ipa_present": False, "crisis_occurred": False, "contract_signed_on": None, "new_structure": False,
            "size_tier": None, "early_signatory": False,
            "indicators": {"opening_hours": {"hours": 12, "met": True}, "coordination": {"met": True},
                           "si_label": {"level": 1}, "crisis_response": {"met": True}, "trainees": {"count": 2},
                           "users_involvement": {"level": 1}, "sas_participation": {"level": 1}},
            "missions": [{"title": "Couverture vaccinale des plus de 65 ans", "topic": "vaccination",
                          "lead_id": lead, "done": True}],
            "cpts_missions": {}, "notes": "Données de démonstration"})
        created.append("declaration")
    if ctx.policies.get(sid, year) is None:
        sharing.set_policy(ctx, coordinator, sid, year, {
            "basis": "expected", "fixed_amount_cents": None,
            "reserve": {"kind": "percent", "amount_cents": 0, "percent": 30,
                        "label": "Coordinatrice salariée, logiciel, locaux"},
            "keys": [{"kind": "meeting_minutes", "weight": 2, "scope": "concertation", "user_ids": []},
                     {"kind": "coordination_time", "weight": 1, "scope": "all", "user_ids": []},
                     {"kind": "equal_share", "weight": 1, "scope": "all", "user_ids": partners}],
            "deliverables": {"per_protocol_cents": 0, "per_mission_cents": 50_000, "protocol_authors": {}},
            "manual_amounts": [], "pass_cap_excess": "redistribute",
            "note": "Règlement intérieur de la SISA : la réserve d'abord, puis le temps donné à l'équipe."})
        created.append("policy")
    return {"structure_id": sid, "year": year, "created": created}
