"""Row keys in the shapes documents print: split, merged, bracketed and code-less keys, unit blocks.

Fixtures are grids as the extractors hand them over (RawRow cells); the expected codes are those of
the 政府收支分类科目 for the names printed beside them.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from pipelines.extract.plumber import ruled_grids
from pipelines.extract.types import RawRow, RawTable
from pipelines.normalise.frames import table_to_facts
from pipelines.vocab import codes
from pipelines.vocab.codes import (
    CodeEntry,
    class_code_for_label,
    code_kind,
    is_classification_code,
    name_index,
    split_code_name,
)
from pipelines.vocab.grid import header_row_count

REAL = Path(__file__).parents[1] / "fixtures" / "real"

# B14 财政拨款支出预算表（功能科目）: total | basic | project after the key columns
MONEY = ("合计", "基本支出", "项目支出")


def table(header: Sequence[tuple[str, ...]], data: Sequence[tuple[str, ...]], code: str = "B14") -> RawTable:
    rows = [RawRow(tuple(r), page=1) for r in [*header, *data]]
    return RawTable(code, "测试表", "元", rows, "pdfplumber-lattice", pages=[1])


def keys(t: RawTable, year: int | None = 2024, measure: str = "total") -> list[tuple[Any, ...]]:
    """(func_code or econ_code, label, spending_unit, amount) of each row's `measure` fact."""
    facts = table_to_facts(t, "doc", fiscal_year=year).rows
    return [
        (f["func_code"] or f["econ_code"], f["line_label"], f["spending_unit"], f["amount"])
        for f in facts
        if f["measure"] == measure
    ]


def codes_of(t: RawTable, year: int | None = 2024) -> list[str | None]:
    return [k[0] for k in keys(t, year)]


def money(total: str) -> tuple[str, str, str]:
    return (total, total, "")


# ---------------------------------------------------------------------------------------------
# 类 | 款 | 项 split over three columns
# ---------------------------------------------------------------------------------------------


def test_split_columns_carry_class_and_kuan_down() -> None:
    """The 类 cell is blank on continuation rows, 款 / 项 print two digits: the rows above give the rest."""
    t = table(
        [("科目编码", "科目编码", "科目编码", "科目名称", *MONEY), ("类", "款", "项", "", "", "", "")],
        [
            ("", "", "", "合计", *money("90.00")),
            ("201", "", "", "一般公共服务支出", *money("60.00")),
            ("", "03", "", "政府办公厅（室）及相关机构事务", *money("50.00")),
            ("", "", "01", "行政运行", *money("40.00")),
            ("", "", "02", "一般行政管理事务", *money("10.00")),
            ("", "40", "", "信访事务", *money("10.00")),
            ("", "", "01", "行政运行", *money("10.00")),
            ("208", "05", "", "行政事业单位养老支出", *money("30.00")),
            ("", "", "05", "机关事业单位基本养老保险缴费支出", *money("30.00")),
            ("221", "02", "01", "住房公积金", *money("5.00")),
        ],
    )
    assert codes_of(t) == [
        None,
        "201",
        "20103",
        "2010301",
        "2010302",
        "20140",
        "2014001",
        "20805",
        "2080505",
        "2210201",
    ]
    assert keys(t)[3] == ("2010301", "行政运行", None, Decimal("40.00"))


def test_split_columns_found_from_the_digits_without_level_words() -> None:
    """ "科目编码" merged over three unnamed sub-columns: the bare-digit columns are 类, 款, 项 in order."""
    t = table(
        [("科目编码", "", "", "科目名称", *MONEY)],
        [
            ("201", "", "", "一般公共服务支出", *money("60.00")),
            ("", "06", "", "财政事务", *money("60.00")),
            ("", "", "01", "行政运行", *money("60.00")),
            ("", "", "50", "事业运行", *money("0.00")),
        ],
    )
    assert codes_of(t) == ["201", "20106", "2010601", "2010650"]


def test_full_code_under_the_class_sub_column_is_used_as_is() -> None:
    """The Chongqing 决算 template prints 类 款 项 sub-headers but the whole code in the first one."""
    t = table(
        [("科目编码", "科目编码", "科目编码", "科目名称", *MONEY), ("类", "款", "项", "", "", "", "")],
        [
            ("201", "", "", "一般公共服务支出", *money("60.00")),
            ("20103", "", "", "政府办公厅（室）及相关机构事务", *money("60.00")),
            ("2010301", "", "", "行政运行", *money("60.00")),
        ],
    )
    assert codes_of(t) == ["201", "20103", "2010301"]


