"""compute_distribution: how a year's money is shared among the members, under the policy
the coordinators set (ACI-REFERENCE §4: no regulatory formula exists; the SISA decides).

Order: the reserve for the structure's costs first (a fixed amount or a percentage), then the
fixed amounts (per protocol written, per mission led, manual amounts; scaled down together if
they exceed what is left), then what remains is split between the weighted keys (meeting
minutes attended, coordination time, an equal share per partner) and, within each key, in
proportion to each member's measure. A key nobody has a measure for yet gives its weight to
the others; with no measure at all, the rest stays undistributed. For a CPTS, nobody gets more
than one PASS a year: the excess goes to the others (or stays with the structure).

Every split is a largest-remainder split in cents: the shares always sum exactly to the amount
distributed, and ``reserve + distributed + undistributed == amount`` (docs/adr/0011).
"""
from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

from .messages import message
from .model import YearEvidence
from .money import largest_remainder, percent_of

KEY_KINDS = ("meeting_minutes", "coordination_time", "equal_share")
KEY_UNITS = {"meeting_minutes": "minutes", "coordination_time": "minutes", "equal_share": "shares"}


def measures_for(key: dict, evidence: YearEvidence) -> dict[str, int]:
    kind = key["kind"]
    found: dict[str, int] = defaultdict(int)
    if kind == "meeting_minutes":
        meetings = evidence.concertations if key.get("scope") == "concertation" else evidence.meetings
        for meeting in meetings:
            for p in meeting.participants:
                if p["status"] == "present" and p["minutes"] > 0:
                    found[p["user_id"]] += p["minutes"]
    elif kind == "coordination_time":
        for record in evidence.coordination:
            found[record.user_id] += record.minutes
    elif kind == "equal_share":
        for user_id in dict.fromkeys(key.get("user_ids") or []):
            found[user_id] = 1
    return dict(found)


def _deliverables(policy: dict, evidence: YearEvidence, declaration: dict, year: int) -> dict[tuple[str, str], int]:
    spec = policy.get("deliverables") or {}
    amounts: dict[tuple[str, str], int] = defaultdict(int)
    per_protocol = spec.get("per_protocol_cents") or 0
    authors = spec.get("protocol_authors") or {}
    if per_protocol:
        for protocol in evidence.protocols:
            people = list(dict.fromkeys(authors.get(protocol.document_id) or []))
            if protocol.validated_on.year != year or not people:
                continue
            for user_id, cents in largest_remainder(per_protocol, {u: 1 for u in people}).items():
                amounts[(user_id, "protocols")] += cents
    per_mission = spec.get("per_mission_cents") or 0
    if per_mission:
        for mission in declaration.get("missions") or []:
            if mission.get("done") and mission.get("lead_id"):
                amounts[(mission["lead_id"], "missions")] += per_mission
        for mission in (declaration.get("cpts_missions") or {}).values():
            if mission.get("started") and mission.get("lead_id"):
                amounts[(mission["lead_id"], "missions")] += per_mission
    for manual in policy.get("manual_amounts") or []:
        if manual.get("amount_cents"):
            amounts[(manual["user_id"], "manual")] += manual["amount_cents"]
    return dict(amounts)


def reserve_of(policy: dict, amount: int) -> int:
    reserve = policy.get("reserve") or {}
    if reserve.get("kind") == "fixed":
        return min(amount, reserve.get("amount_cents") or 0)
    if reserve.get("kind") == "percent":
        return min(amount, percent_of(amount, Fraction(str(reserve.get("percent") or 0))))
    return 0


