"""The 目录 reader of tests/realtable.py: which tables a table of contents lists."""

from __future__ import annotations

from tests.realtable import toc_entries


def test_toc_entries_name_listed_tables_and_skip_headings() -> None:
    lines = [
        "报表 报表名称 是否空表 表格为空的理由",
        "表1    部门综合预算收支总表 .................... 3",
        "表9 部门综合预算政府性基金收支表 是 不涉及",
        "（七）一般公共预算支出表（按功能分类）",
        "第二部分 2026年部门预算表",
        "五、关于一般公共预算支出表的说明 ..........18",
        "第四部分 名词解释",
    ]
    assert toc_entries(lines, "budget") == {
        "B06": "表1 部门综合预算收支总表",
        "政府性基金收支表": "表9 部门综合预算政府性基金收支表",
        "B02": "（七）一般公共预算支出表（按功能分类）",
    }
