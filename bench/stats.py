"""Small statistics helpers (no numpy)."""

from __future__ import annotations

from collections.abc import Sequence
import math
import statistics


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile (nearest rank); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    """The median; NaN for no values."""
    return statistics.median(values) if values else math.nan
