"""The scorecard's matcher on hand-made frames: what counts as a right cell, a miss, a leftover fact."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import polars as pl

from pipelines.normalise.frames import FACT_SCHEMA, TABLE_SCHEMA
from tests.scorecard import column_specificity, page_range, score


def _facts(*rows: dict[str, Any], extra: dict[str, Any] | None = None) -> pl.DataFrame:
    schema = {**FACT_SCHEMA, **(extra or {})}
    base = {k: None for k in schema} | {"document_id": "d", "table_code": "B02", "is_blank": False}
    return pl.DataFrame([base | r for r in rows], schema=schema)


def _fact(page: int, amount: str, header: str, label: str = "", code: str | None = None, **kw: Any) -> dict:
    printed = kw.pop("printed", amount)
    return {
        "page": page,
        "amount": Decimal(amount),
        "column_header": header,
        "line_label": label,
        "func_code": code if code and code.startswith("2") else None,
        "econ_code": code if code and code.startswith("3") else None,
        "value_printed": printed,
        **kw,
    }


def _cell(page: int, column: str, value: str, label: str = "", code: str = "", **kw: str) -> dict[str, str]:
    return {
        "page": str(page),
        "table_no": kw.get("table_no", "表1"),
        "table_title": "一般公共预算支出表",
        "unit": kw.get("unit", "元"),
        "side": kw.get("side", ""),
        "spending_unit": kw.get("spending_unit", ""),
        "row_code": code,
        "row_label": label,
        "column": column,
        "value": value,
    }


def _tables(*rows: dict[str, Any], extra: dict[str, Any] | None = None) -> pl.DataFrame:
    schema = {**TABLE_SCHEMA, **(extra or {})}
    base = {k: None for k in schema} | {"document_id": "d"}
    return pl.DataFrame([base | r for r in rows], schema=schema)


TOC = [{"table_no": "表1", "table_title": "一般公共预算支出表", "pages": "5", "empty": "no"}]
NO_TABLES = _tables()


def test_a_right_cell_by_code_and_by_label() -> None:
    facts = _facts(
        _fact(5, "1234.56", "本年支出/合计", "行政运行", "2010101"),
        _fact(5, "99.00", "本年支出/合计", "财政拨款收入"),  # numbering is not part of the label
    )
    cells = [
        _cell(5, "本年支出/合计", "1,234.56", "行政运行", "2010101"),
        _cell(5, "本年支出/合计", "99.00", "一、财政拨款收入"),
    ]
    result = score(facts, NO_TABLES, cells, TOC)
    assert (result.right, result.typed, result.missing, result.unexpected) == (2, 2, [], [])
    assert result.tables[0].right == 2 and result.percent == 100.0


def test_a_fact_without_the_printed_code_or_on_another_page_does_not_answer() -> None:
    facts = _facts(_fact(5, "10.00", "合计", "行政运行"), _fact(6, "20.00", "合计", "事业运行", "2010102"))
    cells = [
        _cell(5, "合计", "10.00", "行政运行", "2010101"),
        _cell(5, "合计", "20.00", "事业运行", "2010102"),
    ]
    result = score(facts, NO_TABLES, cells, TOC)
    assert result.right == 0 and len(result.missing) == 2
    assert [u.page for u in result.unexpected] == [5]  # page 6 is not a typed page


def test_a_wrong_column_is_a_miss_and_a_leftover() -> None:
    facts = _facts(_fact(5, "0.00", "上年结转结余/小计", "合计"), _fact(5, "7.00", "基本支出", "合计"))
    cells = [_cell(5, "当年预算/小计", "0.00", "合计"), _cell(5, "项目支出", "7.00", "合计")]
    result = score(facts, NO_TABLES, cells, TOC)
    assert result.right == 0
    assert {m.column for m in result.missing} == {"当年预算/小计", "项目支出"}
    assert {u.column for u in result.unexpected} == {"上年结转结余/小计", "基本支出"}


def test_header_levels_joined_differently_still_name_the_column() -> None:
    assert column_specificity("本年收入/一般公共预算", "本年收入一般公共预算") is not None
    assert column_specificity("预算数", "收入/预算数") is not None
    assert column_specificity("支出总计", "总计") is not None
    assert column_specificity("本年收入/财政拨款/一般公共预算拨款", "本年收入/一般公共预算拨款") is not None
    assert column_specificity("当年预算/小计", "上年结转结余小计") is None
    assert column_specificity("2025年预算数/合计", "2026年预算数/合计") is None
    assert column_specificity("人员经费", "公用经费") is None


def test_a_wrong_value_is_a_miss_and_a_leftover() -> None:
    facts = _facts(_fact(5, "1234.65", "合计", "行政运行", "2010101"))
    result = score(facts, NO_TABLES, [_cell(5, "合计", "1,234.56", "行政运行", "2010101")], TOC)
    assert result.right == 0
    assert [(m.key, m.value) for m in result.missing] == [("2010101 行政运行", "1,234.56")]
    assert [u.value for u in result.unexpected] == ["1234.65"]


def test_wan_yuan_is_converted_exactly() -> None:
    facts = _facts(
        _fact(5, "16827600.00", "合计", "合计", printed="1,682.76"),
        _fact(5, "1682.76", "项目支出", "合计"),  # the printed digits taken as 元: wrong
    )
    cells = [
        _cell(5, "合计", "1,682.76", "合计", unit="万元"),
        _cell(5, "项目支出", "1,682.76", "合计", unit="万元"),
    ]
    result = score(facts, NO_TABLES, cells, TOC)
    assert result.right == 1
    assert [m.column for m in result.missing] == ["项目支出"]


def test_a_fact_read_twice_answers_one_cell() -> None:
    facts = _facts(
        _fact(5, "3.00", "合计", "行政运行", "2010101"), _fact(5, "3.00", "合计", "行政运行", "2010101")
    )
    result = score(facts, NO_TABLES, [_cell(5, "合计", "3.00", "行政运行", "2010101")], TOC)
    assert (result.right, len(result.unexpected)) == (1, 1)


def test_most_specific_pairs_first() -> None:
    # two years print the same amount in the same row: each fact answers its own year's cell,
    # whichever order the facts come in
    facts = _facts(_fact(5, "5.00", "2026年预算数/合计", "合计"), _fact(5, "5.00", "预算数/合计", "合计"))
    cells = [_cell(5, "2026年预算数/合计", "5.00", "合计"), _cell(5, "2025年预算数/合计", "5.00", "合计")]
    result = score(facts, NO_TABLES, cells, TOC)
    assert (result.right, result.missing, result.unexpected) == (2, [], [])


def test_spending_units_must_agree_when_both_sides_have_one() -> None:
    extra = {"spending_unit": pl.String}
    facts = _facts(_fact(5, "8.00", "合计", "行政运行", "2010101", spending_unit="甲单位"), extra=extra)
    cell_a = _cell(5, "合计", "8.00", "行政运行", "2010101", spending_unit="甲单位")
    cell_b = _cell(5, "合计", "8.00", "行政运行", "2010101", spending_unit="乙单位")
    assert score(facts, NO_TABLES, [cell_b], TOC).right == 0
    assert score(facts, NO_TABLES, [cell_a], TOC).right == 1
    # a frame without the column: the unit name the extractor glued to the label still identifies the row
    glued = _facts(_fact(5, "8.00", "合计", "乙单位2025年"))
    assert (
        score(glued, NO_TABLES, [_cell(5, "合计", "8.00", "2025年", spending_unit="乙单位")], TOC).right == 1
    )


def test_tables_found_catalogued_generic_or_missing() -> None:
    toc = [
        {"table_no": "表1", "table_title": "收支总表", "pages": "5-6", "empty": "no"},
        {"table_no": "表2", "table_title": "收入总表", "pages": "7", "empty": ""},
        {"table_no": "表3", "table_title": "支出总表", "pages": "8", "empty": "no"},
        {"table_no": "表4", "table_title": "政府性基金预算支出表", "pages": "9", "empty": "yes"},
        {"table_no": "表5", "table_title": "项目支出绩效目标表", "pages": "10", "empty": "no"},
    ]
    cells = [_cell(p, "合计", "1.00", "合计", table_no=f"表{n}") for n, p in ((1, 6), (2, 7), (3, 8))]
    tables = _tables(
        {"table_code": "B06", "page_start": 5, "page_end": 6, "coverage": 0.9},
        {"table_code": "generic", "page_start": 7, "page_end": 7},
        extra={"coverage": pl.Float64},
    )
    result = score(_facts(_fact(9, "4.00", "合计", "合计")), tables, cells, toc)
    assert [(t.table_no, t.found) for t in result.listed] == [
        ("表1", "catalogued"),
        ("表2", "generic"),
        ("表3", "missing"),
    ]
    assert (result.catalogued, result.generic) == (1, 1)
    assert result.tables[0].coverage == 0.9
    assert [t.table_no for t in result.untyped] == ["表5"]  # listed, nothing typed: not scored
    assert [u.page for u in result.unexpected] == [9]  # a printed figure in a table listed empty
    assert result.tables[3].unexpected == 1


def test_page_range() -> None:
    assert page_range("16-18") == [16, 17, 18] and page_range("10") == [10] and page_range("") == []
