"""The tsv and cells layouts: rows of cells → head fields, money block and indicator rows."""

from __future__ import annotations

import re

from pipelines.extract.performance.headers import (
    _GOAL_HEAD,
    _IND_COLUMNS,
    _MONEY_COLUMNS,
    _POINTS_CELL,
    _STOP,
    _TOTAL,
    _column_map,
    _field_for,
    _is_indicator_header,
    _is_money_header,
    _merge_headers,
)
from pipelines.extract.performance.lines import _clean, _GridRow, _key
from pipelines.extract.types import FundRow, IndicatorRow, PerformanceTable, Printed
from pipelines.vocab.numbers import unit_from_text

# ---------------------------------------------------------------------------------------------
# Grid layouts (tsv, cells)
# ---------------------------------------------------------------------------------------------


def _read_grid(rows: list[_GridRow], table: PerformanceTable) -> None:
    """Walk the rows once: head fields, goal text, the money block, then the indicator rows."""
    mode = ""
    money: dict[str, int] = {}
    header: list[str] = []
    columns: dict[str, int] = {}
    previous_was_header = False
    for row in rows:
        cells = row.cells
        if not any(cells):
            continue
        if mode != "indicators":  # an indicator may name a unit of its own ("经费（万元）")
            for c in cells:
                table.unit = table.unit or unit_from_text(c)
        if _is_money_header(cells):
            money, mode, previous_was_header = _column_map(cells, _MONEY_COLUMNS), "money", False
            continue
        if _is_indicator_header(cells):
            header = _merge_headers(header, cells) if previous_was_header else cells
            columns, mode, previous_was_header = _column_map(header, _IND_COLUMNS), "indicators", True
            continue
        previous_was_header = False
        first = next(c for c in cells if c)
        if _field_for(first)[0]:
            _read_fields(cells, row, table)
            mode = "goal" if "annual_goal" in table.fields and not table.fields["annual_goal"].value else ""
            continue
        if any(_GOAL_HEAD.match(_key(c)) for c in cells if c):
            mode = "goal"
            continue
        if mode == "goal":
            goal = table.fields.get("annual_goal")
            if goal is None or not goal.value:
                text = next((c for c in cells if len(c) > 4 and not _GOAL_HEAD.match(_key(c))), "")
                if text:
                    table.fields["annual_goal"] = Printed("annual_goal", text, row.line_no, row.page)
            continue
        if mode == "money":
            fund = _fund_row(cells, money, row)
            if fund is None:
                mode = ""
            else:
                table.funds.append(fund)
            continue
        if mode == "indicators":
            if row.lone or _STOP.match(_key(first)):
                mode = ""
            elif _TOTAL.match(_key(first)) or any(_key(c) == "合计" for c in cells):
                numbers = [c for c in cells if _POINTS_CELL.match(_key(c))]
                table.total_printed = numbers[-1] if numbers else ""
                mode = ""
            else:
                table.indicators.append(_indicator_row(cells, header, columns, row))


def _read_fields(cells: list[str], row: _GridRow, table: PerformanceTable) -> None:
    """Label/value pairs of a head row: 项目名称：| X | 项目编号：| Y | …"""
    i = 0
    while i < len(cells):
        is_label, name, inline = _field_for(cells[i]) if cells[i] else (False, None, "")
        if not is_label:
            i += 1
            continue
        value, j = inline, i + 1
        if not inline:
            while j < len(cells) and not cells[j]:
                j += 1
            if j < len(cells) and not _field_for(cells[j])[0]:
                value = cells[j]
                j += 1
        if name and name not in table.fields:
            table.fields[name] = Printed(_clean(cells[i]), value, row.line_no, row.page)
        i = max(j, i + 1)
    fund = table.fields.get("fund_total")
    if fund and fund.value and not table.funds:
        table.funds.append(FundRow(fund.label, initial=fund.value, line_no=fund.line_no, page=fund.page))
        table.unit = table.unit or unit_from_text(fund.label)


