"""Table of cases for the alignment of left-packed text-export rows (normalise/align.py): the column
identities, the economic class rule and the code hierarchy place a value; what none of them settles
is marked ambiguous (⁇) with a warning, never guessed."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.catalog import spec_for
from pipelines.catalog.layout import text_layout
from pipelines.normalise.align import AMBIGUOUS, _Cells, _scaled, _seen_decimal, _seen_scaled, align_rows
from pipelines.vocab.grid import Column

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


# --- the hierarchy's sums on integers keep exactly the placements the Decimal sums keep ----------------

MEASURES = ("total", "basic", "project", None)


@st.composite
def _family(draw: st.DrawFn) -> tuple[list[_Cells], Decimal]:
    """A parent and its children over the same columns, each with a few possible placements of a few
    amounts (some equal, some negative, 元 or 万元 scale), and a tolerance of either unit."""
    width = draw(st.integers(2, 4))
    columns = tuple(Column(i + 2, "value", f"h{i}", MEASURES[i]) for i in range(width))
    small = st.sampled_from([Decimal("0.00"), Decimal("20.00"), Decimal("80.00"), Decimal("100.00")])
    any_amount = st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False)
    members = []
    for n in range(draw(st.integers(2, 5))):
        size = draw(st.integers(1, width))
        amounts = draw(st.lists(st.one_of(small, any_amount), min_size=size, max_size=size))
        every = list(itertools.combinations(range(width), size))
        candidates = draw(st.lists(st.sampled_from(every), min_size=1, max_size=len(every), unique=True))
        members.append(_Cells(n, None, "", columns, [str(a) for a in amounts], amounts, candidates))
    return members, draw(st.sampled_from([Decimal("0.005"), Decimal("50.000")]))


@settings(max_examples=300, deadline=None)
@given(_family())
def test_integer_sums_keep_what_decimal_sums_keep(family: tuple[list[_Cells], Decimal]) -> None:
    members, tol = family
    measures = [c.measure or "" for c in members[0].columns]
    limit = tol * len(members)
    scaled = _scaled(members, measures, limit)
    assert scaled is not None
    assert _seen_scaled(members, *scaled) == _seen_decimal(members, measures, limit)


def test_a_child_without_the_parents_column_is_left_to_the_decimal_sums() -> None:
    wide = tuple(Column(i + 2, "value", f"h{i}", m) for i, m in enumerate(("total", "basic", "project")))
    parent = _Cells(0, "20103", "", wide, ["1.00"], [Decimal(1)], [(0,), (1,)])
    child = _Cells(1, "2010301", "", wide[:2], ["1.00"], [Decimal(1)], [(0,), (1,)])
    assert _scaled([parent, child], ["total", "basic", "project"], Decimal("0.01")) is None
