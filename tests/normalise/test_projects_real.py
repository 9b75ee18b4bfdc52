"""fact_project from 项目支出表 printed without project codes (深圳, 长春, 烟台, 湖州): every project line
with its total, checked against the cells typed from the pages (tests/fixtures/expected/real)."""

from __future__ import annotations

import csv
from collections import Counter
from decimal import Decimal

import pytest

from pipelines.extract.document import extract_document
from pipelines.normalise.document import normalise_document
from pipelines.normalise.frames import _group_rows
from tests.conftest import PROJECT

REAL = PROJECT / "tests" / "fixtures" / "real"
TYPED = PROJECT / "tests" / "fixtures" / "expected" / "real"
PROJECT_TABLES = ("项目支出表", "项目支出总表", "项目支出预算情况表", "项目支出预算表")
TOTAL_LABELS = {"合计", "总计"}


def _typed_projects(stem: str) -> Counter[tuple[str, Decimal]]:
    """(project line, total in 元) of the typed project table: the 合计/总计 column, total line excluded."""
    out: Counter[tuple[str, Decimal]] = Counter()
    with (TYPED / f"{stem}.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if not r["table_title"].endswith(PROJECT_TABLES) or r["column"] not in TOTAL_LABELS:
                continue
            if r["row_label"] in TOTAL_LABELS:
                continue
            value = Decimal(r["value"].replace(",", ""))
            out[(r["row_label"], value * (10000 if r["unit"] == "万元" else 1))] += 1
    return out


@pytest.mark.parametrize(
    ("stem", "groups"),
    [
        ("jl_cc_xfj_2026_yusuan", {"部门特定目标类项目", "综合管理"}),
        ("gd_sz_czj_2026_yusuan", {"深圳市财政局（本级）"}),
        ("sd_yt_czj_2026_yusuan", set()),
        ("zj_huzhou_czj_2026_yusuan", set()),
    ],
)
def test_projects_of_templates_without_project_codes(stem: str, groups: set[str]) -> None:
    expected = _typed_projects(stem)
    assert expected, f"{stem}: no typed project table"
    projects = normalise_document(extract_document(REAL / f"{stem}.pdf")).extras["fact_project"]
    got = Counter((r["project_name"], r["total"]) for r in projects.iter_rows(named=True))
    assert got == expected
    assert set(projects.filter(projects["is_group"])["project_name"]) == groups


def test_group_rows_sum_the_rows_below() -> None:
    # a category (10) of two projects (4 + 6); a unit line (5) over one category (5) of one project
    assert _group_rows([Decimal(x) for x in (10, 4, 6, 3)]) == [True, False, False, False]
    assert _group_rows([Decimal(x) for x in (5, 5, 2, 3)]) == [True, True, False, False]
    assert _group_rows([Decimal(x) for x in (7, 7)]) == [False, False]  # two equal projects
