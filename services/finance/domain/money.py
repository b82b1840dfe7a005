"""Integer cents and exact fractions: money is never a float (docs/adr/0011).

Every split of an amount goes through ``largest_remainder``: each part gets the floor of its
exact quota, and the cents left over go one by one to the largest fractional remainders
(ties broken by the key, so the result never depends on dict order or on the machine).
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from fractions import Fraction
from math import floor

Number = int | Fraction


def round_half_up(value: Number) -> int:
    """Cents from an exact amount: halves go up (1.5 → 2, -1.5 → -1), like a cashier."""
    return floor(Fraction(value) + Fraction(1, 2))


def percent_of(amount_cents: int, percent: Number) -> int:
    return round_half_up(Fraction(amount_cents) * Fraction(percent) / 100)


def largest_remainder(total: int, weights: Mapping[Hashable, Number] | Iterable[tuple[Hashable, Number]]) -> dict:
    """Split ``total`` cents (≥ 0) in proportion to non-negative ``weights``; the parts sum
    exactly to ``total``. With no positive weight, nothing can be split: every part is 0
    (the caller decides where the money goes)."""
    items = list(weights.items() if isinstance(weights, Mapping) else weights)
    if total < 0:
        raise ValueError("cannot split a negative amount")
    if any(Fraction(w) < 0 for _, w in items):
        raise ValueError("weights must not be negative")
    weight_sum = sum((Fraction(w) for _, w in items), Fraction(0))
    parts = {key: 0 for key, _ in items}
    if weight_sum == 0 or total == 0:
        return parts
    remainders = []
    given = 0
    for key, weight in items:
        quota = Fraction(total) * Fraction(weight) / weight_sum
        whole = floor(quota)
        parts[key] += whole
        given += whole
        remainders.append((quota - whole, str(key), key))
    leftover = total - given
    # Largest remainder first; equal remainders go by key, so the split is reproducible.
    remainders.sort(key=lambda item: (-item[0], item[1]))
    for _, _, key in remainders[:leftover]:
        parts[key] += 1
    return parts


def euros(cents: int | None) -> str:
    """French display: « 12 345,67 € » (non-breaking spaces; no float on the way)."""
    if cents is None:
        return "—"
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    grouped = f"{whole:,}".replace(",", "\u00a0")
    return f"{sign}{grouped},{rest:02d}\u00a0€"


def points_text(points: Number) -> str:
    value = Fraction(points)
    if value.denominator == 1:
        return f"{int(value):,}".replace(",", "\u00a0")
    return f"{float(value):,.2f}".replace(",", "\u00a0").replace(".", ",")
