"""docs/domain.md §3.0 tolerance, on the rounding edge cases the seeds contain (§4.4 I-15)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from pipelines.validate.tolerance import score_eq, score_le, score_ratio, tolerance


@pytest.mark.parametrize(
    ("unit", "n", "expected"),
    [
        ("元", 5, D("0.01")),
        ("万元", 1, D("50")),
        ("万元", 2, D("100")),
        ("万元", 10, D("500")),
        ("count", 3, D(0)),
    ],
)
def test_tolerance_by_unit_and_terms(unit: str, n: int, expected: D) -> None:
    assert tolerance(unit, n) == expected


def test_wan_yuan_sums_allow_half_a_cent_per_term() -> None:
    # seed 004: 301 printed 1054.25 万元, its ten children add to 1054.24 → passes (T(10) = 0.05 万元)
    assert score_eq(D("10542400"), D("10542500"), "万元", 10).slack >= 0
    # seed 002 E-1: 725.33 vs 723.95 over 8 children → fails
    assert score_eq(D("7239500"), D("7253300"), "万元", 8).slack < 0
    # the same figure printed twice in 万元 tables must agree exactly
    assert score_eq(D("1000000"), D("1000100"), "万元", 1).slack < 0


def test_yuan_tables_are_exact_to_one_fen() -> None:
    assert score_eq(D("100.00"), D("100.01"), "元", 3).slack >= 0
    assert score_eq(D("100.00"), D("100.02"), "元", 3).slack < 0


def test_part_at_most_whole() -> None:
    assert score_le(D("1876083.12"), D("2434543.90"), "元", 1).slack < 0
    assert score_le(D("2434543.90"), D("1876083.12"), "元", 1).slack >= 0


@pytest.mark.parametrize(
    ("num", "den", "eps", "stated", "decimals", "passes"),
    [
        (D("0.53"), D("0.99"), D("0.005"), D("53.53"), 2, True),  # 001 下降53.53%
        (D("60"), D("60.79"), D("0.005"), D("98.71"), 2, True),  # 003 interval, although 60/60.79 = 98.700 %
        (D("9.47"), D("20.00"), D("0.005"), D("47.4"), 1, True),  # 000 47.35 → 47.4 (half-up)
        (D("12.96"), D("100"), D("0"), D("13"), 0, True),  # 占13%, d = 0
        (D("108.63"), D("1480.45"), D("0.005"), D("0"), 0, False),  # 003 E-7 占0% for 7.34 %
        (D("15850096.60"), D("19890539.51"), D("0"), D("79.7"), 1, True),  # 000 一般公共服务 79.687 %
        (D("15850096.60"), D("19890539.51"), D("0"), D("79.6"), 1, False),
    ],
)
def test_percentages_by_interval(num: D, den: D, eps: D, stated: D, decimals: int, passes: bool) -> None:
    _, scored = score_ratio(num, den, eps, stated, decimals)
    assert (scored.slack >= 0) is passes