def test_one_code_column_with_kuan_printed_as_two_digits() -> None:
    """One code column: 类 rows print 208, 款 rows only 05, 项 rows the full code (Xi'an)."""
    t = table(
        [("功能科目编码", "功能科目名称", *MONEY)],
        [
            ("208", "社会保障和就业支出", *money("115.11")),
            ("05", "行政事业单位离退休", *money("113.28")),
            ("2080505", "机关事业单位基本养老保险缴费支出", *money("81.23")),
            ("99", "其他社会保障和就业支出", *money("1.83")),
            ("2089901", "其他社会保障和就业支出", *money("1.83")),
            ("210", "卫生健康支出", *money("15.86")),
            ("11", "行政事业单位医疗", *money("15.86")),
        ],
    )
    assert codes_of(t, 2019) == ["208", "20805", "2080505", "20899", "2089901", "210", "21011"]


# ---------------------------------------------------------------------------------------------
# code and name in one cell
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    ["[2010801]行政运行", "【2010801】行政运行", "2010801-行政运行", "2010801 行政运行", "2010801行政运行"],
)
def test_code_and_name_in_one_cell(cell: str) -> None:
    t = table([("科目", *MONEY)], [(cell, *money("12.00"))])
    assert keys(t) == [("2010801", "行政运行", None, Decimal("12.00"))]


def test_merged_code_cell_beside_an_empty_name_column() -> None:
    t = table([("科目编码", "科目名称", *MONEY)], [("2010301 行政运行", "", *money("1.00"))])
    assert keys(t) == [("2010301", "行政运行", None, Decimal("1.00"))]


def test_economic_sub_items_and_government_economic_codes() -> None:
    """7-digit economic sub-items (3021101) and the 政府预算支出经济分类 (5xx) are economic codes."""
    t = table(
        [("经济分类科目", *MONEY)],
        [
            ("302 商品和服务支出", *money("9.00")),
            ("30211 差旅费", *money("9.00")),
            ("3021101-差旅费", *money("6.00")),
            ("3021102-市内交通费", *money("3.00")),
            ("501 机关工资福利支出", *money("5.00")),
            ("50101 工资奖金津补贴", *money("5.00")),
        ],
        code="B15",
    )
    facts = table_to_facts(t, "doc", fiscal_year=2024).rows
    econ = [(f["econ_code"], f["line_label"]) for f in facts if f["measure"] == "total"]
    assert econ == [
        ("302", "商品和服务支出"),
        ("30211", "差旅费"),
        ("3021101", "差旅费"),
        ("3021102", "市内交通费"),
        ("501", "机关工资福利支出"),
        ("50101", "工资奖金津补贴"),
    ]
    assert all(f["func_code"] is None for f in facts)


def test_a_category_column_describes_the_line_but_does_not_name_it() -> None:
    """Yantai 项目支出预算情况表: 项目名称 | 项目类别 (其他运转类) | amounts."""
    row = ("中介服务费", "其他运转类", *money("544.54"))
    t = table([("项目名称", "项目类别", *MONEY)], [row], code="B10")
    assert keys(t) == [(None, "中介服务费", None, Decimal("544.54"))]


def test_code_kinds() -> None:
    assert [code_kind(c) for c in ("201", "20101", "2010101", "301", "30101", "3010101", "501", "50101")] == [
        "func",
        "func",
        "func",
        "econ",
        "econ",
        "econ",
        "econ",
        "econ",
    ]
    # a unit's code is not a classification code, nor are numbers followed by a unit of measure
    assert not is_classification_code("341") and not is_classification_code("125001")
    assert split_code_name("341 湖州市财政局") is None and split_code_name("201 万元") is None


def test_second_economic_classification_stays_out_of_the_label() -> None:
    """部门经济分类 | 政府经济分类 side by side: the first code keys the row, its own name labels it."""
    t = table(
        [("部门经济分类编码", "部门经济分类名称", "政府经济分类编码", "政府经济分类名称", *MONEY)],
        [("30217", "公务接待费", "50206", "公务接待费", *money("4.00"))],
        code="B15",
    )
    assert keys(t) == [("30217", "公务接待费", None, Decimal("4.00"))]


