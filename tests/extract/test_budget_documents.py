"""Budget (部门预算) documents: every standard table recognised, every amount right.

The expected values were typed from reading the documents (page images and their text), one
template each: a Shanghai ruled PDF, a Jiangsu Word-export PDF and a Chongqing PDF-text export
(seed 002). Cells a reader cannot place from the printed text alone are listed, with the reason,
in seed002_exclusions.csv; the extractor must not invent them either (except where noted there).
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipelines.catalog import title_to_table_code, titles_in
from pipelines.extract.document import extract_document
from pipelines.normalise.frames import project_frame, tables_to_frames
from tests.conftest import PROJECT, SAMPLES
from tests.expected import EXPECTED, compare, load_expected

FIXTURES = PROJECT / "tests" / "fixtures"
ZFB_PDF = SAMPLES / "sh_putuo_zfb_2025_bumen_yusuan.pdf"
SWW_PDF = SAMPLES / "sh_putuo_sww_2025_bumen_yusuan.pdf"
GJFY_PDF = SAMPLES / "js_sheng_gjfy_2018_yusuan.pdf"
WELFARE_PDF = FIXTURES / "pdfs" / "sh_putuo_shehuifuliyuan_2024_danwei_yusuan.pdf"
WANLI_PDF = FIXTURES / "pdfs" / "sh_putuo_wanli_jiedao_2024_yusuan.pdf"
SEED002 = FIXTURES / "seeds" / "002_6e511b73bd73a431.txt"
SEED004 = FIXTURES / "seeds" / "004_c2b4d63b8c9ccf28.txt"

SHANGHAI_TABLES = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B13"]


def _read(path: Path):
    doc = extract_document(path)
    return doc, tables_to_frames(doc.tables, doc.document_id, doc.meta.fiscal_year)


@pytest.fixture(scope="module")
def zfb():
    return _read(ZFB_PDF)


@pytest.fixture(scope="module")
def gjfy():
    return _read(GJFY_PDF)


@pytest.fixture(scope="module")
def seed002():
    return _read(SEED002)


@pytest.fixture(scope="module")
def wanli():
    return _read(WANLI_PDF)


def _excluded(facts: pl.DataFrame, name: str) -> pl.DataFrame:
    """Drop the facts of cells the exclusion list says a reader cannot place."""
    path = EXPECTED / name
    if not path.exists():
        return facts
    with path.open(encoding="utf-8") as f:
        rules = list(csv.DictReader(f))
    keep = pl.lit(True)
    for r in rules:
        hit = pl.col("table_code") == r["table_code"]
        if r["line_label"] != "*":
            hit &= pl.col("line_label") == r["line_label"]
        if r["measure"] != "*":
            hit &= pl.col("measure") == r["measure"]
        keep &= ~hit
    return facts.filter(keep)


@pytest.mark.parametrize(
    ("source", "expected_csv", "cells", "check_page"),
    [
        ("zfb", "sh_putuo_zfb_2025_bumen_yusuan_tables.csv", 221, True),
        ("gjfy", "js_sheng_gjfy_2018_yusuan_tables.csv", 208, True),
        ("seed002", "seed002_tables.csv", 259, False),
    ],
)
def test_every_budget_amount(
    request: pytest.FixtureRequest, source: str, expected_csv: str, cells: int, check_page: bool
) -> None:
    _, (facts, _, _) = request.getfixturevalue(source)
    expected = load_expected(expected_csv)
    assert len(expected) == cells
    facts = _excluded(facts, expected_csv.replace("_tables.csv", "_exclusions.csv"))
    assert compare(facts, expected, check_page=check_page) == []


def test_shanghai_budget_tables_and_metadata(zfb) -> None:
    doc, (_facts, tables, warnings) = zfb
    assert doc.status == "ok" and warnings == []
    assert sorted(t.table_code for t in doc.tables) == SHANGHAI_TABLES
    assert set(tables.filter(tables["is_empty"])["table_code"]) == {"B05", "B13"}  # 本表为空表
    pages = {t.table_code: t.pages for t in doc.tables}
    assert pages["B07"] == [9, 10] and pages["B03"] == [18, 19]
    m = doc.meta
    assert (m.doc_kind, m.fiscal_year, m.province, m.county) == ("budget", 2025, "上海市", "普陀区")
    assert m.department == "上海市普陀区人民政府办公室"
    # the 三公 table is printed in 万元, the others in 元
    units = {t.table_code: t.unit for t in doc.tables}
    assert units["B04"] == "万元" and units["B02"] == "元"


def test_other_shanghai_budgets_are_read_whole(wanli) -> None:
    for path, read in ((SWW_PDF, None), (WELFARE_PDF, None), (WANLI_PDF, wanli)):
        doc, (_, _, warnings) = read or _read(path)
        assert doc.status == "ok", path.name
        assert sorted(t.table_code for t in doc.tables) == SHANGHAI_TABLES, path.name
        assert warnings == [], path.name


def test_white_cell_boxes_are_not_rulings() -> None:
    """社会福利院 paints every cell as a white box: the grid must come from the drawn lines only,
    so the 财务收支预算总表's 基本支出 sub-columns and an older 类 name are read."""
    _, (facts, _, _) = _read(WELFARE_PDF)
    b06 = facts.filter((pl.col("table_code") == "B06") & ~pl.col("is_blank"))
    row = {
        (r["line_label"], r["measure"]): r["amount"]
        for r in b06.iter_rows(named=True)
        if r["panel"] == "expenditure"
    }
    assert row[("支出总计", "personnel")] == Decimal("7380214.00")
    assert row[("支出总计", "public_operating")] == Decimal("2120950.00")
    health = b06.filter(pl.col("line_label") == "三、医疗卫生与计划生育支出")
    assert set(health["func_code"]) == {"210"}


