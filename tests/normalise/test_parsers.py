"""Tables of cases for the cell parsers: amounts and units (vocab/numbers.py), header rows and
printed years (vocab/grid.py). The amount cases are data: tests/fixtures/expected/parsers/."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from pipelines.vocab.grid import is_data_row, relative_years
from pipelines.vocab.numbers import is_amount, looks_like_money, parse_amount, unit_from_text
from tests.conftest import PROJECT

with (PROJECT / "tests" / "fixtures" / "expected" / "parsers" / "amounts.csv").open(encoding="utf-8") as f:
    AMOUNTS = list(csv.DictReader(f))


@pytest.mark.parametrize("case", AMOUNTS, ids=[c["why"] for c in AMOUNTS])
def test_parse_amount(case: dict[str, str]) -> None:
    parsed = parse_amount(case["text"], case["unit"])
    kind = case["kind"]
    if kind == "none":
        assert parsed is None and not is_amount(case["text"])
        return
    assert parsed is not None
    assert parsed.amount == (Decimal(case["amount"]) if case["amount"] else None)
    assert (parsed.is_blank, parsed.is_percent, parsed.out_of_range) == (
        kind == "blank",
        kind == "percent",
        kind == "out_of_range",
    )


@pytest.mark.parametrize(
    ("text", "money"),
    [("1,234", True), ("12.50", True), ("4.8%", True), ("12", False), ("3", False), ("栏次", False)],
)
def test_money_is_told_from_column_numbers(text: str, money: bool) -> None:
    """栏次 / 行次 numbers are bare small integers: they never make a row a data row."""
    assert looks_like_money(text) is money


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("单位：万元", "万元"),
        ("单位:元", "元"),
        ("金额单位：万元", "万元"),
        ("金额（万元）", "万元"),
        ("单位： 亿元", "亿元"),
        ("编制单位：上海市普陀区财政局", None),
        ("项目", None),
    ],
)
def test_unit_from_text(text: str, unit: str | None) -> None:
    assert unit_from_text(text) == unit


@pytest.mark.parametrize(
    ("cells", "data"),
    [
        (("科目编码", "科目名称", "合计", "基本支出"), False),  # a header row
        (("栏次", "", "1", "2"), False),  # the 栏次 row numbers columns
        (("201", "一般公共服务支出", "1,234.00", ""), True),  # an amount
        (("20101", "人大事务", "", ""), True),  # a code and a name, amounts blank
        (("合计", "", "12.00"), True),
        (("合计", ""), True),  # a total row whose amounts are on the next line
        (("2", "3", "4"), False),  # bare integers are not money
        (("", "", ""), False),
    ],
)
def test_is_data_row(cells: tuple[str, ...], data: bool) -> None:
    assert is_data_row(cells) is data


@pytest.mark.parametrize(
    ("grid", "expected"),
    [
        ([["2024年预算数", "2025年预算数"]], [["上年预算数", "本年预算数"]]),
        ([["2023年度决算数", "2024年度预算数"]], [["上年决算数", "本年预算数"]]),
        ([["预算数", "决算数"]], [["预算数", "决算数"]]),  # no year printed: unchanged
    ],
)
def test_relative_years(grid: list[list[str]], expected: list[list[str]]) -> None:
    assert relative_years(grid) == expected