# ---------------------------------------------------------------------------------------------
# no codes: names resolved in the fiscal year's list, through the parent row
# ---------------------------------------------------------------------------------------------


def test_names_resolve_through_their_parent_row() -> None:
    """行政运行 exists under every 款: it takes the code under the nearest 款 printed above it."""
    t = table(
        [("科目名称", *MONEY)],
        [
            ("合计", *money("100.00")),
            ("一般公共服务支出", *money("70.00")),
            ("政府办公厅（室）及相关机构事务", *money("40.00")),
            ("行政运行", *money("30.00")),
            ("一般行政管理事务", *money("10.00")),
            ("财政事务", *money("30.00")),
            ("行政运行", *money("30.00")),
            ("社会保障和就业支出", *money("30.00")),
            ("行政事业单位养老支出", *money("30.00")),
            ("机关事业单位基本养老保险缴费支出", *money("20.00")),
            ("机关事业单位职业年金缴费支出", *money("10.00")),
        ],
    )
    assert codes_of(t) == [
        None,
        "201",
        "20103",
        "2010301",
        "2010302",
        "20106",
        "2010601",
        "208",
        "20805",
        "2080505",
        "2080506",
    ]


def test_unknown_parent_leaves_ambiguous_children_unresolved() -> None:
    """A 款 the list does not know: its 行政运行 is not attached to the 款 above it, and keeps its label."""
    t = table(
        [("科目名称", *MONEY)],
        [
            ("一般公共服务支出", *money("70.00")),
            ("财政事务", *money("30.00")),
            ("行政运行", *money("30.00")),
            ("巡视巡察事务", *money("40.00")),
            ("行政运行", *money("40.00")),
        ],
    )
    assert keys(t) == [
        ("201", "一般公共服务支出", None, Decimal("70.00")),
        ("20106", "财政事务", None, Decimal("30.00")),
        ("2010601", "行政运行", None, Decimal("30.00")),
        (None, "巡视巡察事务", None, Decimal("40.00")),
        (None, "行政运行", None, Decimal("40.00")),
    ]


def test_ambiguous_name_without_any_parent_is_not_guessed() -> None:
    t = table([("科目名称", *MONEY)], [("行政运行", *money("1.00")), ("事业运行", *money("2.00"))])
    assert codes_of(t) == [None, None]


def test_indentation_gives_the_level() -> None:
    """Full-width-space indentation: a 项 whose name is also a 款 elsewhere stays a 项 of its 款."""
    t = table(
        [("项目", *MONEY)],
        [
            ("社会保障和就业支出", *money("30.00")),
            ("\u3000\u3000行政事业单位养老支出", *money("30.00")),
            ("\u3000\u3000\u3000\u3000行政单位离退休", *money("10.00")),
            ("\u3000\u3000\u3000\u3000其他行政事业单位养老支出", *money("20.00")),
            ("住房保障支出", *money("5.00")),
            ("\u3000\u3000住房改革支出", *money("5.00")),
            ("\u3000\u3000\u3000\u3000住房公积金", *money("5.00")),
        ],
    )
    assert keys(t) == [
        ("208", "社会保障和就业支出", None, Decimal("30.00")),
        ("20805", "行政事业单位养老支出", None, Decimal("30.00")),
        ("2080501", "行政单位离退休", None, Decimal("10.00")),
        ("2080599", "其他行政事业单位养老支出", None, Decimal("20.00")),
        ("221", "住房保障支出", None, Decimal("5.00")),
        ("22102", "住房改革支出", None, Decimal("5.00")),
        ("2210201", "住房公积金", None, Decimal("5.00")),
    ]


def test_indentation_from_the_left_edge_of_word_rows() -> None:
    """A borderless table read from word positions: the row's left edge is its label's indentation."""
    rows = [
        ("一般公共服务支出", 72.0),
        ("财政事务", 84.1),
        ("行政运行", 96.0),
        ("财政数据治理", 96.2),  # a 项 the list lacks: unresolved, but its 款 stays the parent below
        ("事业运行", 95.9),
        ("住房保障支出", 72.2),
        ("住房改革支出", 84.0),
        ("住房公积金", 95.8),
    ]
    header = RawRow(("项目", *MONEY), page=1, bbox=(72.0, 90.0, 500.0, 100.0))
    data = [RawRow((name, *money("1.00")), page=1, bbox=(x, 100.0 + i * 12, 500.0, 110.0 + i * 12))
            for i, (name, x) in enumerate(rows)]  # fmt: skip
    t = RawTable("B14", "测试表", "元", [header, *data], "words", pages=[1])
    assert codes_of(t) == ["201", "20106", "2010601", None, "2010650", "221", "22102", "2210201"]


