"""Figures stated in the 说明 text, checked against values typed from reading the documents.

Seed line numbers and pages are the ones a reader sees in the files (docs/domain.md §4.5, §4.2 E-6…E-9).
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pipelines.extract.document import extract_document
from pipelines.extract.types import TextBlock
from pipelines.normalise.narrative import NARRATIVE_SCHEMA, narrative_figures, resolve_function_chain
from tests.conftest import PROJECT, SHGZB_PDF

SEEDS = PROJECT / "tests" / "fixtures" / "seeds"
SQL = PROJECT / "sql" / "schema" / "110_fact_narrative_figure.sql"

Row = dict[str, Any]


def _seed(name: str) -> pl.DataFrame:
    path = next(SEEDS.glob(f"{name}_*.txt"))
    lines = path.read_text(encoding="utf-8").splitlines()
    return narrative_figures([TextBlock(line, line_no=i) for i, line in enumerate(lines, 1)], name)


@pytest.fixture(scope="module")
def seed000() -> pl.DataFrame:
    return _seed("000")


@pytest.fixture(scope="module")
def seed001() -> pl.DataFrame:
    return _seed("001")


@pytest.fixture(scope="module")
def seed003() -> pl.DataFrame:
    return _seed("003")


@pytest.fixture(scope="module")
def shanghai() -> pl.DataFrame:
    doc = extract_document(Path(SHGZB_PDF))
    return narrative_figures(doc.texts, doc.document_id)


def rows(df: pl.DataFrame, **where: Any) -> list[Row]:
    out = df
    for column, value in where.items():
        out = out.filter(pl.col(column).is_null() if value is None else pl.col(column) == value)
    return out.to_dicts()


def one(df: pl.DataFrame, **where: Any) -> Row:
    found = rows(df, **where)
    assert len(found) == 1, f"{where}: {len(found)} rows"
    return found[0]


def wan(text: str) -> Decimal:
    """万元 as printed → 元."""
    return (Decimal(text) * 10000).quantize(Decimal("0.01"))


# ---------------------------------------------------------------------------------------------
# The frame itself
# ---------------------------------------------------------------------------------------------


def test_schema_is_the_warehouse_table() -> None:
    sql = SQL.read_text(encoding="utf-8")
    columns = re.findall(r"^\s{4}(\w+)\s+(\w+)", sql, flags=re.M)
    assert [c for c, _ in columns] == list(NARRATIVE_SCHEMA)
    types = {"varchar": pl.String, "integer": pl.Int32, "decimal": pl.Decimal}
    for column, sql_type in columns:
        assert (
            isinstance(NARRATIVE_SCHEMA[column], types[sql_type])
            or NARRATIVE_SCHEMA[column] == types[sql_type]
        )
    assert NARRATIVE_SCHEMA["value"] == pl.Decimal(18, 2)
    assert NARRATIVE_SCHEMA["percent"] == pl.Decimal(9, 4)


def test_empty_text_gives_an_empty_frame_with_the_schema() -> None:
    df = narrative_figures([], "d")
    assert df.height == 0
    assert df.schema == pl.Schema(NARRATIVE_SCHEMA)


def test_numbering_and_provenance(seed000: pl.DataFrame) -> None:
    assert seed000["figure_no"].to_list() == list(range(1, seed000.height + 1))
    firsts = seed000.group_by("statement_no").agg(pl.col("figure_no").min()).sort("figure_no")
    assert firsts["statement_no"].to_list() == list(range(1, firsts.height + 1))
    assert seed000["document_id"].unique().to_list() == ["000"]
    assert seed000["page"].null_count() == seed000.height  # a text export has lines, not pages
    assert seed000["line_no"].null_count() == 0


# ---------------------------------------------------------------------------------------------
# Seed 000 (重庆市潼南区人民政府办公室 2024 决算): every figure of DOMAIN §4.5
# ---------------------------------------------------------------------------------------------

SEED000_AMOUNTS = [
    # metric, qualifier, 万元 as printed, line, a piece of the sentence
    ("total_income_expenditure", None, "1989.05", 71, "2024年度收、支总计均为1989.05万元。"),
    ("total_income", None, "1989.05", 73, "收入合计1989.05万元"),
    ("fiscal_appropriation_income", None, "1989.05", 75, "其中:财政拨款收入1989.05万元,占100.0%"),
    ("business_income", None, "0.00", 75, "事业收入0.00万元"),
    ("operating_income", None, "0.00", 75, "经营收入0.00万元"),
    ("other_income", None, "0.00", 75, "其他收入0.00万元"),
    ("use_of_nonfiscal_surplus", None, "0.00", 75, "使用非财政拨款结余(含专用结余)0.00万元"),
    ("opening_carryover_surplus", None, "0.00", 75, "年初结转和结余0.00万元"),
    ("total_expenditure", None, "1989.05", 77, "2024年度支出合计1989.05万元"),
    ("basic_expenditure", None, "1485.91", 77, "基本支出1485.91万元,占74.7%"),
    ("project_expenditure", None, "503.14", 77, "项目支出503.14万元,占25.3%"),
    ("operating_expenditure", None, "0.00", 77, "经营支出0.00万元"),
    ("surplus_distribution", None, "0.00", 77, "此外,结余分配0.00万元"),
    ("closing_carryover_surplus", None, "0.00", 79, "2024年度年末结转和结余0.00万元"),
    ("fiscal_total", None, "1989.05", 83, "财政拨款收、支总计均为1989.05万元"),
    ("gpb_income", None, "1989.05", 87, "一般公共预算财政拨款收入1989.05万元"),
    ("gpb_opening", None, "0.00", 87, "此外,年初财政拨款结转和结余0.00万元"),
    ("gpb_expenditure", None, "1989.05", 89, "一般公共预算财政拨款支出1989.05万元"),
    ("function_class", "201", "1585.01", 93, "(1)一般公共服务支出1585.01万元,占79.7%"),
    ("function_class", "208", "252.59", 95, "(2)社会保障和就业支出252.59万元,占12.7%"),
    ("function_class", "210", "74.00", 97, "(3)卫生健康支出74.00万元,占3.7%"),
    ("function_class", "221", "77.45", 99, "(4)住房保障支出77.45万元,占3.9%"),
    ("gpb_closing", None, "0.00", 101, "年末一般公共预算财政拨款结转和结余0.00万元"),
    ("gpb_basic_expenditure", None, "1485.91", 105, "一般公共预算财政拨款基本支出1485.91万元。"),
    ("personnel_expenditure", None, "1242.46", 107, "其中:人员经费1242.46万元"),
    ("public_operating_expenditure", None, "243.45", 109, "公用经费243.45万元"),
    ("three_public_total", None, "46.53", 123, "三公经费支出共计46.53万元"),
    ("outbound_travel", None, "0.00", 127, "因公出国(境)费用0.00万元。"),
    ("vehicle_purchase", None, "0.00", 129, "公务用车购置费0.00万元。"),
    ("vehicle_operation", None, "36.00", 131, "公务用车运行维护费36.00万元"),
    ("reception_total", None, "10.53", 133, "公务接待费10.53万元"),
    ("vehicle_purchase_per_vehicle", None, "0", 137, "车均购置费0万元"),
    ("vehicle_operation_per_vehicle", None, "4.00", 137, "车均维护费4.00万元。"),
    ("meeting_fee", None, "11.48", 143, "本年度会议费支出11.48万元"),
    ("training_fee", None, "0.65", 143, "本年度培训费支出0.65万元,与2023年度相比,减少1.46万元"),
    ("travel_fee", None, "10.21", 145, "本年度差旅费支出10.21万元"),
    ("agency_operating_cost", None, "187.61", 149, "机关运行经费支出187.61万元"),
    ("procurement_total", None, "0.00", 157, "政府采购支出总额0.00万元。"),
    ("evaluated_project_funds", None, "503.14", 161, "涉及资金503.14万元"),
]


@pytest.mark.parametrize(("metric", "qualifier", "printed", "line", "piece"), SEED000_AMOUNTS)
def test_seed000_amounts(
    seed000: pl.DataFrame, metric: str, qualifier: str | None, printed: str, line: int, piece: str
) -> None:
    row = one(seed000, metric=metric, qualifier=qualifier, kind="amount")
    assert row["value"] == wan(printed)
    assert row["value_printed"] == f"{printed}万元"
    assert row["unit_printed"] == "万元"
    assert row["decimals"] == len(printed.partition(".")[2])
    assert row["basis"] is None
    assert row["line_no"] == line
    assert piece in row["sentence"]


def test_seed000_figure_in_元_and_counts(seed000: pl.DataFrame) -> None:
    per_person = one(seed000, metric="reception_per_person")
    assert (per_person["value"], per_person["unit_printed"], per_person["line_no"]) == (
        Decimal("78.90"),
        "元",
        137,
    )
    counts = {
        "outbound_groups": 0,
        "outbound_persons": 0,
        "vehicles_purchased": 0,
        "vehicle_fleet": 9,
        "reception_batches": 192,
        "reception_persons": 1335,
        "reception_fa_batches": 0,
        "reception_fa_persons": 0,
        "reception_overseas_batches": 0,
        "reception_overseas_persons": 0,
    }
    for metric, n in counts.items():
        row = one(seed000, metric=metric)
        assert (row["kind"], row["value"], row["line_no"]) == ("count", Decimal(n), 137), metric
    assets = {
        "vehicles_total": 9,
        "vehicles_ministerial": 0,
        "vehicles_principal_leader": 1,
        "vehicles_confidential": 1,
        "vehicles_emergency": 7,
        "equipment_over_1m": 0,
    }
    for metric, n in assets.items():
        row = one(seed000, metric=metric)
        assert (row["kind"], row["value"], row["line_no"]) == ("count", Decimal(n), 153), metric
    projects = one(seed000, metric="evaluated_projects")
    assert (projects["value"], projects["line_no"]) == (Decimal(11), 161)
    funds = one(seed000, metric="evaluated_project_funds")
    assert funds["statement_no"] == projects["statement_no"]


def test_seed000_threshold_is_not_an_amount(seed000: pl.DataFrame) -> None:
    # "单价 100 万元（含）以上专用设备 0 台（套）" is a price threshold
    assert rows(seed000, value=wan("100")) == []


SEED000_SHARES = [
    ("fiscal_appropriation_income", None, "100.0", "total_income", 75),
    ("business_income", None, "0.0", "total_income", 75),
    ("operating_income", None, "0.0", "total_income", 75),
    ("other_income", None, "0.0", "total_income", 75),
    ("basic_expenditure", None, "74.7", "total_expenditure", 77),
    ("project_expenditure", None, "25.3", "total_expenditure", 77),
    ("operating_expenditure", None, "0.0", "total_expenditure", 77),
    ("function_class", "201", "79.7", "gpb_expenditure", 93),
    ("function_class", "208", "12.7", "gpb_expenditure", 95),
    ("function_class", "210", "3.7", "gpb_expenditure", 97),
    ("function_class", "221", "3.9", "gpb_expenditure", 99),
]


def test_seed000_shares(seed000: pl.DataFrame) -> None:
    shares = rows(seed000, kind="share")
    assert len(shares) == len(SEED000_SHARES)
    for metric, qualifier, pct, basis, line in SEED000_SHARES:
        share = one(seed000, kind="share", metric=metric, qualifier=qualifier)
        amount = one(seed000, kind="amount", metric=metric, qualifier=qualifier)
        assert share["percent"] == Decimal(pct)
        assert share["decimals"] == 1
        assert share["basis"] == basis
        assert share["line_no"] == line
        assert share["statement_no"] == amount["statement_no"]
        assert share["value"] is None


# (metric, qualifier, basis, ref_year, direction, Δ 万元 or None for a zero change, pct or None, line)
SEED000_CHANGES = [
    ("total_income_expenditure", None, "prior_year", 2023, "decrease", "333.36", "14.4", 71),
    ("total_income", None, "prior_year", 2023, "decrease", "333.36", "14.4", 73),
    ("total_expenditure", None, "prior_year", 2023, "decrease", "333.36", "14.4", 77),
    ("closing_carryover_surplus", None, "prior_year", 2023, "flat", None, None, 79),
    ("fiscal_total", None, "prior_year", 2023, "decrease", "333.36", "14.4", 83),
    ("gpb_income", None, "prior_year", 2023, "decrease", "333.36", "14.4", 87),
    ("gpb_income", None, "budget", None, "increase", "231.73", "13.2", 87),
    ("gpb_expenditure", None, "prior_year", 2023, "decrease", "333.36", "14.4", 89),
    ("gpb_expenditure", None, "budget", None, "increase", "231.73", "13.2", 89),
    ("function_class", "201", "budget", None, "increase", "197.37", "14.2", 93),
    ("function_class", "208", "budget", None, "increase", "42.67", "20.3", 95),
    ("function_class", "210", "budget", None, "decrease", "6.44", "8.0", 97),
    ("function_class", "221", "budget", None, "decrease", "1.87", "2.4", 99),
    ("gpb_closing", None, "prior_year", 2023, "flat", None, None, 101),
    ("personnel_expenditure", None, "prior_year", 2023, "increase", "69.69", "5.9", 107),
    ("public_operating_expenditure", None, "prior_year", 2023, "decrease", "1.44", "0.6", 109),
    ("three_public_total", None, "budget", None, "decrease", "9.47", "16.9", 123),
    ("three_public_total", None, "prior_year", None, "decrease", "35.71", "43.4", 123),
    ("vehicle_operation", None, "budget", None, "flat", None, None, 131),
    ("vehicle_operation", None, "prior_year", None, "decrease", "4.50", "11.1", 131),
    ("reception_total", None, "budget", None, "decrease", "9.47", "47.4", 133),
    ("reception_total", None, "prior_year", None, "decrease", "31.21", "74.8", 133),
    ("meeting_fee", None, "prior_year", 2023, "increase", "10.47", "1036.6", 143),
    ("training_fee", None, "prior_year", 2023, "decrease", "1.46", "69.2", 145),
    ("travel_fee", None, "prior_year", 2023, "decrease", "25.96", "71.8", 145),
    ("agency_operating_cost", None, "prior_year", None, "increase", "14.02", "8.1", 149),
]


def test_seed000_changes(seed000: pl.DataFrame) -> None:
    """Every YoY / vs-budget statement (DOMAIN counts 17 non-zero pairs, repeated ones once)."""
    assert len(rows(seed000, kind="change")) == len(SEED000_CHANGES)
    assert len(rows(seed000, kind="change_pct")) == sum(1 for c in SEED000_CHANGES if c[6])
    for metric, qualifier, basis, year, direction, delta, pct, line in SEED000_CHANGES:
        where = {"metric": metric, "qualifier": qualifier, "basis": basis}
        change = one(seed000, kind="change", **where)
        amount = one(seed000, kind="amount", metric=metric, qualifier=qualifier)
        assert change["statement_no"] == amount["statement_no"], where
        assert (change["ref_year"], change["direction"], change["line_no"]) == (year, direction, line), where
        if delta is None:
            assert change["value"] == Decimal(0)
            assert change["value_printed"] in {"无增减", "持平"}
            assert rows(seed000, kind="change_pct", **where) == []
            continue
        sign = 1 if direction == "increase" else -1
        assert change["value"] == sign * wan(delta), where
        assert change["unit_printed"] == "万元"
        assert change["decimals"] == 2
        assert pct is not None
        change_pct = one(seed000, kind="change_pct", **where)
        assert change_pct["percent"] == Decimal(pct), where
        assert change_pct["decimals"] == len(pct.partition(".")[2])
        assert (change_pct["direction"], change_pct["ref_year"]) == (direction, year)
        assert change_pct["statement_no"] == change["statement_no"]
        assert change_pct["value"] is None


def test_seed000_paragraph_joined_across_blank_lines(seed000: pl.DataFrame) -> None:
    # 6.1c: "其中：财政拨款收入" (L73) / "1989.05 万元，占 100.0%" (L75);
    # "与 2023 年度相比，" (L143) / "减少 1.46 万元" (L145)
    fiscal = one(seed000, metric="fiscal_appropriation_income", kind="amount")
    assert fiscal["subject"] == "财政拨款收入"
    training = one(seed000, metric="training_fee", kind="change")
    assert training["sentence"].startswith("本年度培训费支出0.65万元,与2023年度相比,减少1.46万元,下降69.2%")


# ---------------------------------------------------------------------------------------------
# Seed 003 (广元市昭化区人民政府办公室 2023 单位决算): findings E-6 … E-9
# ---------------------------------------------------------------------------------------------


def test_seed003_composition_e6(seed003: pl.DataFrame) -> None:
    totals = rows(seed003, metric="opening_carryover_surplus", kind="amount")
    assert [(r["value"], r["line_no"]) for r in totals] == [(wan("237.87"), 32), (wan("237.87"), 41)]
    for total in totals:
        parts = rows(seed003, kind="component", statement_no=total["statement_no"])
        assert [(p["value"], p["subject"]) for p in parts] == [
            (wan("166.19"), "2002年结转结余资金国防支出"),
            (wan("60.78"), "采购全区非涉密办公系统软件"),
            (wan("10.72"), "其他结转资金"),
        ]
        assert {(p["metric"], p["basis"], p["line_no"]) for p in parts} == {
            ("opening_carryover_surplus", "opening_carryover_surplus", total["line_no"])
        }
    # "对昨年结转结余资金国防支出166.19万元" (L45) is a carry-over, not the 国防 class
    assert [r["value"] for r in rows(seed003, metric="function_class", qualifier="203", kind="amount")] == [
        wan("191.89")
    ]


def test_seed003_zero_share_e7(seed003: pl.DataFrame) -> None:
    finance = one(seed003, metric="function_class", qualifier="217", kind="amount")
    assert (finance["value"], finance["line_no"]) == (wan("108.63"), 48)
    share = one(seed003, metric="function_class", qualifier="217", kind="share")
    assert (share["percent"], share["decimals"], share["basis"]) == (Decimal(0), 0, "gpb_expenditure")
    assert share["statement_no"] == finance["statement_no"]
    stated = {r["qualifier"]: r["percent"] for r in rows(seed003, metric="function_class", kind="share")}
    assert stated == {
        "201": Decimal("70.8"),
        "203": Decimal("13"),
        "208": Decimal("4.7"),
        "210": Decimal("1.3"),
        "217": Decimal("0"),
        "221": Decimal("2.9"),
    }


def test_seed003_two_basic_expenditures_e8(seed003: pl.DataFrame) -> None:
    basic = one(seed003, metric="basic_expenditure", kind="amount")
    assert (basic["value"], basic["line_no"]) == (wan("804.14"), 38)
    gpb_basic = one(seed003, metric="gpb_basic_expenditure", kind="amount")
    assert (gpb_basic["value"], gpb_basic["line_no"]) == (wan("1480.45"), 62)
    personnel = one(seed003, metric="personnel_expenditure", kind="amount")
    public = one(seed003, metric="public_operating_expenditure", kind="amount")
    assert (personnel["value"], personnel["line_no"]) == (wan("554.69"), 63)
    assert (public["value"], public["line_no"]) == (wan("925.77"), 64)


def test_seed003_itemised_economic_lists(seed003: pl.DataFrame) -> None:
    personnel = one(seed003, metric="personnel_expenditure", kind="amount")
    items = rows(seed003, metric="econ_item", statement_no=personnel["statement_no"])
    assert [(r["qualifier"], r["value"]) for r in items] == [
        ("30101", wan("174.33")),
        ("30102", wan("65.93")),
        ("30103", wan("134.36")),
        ("30107", wan("23.23")),
        ("30108", wan("54.5")),
        ("30110", wan("19.52")),
        ("30112", wan("15.07")),
        ("30113", wan("43.09")),
        ("30199", wan("20.67")),
        ("30305", wan("4")),
    ]
    assert {(r["kind"], r["basis"]) for r in items} == {("component", "personnel_expenditure")}
    public = one(seed003, metric="public_operating_expenditure", kind="amount")
    items = rows(seed003, metric="econ_item", statement_no=public["statement_no"])
    assert len(items) == 17
    assert sum(r["value"] for r in items) == wan("925.76")
    assert {r["subject"]: r["qualifier"] for r in items}["维修(护)费"] == "30213"
    assert {r["subject"]: r["qualifier"] for r in items}["其他交通费"] == "30239"
    # items of the 经济分类 list are not the 三公/会议费 figures
    assert rows(seed003, metric="meeting_fee") == []
    assert rows(seed003, metric="travel_fee") == []


def test_seed003_reception_stated_twice_e9(seed003: pl.DataFrame) -> None:
    stated = rows(seed003, metric="reception_total", kind="amount", basis=None)
    assert [(r["value"], r["line_no"]) for r in stated] == [(wan("11.57"), 69), (wan("11.57"), 75)]
    domestic = rows(seed003, metric="reception_domestic", kind="amount")
    assert [(r["value"], r["line_no"]) for r in domestic] == [(wan("11.57"), 76), (wan("6"), 76)]
    assert domestic[1]["statement_no"] != domestic[0]["statement_no"]
    assert "共计支出6万元" in domestic[1]["sentence"]
    counts = {r["metric"]: r["value"] for r in rows(seed003, kind="count", line_no=76)}
    assert counts == {"reception_batches": Decimal(39), "reception_persons": Decimal(643)}


def test_seed003_budget_and_rate_statements(seed003: pl.DataFrame) -> None:
    three = rows(seed003, metric="three_public_total", line_no=67)
    assert [(r["kind"], r["basis"], r["value"], r["percent"]) for r in three] == [
        ("amount", "budget", wan("19.3"), None),
        ("amount", None, wan("11.57"), None),
        ("rate", "budget", None, Decimal("59.9")),
        ("change", "prior_year", wan("4.81"), None),
        ("change_pct", "prior_year", None, Decimal("71.2")),
    ]
    assert len({r["statement_no"] for r in three}) == 1
    # explicit prior-year base: "与2022年度831.07万元相比"
    prior = one(seed003, metric="gpb_expenditure", kind="amount", basis="prior_year")
    assert (prior["value"], prior["ref_year"], prior["line_no"]) == (wan("831.07"), 2022, 45)
    # a wrong comparison year is kept as printed (N22): "比2021年无变化"
    flat = one(seed003, metric="vehicle_total", kind="change")
    assert (flat["ref_year"], flat["direction"], flat["value"]) == (2021, "flat", Decimal(0))


def test_seed003_name_chains_resolve(seed003: pl.DataFrame) -> None:
    items = rows(seed003, metric="function_item", kind="amount", basis=None)
    assert [(r["qualifier"], r["value"], r["line_no"]) for r in items] == [
        ("2010301", wan("1047.76"), 52),
        ("2030603", wan("191.89"), 53),
        ("2080505", wan("54.5"), 54),
        ("2089999", wan("15.07"), 55),
        ("2101101", wan("19.52"), 56),
        ("2170399", wan("21.62"), 57),
        ("2179999", wan("87.01"), 58),
        ("2210201", wan("43.09"), 59),
    ]


def test_resolve_function_chain_aliases() -> None:
    assert resolve_function_chain("一般公共服务", "政府办公厅（室）及相关机构事务", "行政运行") == "2010301"
    assert (
        resolve_function_chain("一般公共服务支出", "党委办公厅（室）及相关机构事务", "行政运行") == "2013101"
    )
    assert resolve_function_chain(
        "社会保障和就业", "行政事业单位离退休", "机关事业单位基本养老保险缴费支出"
    ) == ("2080505")
    assert (
        resolve_function_chain(
            "一般公共服务", "党委办公厅（室）及相关机构事务", "其他党委办公厅（室）相关机构事务支出"
        )
        == "2013199"
    )
    # 20139 社会工作事务 entered the list in the 2024 edition; a 款 the list lacks resolves to nothing
    assert resolve_function_chain("一般公共服务支出", "社会工作事务", "行政运行") == "2013901"
    assert resolve_function_chain("一般公共服务支出", "巡视巡察事务", "行政运行") is None


# ---------------------------------------------------------------------------------------------
# Seed 001 (遂宁市安居区委绩效办 2024 决算): totals, shares, W-4, W-7
# ---------------------------------------------------------------------------------------------


def test_seed001_totals_and_shares(seed001: pl.DataFrame) -> None:
    expected = {
        ("total_income_expenditure", 23): "253.87",
        ("total_income", 31): "253.87",
        ("gpb_income", 31): "253.87",
        ("total_expenditure", 36): "253.87",
        ("basic_expenditure", 36): "212.40",
        ("project_expenditure", 36): "41.47",
        ("fiscal_total", 45): "253.87",
        ("gpb_basic_expenditure", 87): "212.40",
        ("personnel_expenditure", 88): "190.92",
        ("public_operating_expenditure", 89): "21.48",
        ("agency_operating_cost", 115): "21.48",
        ("procurement_total", 117): "0.74",
        ("procurement_goods", 117): "0.74",
    }
    for (metric, line), printed in expected.items():
        row = one(seed001, metric=metric, kind="amount", line_no=line)
        assert row["value"] == wan(printed), metric
    shares = {(r["metric"], r["qualifier"]): (r["percent"], r["basis"]) for r in rows(seed001, kind="share")}
    assert shares[("gpb_income", None)] == (Decimal(100), "total_income")
    assert shares[("basic_expenditure", None)] == (Decimal("83.66"), "total_expenditure")
    assert shares[("project_expenditure", None)] == (Decimal("16.34"), "total_expenditure")
    assert shares[("gpb_expenditure", None)] == (Decimal(100), "total_expenditure")
    assert shares[("function_class", "201")] == (Decimal("80.57"), "gpb_expenditure")
    assert shares[("function_class", "208")] == (Decimal("8.79"), "gpb_expenditure")
    assert shares[("function_class", "210")] == (Decimal("4.49"), "gpb_expenditure")
    assert shares[("function_class", "221")] == (Decimal("6.15"), "gpb_expenditure")
    assert shares[("reception_total", None)] == (Decimal(100), "three_public_total")
    assert shares[("procurement_sme", None)] == (Decimal(0), "procurement_total")
    totals = one(seed001, metric="total_income_expenditure", kind="change_pct")
    assert (totals["percent"], totals["decimals"], totals["ref_year"]) == (Decimal("12.22"), 2, 2023)


def test_seed001_w4_project_category(seed001: pl.DataFrame) -> None:
    funds = one(seed001, metric="project_category_funds", qualifier="recurring")
    assert (funds["value"], funds["line_no"]) == (wan("41.47"), 186)
    count = one(seed001, metric="project_category_projects", qualifier="recurring")
    assert (count["value"], count["statement_no"]) == (Decimal(1), funds["statement_no"])
    one_off = one(seed001, metric="project_category_funds", qualifier="one_off")
    assert (one_off["value"], one_off["line_no"]) == (wan("0.74"), 187)


def test_seed001_w7_full_completion_yet_below_budget(seed001: pl.DataFrame) -> None:
    statement = rows(seed001, metric="three_public_total", line_no=92)
    assert [(r["kind"], r["basis"], r["value"], r["percent"], r["direction"]) for r in statement] == [
        ("amount", None, wan("0.46"), None, None),
        ("rate", "budget", None, Decimal(100), None),
        ("change", "prior_year", -wan("0.53"), None, "decrease"),
        ("change_pct", "prior_year", None, Decimal("53.53"), "decrease"),
    ]
    assert "决算数小于预算数" in statement[1]["sentence"]


def test_seed001_items_and_reception(seed001: pl.DataFrame) -> None:
    items = rows(seed001, metric="function_item", kind="amount")
    assert [(r["qualifier"], r["value"]) for r in items] == [
        ("2013101", wan("96.73")),
        ("2013150", wan("66.33")),
        ("2013199", wan("41.47")),
        ("2080505", wan("21.17")),
        ("2089999", wan("1.15")),
        ("2101101", wan("5.64")),
        ("2101102", wan("3.41")),
        ("2101103", wan("2.36")),
        ("2210201", wan("15.61")),
    ]
    assert len(rows(seed001, metric="function_item", kind="rate")) == 9
    # "外事接待支出0万元，…，共计支出0万元" stays with 外事接待, not with 公务接待费 (0.46)
    assert [r["value"] for r in rows(seed001, metric="reception_foreign_affairs")] == [Decimal(0)] * 2
    assert [r["value"] for r in rows(seed001, metric="reception_total", kind="amount")] == [wan("0.46")] * 2


# ---------------------------------------------------------------------------------------------
# Budget narratives (seeds 002, 004: N20)
# ---------------------------------------------------------------------------------------------


def test_seed002_budget_totals() -> None:
    df = _seed("002")
    amounts = {(r["metric"], r["qualifier"]): r["value"] for r in rows(df, kind="amount")}
    assert amounts[("total_income", None)] == wan("2218.51")
    assert amounts[("total_expenditure", None)] == wan("2218.51")
    assert amounts[("gpb_income", None)] == wan("2218.51")
    assert amounts[("gpb_expenditure", None)] == wan("2218.51")
    assert amounts[("basic_expenditure", None)] == wan("1013.51")
    assert amounts[("project_expenditure", None)] == wan("1205")
    assert amounts[("function_class", "201")] == wan("1955.20")
    assert amounts[("function_class", "208")] == wan("181.56")  # "社\n\n会保障和就业支出" joined
    assert amounts[("three_public_total", None)] == wan("51")
    assert amounts[("agency_operating_cost", None)] == wan("206.14")
    assert amounts[("target_project_funds", None)] == wan("1205")
    assert {r["basis"] for r in rows(df, kind="amount")} == {None}  # a budget's own figures
    changes = {(r["metric"], r["ref_year"]): r["value"] for r in rows(df, kind="change")}
    assert changes[("total_income", None)] == wan("881.28")
    assert changes[("total_expenditure", None)] == wan("881.28")
    assert changes[("gpb_expenditure", 2024)] == wan("881.28")  # "比2024年较去年增加"
    assert changes[("basic_expenditure", 2024)] == wan("10.28")
    assert changes[("project_expenditure", 2024)] == wan("871")  # page number "4" dropped mid-sentence
    assert changes[("agency_operating_cost", None)] == wan("16.94")
    # the tables and performance-target tables that follow the narrative give nothing
    assert max(df["line_no"].to_list()) <= 125


def test_seed004_budget_totals() -> None:
    df = _seed("004")
    amounts = {(r["metric"], r["qualifier"]): r["value"] for r in rows(df, kind="amount")}
    assert amounts[("total_income", None)] == wan("1664.8")
    assert amounts[("total_expenditure", None)] == wan("1664.8")
    assert amounts[("basic_expenditure", None)] == wan("1374.44")
    assert amounts[("project_expenditure", None)] == wan("290.36")
    assert amounts[("function_class", "208")] == wan("220.64")
    assert amounts[("three_public_total", None)] == wan("91.35")
    assert amounts[("reception_total", None)] == wan("30.9")
    assert amounts[("agency_operating_cost", None)] == wan("189.86")
    assert amounts[("procurement_services", None)] == wan("118.04")
    changes = {(r["metric"], r["line_no"]): r["value"] for r in rows(df, kind="change")}
    assert changes[("total_expenditure", 49)] == wan("14.62")  # "支出较去年增加"
    assert changes[("basic_expenditure", 49)] == wan("65.86")  # "主要是基本支出增加"
    assert changes[("project_expenditure", 49)] == -wan("51.24")
    assert changes[("gpb_income", 45)] == wan("14.62")
    assert max(df["line_no"].to_list()) <= 71


# ---------------------------------------------------------------------------------------------
# A real Shanghai final account, read from the PDF (lines wrapped at the page width)
# ---------------------------------------------------------------------------------------------

SHANGHAI_AMOUNTS = [
    ("total_income_expenditure", None, None, "307.82", 17),
    ("total_income", None, None, "307.82", 17),
    ("fiscal_appropriation_income", None, None, "307.82", 17),
    ("total_expenditure", None, None, "307.82", 17),
    ("basic_expenditure", None, None, "105.58", 17),
    ("project_expenditure", None, None, "202.24", 17),
    ("fiscal_total", None, None, "307.82", 17),
    ("function_class", "201", None, "264.87", 18),
    ("function_class", "208", None, "10.82", 18),
    ("function_class", "210", None, "2.71", 18),
    ("function_class", "221", None, "29.42", 18),
    ("gpb_expenditure", None, "budget_initial", "0", 18),
    ("gpb_expenditure", None, "budget", "321.02", 18),
    ("gpb_basic_expenditure", None, None, "105.58", 20),
    ("personnel_expenditure", None, None, "95.36", 20),
    ("public_operating_expenditure", None, None, "10.23", 20),
    ("evaluated_project_funds", None, None, "175.52", 21),
    ("agency_operating_cost", None, None, "10.23", 21),
    ("procurement_total", None, None, "21.07", 22),
    ("procurement_goods", None, None, "21.07", 22),
    ("procurement_works", None, None, "0", 22),
    ("procurement_services", None, None, "0", 22),
]


@pytest.mark.slow  # reads a real PDF: full suite only
def test_shanghai_amounts(shanghai: pl.DataFrame) -> None:
    for metric, qualifier, basis, printed, page in SHANGHAI_AMOUNTS:
        row = one(shanghai, metric=metric, qualifier=qualifier, basis=basis, kind="amount")
        assert (row["value"], row["page"], row["line_no"]) == (wan(printed), page, None), metric
    actual = rows(shanghai, metric="gpb_expenditure", kind="amount", basis=None)
    assert [(r["value"], r["page"]) for r in actual] == [
        (wan("307.82"), 17),
        (wan("307.82"), 18),
        (wan("307.82"), 18),
    ]


@pytest.mark.slow  # reads a real PDF: full suite only
def test_shanghai_shares_changes_rates(shanghai: pl.DataFrame) -> None:
    shares = {(r["metric"], r["qualifier"]): (r["percent"], r["basis"]) for r in rows(shanghai, kind="share")}
    assert shares == {
        ("fiscal_appropriation_income", None): (Decimal(100), "total_income"),
        ("basic_expenditure", None): (Decimal("34.30"), "total_expenditure"),
        ("project_expenditure", None): (Decimal("65.70"), "total_expenditure"),
        ("gpb_expenditure", None): (Decimal(100), "total_expenditure"),  # "占本年支出合计的" across pages
        ("function_class", "201"): (Decimal("86.05"), "gpb_expenditure"),
        ("function_class", "208"): (Decimal("3.52"), "gpb_expenditure"),
        ("function_class", "210"): (Decimal("0.88"), "gpb_expenditure"),
        ("function_class", "221"): (Decimal("9.55"), "gpb_expenditure"),
    }
    pct = one(shanghai, metric="gpb_expenditure", kind="change_pct")
    assert (pct["percent"], pct["page"]) == (Decimal("100.00"), 18)
    changes = {
        r["metric"]: (r["value"], r["ref_year"]) for r in rows(shanghai, kind="change", basis="prior_year")
    }
    assert changes == {
        "total_income_expenditure": (wan("307.82"), 2023),
        "fiscal_total": (wan("307.82"), 2023),
        "gpb_expenditure": (wan("307.82"), 2023),
        "agency_operating_cost": (wan("10.23"), 2023),
    }
    rate = one(shanghai, metric="gpb_expenditure", kind="rate")
    assert (rate["percent"], rate["basis"]) == (Decimal("95.89"), "budget_initial")


@pytest.mark.slow  # reads a real PDF: full suite only
def test_shanghai_items(shanghai: pl.DataFrame) -> None:
    items = rows(shanghai, metric="function_item", kind="amount", basis=None)
    assert [(r["qualifier"], r["value"], r["page"]) for r in items] == [
        # 社会工作事务 (20139, in the list since the 2024 edition): 行政运行, 事业运行, 其他…支出
        ("2013901", wan("51.32"), 18),
        ("2013950", wan("11.31"), 18),
        ("2013999", wan("202.24"), 19),
        ("2080505", wan("6.18"), 19),
        ("2080506", wan("4.64"), 19),
        ("2101101", wan("2.22"), 19),
        ("2101102", wan("0.49"), 19),
        ("2210201", wan("17.70"), 20),
        ("2210203", wan("11.72"), 20),  # 购房补贴
    ]
    budgets = rows(shanghai, metric="function_item", kind="amount", basis="budget")
    assert [r["value"] for r in budgets] == [
        wan(v) for v in ("52.00", "17.68", "202.24", "9.00", "5.74", "2.23", "2.29", "18.12", "11.72")
    ]
    rates = [r["percent"] for r in rows(shanghai, metric="function_item", kind="rate")]
    assert rates == [Decimal("98.69"), Decimal("99.55"), Decimal("97.68")]
    flats = rows(shanghai, metric="function_item", kind="change")
    assert [(r["basis"], r["direction"]) for r in flats] == [("budget", "flat")] * 2


@pytest.mark.slow  # reads a real PDF: full suite only
def test_shanghai_tables_and_reserved_amounts_give_nothing(shanghai: pl.DataFrame) -> None:
    assert set(shanghai["page"].to_list()) <= set(range(17, 23))  # table pages 5–16 are skipped
    # "面向中小企业预留…预算金额21.07万元" and "由中小企业供应商中标…采购金额21.07万元": subject unclear
    assert len(rows(shanghai, value=wan("21.07"))) == 2
    assert rows(shanghai, metric="procurement_sme") == []


# ---------------------------------------------------------------------------------------------
# Text artifacts (DOMAIN §6)
# ---------------------------------------------------------------------------------------------


def _lines(*lines: str) -> list[TextBlock]:
    return [TextBlock(line, line_no=i) for i, line in enumerate(lines, 1)]


def test_markup_nfkc_spacing_thousands_and_ascii_commas() -> None:
    df = narrative_figures(
        _lines(
            "[bookmark: _Toc1]**1. 收入情况。**2024年度收入合计１，９８９．０５ 万元,"
            "与 2023 年度相比,减少 333.36 万元,下降 14.4％。",
            "## 三、其他",
            "2024 年度支出合计 1,664.80 万元。",
        ),
        "d",
    )
    income = one(df, metric="total_income", kind="amount")
    assert (income["value"], income["line_no"], income["value_printed"]) == (
        wan("1989.05"),
        1,
        "1,989.05万元",
    )
    assert one(df, metric="total_income", kind="change")["value"] == -wan("333.36")
    assert one(df, metric="total_income", kind="change_pct")["percent"] == Decimal("14.4")
    spending = one(df, metric="total_expenditure")
    assert (spending["value"], spending["line_no"]) == (wan("1664.80"), 3)


def test_wrapped_pdf_lines_and_page_numbers() -> None:
    page1 = "本年支出合计 307.82 万元，其中：基本支出 105.58 万元，占\n34.30%；项目支出\n12"
    page2 = "202.24 万元，占 65.70%。"
    df = narrative_figures([TextBlock(page1, page=3), TextBlock(page2, page=4)], "d")
    basic = one(df, metric="basic_expenditure", kind="share")
    assert (basic["percent"], basic["page"]) == (Decimal("34.30"), 3)
    project = one(df, metric="project_expenditure", kind="amount")
    assert (project["value"], project["page"]) == (wan("202.24"), 4)  # "12" was a page number
    assert one(df, metric="project_expenditure", kind="share")["percent"] == Decimal("65.70")


def test_table_rows_are_not_prose() -> None:
    df = narrative_figures(
        _lines(
            "项目\t决算数",
            "一、一般公共预算财政拨款收入\t307.82",
            "基本支出 29% 万元 = 1013.51",
            "一、一般公共预算财政拨款收入 307.82 一、一般公共服务支出 264.87",
        ),
        "d",
    )
    assert df.height == 0


def test_unclear_subject_is_left_out() -> None:
    df = narrative_figures(
        _lines(
            "主要原因是专项资金150万元、奖补资金108.63万元等项目增加。",
            "全年处置资产原值合计924.26万元，收益7.26万元，已保77户，160.89万元。",
        ),
        "d",
    )
    assert df.height == 0


def test_change_needs_a_comparison() -> None:
    df = narrative_figures(
        _lines("机关运行经费支出21.48万元，主要原因是增加3人，公用经费增加1.28万元。"), "d"
    )
    assert [r["kind"] for r in df.to_dicts()] == ["amount"]


# ---------------------------------------------------------------------------------------------
# What the narrative rules (expectations/rules/narrative.yaml) make of these figures
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def narrative_findings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[str, str | None]]]:
    """Failed N-rule checks (rule, row_key) per document, scored with the catalog's tolerance."""
    from pipelines.load.warehouse import load_document, writer
    from pipelines.normalise.document import normalise_document
    from pipelines.validate.engine import collect_checks
    from pipelines.validate.rules import load_rules

    rules = [r for r in load_rules() if r.source == "narrative.yaml"]
    sources = {"000": next(SEEDS.glob("000_*.txt")), "001": next(SEEDS.glob("001_*.txt")),
               "003": next(SEEDS.glob("003_*.txt")), "shgzb": Path(SHGZB_PDF)}  # fmt: skip
    found: dict[str, list[tuple[str, str | None]]] = {}
    with writer(tmp_path_factory.mktemp("narrative") / "w.duckdb") as con:
        for name, source in sources.items():
            n = normalise_document(extract_document(source))
            n.document.meta.doc_kind = "final_account"  # 001 prints no title (its kind is not detected)
            n.document.meta.fiscal_year = {"001": 2024, "003": 2023}.get(name, n.document.meta.fiscal_year)
            load_document(con, n.document, n.facts, n.tables, n.extras)
            checks = collect_checks(con, n.document.document_id, rules)
            assert checks.height > 0
            failed = checks.filter(pl.col("slack") < 0)
            found[name] = sorted(zip(failed["rule_id"].to_list(), failed["row_key"].to_list(), strict=True))
    return found