def test_total_line_alone_on_a_page_joins_its_table(wanli) -> None:
    """万里街道 prints the 合计 line of 部门收入/支出预算总表 alone on the next page."""
    _, (facts, _, _) = wanli
    totals = facts.filter((pl.col("line_label") == "合计") & (pl.col("measure") == "total"))
    got = {r["table_code"]: (r["amount"], r["page"]) for r in totals.iter_rows(named=True)}
    assert got["B07"] == (Decimal("156211123.00"), 15)
    assert got["B08"] == (Decimal("156211123.00"), 20)


def test_jiangsu_budget_tables(gjfy) -> None:
    doc, (_facts, _, warnings) = gjfy
    assert doc.status == "ok" and warnings == []
    codes = sorted(t.table_code for t in doc.tables)
    assert codes == ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B09", "B14", "B15", "B16"]
    pages = {t.table_code: t.pages for t in doc.tables}
    assert pages["B01"] == [10, 11]  # the table's first cells have no top rule on page 11
    assert (doc.meta.doc_kind, doc.meta.fiscal_year, doc.meta.department) == (
        "budget",
        2018,
        "江苏省高级人民法院",
    )


def test_seed002_tables_and_prior_year_column(seed002) -> None:
    doc, (facts, tables, warnings) = seed002
    codes = [t.table_code for t in doc.tables]
    assert sorted(set(codes)) == [f"B{i:02d}" for i in range(1, 13)]
    assert codes.count("B12") == 14  # one 项目绩效目标表 per project
    assert set(tables.filter(tables["is_empty"])["table_code"]) >= {"B05", "B09"}
    # "2024年预算数" beside "2025年预算数" in a 2025 budget: kept apart as the prior year
    b02 = facts.filter((pl.col("table_code") == "B02") & (pl.col("line_label") == "合计"))
    by_measure = dict(zip(b02["measure"], b02["amount"], strict=True))
    assert by_measure["prior_year_budget"] == Decimal("13372300.00")
    assert by_measure["total"] == Decimal("22185100.00")
    # the 三公 row has 8 numbers for 12 columns and no placement adds up: nothing is guessed
    assert facts.filter(pl.col("table_code") == "B04").is_empty()
    assert any("B04" in w and "ambiguous_alignment" in w for w in warnings)


def test_seed002_projects(seed002) -> None:
    doc, (facts, _, _) = seed002
    projects = project_frame(doc.tables, facts, doc.document_id)
    assert projects.height == 14
    assert set(projects["func_code"]) == {"2010302"} and set(projects["budget_unit"]) == {"区政府办"}
    first = projects.row(0, named=True)
    assert (
        first["project_code"] == "50015222T000000125711" and first["project_name"] == "区政府办政府会议专项"
    )
    assert first["seq"] == 1 and first["line_no"] == 732
    assert projects["total"].sum() == Decimal("12050000.00")  # the 合计 line, 1,205.00 万元
    # 15.00 can only be 一般性项目 (民生配套 adds up to 220.00 from multiples of 10)
    assert projects.filter(pl.col("seq") == 4)["specific_general"].item() == Decimal("150000.00")
    assert "specific_general" in (projects.filter(pl.col("seq") == 1)["ambiguous_columns"].item() or "")


def test_seed004_tsv_budget() -> None:
    doc, (facts, _tables, warnings) = _read(SEED004)
    codes = [t.table_code for t in doc.tables]
    assert sorted(set(codes)) == [f"B{i:02d}" for i in range(1, 10)] + ["B11", "B12"]
    assert codes.count("B12") == 4  # 表十一 printed once per project
    assert warnings == []

    def value(table: str, label: str, measure: str) -> Decimal:
        hit = facts.filter(
            (pl.col("table_code") == table) & (pl.col("line_label") == label) & (pl.col("measure") == measure)
        )
        return hit["amount"].item()

    assert value("B02", "一般行政管理事务", "project") == Decimal("1260000.00")
    assert value("B03", "商品和服务支出", "public_operating") == Decimal("2289300.00")
    assert value("B04", "", "reception_total") == Decimal("309000.00")  # not 公务用车运行费
    assert value("B07", "合计", "gpb_income") == Decimal("16648000.00")
    assert value("B11", "202-重庆市南岸区人民政府办公室", "dept_budget_total") == Decimal("16648000.00")


def test_budget_titles() -> None:
    assert title_to_table_code("公开 02 表：收入预算总表") == "B07"
    assert title_to_table_code("十、2018 年度江苏省高级人民法院政府性基金预算财政拨款支出预算表") == "B05"
    assert title_to_table_code("五、2018 年度江苏省高级人民法院财政拨款支出预算表") == "B14"
    assert title_to_table_code("2025年部门国有资本经营预算支出功能分类预算表") == "B13"
    assert title_to_table_code("重庆市潼南区人民政府办公室 2025年预算项目绩效目标表-3") == "B12"
    assert title_to_table_code("四、财政拨款收支预算总体情况说明") is None  # a narrative heading
    # a name both kinds print: the word 预算/决算 decides, then the document's kind
    assert title_to_table_code('财政拨款"三公"经费支出表', "budget") == "B04"
    assert title_to_table_code('财政拨款"三公"经费支出表', "final_account") == "D09"
    assert title_to_table_code('财政拨款"三公"经费支出预算表', "final_account") == "B04"
    # a title wrapped onto a second line
    lines = [
        "公开 09 表：一般公共预算“三公”经费、会议费、培训费",
        "支出预算表",
        "部门：江苏省人民检察院 单位：万元",
    ]
    assert titles_in(lines) == [(0, 2, "B04")]
