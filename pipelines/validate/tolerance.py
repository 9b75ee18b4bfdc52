"""Tolerance of docs/domain.md §3.0: how far apart two printed figures may be and still agree.

Everything is Decimal. A check's `slack` is how much room is left before it fails: ≥ 0 passes.
Great Expectations judges the slack (pipelines/validate/gx.py); this module only measures it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pipelines.vocab.numbers import CENT, UNIT_FACTORS

# CENT is part of this module's interface: the quantum every compared amount is rounded to
__all__ = [
    "CENT",
    "HALF_WAN_CENT",
    "Scored",
    "score_eq",
    "score_flag",
    "score_le",
    "score_ratio",
    "tolerance",
]

# half the last printed digit of a 2-decimal 万元 figure, in 元 (50)
HALF_WAN_CENT = Decimal("0.005") * UNIT_FACTORS["万元"]


@dataclass(frozen=True)
class Scored:
    difference: Decimal | None  # actual − expected
    tolerance: Decimal | None
    slack: Decimal  # ≥ 0 passes


def tolerance(unit: str | None, n_terms: int | None) -> Decimal:
    """T for a comparison of a figure against the sum of `n_terms` printed figures.

    元 tables are exact to the 分 (one 分 allowed); a sum of n figures rounded to 0.01 万元 may be off
    by n × 0.005 万元; counts are exact.
    """
    n = max(1, n_terms or 1)
    if unit == "万元":
        return HALF_WAN_CENT * n
    if unit == "count":
        return Decimal(0)
    return CENT


def score_eq(expected: Decimal, actual: Decimal, unit: str | None, n_terms: int | None) -> Scored:
    t = tolerance(unit, n_terms)
    diff = actual - expected
    return Scored(diff, t, t - abs(diff))


def score_le(expected: Decimal, actual: Decimal, unit: str | None, n_terms: int | None) -> Scored:
    """actual ≤ expected (a part against its whole), with the same tolerance as equality."""
    t = tolerance(unit, n_terms)
    return Scored(actual - expected, t, expected + t - actual)


def score_ratio(
    numerator: Decimal, denominator: Decimal, eps: Decimal, stated: Decimal, decimals: int
) -> tuple[Decimal | None, Scored]:
    """Interval test for a printed percentage: does the printed value's rounding interval meet the
    interval of ratios the rounded inputs allow? Returns (exact ratio, score).
    """
    half = Decimal(5) / Decimal(10) ** (decimals + 1)
    low_p, high_p = stated - half, stated + half
    if denominator - eps <= 0:
        # a zero base: only a 0 % statement about a zero part makes sense
        ok = numerator <= eps and stated == 0
        return None, Scored(None, half, Decimal(0) if ok else Decimal(-1))
    hundred = Decimal(100)
    exact = hundred * numerator / denominator
    low_r = hundred * max(numerator - eps, Decimal(0)) / (denominator + eps)
    high_r = hundred * (numerator + eps) / (denominator - eps)
    overlap = min(high_r, high_p) - max(low_r, low_p)
    return exact, Scored(stated - exact, half + (high_r - low_r) / 2, overlap)


def score_flag(ok: bool | None) -> Scored:
    return Scored(None, None, Decimal(0) if ok else Decimal(-1))