@pytest.mark.slow  # reads a real PDF: full suite only
def test_clean_documents_have_no_narrative_finding(
    narrative_findings: dict[str, list[tuple[str, str | None]]],
) -> None:
    assert narrative_findings["000"] == []
    assert narrative_findings["shgzb"] == []


@pytest.mark.slow  # reads a real PDF: full suite only
def test_seed003_findings_e6_to_e9(narrative_findings: dict[str, list[tuple[str, str | None]]]) -> None:
    assert narrative_findings["003"] == [
        ("N17", "opening_carryover_surplus"),  # E-6: 166.19 + 60.78 + 10.72 ≠ 237.87 (L32)
        ("N17", "opening_carryover_surplus"),  # the same sentence again (L41)
        ("N17B", "reception_domestic"),  # E-9: 国内公务接待 11.57, then "共计支出6万元"
        ("N17C", "gpb_basic_expenditure"),  # E-8: 一般公共预算财政拨款基本支出 1480.45 > 基本支出 804.14
        ("N18", "function_class:217"),  # E-7: 金融支出 108.63 "占0%"
        ("N18B", "gpb_expenditure"),  # W-10: the shares add up to 92.7 %
        ("N22", "vehicle_total"),  # I-7: "比2021年无变化" in a 2023 document
    ]


@pytest.mark.slow  # reads a real PDF: full suite only
def test_seed001_finding_w7(narrative_findings: dict[str, list[tuple[str, str | None]]]) -> None:
    assert narrative_findings["001"] == [("N21", "three_public_total")]  # 完成预算100% yet 决算数小于预算数