def test_economic_names_resolve_under_their_class() -> None:
    """住房公积金 is 30113 under 工资福利支出 (and 2210201 under 住房改革支出)."""
    t = table(
        [("项目", *MONEY)],
        [
            ("工资福利支出", *money("30.00")),
            ("基本工资", *money("20.00")),
            ("住房公积金", *money("10.00")),
            ("商品和服务支出", *money("5.00")),
            ("其他交通费", *money("5.00")),
        ],
        code="B15",
    )
    assert codes_of(t) == ["301", "30101", "30113", "302", "30239"]


def test_names_of_the_year_edition() -> None:
    """医疗卫生与计划生育支出 is 210 up to 2018; from the 2019 edition the class is 卫生健康支出."""
    rows = [("医疗卫生与计划生育支出", *money("1.00")), ("卫生健康支出", *money("1.00"))]
    t = table([("科目名称", *MONEY)], rows)
    assert codes_of(t, 2018) == ["210", None]
    assert codes_of(t, 2024) == [None, "210"]
    assert any(e.code == "20805" for e in name_index(2019)["行政事业单位离退休"])
    assert not any(e.code == "20805" for e in name_index(2024).get("行政事业单位离退休", ()))
    # summary lines (D01 / B01) are matched by name whatever the edition
    assert class_code_for_label("八、医疗卫生与计划生育支出", 2024) == "210"


# ---------------------------------------------------------------------------------------------
# blocks per spending unit
# ---------------------------------------------------------------------------------------------


def test_unit_column_with_the_unit_total_row_heading_its_block() -> None:
    """Shenzhen: the 预算单位 cell is printed on the unit's total row and left blank below it."""
    t = table(
        [("预算单位", "科目编码", "科目名称", *MONEY)],
        [
            ("合计", "", "", *money("30.00")),
            ("某某局", "", "", *money("20.00")),
            ("", "201", "一般公共服务支出", *money("20.00")),
            ("", "20106", "财政事务", *money("20.00")),
            ("某某中心", "", "", *money("10.00")),
            ("", "201", "一般公共服务支出", *money("10.00")),
            ("", "20106", "财政事务", *money("10.00")),
        ],
    )
    assert keys(t) == [
        (None, "合计", None, Decimal("30.00")),
        (None, "某某局", "某某局", Decimal("20.00")),
        ("201", "一般公共服务支出", "某某局", Decimal("20.00")),
        ("20106", "财政事务", "某某局", Decimal("20.00")),
        (None, "某某中心", "某某中心", Decimal("10.00")),
        ("201", "一般公共服务支出", "某某中心", Decimal("10.00")),
        ("20106", "财政事务", "某某中心", Decimal("10.00")),
    ]


def test_unit_printed_on_every_row_and_split_codes_restart_per_block() -> None:
    t = table(
        [("单位名称", "类", "款", "项", "科目名称", *MONEY)],
        [
            ("甲局", "201", "06", "", "财政事务", *money("8.00")),
            ("甲局", "", "", "01", "行政运行", *money("8.00")),
            ("乙中心", "201", "06", "", "财政事务", *money("2.00")),
            ("乙中心", "", "", "50", "事业运行", *money("2.00")),
        ],
    )
    assert [(k[0], k[2]) for k in keys(t)] == [
        ("20106", "甲局"),
        ("2010601", "甲局"),
        ("20106", "乙中心"),
        ("2010650", "乙中心"),
    ]


def test_unit_code_rows_head_blocks_in_the_code_column() -> None:
    """Xi'an: "125001 | 西安市…局" in the code column heads each unit's block; codes repeat per block."""
    t = table(
        [("功能科目编码", "功能科目名称", *MONEY)],
        [
            ("", "合计", *money("30.00")),
            ("125001", "某某局", *money("20.00")),
            ("208", "社会保障和就业支出", *money("20.00")),
            ("125002", "某某中心", *money("10.00")),
            ("208", "社会保障和就业支出", *money("10.00")),
        ],
    )
    assert keys(t) == [
        (None, "合计", None, Decimal("30.00")),
        (None, "某某局", "某某局", Decimal("20.00")),
        ("208", "社会保障和就业支出", "某某局", Decimal("20.00")),
        (None, "某某中心", "某某中心", Decimal("10.00")),
        ("208", "社会保障和就业支出", "某某中心", Decimal("10.00")),
    ]


