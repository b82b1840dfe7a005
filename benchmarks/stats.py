"""Latency summaries: percentiles of a sample, in milliseconds."""
from __future__ import annotations

from dataclasses import dataclass


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Linear interpolation between the closest ranks (the same as numpy's default)."""
    if not sorted_values:
        return float("nan")
    position = (len(sorted_values) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * (position - lower)


@dataclass(frozen=True)
class Latency:
    count: int
    p50_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    elapsed_s: float

    @property
    def rate(self) -> float:
        """Completed calls (or requests) per second over the measured window."""
        return self.count / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @classmethod
    def of(cls, seconds: list[float], elapsed_s: float) -> Latency:
        values = sorted(seconds)
        if not values:
            return cls(0, float("nan"), float("nan"), float("nan"), float("nan"), elapsed_s)
        return cls(len(values), percentile(values, 0.50) * 1000, percentile(values, 0.99) * 1000,
                   sum(values) / len(values) * 1000, values[-1] * 1000, elapsed_s)
