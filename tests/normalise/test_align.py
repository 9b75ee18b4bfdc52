"""Table of cases for the alignment of left-packed text-export rows (normalise/align.py): the column
identities, the economic class rule and the code hierarchy place a value; what none of them settles
is marked ambiguous (⁇) with a warning, never guessed."""

from __future__ import annotations

import pytest

from pipelines.catalog import spec_for
from pipelines.catalog.layout import text_layout
from pipelines.normalise.align import AMBIGUOUS, align_rows

A = AMBIGUOUS
# B03 基本支出表: 合计 | 人员经费 | 公用经费, class rule 301/303 → 人员, 302/310/399 … → 公用
B03 = ("B03", "科目编码 科目名称 合计 人员经费 公用经费")
# B02 一般公共预算支出表: 合计 | 基本支出 | 项目支出, no class rule: only identities and the hierarchy
B02 = ("B02", "科目编码 科目名称 合计 基本支出 项目支出")

CASES = [
    # (table, printed rows with the values packed left, the rows placed, ambiguous rows)
    ("a full row stays as printed", B03, [["399", "其他", "10.00", "4.00", "6.00"]],
     [["399", "其他", "10.00", "4.00", "6.00"]], 0),
    ("301 items are personnel", B03, [["30101", "基本工资", "100.00", "100.00", ""]],
     [["30101", "基本工资", "100.00", "100.00", ""]], 0),
    ("302 items are public operating", B03, [["30201", "办公费", "50.00", "50.00", ""]],
     [["30201", "办公费", "50.00", "", "50.00"]], 0),
    ("the 合计 row with every column", B03, [["", "合计", "150.00", "100.00", "50.00"]],
     [["", "合计", "150.00", "100.00", "50.00"]], 0),
    ("basic or project: not guessed", B02, [["2010301", "行政运行", "80.00", "80.00", ""]],
     [["2010301", "行政运行", "80.00", A, A]], 1),
    ("the parent's split places its children", B02,
     [["20103", "政府办公厅", "100.00", "80.00", "20.00"],
      ["2010301", "行政运行", "80.00", "80.00", ""],
      ["2010350", "事业运行", "20.00", "20.00", ""]],
     [["20103", "政府办公厅", "100.00", "80.00", "20.00"],
      ["2010301", "行政运行", "80.00", "80.00", ""],
      ["2010350", "事业运行", "20.00", "", "20.00"]], 0),
    ("a parent as ambiguous as its child", B02,
     [["20103", "政府办公厅", "80.00", "80.00", ""], ["2010301", "行政运行", "80.00", "80.00", ""]],
     [["20103", "政府办公厅", "80.00", A, A], ["2010301", "行政运行", "80.00", A, A]], 2),
]  # fmt: skip


@pytest.mark.parametrize(
    ("table", "printed", "placed", "ambiguous"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_align_rows(
    table: tuple[str, str], printed: list[list[str]], placed: list[list[str]], ambiguous: int
) -> None:
    code, header = table
    spec = spec_for(code)
    rows = [list(r) for r in printed]
    warnings = align_rows(spec, text_layout(spec, header), rows, "元")
    assert rows == placed
    assert len(warnings) == ambiguous and all("ambiguous_alignment" in w for w in warnings)