def test_department_row_and_its_own_unit_print_the_same_name() -> None:
    """The department's total row and its 本级 unit both print "某某局": the first is the department
    (the document's own level, no unit), the second its 本级 unit; they never share a key."""
    t = table(
        [("单位名称", "一般公共预算拨款", "合计")],
        [
            ("合计", "30.00", "30.00"),
            ("某某局", "30.00", "30.00"),
            ("某某局", "20.00", "20.00"),
            ("某某中心", "10.00", "10.00"),
        ],
        code="B07",
    )
    assert keys(t) == [
        (None, "合计", None, Decimal("30.00")),
        (None, "某某局", None, Decimal("30.00")),
        (None, "某某局", "某某局", Decimal("20.00")),
        (None, "某某中心", "某某中心", Decimal("10.00")),
    ]


# ---------------------------------------------------------------------------------------------
# reference lists
# ---------------------------------------------------------------------------------------------


def test_reference_lists_are_validated() -> None:
    assert codes.functional_codes()["2080505"].parent_code == "20805"
    assert codes.economic_codes()["50101"].parent_code == "501"
    assert codes.code_aliases()
    bad = {"201": CodeEntry("201", "类", "x", None), "20199": CodeEntry("20199", "款", "x", "202")}
    with pytest.raises(ValueError, match="parent"):
        codes._validate(bad, "test")
    with pytest.raises(ValueError, match="level"):
        codes._validate({"2010": CodeEntry("2010", "款", "x", None)}, "test")
    with pytest.raises(ValueError, match="valid_from"):
        codes._validate({"201": CodeEntry("201", "类", "x", None, 2020, 2019)}, "test")


# ---------------------------------------------------------------------------------------------
# real pages
# ---------------------------------------------------------------------------------------------


def _pages(path: Path, pages: list[int], code: str, unit: str) -> RawTable:
    """A table stitched from its ruled grids, the repeated header of continuation pages dropped."""
    rows: list[RawRow] = []
    with pdfplumber.open(path) as pdf:
        for n in pages:
            for _, grid in ruled_grids(pdf.pages[n - 1]):
                rows.extend(grid if not rows else grid[header_row_count(grid) :])
    return RawTable(code, "real", unit, rows, "pdfplumber-lattice", pages=pages)


@pytest.mark.slow  # reads a real PDF: full suite only
def test_shenzhen_expenditure_table_by_budget_unit() -> None:
    """深圳市财政局 2026 表3 支出总表 (pages 20–23): a 预算单位 column, the unit's row heading its block."""
    t = _pages(REAL / "gd_sz_czj_2026_yusuan.pdf", [20, 21, 22, 23], "B08", "万元")
    got = keys(t, 2026)
    wan = Decimal(10000)
    assert got[0] == (None, "深圳市财政局（本级）", "深圳市财政局（本级）", Decimal("37385.88") * wan)
    assert all(k[2] == "深圳市财政局（本级）" for k in got)
    by_code = {k[0]: k[3] for k in got}
    assert by_code["2010601"] == Decimal("6487.76") * wan
    assert by_code["2050803"] == Decimal("300.67") * wan
    assert by_code["2080505"] == Decimal("626.55") * wan
    assert by_code["2130899"] == Decimal("2000.00") * wan
    assert by_code["217"] == Decimal("10000.00") * wan


