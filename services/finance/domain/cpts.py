"""A CPTS's year: fonctionnement, then each mission's fixed part (paid once the mission has
started) and variable part (its action indicators achieved, or the share agreed in the
dialogue de gestion), by size tier, in cents. ACI-REFERENCE.md §2."""
from __future__ import annotations

from fractions import Fraction

from .catalogue import Catalogue, MissionDef
from .messages import message
from .model import YearEvidence
from .money import euros, percent_of, round_half_up


def compute_cpts(catalogue: Catalogue, declaration: dict, evidence: YearEvidence, kind: str, year: int) -> dict:
    from .remuneration import _value, catalogue_summary, contract_coverage

    tier = declaration.get("size_tier")
    coverage, notes = contract_coverage(declaration, year)
    warnings, unknown = [], []
    missions, total, advance_base = [], 0, 0
    by_class = {"operating": 0, "core": 0, "optional": 0}
    declared = declaration.get("cpts_missions") or {}
    if tier not in catalogue.tiers:
        warnings.append(message("declare_size_tier"))
    for mission in catalogue.missions:
        line = _mission_line(catalogue, mission, tier, declaration, declared.get(mission.code) or {}, unknown)
        line["fixed_cents"] = round_half_up(line.pop("_fixed") * coverage)
        line["variable_cents"] = round_half_up(line.pop("_variable") * coverage)
        line["amount_cents"] = line["fixed_cents"] + line["variable_cents"]
        if line["included"]:
            advance_base += line["fixed_cents"]
        total += line["amount_cents"]
        by_class[mission.klass] = by_class.get(mission.klass, 0) + line["amount_cents"]
        line["values"] = [_value(v) for path, v in sorted(catalogue.values.items())
                          if path.startswith(f"missions.{mission.code}.tiers.{tier}.")]
        missions.append(line)
    ceiling = catalogue.number(f"parameters.ceiling_cents.tiers.{tier}") if tier else None
    if ceiling is not None and total > ceiling:
        notes.append(message("ceiling_applied", ceiling=euros(ceiling)))
        total = ceiling
    warnings += [message("value_missing", path=path) for path in sorted(set(unknown))]
    if coverage == 0:
        total = 0
    return {
        "year": year, "structure_kind": kind, "catalogue": catalogue_summary(catalogue), "unit": catalogue.unit,
        "point_value_cents": None, "prerequisites_met": True, "not_paid_reasons": [],
        "coverage_percent": round(float(coverage) * 100, 2), "notes": notes, "warnings": warnings,
        "indicators": [], "missions": missions, "size_tier": tier,
        "totals": {"points": 0, "amount_cents": total, "by_class_cents": by_class,
                   "advance_base_cents": advance_base,
                   "guarantee": {"applies": False, "applied": False, "minimum_cents": None, "nth_year": None,
                                 "years": None, "advance_cents": None}},
    }


def _amount(catalogue: Catalogue, path: str, unknown: list[str]) -> int:
    found = catalogue.get(path)
    if found is None:
        return 0
    if found.value is None:
        unknown.append(path)
        return 0
    return int(found.value)


def _mission_line(catalogue: Catalogue, mission: MissionDef, tier, declaration: dict, d: dict,
                  unknown: list[str]) -> dict:
    base = f"missions.{mission.code}.tiers.{tier}"
    fixed_max = _amount(catalogue, f"{base}.fixed", unknown) if tier else 0
    variable_max = _amount(catalogue, f"{base}.variable", unknown) if tier else 0
    missing: list[dict] = []
    actions = [dict(a) for a in d.get("actions") or []]
    line = {"code": mission.code, "label": mission.label, "class": mission.klass, "fixed_max_cents": fixed_max,
            "variable_max_cents": variable_max, "started": bool(d.get("started")), "lead_id": d.get("lead_id"),
            "variable_percent": d.get("variable_percent"), "actions": actions, "missing": missing,
            "included": True, "_fixed": Fraction(0), "_variable": Fraction(0)}
    if mission.condition:  # e.g. the +75 % fonctionnement of early signatories
        line["included"] = bool(declaration.get(mission.condition))
        line["started"] = line["included"]
        if line["included"]:
            line["_fixed"] = Fraction(fixed_max)
        return line
    if mission.klass == "operating":
        line["started"] = True
        line["_fixed"] = Fraction(fixed_max)
        return line
    if not d.get("started"):
        line["included"] = False
        missing.append(message("mission_not_started"))
        return line
    line["_fixed"] = Fraction(fixed_max)
    if mission.conditional_variable and not declaration.get(mission.conditional_variable):
        missing.append(message("crisis_not_recognised"))
        return line
    if actions:
        achieved = sum(a.get("amount_cents", 0) for a in actions if a.get("achieved"))
        if achieved > variable_max:
            missing.append(message("actions_over_variable"))
        line["_variable"] = Fraction(min(achieved, variable_max))
    elif d.get("variable_percent") is not None:
        line["_variable"] = Fraction(percent_of(variable_max, d["variable_percent"]))
    return line
