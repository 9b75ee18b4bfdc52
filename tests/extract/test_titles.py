"""Table titles as provinces print them, each matched to its kind by the catalog (DOMAIN §2.4).

The titles are copied from the table pages of the real documents in tests/fixtures/real (长春,
烟台, 深圳, 湖州, 国家信访局, 西安, 西南大学); the kind is what the table is, read from its columns.
"""

from __future__ import annotations

import pytest

from pipelines.catalog import (
    UNTITLED_CODE,
    canonical_title,
    is_table_number,
    is_title_like,
    title_to_table_code,
    titles_in,
)

PRINTED = [
    ("收支总表（预算表 1）", "B06"),
    ("收入总表(预算表 2)", "B07"),
    ("财政拨款收支总表(预算表 4)", "B01"),
    ("本年一般公共预算支出表（预算表 5）", "B02"),
    ("本年一般公共预算基本支出表(预算表 6)", "B03"),
    ("本年一般公共预算“三公”经费支出表(预算表 7)", "B04"),
    ("国有资本经营预算支出明细表(预算表 10)", "B13"),
    ("收支总体情况表", "B06"),
    ("财政拨款收支总体情况表", "B01"),
    ("一般公共预算基本支出情况表", "B03"),
    ("基本支出预算情况表", "B17"),
    ("项目支出预算情况表", "B10"),
    ("政府采购预算表", "B09"),
    ("基本支出总表", "B17"),
    ("项目支出总表", "B10"),
    ("一般公共预算支出表（按功能分类）", "B02"),
    ("一般公共预算支出表（按经济分类）", "B18"),
    ("财政拨款“三公”经费支出表", "B04"),
    ("2026 年市级部门财政拨款收支预算总表", "B01"),
    ('2026年市级部门一般公共预算"三公"经费支出表', "B04"),
    ("部门公开表 5 一般公共预算支出表", "B02"),
    ("财政拨款预算“三公”经费支出表", "B04"),
    ("部门综合预算一般公共预算基本支出明细表（按支出功能分类科目）", "B19"),
    ("部门综合预算一般公共预算基本支出明细表（按支出经济分类科目）", "B03"),
    ("部门综合预算一般公共预算拨款“三公”经费及会议费、培训费支出预算表", "B04"),
    ("西南大学收入预算表", "B07"),
    ("西南大学支出预算表", "B08"),
    ("预算01表收支总表", "B06"),
    ("公开 07 表：一般公共预算支出预算表", "B02"),
    ("06表 一般公共预算财政拨款基本支出决算明细表", "D06"),
]


@pytest.mark.parametrize(("printed", "code"), PRINTED)
def test_printed_titles_name_their_kind(printed: str, code: str) -> None:
    assert title_to_table_code(printed, "budget" if code.startswith("B") else "final_account") == code


@pytest.mark.parametrize(
    "printed",
    [
        "部门综合预算专项业务经费支出表",  # a list of projects, not the 部门支出总表
        "部门综合预算财政拨款上年结转资金支出表",
        "部门综合预算政府性基金收支表",
        "2019年部门综合预算政府性基金收支总表",  # a fund's own summary, not the 部门收支总表
        "会议费明细表",
    ],
)
def test_uncatalogued_titles_are_tables_of_their_own(printed: str) -> None:
    """Not a catalogued kind, yet a table: loaded generically under its canonical title."""
    assert title_to_table_code(printed, "budget") is None
    assert is_title_like(printed)


@pytest.mark.parametrize(
    "line",
    ["第二部分 2026年度部门预算表", "一、关于部门收支总表的说明", "支出预算表", "本表为空表。"],
)
def test_headings_sentences_and_fragments_are_not_titles(line: str) -> None:
    """A part heading, a sentence that names a table, and the wrapped tail of a longer title."""
    assert title_to_table_code(line, "budget") is None
    assert not is_title_like(line) or line == "支出预算表"


def test_canonical_title_drops_numbering_years_scope_and_qualifiers() -> None:
    assert canonical_title("公开表10") == ""
    assert canonical_title("2026 年市级部门收支预算总表") == "收支总表"
    assert canonical_title("部门综合预算政府采购（资产配置、购买服务）预算表") == "政府采购表"
    assert canonical_title("表11-财拨结转支出表") == "财拨结转支出表"


def test_a_wrapped_title_is_one_title() -> None:
    lines = ['公开 09 表：一般公共预算"三公"经费', "支出预算表", "单位：万元"]
    assert titles_in(lines, "budget", generic=True) == [(0, 2, "B04")]


def test_a_table_number_alone_marks_an_untitled_table() -> None:
    """西安 prints "表5" with the title outside the text layer; 烟台 prints the number above the title."""
    assert is_table_number("表5") and is_table_number("部门公开表 1") and is_table_number("表14-1")
    assert titles_in(["表5", "单位：万元"], "budget", generic=True) == [(0, 1, UNTITLED_CODE)]
    assert titles_in(["公开表1", "收支总体情况表", "单位：万元"], "budget", generic=True) == [(1, 1, "B06")]


def test_a_table_number_under_its_title_is_that_title_s() -> None:
    """Seed 000 and Word exports print the number under the title (标题 / 06表 / 单位：元)."""
    lines = ["一般公共预算财政拨款基本支出决算明细表", "", "06表", "单位：元"]
    assert titles_in(lines, "final_account", generic=True) == [(0, 1, "D06")]
    assert titles_in(["会议费明细表", "表9", "单位：万元"], "budget", generic=True) == [(0, 1, "会议费表")]


def test_performance_forms_are_left_to_the_performance_reader() -> None:
    """A 绩效目标表 / 绩效自评表 the catalog does not name opens no generic table; a 绩效 table of
    another name (湖州 项目支出绩效表) does."""
    assert titles_in(["二级项目绩效自评表", "单位：万元"], "final_account", generic=True) == []
    assert titles_in(["2026年市级部门项目支出绩效表"], "budget", generic=True) == [(0, 1, "项目支出绩效表")]
