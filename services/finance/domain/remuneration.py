"""compute_remuneration: what a structure earns for a year under its catalogue, indicator by
indicator, with the evidence the platform has and what is missing.

Points are exact fractions (variable points are prorated to the patientèle: ``points ×
patientèle / 4000``); each indicator's amount is rounded once to the cent and the total is the
sum of those amounts, so the page's lines add up to its total (docs/adr/0011).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from math import ceil
from typing import Any

from .catalogue import Catalogue, IndicatorDef
from .messages import message
from .model import YearEvidence
from .money import round_half_up


@dataclass
class Outcome:
    """One indicator: earned and 100 %-achievement points (fixed / variable), status, reasons."""
    fixed: Fraction = Fraction(0)
    variable: Fraction = Fraction(0)
    max_fixed: Fraction = Fraction(0)
    max_variable: Fraction = Fraction(0)
    conditional_variable: bool = False  # excluded from the advance base (paid only if something happens)
    status: str = "not_met"
    missing: list[dict] = field(default_factory=list)
    inputs: dict = field(default_factory=dict)
    evidence: dict = field(default_factory=dict)

    @property
    def points(self) -> Fraction:
        return self.fixed + self.variable


class Rules:
    """The evaluation of each ``rule`` of an MSP (or CDS) catalogue."""

    def __init__(self, catalogue: Catalogue, declaration: dict, evidence: YearEvidence):
        self.catalogue = catalogue
        self.declaration = declaration
        self.evidence = evidence
        reference = catalogue.parameter("reference_patientele", 4000)
        patientele = declaration.get("patientele")
        self.factor = Fraction(patientele or 0, reference) if reference else Fraction(1)
        self.unknown: list[str] = []

    def value(self, indicator: IndicatorDef, name: str) -> Fraction:
        path = f"indicators.{indicator.code}.{name}"
        found = self.catalogue.get(path) or self.catalogue.get(f"indicators.{indicator.code}.params.{name}")
        if found is None:
            return Fraction(0)
        if found.value is None:
            self.unknown.append(found.path)
            return Fraction(0)
        return Fraction(found.value)

    def declared(self, indicator: IndicatorDef) -> dict:
        return (self.declaration.get("indicators") or {}).get(indicator.code) or {}

    def evaluate(self, indicator: IndicatorDef) -> Outcome:
        return getattr(self, f"rule_{indicator.rule}")(indicator, self.declared(indicator))

    # -- rules ---------------------------------------------------------------------------------

    def rule_opening_hours(self, ind: IndicatorDef, d: dict) -> Outcome:
        fixed = self.value(ind, "fixed")
        out = Outcome(max_fixed=fixed, inputs={"hours": d.get("hours"), "met": d.get("met")})
        hours = d.get("hours")
        full, minimum = self.value(ind, "full_hours"), self.value(ind, "minimum_hours")
        if hours is None:
            out.status = "not_declared"
            out.missing.append(message("not_declared"))
            return out
        span = Fraction(str(hours))
        if span < minimum:
            out.missing.append(message("opening_span_short", hours=_num(span), minimum=_num(minimum)))
            return out
        if not d.get("met"):
            out.missing.append(message("opening_conditions"))
            return out
        if span >= full:
            out.fixed, out.status = fixed, "met"
        else:
            out.fixed, out.status = fixed * self.value(ind, "reduced_percent") / 100, "partial"
            out.missing.append(message("opening_span_reduced", hours=_num(span), full=_num(full)))
        return out

    def rule_crisis(self, ind: IndicatorDef, d: dict) -> Outcome:
        fixed, variable = self.value(ind, "fixed"), self.value(ind, "variable") * self.factor
        crisis = bool(self.declaration.get("crisis_occurred"))
        out = Outcome(max_fixed=fixed, max_variable=variable, conditional_variable=True,
                      inputs={"plan": d.get("met"), "crisis_occurred": crisis})
        if not d.get("met"):
            out.status = "not_declared" if d.get("met") is None else "not_met"
            out.missing.append(message("crisis_plan_missing"))
            return out
        out.fixed, out.status = fixed, "met"
        if crisis:
            out.variable = variable
        return out

    def rule_levels(self, ind: IndicatorDef, d: dict) -> Outcome:
        per_level, top = self.value(ind, "fixed_per_level"), int(self.value(ind, "max_level"))
        level = min(int(d.get("level") or 0), top)
        out = Outcome(max_fixed=per_level * top, fixed=per_level * level, inputs={"level": d.get("level")})
        out.status = "met" if level >= top else "partial" if level else "not_met"
        if not level:
            out.missing.append(message("level_zero"))
        return out

    def rule_declared(self, ind: IndicatorDef, d: dict) -> Outcome:
        fixed, variable = self.value(ind, "fixed"), self.value(ind, "variable") * self.factor
        out = Outcome(max_fixed=fixed, max_variable=variable, inputs={"met": d.get("met")})
        if d.get("met"):
            out.fixed, out.variable, out.status = fixed, variable, "met"
        else:
            out.status = "not_declared" if d.get("met") is None else "not_met"
            out.missing.append(message("not_declared"))
        return out

    def rule_missions(self, ind: IndicatorDef, d: dict) -> Outcome:
        unit, top = self.value(ind, "fixed_per_unit"), int(self.value(ind, "max_units"))
        bonus = self.value(ind, "ipa_bonus") if self.declaration.get("ipa_present") else Fraction(0)
        missions = self.declaration.get("missions") or []
        done = [m for m in missions if m.get("done")]
        counted = min(len(done), top)
        out = Outcome(max_fixed=unit * top + bonus, fixed=unit * counted + (bonus if counted >= top else 0),
                      inputs={"missions_done": len(done)},
                      evidence={"missions": [{"title": m.get("title"), "topic": m.get("topic"),
                                              "lead_id": m.get("lead_id"), "done": bool(m.get("done"))}
                                             for m in missions]})
        out.status = "met" if counted >= top else "partial" if counted else "not_met"
        if not done:
            out.missing.append(message("no_mission"))
        if len(done) > top:
            out.missing.append(message("missions_over_max", count=len(done), max=top))
        return out

    def rule_users(self, ind: IndicatorDef, d: dict) -> Outcome:
        fixed, variable = self.value(ind, "fixed"), self.value(ind, "variable") * self.factor
        level = int(d.get("level") or 0)
        out = Outcome(max_fixed=fixed, max_variable=variable, inputs={"level": d.get("level")})
        if level >= 1:
            out.fixed = fixed
        if level >= 2:
            out.variable = variable
        top = 2 if variable else 1
        out.status = "met" if level >= top else "partial" if level else "not_met"
        if not level:
            out.missing.append(message("level_zero"))
        return out

    def rule_sas(self, ind: IndicatorDef, d: dict) -> Outcome:
        all_points, half_points = self.value(ind, "all_points"), self.value(ind, "half_points")
        level = int(d.get("level") or 0)
        out = Outcome(max_fixed=all_points, inputs={"level": d.get("level")})
        out.fixed = all_points if level >= 2 else half_points if level == 1 else Fraction(0)
        out.status = "met" if level >= 2 else "partial" if level == 1 else "not_met"
        if not level:
            out.missing.append(message("level_zero"))
        return out

    def rule_coordination(self, ind: IndicatorDef, d: dict) -> Outcome:
        fixed = self.value(ind, "fixed")
        variable = self._coordination_variable(ind)
        minutes = sum(t.minutes for t in self.evidence.coordination)
        out = Outcome(max_fixed=fixed, max_variable=variable, inputs={"met": d.get("met")},
                      evidence={"coordination_minutes": minutes,
                                "people": len({t.user_id for t in self.evidence.coordination}),
                                "records": len(self.evidence.coordination)})
        if not minutes:
            out.missing.append(message("coordination_no_time"))
        if d.get("met"):
            out.fixed, out.variable, out.status = fixed, variable, "met"
        else:
            out.status = "not_declared" if d.get("met") is None else "not_met"
            out.missing.insert(0, message("coordination_missing"))
        return out

    def _coordination_variable(self, ind: IndicatorDef) -> Fraction:
        variable = self.value(ind, "variable")
        reference = self.catalogue.parameter("reference_patientele", 4000)
        patientele = self.declaration.get("patientele") or 0
        threshold = self.catalogue.number(f"indicators.{ind.code}.params.degressive_above")
        beyond = self.catalogue.number(f"indicators.{ind.code}.params.degressive_variable")
        if threshold is None or beyond is None or patientele <= threshold:
            return variable * self.factor
        return variable * Fraction(threshold, reference) + Fraction(beyond) * Fraction(patientele - threshold, reference)

    def rule_protocols(self, ind: IndicatorDef, d: dict) -> Outcome:
        unit, top = self.value(ind, "fixed_per_unit"), int(self.value(ind, "max_units"))
        bonus = self.value(ind, "ipa_bonus_per_unit")
        themed = [p for p in self.evidence.protocols if p.aci_theme]
        unthemed = len(self.evidence.protocols) - len(themed)
        extra = int(d.get("count") or 0)
        # The IPA protocols first: when more than the maximum are validated, count the best ones.
        ranked = sorted(themed, key=lambda p: (not p.ipa_involved, p.validated_on, p.document_id))
        counted = ranked[:top]
        counted_extra = min(extra, top - len(counted))
        n = len(counted) + counted_extra
        n_ipa = sum(1 for p in counted if p.ipa_involved) if self.declaration.get("ipa_present") else 0
        max_bonus = bonus * top if self.declaration.get("ipa_present") else Fraction(0)
        out = Outcome(max_fixed=unit * top + max_bonus, fixed=unit * n + bonus * n_ipa,
                      inputs={"declared_outside_platform": extra},
                      evidence={"protocols": [{"document_id": p.document_id, "title": p.title, "aci_theme": p.aci_theme,
                                               "validated_on": p.validated_on.isoformat(), "ipa_involved": p.ipa_involved,
                                               "professions": p.professions, "counted": p in counted}
                                              for p in sorted(self.evidence.protocols, key=lambda p: p.validated_on)],
                                "validated": len(themed), "counted": n, "max": top})
        out.status = "met" if n >= top else "partial" if n else "not_met"
        if not n:
            out.missing.append(message("no_protocol"))
        if len(themed) + extra > top:
            out.missing.append(message("protocols_over_max", count=len(themed) + extra, max=top))
        if unthemed:
            out.missing.append(message("protocol_without_theme", count=unthemed))
        off_list = sum(1 for p in counted if p.aci_theme == "off_list")
        if off_list:
            out.missing.append(message("protocol_off_list", count=off_list))
        return out

    def rule_concertation(self, ind: IndicatorDef, d: dict) -> Outcome:
        variable = self.value(ind, "variable")
        if self.declaration.get("ipa_present"):
            variable += self.value(ind, "ipa_bonus_variable")
        variable *= self.factor
        required = int(self.value(ind, "min_meetings"))
        percent = self.value(ind, "case_target_percent")
        meetings = self.evidence.concertations
        held = len(meetings) + int(d.get("meetings") or 0)
        cases = sum(m.cases for m in meetings) + int(d.get("cases") or 0)
        patients = self.declaration.get("ald_or_75_patients")
        target = ceil(Fraction(patients) * percent / 100) if patients else None
        out = Outcome(max_variable=variable, inputs={"meetings_outside_platform": d.get("meetings"),
                                                     "cases_outside_platform": d.get("cases"),
                                                     "ald_or_75_patients": patients},
                      evidence={"meetings_held": held, "meetings_required": required, "cases": cases,
                                "target": target, "target_percent": _num(percent),
                                "meetings": [_meeting_evidence(m) for m in sorted(meetings, key=lambda m: (m.date, m.meeting_id))]})
        if held < required:
            out.missing.append(message("too_few_meetings", held=held, required=required))
        if target is None:
            out.missing.append(message("declare_ald_75"))
        if held < required or target is None:
            return out
        if cases >= target:
            out.variable, out.status = variable, "met"
        elif self.value(ind, "prorate_to_cases"):
            out.variable, out.status = variable * Fraction(cases, target), ("partial" if cases else "not_met")
            out.missing.append(message("cases_below_target", cases=cases, target=target, patients=patients))
        else:
            out.missing.append(message("cases_below_target_all_or_nothing", cases=cases, target=target))
        return out

    def rule_trainees(self, ind: IndicatorDef, d: dict) -> Outcome:
        fixed, minimum = self.value(ind, "fixed"), int(self.value(ind, "min_trainees"))
        third, fourth = self.value(ind, "third_bonus"), self.value(ind, "fourth_bonus")
        count = int(d.get("count") or 0)
        out = Outcome(max_fixed=fixed + third + fourth, inputs={"count": d.get("count")})
        if count >= minimum:
            out.fixed = fixed + (third if count >= 3 else 0) + (fourth if count >= 4 else 0)
        out.status = "met" if out.fixed == out.max_fixed and count else "partial" if out.fixed else "not_met"
        if count < minimum:
            out.missing.append(message("trainees_below_min", count=count, minimum=minimum))
        return out

    def rule_quality(self, ind: IndicatorDef, d: dict) -> Outcome:
        fixed = self.value(ind, "fixed")
        level2, level3 = self.value(ind, "level2_variable") * self.factor, self.value(ind, "level3_variable") * self.factor
        level = int(d.get("level") or 0)
        out = Outcome(max_fixed=fixed, max_variable=max(level2, level3), inputs={"level": d.get("level")})
        if level >= 1:
            out.fixed = fixed
        out.variable = level3 if level >= 3 else level2 if level == 2 else Fraction(0)
        out.status = "met" if level >= 3 else "partial" if level else "not_met"
        if not level:
            out.missing.append(message("level_zero"))
        return out

    def rule_count(self, ind: IndicatorDef, d: dict) -> Outcome:
        unit, top = self.value(ind, "fixed_per_unit"), int(self.value(ind, "max_units"))
        count = min(int(d.get("count") or 0), top)
        out = Outcome(max_fixed=unit * top, fixed=unit * count, inputs={"count": d.get("count")})
        out.status = "met" if count >= top else "partial" if count else "not_met"
        return out

    def rule_si_label(self, ind: IndicatorDef, d: dict) -> Outcome:
        fixed = self.value(ind, "fixed")
        per, threshold = self.value(ind, "per_professional"), int(self.value(ind, "threshold"))
        beyond = self.value(ind, "per_professional_beyond")
        professionals = int(self.declaration.get("partner_professionals") or 0)
        variable = per * min(professionals, threshold) + beyond * max(professionals - threshold, 0)
        level = int(d.get("level") or 0)
        out = Outcome(max_fixed=fixed, max_variable=variable,
                      inputs={"level": d.get("level"), "partner_professionals": professionals})
        if not professionals:
            out.missing.append(message("declare_professionals"))
        if level >= 1:
            out.fixed, out.variable, out.status = fixed, variable, "met"
        else:
            out.status = "not_declared" if d.get("level") is None else "not_met"
            out.missing.insert(0, message("si_label_missing"))
        return out

    def rule_si_advanced(self, ind: IndicatorDef, d: dict) -> Outcome:
        fixed = self.value(ind, "fixed")
        label_level = int(((self.declaration.get("indicators") or {}).get("si_label") or {}).get("level") or 0)
        met = label_level >= 2 or bool(d.get("met"))
        out = Outcome(max_fixed=fixed, inputs={"si_label_level": label_level})
        if met:
            out.fixed, out.status = fixed, "met"
        else:
            out.missing.append(message("level_zero"))
        return out


def _num(value: Fraction) -> str:
    return str(int(value)) if value.denominator == 1 else f"{float(value):g}".replace(".", ",")


def _meeting_evidence(meeting) -> dict:
    present = [p for p in meeting.participants if p["status"] == "present"]
    return {"meeting_id": meeting.meeting_id, "date": meeting.date.isoformat() if meeting.date else None,
            "title": meeting.title, "duration_minutes": meeting.duration_minutes, "participants": len(present),
            "professions": sorted({p["profession"] for p in present}), "cases": meeting.cases,
            "case_counts": dict(meeting.case_counts)}


def _points(value: Fraction) -> float:
    return round(float(value), 2)


def contract_coverage(declaration: dict, year: int) -> tuple[Fraction, list[dict]]:
    """The share of the year the contract covers (signed during the year: prorated)."""
    signed: date | None = declaration.get("contract_signed_on")
    if signed is None or signed.year < year:
        return Fraction(1), []
    if signed.year > year:
        return Fraction(0), [message("contract_not_started")]
    days = (date(year, 12, 31) - date(year, 1, 1)).days + 1
    covered = (date(year, 12, 31) - signed).days + 1
    share = Fraction(covered, days)
    return share, [message("prorated_contract", date=signed.isoformat(), percent=round(float(share) * 100))]


def compute_remuneration(catalogue: Catalogue, declaration: dict, evidence: YearEvidence, kind: str,
                         year: int) -> dict:
    """What the structure earns for ``year`` (JSON-ready), CPTS or MSP/CDS alike."""
    if catalogue.missions:
        from .cpts import compute_cpts

        return compute_cpts(catalogue, declaration, evidence, kind, year)
    rules = Rules(catalogue, declaration, evidence)
    cents_per_point = catalogue.parameter("point_value_cents", 700) if catalogue.unit == "points" else 1
    coverage, notes = contract_coverage(declaration, year)
    lines, outcomes = [], {}
    for ind in catalogue.indicators:
        outcome = rules.evaluate(ind)
        outcomes[ind.code] = outcome
        lines.append((ind, outcome))
    prerequisites = [(ind, o) for ind, o in lines if ind.klass == "prerequisite"]
    prerequisites_met = all(o.status in ("met", "partial") for _, o in prerequisites)
    reasons = [] if prerequisites_met else [message("prerequisites_not_met")]  # (reworded below under the guarantee)
    indicators, total_cents, by_class = [], 0, {"prerequisite": 0, "core": 0, "optional": 0}
    total_points, advance_base = Fraction(0), Fraction(0)
    for ind, o in lines:
        earned_cents = round_half_up(o.points * cents_per_point * coverage)
        paid_cents = earned_cents if prerequisites_met else 0
        max_points = o.max_fixed + o.max_variable
        if ind.klass in ("prerequisite", "core"):
            advance_base += o.max_fixed + (0 if o.conditional_variable else o.max_variable)
        total_cents += paid_cents
        by_class[ind.klass] = by_class.get(ind.klass, 0) + paid_cents
        total_points += o.points if prerequisites_met else 0
        missing = list(o.missing)
        if not prerequisites_met and ind.klass == "prerequisite" and o.status not in ("met", "partial"):
            first = missing[0] if missing else message("not_declared")
            reasons.append({**message("prerequisite_missing", label=ind.label, reason=first["message"]),
                            "indicator": ind.code, "cause": first})
        indicators.append({
            "code": ind.code, "label": ind.label, "axis": ind.axis, "class": ind.klass, "status": o.status,
            "fixed_points": _points(o.fixed), "variable_points": _points(o.variable), "points": _points(o.points),
            "max_points": _points(max_points), "amount_cents": paid_cents, "earned_cents": earned_cents,
            "potential_cents": round_half_up(max_points * cents_per_point * coverage), "missing": missing,
            "inputs": o.inputs, "evidence": o.evidence,
            "values": [_value(v) for path, v in sorted(catalogue.values.items())
                       if path.startswith(f"indicators.{ind.code}.")],
        })
    warnings = [message("value_missing", path=path) for path in sorted(set(rules.unknown))]
    guarantee = _guarantee(catalogue, declaration, year, coverage, prerequisites_met, total_cents)
    if guarantee["applied"]:
        if not prerequisites_met:
            reasons[0] = message("prerequisites_not_met_guarantee")
        notes.append(message("guarantee_applied", minimum=_euros(guarantee["minimum_cents"]), nth=guarantee["nth_year"],
                             years=guarantee["years"]))
        total_cents = guarantee["minimum_cents"]
    if declaration.get("patientele") is None and any(i.rule in ("coordination", "concertation", "crisis")
                                                     for i in catalogue.indicators):
        warnings.append(message("declare_patientele"))
    if coverage == 0:
        total_cents = 0
    return {
        "year": year, "structure_kind": kind, "catalogue": catalogue_summary(catalogue),
        "unit": catalogue.unit, "point_value_cents": cents_per_point if catalogue.unit == "points" else None,
        "prerequisites_met": prerequisites_met, "not_paid_reasons": reasons,
        "coverage_percent": round(float(coverage) * 100, 2), "notes": notes, "warnings": warnings,
        "indicators": indicators, "missions": [],
        "totals": {"points": _points(total_points), "amount_cents": total_cents, "by_class_cents": by_class,
                   "advance_base_cents": round_half_up(advance_base * cents_per_point * coverage),
                   "guarantee": guarantee},
    }


def _guarantee(catalogue: Catalogue, declaration: dict, year: int, coverage: Fraction, prerequisites_met: bool,
               total_cents: int) -> dict:
    minimum = catalogue.parameter("new_structure_minimum_cents")
    years = catalogue.parameter("new_structure_years", 2)
    signed = declaration.get("contract_signed_on")
    none = {"applies": False, "applied": False, "minimum_cents": None, "nth_year": None, "years": years,
            "advance_cents": None}
    if not minimum or not declaration.get("new_structure") or signed is None:
        return none
    nth = year - signed.year + 1
    if not 1 <= nth <= years:
        return none
    floor_cents = round_half_up(Fraction(minimum) * coverage)
    advance = catalogue.parameter("new_structure_advance_cents")
    # The guarantee is for structures still building up: it applies whatever was met (ADR 0009).
    return {"applies": True, "applied": total_cents < floor_cents, "minimum_cents": floor_cents,
            "nth_year": nth, "years": years,
            "advance_cents": round_half_up(Fraction(advance) * coverage) if advance else None}


def _euros(cents: int) -> str:
    from .money import euros

    return euros(cents)


def _value(v) -> dict:
    return {"path": v.path, "value": v.value, "grade": v.grade, "source": v.source_text, "note": v.note,
            "overridden": v.overridden, "original": v.original}


def catalogue_summary(catalogue: Catalogue) -> dict[str, Any]:
    grades = [v.grade for v in catalogue.values.values()]
    return {"id": catalogue.id, "title": catalogue.title, "legal_text": catalogue.legal_text, "unit": catalogue.unit,
            "years": {"from": catalogue.year_from, "to": catalogue.year_to},
            "unverified_values": grades.count("C"),
            "overridden_values": sum(1 for v in catalogue.values.values() if v.overridden)}