@pytest.mark.slow  # reads a real PDF: full suite only
def test_xian_function_table_with_unit_blocks_and_two_digit_kuan() -> None:
    """西安市安监局 2019 表5 (page 7): unit-code rows head each block, 款 rows print only "05"."""
    t = _pages(REAL / "sn_xa_ajj_2019_yusuan.pdf", [7], "B14", "万元")
    got = [(k[0], k[2], k[3]) for k in keys(t, 2019)]
    wan = Decimal(10000)
    unit1, unit2 = "西安市安全生产监督管理局", "西安市安全生产宣传教育中心"
    assert got == [
        (None, None, Decimal("3643.37") * wan),
        (None, unit1, Decimal("2080.32") * wan),
        ("208", unit1, Decimal("115.11") * wan),
        ("20805", unit1, Decimal("113.28") * wan),
        ("2080505", unit1, Decimal("81.23") * wan),
        ("2080506", unit1, Decimal("32.05") * wan),
        ("20899", unit1, Decimal("1.83") * wan),
        ("2089901", unit1, Decimal("1.83") * wan),
        ("210", unit1, Decimal("15.86") * wan),
        ("21011", unit1, Decimal("15.86") * wan),
        ("2101101", unit1, Decimal("15.86") * wan),
        ("221", unit1, Decimal("87.86") * wan),
        ("22102", unit1, Decimal("87.86") * wan),
        ("2210201", unit1, Decimal("87.86") * wan),
        ("224", unit1, Decimal("1861.49") * wan),
        ("22401", unit1, Decimal("1861.49") * wan),
        ("2240101", unit1, Decimal("853.04") * wan),
        ("2240106", unit1, Decimal("1008.45") * wan),
        (None, unit2, Decimal("461.80") * wan),
        ("208", unit2, Decimal("22.62") * wan),
    ]


@pytest.mark.slow  # reads a real PDF: full suite only
def test_unit_blocks_load_apart_and_roll_up_within_their_block(tmp_path: Path) -> None:
    """spending_unit reaches the warehouse; H01 (类 = Σ 款) sums each unit's block on its own."""
    from pipelines.extract.types import DocumentMeta, ExtractedDocument
    from pipelines.load.warehouse import load_document, writer
    from pipelines.normalise.frames import tables_to_frames
    from pipelines.validate.engine import collect_checks
    from pipelines.validate.rules import load_rules

    t = table(
        [("预算单位", "科目编码", "科目名称", *MONEY)],
        [
            ("某某局", "", "", *money("20.00")),
            ("", "201", "一般公共服务支出", *money("20.00")),
            ("", "20106", "财政事务", *money("20.00")),
            ("某某中心", "", "", *money("10.00")),
            ("", "201", "一般公共服务支出", *money("10.00")),
            ("", "20106", "财政事务", *money("10.00")),
        ],
    )
    doc = ExtractedDocument("units.pdf", "ab" * 32, "pdf", 1, DocumentMeta("budget", 2024), [t])
    facts, tables, _ = tables_to_frames(doc.tables, doc.document_id, doc.meta.fiscal_year)
    with writer(tmp_path / "w.duckdb") as con:
        load_document(con, doc, facts, tables)
        units = con.execute(
            "select spending_unit, amount from fact_line_item "
            "where func_code = '201' and measure = 'total' order by row_no"
        ).fetchall()
        checks = collect_checks(con, doc.document_id, [r for r in load_rules() if r.id == "H01"])
    assert units == [("某某局", Decimal("20.00")), ("某某中心", Decimal("10.00"))]
    # one check per block and column, each against its own block's 款 (not 30 against 20 and 10)
    totals = checks.filter(checks["measure"] == "total")
    assert sorted(zip(totals["expected"], totals["actual"], strict=True)) == [
        (Decimal("10.00"), Decimal("10.00")),
        (Decimal("20.00"), Decimal("20.00")),
    ]