def compute_distribution(policy: dict, amount: int, evidence: YearEvidence, declaration: dict, year: int,
                         pass_cap: int | None = None) -> dict:
    amount = max(int(amount), 0)
    warnings: list[dict] = []
    reserve = reserve_of(policy, amount)
    distributable = amount - reserve
    parts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    # Fixed amounts first, scaled down together when they exceed what is left.
    fixed = _deliverables(policy, evidence, declaration, year)
    if sum(fixed.values()) > distributable:
        warnings.append(message("fixed_amounts_scaled"))
        fixed = largest_remainder(distributable, fixed)
    for (user_id, source), cents in fixed.items():
        parts[user_id][source] += cents
    rest = distributable - sum(fixed.values())

    # Then the weighted keys.
    keys_out, active = [], {}
    for index, key in enumerate(policy.get("keys") or []):
        found = measures_for(key, evidence)
        total = sum(found.values())
        keys_out.append({"index": index, "kind": key["kind"], "scope": key.get("scope"), "weight": key["weight"],
                         "unit": KEY_UNITS[key["kind"]], "total_measure": total, "pot_cents": 0,
                         "members": len(found)})
        if key["weight"] > 0 and total > 0:
            active[index] = (key["weight"], found)
    undistributed, reasons = 0, []
    if active:
        pots = largest_remainder(rest, {index: weight for index, (weight, _) in active.items()})
        for index, (_, found) in active.items():
            keys_out[index]["pot_cents"] = pots[index]
            for user_id, cents in largest_remainder(pots[index], sorted(found.items())).items():
                parts[user_id][f"key:{index}"] += cents
    elif rest > 0:
        undistributed += rest
        reasons.append(message("no_measure"))

    totals = {user_id: sum(by_source.values()) for user_id, by_source in parts.items()}
    capped: dict[str, int] = {}
    if pass_cap is not None:
        kept = _apply_cap(totals, parts, pass_cap, policy.get("pass_cap_excess") or "redistribute", capped)
        if kept:
            undistributed += kept
            reasons.append(message("pass_cap_kept"))

    member_measures = _member_measures(evidence, fixed)
    shares = []
    for user_id in sorted(totals, key=lambda u: (-totals[u], u)):
        if totals[user_id] == 0 and user_id not in capped:
            continue
        shares.append({"user_id": user_id, "profession": _profession(evidence, user_id),
                       "amount_cents": totals[user_id],
                       "parts": [{"source": source, "amount_cents": cents}
                                 for source, cents in sorted(parts[user_id].items()) if cents],
                       "measures": member_measures.get(user_id, {}), "capped": user_id in capped,
                       "cap_cut_cents": capped.get(user_id, 0)})
    distributed = sum(s["amount_cents"] for s in shares)
    assert reserve + distributed + undistributed == amount, "the distribution must add up to the amount"
    return {"amount_cents": amount, "reserve_cents": reserve, "reserve_label": (policy.get("reserve") or {}).get("label", ""),
            "fixed_cents": sum(fixed.values()), "distributed_cents": distributed, "undistributed_cents": undistributed,
            "undistributed_reasons": reasons, "keys": keys_out, "pass_cap_cents": pass_cap, "shares": shares,
            "warnings": warnings}


def _apply_cap(totals: dict[str, int], parts: dict, cap: int, excess_goes: str, capped: dict[str, int]) -> int:
    """Cap every total at ``cap``; the excess goes to the members below the cap in proportion
    to their shares (repeatedly, as they may reach it in turn), or stays with the structure.
    Returns what could not be given to anyone."""
    kept = 0
    while True:
        over = {u: t - cap for u, t in totals.items() if t > cap}
        if not over:
            return kept
        excess = sum(over.values())
        for user_id, cut in over.items():
            totals[user_id] = cap
            capped[user_id] = capped.get(user_id, 0) + cut
            parts[user_id]["pass_cap"] -= cut
        receivers = {u: t for u, t in totals.items() if 0 < t < cap}
        if excess_goes != "redistribute" or not receivers:
            return kept + excess
        for user_id, cents in largest_remainder(excess, sorted(receivers.items())).items():
            totals[user_id] += cents
            parts[user_id]["pass_cap_redistribution"] += cents


def _member_measures(evidence: YearEvidence, fixed: dict) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for meeting in evidence.meetings:
        for p in meeting.participants:
            if p["status"] == "present":
                found[p["user_id"]]["meeting_minutes"] += p["minutes"]
                found[p["user_id"]]["meetings"] += 1
                if meeting.kind == "concertation":
                    found[p["user_id"]]["concertation_minutes"] += p["minutes"]
    for record in evidence.coordination:
        found[record.user_id]["coordination_minutes"] += record.minutes
    return {u: dict(m) for u, m in found.items()}


def _profession(evidence: YearEvidence, user_id: str) -> str | None:
    for record in reversed(evidence.coordination):
        if record.user_id == user_id and record.profession:
            return record.profession
    for meeting in reversed(evidence.meetings):
        for p in meeting.participants:
            if p["user_id"] == user_id and p.get("profession"):
                return p["profession"]
    return None


def validate_policy(policy: dict, kind: str) -> dict[str, str]:
    """Field errors the contract cannot see (it checks types and ranges): keys that make no sense."""
    errors: dict[str, str] = {}
    keys = policy.get("keys") or []
    if keys and all(k["weight"] == 0 for k in keys):
        errors["keys"] = "At least one key needs a positive weight."
    for index, key in enumerate(keys):
        if key["kind"] == "equal_share" and not key.get("user_ids"):
            errors[f"keys.{index}.user_ids"] = "Choose the partners who get an equal share."
    if policy.get("basis") == "fixed" and policy.get("fixed_amount_cents") is None:
        errors["fixed_amount_cents"] = "Give the amount to distribute."
    if policy.get("pass_cap_excess") not in (None, "redistribute", "structure"):
        errors["pass_cap_excess"] = "Must be redistribute or structure."
    return errors


__all__ = ["KEY_KINDS", "compute_distribution", "measures_for", "message", "reserve_of", "validate_policy"]
