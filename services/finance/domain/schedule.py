"""The payment schedule of a year and how the payments received compare with it.

MSP (ACI-REFERENCE §1.5): advance = 60 % of what 100 % achievement of the prerequisites and
core indicators earns over the year, by 30 April N (within 3 months of signing for a new
signatory), at least €12,000 for a new structure in its first two years; balance = total
earned − advance, by 30 April N+1. CPTS (§2.5): 75 % of fonctionnement and of the fixed parts
of the started missions at the contract's anniversary in N; the balance with the variable
part at the anniversary in N+1.
"""
from __future__ import annotations

from datetime import date

from .catalogue import Catalogue
from .messages import message
from .model import Payment
from .money import percent_of

PAYMENT_KINDS = ("advance", "balance", "other", "repayment")


def _month_day(text: str | None, year: int) -> date | None:
    if not text:
        return None
    month, day = (int(part) for part in text.split("-"))
    return date(year, month, day)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise ValueError(day)


def expected_schedule(catalogue: Catalogue, declaration: dict, remuneration: dict, year: int) -> dict:
    totals = remuneration["totals"]
    percent = catalogue.parameter("advance_percent")
    signed: date | None = declaration.get("contract_signed_on")
    notes: list[dict] = []
    if percent is None:
        return {"advance_percent": None, "advance_cents": None, "advance_due_on": None,
                "balance_cents": None, "balance_due_on": None, "total_cents": totals["amount_cents"],
                "notes": [message("schedule_unknown")]}
    advance = percent_of(totals["advance_base_cents"], percent)
    guarantee = totals.get("guarantee") or {}
    if guarantee.get("applies") and guarantee.get("advance_cents"):
        advance = max(advance, guarantee["advance_cents"])
    if remuneration["structure_kind"] == "cpts":
        if signed is None:
            advance_due = balance_due = None
            notes.append(message("anniversary_unknown"))
        else:
            anniversary = _anniversary(signed, year)
            advance_due = max(anniversary, signed)
            balance_due = _anniversary(signed, year + 1)
    else:
        advance_due = _month_day(catalogue.parameter("advance_due"), year)
        months = catalogue.parameter("new_signatory_advance_months")
        if signed is not None and signed.year == year and months and advance_due is not None:
            advance_due = max(advance_due, _add_months(signed, months))
        balance_due = _month_day(catalogue.parameter("balance_due"), year + 1)
    if remuneration.get("coverage_percent") == 0:
        advance = 0
    return {"advance_percent": percent, "advance_cents": advance,
            "advance_due_on": advance_due.isoformat() if advance_due else None,
            "balance_cents": totals["amount_cents"] - advance,
            "balance_due_on": balance_due.isoformat() if balance_due else None,
            "total_cents": totals["amount_cents"], "notes": notes}


def _anniversary(signed: date, year: int) -> date:
    try:
        return date(year, signed.month, signed.day)
    except ValueError:  # 29 February
        return date(year, signed.month, 28)


def compare_payments(schedule: dict, payments: list[Payment]) -> dict:
    """Received per kind and in all, and the difference from what was expected (received −
    expected: negative means money still due)."""
    received = {kind: 0 for kind in PAYMENT_KINDS}
    for payment in payments:
        received[payment.kind] += payment.amount_cents
    total_received = received["advance"] + received["balance"] + received["other"] - received["repayment"]
    expected_total = schedule["total_cents"]
    lines = []
    for kind in ("advance", "balance"):
        expected = schedule[f"{kind}_cents"]
        lines.append({"kind": kind, "expected_cents": expected, "due_on": schedule[f"{kind}_due_on"],
                      "received_cents": received[kind],
                      "difference_cents": None if expected is None else received[kind] - expected})
    return {"received_by_kind_cents": received, "received_cents": total_received, "expected_cents": expected_total,
            "difference_cents": total_received - expected_total, "lines": lines}