@pytest.mark.slow  # reads a real PDF: full suite only
def test_yantai_split_codes_carried_across_the_page_break() -> None:
    """烟台市财政局 2026 公开表3 支出总体情况表 (pages 13–14): 类 | 款 | 项 columns, each printed once;
    page 14 starts with 项 rows ("02" 事业单位医疗) whose 类 and 款 are on page 13."""
    t = _pages(REAL / "sd_yt_czj_2026_yusuan.pdf", [13, 14], "B08", "万元")
    wan = Decimal(10000)
    got = [(k[0], k[1], k[3] / wan) for k in keys(t, 2026)]
    assert got == [
        (None, "合计", Decimal("9069.47")),
        ("201", "一般公共服务支出", Decimal("7231.78")),
        ("20106", "财政事务", Decimal("7231.78")),
        ("2010601", "行政运行", Decimal("2990.74")),
        ("2010602", "一般行政管理事务", Decimal("2160.74")),
        ("2010650", "事业运行", Decimal("1209.48")),
        ("2010699", "其他财政事务支出", Decimal("870.83")),
        ("205", "教育支出", Decimal("25.00")),
        ("20508", "进修及培训", Decimal("25.00")),
        ("2050803", "培训支出", Decimal("25.00")),
        ("208", "社会保障和就业支出", Decimal("1060.25")),
        ("20805", "行政事业单位养老支出", Decimal("1060.25")),
        ("2080501", "行政单位离退休", Decimal("245.93")),
        ("2080502", "事业单位离退休", Decimal("181.44")),
        ("2080505", "机关事业单位基本养老保险缴费支出", Decimal("475.31")),
        ("2080506", "机关事业单位职业年金缴费支出", Decimal("151.00")),
        ("2080599", "其他行政事业单位养老支出", Decimal("6.57")),
        ("210", "卫生健康支出", Decimal("335.69")),
        ("21011", "行政事业单位医疗", Decimal("335.69")),
        ("2101101", "行政单位医疗", Decimal("154.22")),
        ("2101102", "事业单位医疗", Decimal("62.64")),
        ("2101103", "公务员医疗补助", Decimal("84.50")),
        ("2101199", "其他行政事业单位医疗支出", Decimal("34.32")),
        ("221", "住房保障支出", Decimal("416.75")),
        ("22102", "住房改革支出", Decimal("416.75")),
        ("2210201", "住房公积金", Decimal("416.75")),
    ]


@pytest.mark.slow  # reads a real PDF: full suite only
def test_yantai_two_economic_classifications_side_by_side(tmp_path: Path) -> None:
    """烟台 公开表6 (page 19): 部门经济分类 类|款 | name | 政府经济分类 类|款 | name. The 部门 code keys
    the row, the 政府 code is kept beside it, and 301 under 501 and 301 under 505 roll up apart."""
    from pipelines.extract.types import DocumentMeta, ExtractedDocument
    from pipelines.load.warehouse import load_document, writer
    from pipelines.normalise.frames import tables_to_frames
    from pipelines.validate.engine import collect_checks
    from pipelines.validate.rules import load_rules

    t = _pages(REAL / "sd_yt_czj_2026_yusuan.pdf", [19], "B15", "万元")
    facts = table_to_facts(t, "doc", fiscal_year=2026).rows
    first = facts[0]["measure"]  # 基本支出预算/小计
    got = [(f["econ_code"], f["gov_econ_code"], f["line_label"]) for f in facts if f["measure"] == first]
    assert got[:4] == [
        (None, None, "合计"),
        ("301", "501", "工资福利支出"),
        ("30101", "50101", "基本工资"),
        ("30102", "50101", "津贴补贴"),
    ]
    assert ("301", "505", "工资福利支出") in got and ("30113", "50103", "住房公积金") in got
    assert all(f["func_code"] is None for f in facts)

    doc = ExtractedDocument("yt.pdf", "cd" * 32, "pdf", 1, DocumentMeta("budget", 2026), [t])
    frame, tables, _ = tables_to_frames(doc.tables, doc.document_id, 2026)
    with writer(tmp_path / "w.duckdb") as con:
        load_document(con, doc, frame, tables)
        checks = collect_checks(con, doc.document_id, [r for r in load_rules() if r.id == "H04"])
    wan = Decimal(10000)
    totals = {(c["row_key"], c["actual"]): c["expected"] for c in checks.to_dicts() if c["measure"] == first}
    # the printed 款 of each block add up to their own 301 row (to the 0.01 万元 of rounding), not to
    # the two blocks together (4903.25)
    assert totals[("301", Decimal("3479.46") * wan)] == Decimal("3479.45") * wan  # Σ 301xx under 501
    assert totals[("301", Decimal("1423.81") * wan)] == Decimal("1423.80") * wan  # Σ 301xx under 505


def test_unit_code_and_unit_name_columns() -> None:
    t = table(
        [("单位编码", "单位名称", "科目编码", "科目名称", *MONEY)],
        [
            ("101001", "某某局", "201", "一般公共服务支出", *money("5.00")),
            ("", "", "20106", "财政事务", *money("5.00")),
            ("101002", "某某中心", "201", "一般公共服务支出", *money("1.00")),
        ],
    )
    assert [(k[0], k[2]) for k in keys(t)] == [("201", "某某局"), ("20106", "某某局"), ("201", "某某中心")]
