"""The figures a human reviewer found wrong in the 司法局 2026 budget are reported by the quality rules.

The checklist (tests/fixtures/govbc_tmp_dept_budget.xlsx) reviews data/samples/govbc_tmp_dept_budget.pdf.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from pipelines.load.warehouse import writer
from pipelines.validate.engine import evaluate_document
from tests.conftest import SAMPLES, ingest

CHECKLIST = Path(__file__).resolve().parent.parent / "fixtures" / "govbc_tmp_dept_budget.xlsx"


@pytest.fixture(scope="module")
def failed(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    with writer(tmp_path_factory.mktemp("govbc") / "w.duckdb") as con:
        document_id = ingest(con, SAMPLES / "govbc_tmp_dept_budget.pdf")
        return evaluate_document(con, document_id).results.filter(~pl.col("passed"))


def test_the_checklist_is_what_we_test() -> None:
    text = "\n".join(
        str(c)
        for row in openpyxl.load_workbook(CHECKLIST).active.iter_rows(values_only=True)
        for c in row
        if c
    )
    assert "3845.49 相比 43269.3 不可能是“增加17.62%”" in text
    assert "住房公积金（01项）208.8万元" in text and "201.50万元" in text
    assert "5处与2025年预算比较" in text


def test_growth_rate_that_contradicts_its_own_numbers(failed: pl.DataFrame) -> None:
    # "2025年当年预算执行数为43269.3万元，2026年预算安排3845.49万元，比2025年预算执行数增加17.62%" (p.9)
    rate = failed.filter((pl.col("rule_id") == "N25") & pl.col("row_key").str.contains("43269.3"))
    assert rate.select("page", "expected", "actual").to_dicts() == [
        {"page": 9, "expected": Decimal("91.11"), "actual": Decimal("17.62")}  # a 91.11 % fall, not a rise
    ]
    direction = failed.filter((pl.col("rule_id") == "N25b") & pl.col("row_key").str.contains("43269.3"))
    assert direction.height == 1


def test_housing_fund_stated_two_ways(failed: pl.DataFrame) -> None:
    # "住房公积金（01项）208.8万元。… 2026年预算安排201.50万元" (p.9); the tables print 2,087,959.00 元
    restated = failed.filter((pl.col("rule_id") == "N26") & pl.col("row_key").str.contains("住房公积金"))
    assert restated.select("page", "expected", "actual").to_dicts() == [
        {"page": 9, "expected": Decimal("2088000.00"), "actual": Decimal("2015000.00")}
    ]


def test_comparisons_against_the_wrong_year(failed: pl.DataFrame) -> None:
    # five statements on p.8 compare the 2026 budget "比/与2026年预算" instead of with 2025
    wrong_year = failed.filter(pl.col("rule_id") == "N22")
    assert wrong_year.height == 5
    assert set(wrong_year["page"]) == {8}
    assert wrong_year["note"].str.contains("2026").all()


def test_class_named_differently_from_the_tables(failed: pl.DataFrame) -> None:
    # "医疗卫生与计划生育支出（210类）" while the tables print 210 卫生健康支出
    assert failed.filter((pl.col("rule_id") == "C04") & (pl.col("row_key") == "210")).height == 1
