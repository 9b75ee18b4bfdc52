"""Acceptance on real documents: every standard table recognised, every amount of D01–D06 right."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.extract.document import extract_document
from pipelines.normalise.frames import tables_to_frames
from tests.conftest import SEED000, SHGZB_PDF, TEMPLATE_PDF
from tests.expected import compare, load_expected

D01_TO_D06 = {"D01", "D02", "D03", "D04", "D05", "D06"}
ALL_TABLES = [f"D0{i}" for i in range(1, 10)]


def _read(path: Path):
    doc = extract_document(path)
    return doc, tables_to_frames(doc.tables, doc.document_id, doc.meta.fiscal_year)


@pytest.fixture(scope="module")
def shgzb():
    return _read(SHGZB_PDF)


@pytest.fixture(scope="module")
def seed000():
    return _read(SEED000)


@pytest.mark.parametrize(
    ("source", "expected_csv", "cells"),
    [("shgzb", "sh_putuo_shgzb_2024_juesuan_tables.csv", 205), ("seed000", "seed000_tables.csv", 579)],
)
def test_every_amount_of_d01_to_d06(
    request: pytest.FixtureRequest, source: str, expected_csv: str, cells: int
) -> None:
    _, (facts, _, _) = request.getfixturevalue(source)
    expected = load_expected(expected_csv, D01_TO_D06)
    assert len(expected) == cells
    assert compare(facts, expected) == []


def test_shanghai_final_account_tables_and_metadata(shgzb) -> None:
    doc, (_, tables, _) = shgzb
    assert doc.status == "ok"
    assert sorted(t.table_code for t in doc.tables) == ALL_TABLES
    empty = set(tables.filter(tables["is_empty"])["table_code"])
    assert empty == {"D07", "D08", "D09"}  # 本年度没有…故本表无数据
    assert all(t.unit == "万元" for t in doc.tables)
    pages = {t.table_code: t.pages for t in doc.tables}
    assert pages["D02"] == [6, 7] and pages["D04"] == [10, 11]  # stitched across pages
    m = doc.meta
    assert (m.doc_kind, m.fiscal_year, m.province, m.city, m.county) == (
        "final_account",
        2024,
        "上海市",
        None,
        "普陀区",
    )
    assert m.department == "中共上海市普陀区委社会工作部"


def test_seed000_tables_lines_and_metadata(seed000) -> None:
    doc, (facts, _, warnings) = seed000
    assert sorted(t.table_code for t in doc.tables) == ALL_TABLES
    assert warnings == []
    m = doc.meta
    assert (m.doc_kind, m.fiscal_year, m.province, m.county) == ("final_account", 2024, "重庆市", "潼南区")
    assert m.department == "重庆市潼南区人民政府办公室"
    # provenance of a text export is the line: 2010301 行政运行 sits on line 290+1 of the seed
    row = facts.filter((facts["table_code"] == "D03") & (facts["func_code"] == "2010301")).row(0, named=True)
    assert row["line_no"] == 291 and row["unit_printed"] == "元"
    # D09 lines keep their canonical keys; counts and "—" section headers are not amounts
    d09 = {
        r["line_key"]: r["amount"] for r in facts.filter(facts["table_code"] == "D09").iter_rows(named=True)
    }
    assert str(d09["three_public_total"]) == "465326.00" and str(d09["agency_operating_cost"]) == "1876083.12"
    assert "three_public_section" not in d09


def test_template_tables_are_present_but_empty() -> None:
    doc = extract_document(TEMPLATE_PDF)
    _, tables, _ = tables_to_frames(doc.tables, doc.document_id, doc.meta.fiscal_year)
    assert sorted(tables["table_code"]) == ALL_TABLES
    assert tables["is_empty"].all()
    # the blank template's "上海市 XX 局" is a placeholder, not a department: NULL with its reason
    assert doc.meta.department is None
    assert doc.meta.notes == ["department: '上海市XX局' is a template placeholder"]


def test_every_fact_is_traceable(shgzb: tuple) -> None:
    _, (facts, _, _) = shgzb
    printed = facts.filter(~facts["is_blank"])
    assert printed["page"].null_count() == 0
    assert printed["row_top"].null_count() == 0
    assert (printed["value_printed"].str.len_chars() > 0).all()
    assert set(printed["unit_printed"]) == {"万元"}


@pytest.mark.parametrize("source", ["shgzb", "seed000"])
def test_amounts_are_exact_decimals(request: pytest.FixtureRequest, source: str) -> None:
    _, (facts, _, _) = request.getfixturevalue(source)
    assert str(facts.schema["amount"]) == "Decimal(precision=18, scale=2)"