def _fund_row(cells: list[str], money: dict[str, int], row: _GridRow) -> FundRow | None:
    first_value = min(money.values())
    label = next((c for c in reversed(cells[:first_value]) if c), "")
    if not label or _GOAL_HEAD.match(_key(label)) or _IND_COLUMNS[0][1].match(_key(label)):
        return None

    def cell(name: str) -> str:
        i = money.get(name)
        return cells[i] if i is not None and i < len(cells) else ""

    return FundRow(
        label,
        initial=cell("initial"),
        adjusted=cell("adjusted"),
        executed=cell("executed"),
        rate=cell("rate"),
        weight=cell("weight"),
        score=cell("score"),
        note=cell("note"),
        row_printed=" | ".join(cells),
        line_no=row.line_no,
        page=row.page,
    )


def _indicator_row(
    cells: list[str], header: list[str], columns: dict[str, int], row: _GridRow
) -> IndicatorRow:
    cells = _align(cells, header, columns)

    def cell(name: str) -> str:
        i = columns.get(name)
        return cells[i] if i is not None and i < len(cells) else ""

    return IndicatorRow(
        level1=cell("level1"),
        level2=cell("level2"),
        level3=cell("level3"),
        operator=cell("operator"),
        target=cell("target"),
        unit=cell("unit"),
        actual=cell("actual"),
        weight=cell("weight"),
        score=cell("score"),
        deviation=cell("deviation"),
        coeff=cell("coeff"),
        is_core=cell("is_core"),
        note=cell("note"),
        row_printed=" | ".join(row.cells),
        line_no=row.line_no,
        page=row.page,
    )


def _align(cells: list[str], header: list[str], columns: dict[str, int]) -> list[str]:
    """Fit a row to the header's width.

    A row with an extra empty cell after the name (003 L212) loses it. A short row lost empty
    cells (000 L594, L629: the trailing 说明; 004 L332: the leading 绩效指标 label column) or
    prints one label over two level columns (001 L464: 二级 and 三级 merged); of the ways to
    widen it, the one whose cells fit their columns best is taken.
    """
    n = len(header)
    cells = list(cells)
    name = columns.get("level3", 0)
    while len(cells) > n:
        empties = [i for i in range(name + 1, len(cells)) if not cells[i]]
        if not empties:
            while len(cells) > n and not cells[-1]:
                cells.pop()
            break
        del cells[empties[0]]
    missing = n - len(cells)
    if missing <= 0:
        return cells
    levels = {columns[k] for k in ("level1", "level2", "level3") if k in columns}
    candidates: list[list[str]] = []
    for p in range(1, len(cells) + 1):  # a label spanning the next level column(s)
        if cells[p - 1] and {*range(p - 1, p + missing)} <= levels:
            candidates.append(cells[:p] + [cells[p - 1]] * missing + cells[p:])
    candidates.append(cells + [""] * missing)
    candidates.extend(cells[:p] + [""] * missing + cells[p:] for p in range(len(cells)))
    return max(candidates, key=lambda c: _fit(c, columns))


_VALUE_CELL = re.compile(r"^([-+]?\d+(\.\d+)?%?|[-/—]|)$")


def _fit(cells: list[str], columns: dict[str, int]) -> int:
    """How well cells sit under their columns: numbers under 权重/得分, a name under 三级指标 …"""
    score = 0
    for name, i in columns.items():
        value = _key(cells[i]) if i < len(cells) else ""
        if name == "level3":
            score += 2 if value and not _VALUE_CELL.match(value) else -2
        elif name in ("weight", "score", "deviation", "coeff"):
            score += 1 if _VALUE_CELL.match(value) else -2
        elif name == "is_core":
            score += 1 if value in ("是", "否", "") else -2
        elif name == "operator":
            score += 1 if value in ("≥", "≤", "=", "<", ">", "定性", "") else -2
        elif name in ("level1", "level2") and value and _VALUE_CELL.match(value):
            score -= 2
    return score
