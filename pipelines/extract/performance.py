"""Performance tables (绩效目标表 / 绩效自评表): find them in a document and read their rows as printed.

Four kinds (DOMAIN §2.2–2.3), each with a code of its own because they are not amount grids:
B11 整体绩效目标表 and B12 项目绩效目标表 (budget side), PS1 部门整体(支出)绩效自评表 and PS2
项目(支出)绩效自评表 (final-account side). They come in three printed shapes:

* ``tsv``   tab- or pipe-separated rows, one table row per line (seeds 000, 004);
* ``cells`` DOCX dumps with one cell per line: a blank line starts a row, a leading tab starts a
  cell, a line without one continues the cell (DOMAIN §6.12; seeds 001, 003);
* ``spaced`` PDF text with space-separated words, indicator rows wrapped over several lines and
  the target printed before its operator ("168 ≥ 次", seed 002; PDFs read with pdfplumber).

Everything here keeps the text as printed; `pipelines.normalise.performance` turns it into values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.catalog import (
    normalise_text,
    performance_tables,
    performance_title_code,
    title_to_table_code,
)
from pipelines.extract.types import ExtractedDocument, FundRow, IndicatorRow, PerformanceTable, Printed
from pipelines.vocab.numbers import unit_from_text

# code → title; titles are recognised by the catalog's one title matcher (`performance_title_code`)
PERFORMANCE_TABLES: dict[str, str] = performance_tables()


@dataclass(frozen=True)
class Line:
    """One printed line with its place: a line of a text export, or a line of a PDF page."""

    text: str
    line_no: int | None = None
    page: int | None = None


# ---------------------------------------------------------------------------------------------
# Titles and sections
# ---------------------------------------------------------------------------------------------


def document_lines(doc: ExtractedDocument) -> list[Line]:
    """The lines the performance reader works on: every line of a text export, or for a PDF the
    lines of the pages that carry a performance table (read again with pdfplumber)."""
    if doc.file_format == "pdf":
        return _pdf_lines(doc)
    lines: list[Line] = []
    for block in doc.texts:
        for k, text in enumerate(block.text.split("\n")):
            line_no = block.line_no + k if block.line_no is not None else None
            lines.append(Line(text, line_no, block.page))
    return lines


_INDICATOR_START = re.compile(r"^\s*(绩效指标|[一二三]级指标|产出指标|效益指标|满意度指标|成本指标)")


def performance_pages(doc: ExtractedDocument) -> list[int]:
    """1-based pages carrying a performance-table title, and the pages their indicator rows run on to."""
    pages: list[int] = []
    previous_selected = False
    for block in doc.texts:
        if block.page is None:
            continue
        lines = [ln for ln in block.text.split("\n") if ln.strip()]
        titled = any(performance_title_code(ln) for ln in lines)
        continues = (
            previous_selected
            and any(_INDICATOR_START.match(ln) for ln in lines[:4])
            and not any(title_to_table_code(ln) for ln in lines[:4])
        )
        if titled or continues:
            pages.append(block.page)
        previous_selected = titled or continues
    return pages


def _pdf_lines(doc: ExtractedDocument) -> list[Line]:
    pages = performance_pages(doc)
    if not pages:
        return []
    import pdfplumber  # only documents that print performance tables pay for it

    lines: list[Line] = []
    with pdfplumber.open(Path(doc.source_path)) as pdf:
        for number in pages:
            text = pdf.pages[number - 1].extract_text() or ""
            lines.extend(Line(t, None, number) for t in text.split("\n"))
    return lines


def find_performance_tables(doc: ExtractedDocument) -> list[PerformanceTable]:
    """Every performance table of the document, in print order; a title with nothing under it
    (a list of attachments, a section heading above the real title) gives no table."""
    return read_performance_tables(document_lines(doc))


def read_performance_tables(lines: list[Line]) -> list[PerformanceTable]:
    """Split the lines into sections at each performance title and read each section."""
    starts = [(i, code) for i, ln in enumerate(lines) if (code := performance_title_code(ln.text))]
    tables: list[PerformanceTable] = []
    for k, (start, code) in enumerate(starts):
        stop = starts[k + 1][0] if k + 1 < len(starts) else len(lines)
        for j in range(start + 1, stop):
            other = title_to_table_code(lines[j].text) if "\t" not in lines[j].text.strip() else None
            if other and other not in PERFORMANCE_TABLES:
                stop = j  # a financial table's title ends the performance section
                break
        title_line = lines[start]
        body = lines[start + 1 : stop]
        layout = _layout(body)
        table = PerformanceTable(code, _clean(title_line.text), layout, title_line.line_no, title_line.page)
        if layout == "spaced":
            _read_spaced(body, table)
        else:
            rows = _tsv_rows(body) if layout == "tsv" else _cell_rows(body)
            _read_grid(rows, table)
        if table.indicators or table.funds or _has_head(table):
            tables.append(table)
    return tables


def _has_head(table: PerformanceTable) -> bool:
    return any(k in table.fields for k in ("project_name", "project_code", "dept_name"))


def _layout(body: list[Line]) -> str:
    single = sum(1 for ln in body if re.match(r"^ ?\t[^\t]*$", ln.text))
    multi = sum(1 for ln in body if len(_split_cells(ln.text)) >= 3)
    if single >= 3 and single > multi:
        return "cells"
    if multi >= 2:
        return "tsv"
    return "spaced"


# ---------------------------------------------------------------------------------------------
# Cell text
# ---------------------------------------------------------------------------------------------

_MARKUP = re.compile(r"<[^>]+>|\*\*|^#+\s+|\[bookmark:[^\]]*\]")
_LATEX = {r"\geq": "≥", r"\leq": "≤", r"\ge": "≥", r"\le": "≤"}
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def _clean(text: str) -> str:
    """A cell as printed, without markup and surrounding space (LaTeX ≥/≤ of 004 restored)."""
    text = _MARKUP.sub("", text)
    for latex, symbol in _LATEX.items():
        text = text.replace(latex, symbol)
    return re.sub(r"\s+", " ", text).strip()


def _key(text: str) -> str:
    """The form labels are matched in: NFKC, no whitespace, no trailing colon."""
    return normalise_text(text).rstrip(":")


def _join(left: str, right: str) -> str:
    """Join two fragments of a wrapped cell: no space between CJK text, one between Latin words."""
    if not left:
        return right
    if not right:
        return left
    if _CJK.match(left[-1]) or _CJK.match(right[0]):
        return left + right
    return f"{left} {right}"


def _split_cells(line: str) -> list[str]:
    if "\t" in line:
        return line.split("\t")
    stripped = line.strip()
    if stripped.startswith("|") and stripped.count("|") >= 3:
        return stripped.strip("|").split("|")
    return [line] if line.strip() else []


@dataclass
class _GridRow:
    cells: list[str]
    line_no: int | None
    page: int | None
    lone: bool = False  # a line outside the grid (heading, 单位：万元, 表十一), not a table row


_SEPARATOR = re.compile(r"^[\s|:\-\t]+$")


def _tsv_rows(body: list[Line]) -> list[_GridRow]:
    """One row per line; Markdown separator rows dropped (the orphan row above them stays a row)."""
    rows = []
    for ln in body:
        if not ln.text.strip() or _SEPARATOR.match(ln.text):
            continue
        cells = _split_cells(ln.text)
        rows.append(_GridRow([_clean(c) for c in cells], ln.line_no, ln.page, lone=len(cells) == 1))
    return rows


def _cell_rows(body: list[Line]) -> list[_GridRow]:
    """DOMAIN §6.12: blank line → new row; leading tab → new cell; other lines continue the cell."""
    rows: list[_GridRow] = []
    current: _GridRow | None = None
    for ln in body:
        text = ln.text
        if not text.strip() and "\t" not in text:
            current = None
            continue
        if re.match(r"^ ?\t", text):
            if current is None:
                current = _GridRow([], ln.line_no, ln.page)
                rows.append(current)
            current.cells.extend(_clean(c) for c in text.lstrip(" ").split("\t")[1:])
        elif current is None or not current.cells:
            rows.append(_GridRow([_clean(text)], ln.line_no, ln.page, lone=True))
        else:
            current.cells[-1] = _join(current.cells[-1], _clean(text))
    return rows


# ---------------------------------------------------------------------------------------------
# Head fields, money block, indicator header vocabularies
# ---------------------------------------------------------------------------------------------

# printed label (after _key) → field; None marks labels that are read past but not kept
_FIELD_LABELS: list[tuple[re.Pattern[str], str | None]] = [
    (re.compile(p), f)
    for p, f in [
        (r"^项目名称$", "project_name"),
        (r"^项目(编号|编码|代码)$", "project_code"),
        (r"^自评(总)?(得)?分$", "total_score"),
        (r"^(项目)?主管部门$", "supervising_dept"),
        (r"^实施单位", "implementing_unit"),
        (r"^(部门\(单位\)|部门|单位)名称$", "dept_name"),
        (r"^(部门支出预算数|当年预算|资金总额(\(万元\))?|年度预算(数)?(\(万元\))?)$", "fund_total"),
        (r"^项目属性$", "attribute"),
        (r"^项目起始时间$", "start"),
        (r"^项目终止时间$", "end"),
        (r"^(项目)?当年(整体)?绩效目标$", "annual_goal"),
        (r"^编制单位$", "compiling_unit"),
        (r"^(项目概况|立项依据)$", None),
        (r"^(财政归口处室|部门联系人|联系人|联系电话|填报人|状态)$", None),
    ]
]


def _field_for(cell: str) -> tuple[bool, str | None, str]:
    """(is a label, field, inline value) for a cell such as "项目名称：" or "编制单位： 202-…"."""
    key = _key(cell)
    for pattern, name in _FIELD_LABELS:
        if pattern.match(key):
            return True, name, ""
    m = re.match(r"^([^:：]{2,12})[:：]\s*(.+)$", cell)
    if m:
        inner = _key(m.group(1))
        for pattern, name in _FIELD_LABELS:
            if pattern.match(inner):
                return True, name, m.group(2).strip()
    return False, None, ""


_MONEY_COLUMNS: list[tuple[str, re.Pattern[str]]] = [
    ("initial", re.compile(r"^年初预算")),
    ("adjusted", re.compile(r"^(全年(\(调整\))?预算数|调整后预算数|全年预算)")),
    ("executed", re.compile(r"^(全年执行数|预算执行数|执行数)")),
    ("weight", re.compile(r"^(执行率)?权重$")),
    ("score", re.compile(r"^(执行率)?得分$")),
    ("rate", re.compile(r"^(预算)?执行率$")),
    ("note", re.compile(r"^原因")),
]

_IND_COLUMNS: list[tuple[str, re.Pattern[str]]] = [
    ("level1", re.compile(r"^一级指标")),
    ("level2", re.compile(r"^二级指标")),
    ("level3", re.compile(r"^(三级指标|指标名称|指标)$")),
    ("weight", re.compile(r"^(指标权重|权重|指标分值|分值)")),
    ("score", re.compile(r"^(指标得分|得分|自评得分)$")),
    ("unit", re.compile(r"^(计量单位|度量单位)")),
    ("operator", re.compile(r"^指标性质")),
    ("target", re.compile(r"^(年度)?指标值")),
    ("actual", re.compile(r"(全年完成值|实际完成值|^完成值)")),
    ("deviation", re.compile(r"^偏离度")),
    ("coeff", re.compile(r"^得分系数")),
    ("is_core", re.compile(r"^是否核心")),
    ("note", re.compile(r"^(说明|备注|未完成原因|偏差原因)")),
    ("explanation", re.compile(r"^(指标解释|评分说明)")),
]

_GOAL_HEAD = re.compile(
    r"^(绩效目标|年初绩效目标|全年(\(调整\))?绩效目标|全年目标实际完成情况|项目基本情况|项目年度目标"
    r"|年度目标完成情况|年度总体目标|预期目标|实际完成情况)$"
)
_STOP = re.compile(r"^(评价结论|存在问题|改进措施|项目负责人|财务负责人|联系人|填报人|注[:：]|备注[:：])")
_TOTAL = re.compile(r"^(合计|分值|总分|总计)$")
_POINTS_CELL = re.compile(r"^[-+]?\d+(\.\d+)?%?$")


def _column_map(cells: list[str], vocab: list[tuple[str, re.Pattern[str]]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        key = _key(cell)
        for name, pattern in vocab:
            if name not in found and pattern.search(key):
                found[name] = i
                break
    return found


def _is_money_header(cells: list[str]) -> bool:
    cols = _column_map(cells, _MONEY_COLUMNS)
    return len({"initial", "adjusted", "executed"} & cols.keys()) >= 2


def _is_indicator_header(cells: list[str]) -> bool:
    if any(_POINTS_CELL.match(_key(c)) for c in cells if c):
        return False
    cols = _column_map(cells, _IND_COLUMNS)
    return len(cols) >= 3 and ("level3" in cols or "explanation" in cols or "target" in cols)


def _merge_headers(first: list[str], second: list[str]) -> list[str]:
    """Two stacked header rows (001: 绩效指标 spans 4 columns above 一级/二级/三级/指标分值): the upper
    row's trailing labels fill the lower row's empty trailing cells, right-aligned."""
    merged = list(second)
    upper = [c for c in first if c]
    slots = [i for i, c in enumerate(merged) if not c]
    for i, label in zip(reversed(slots), reversed(upper), strict=False):
        merged[i] = label
    return merged


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


# ---------------------------------------------------------------------------------------------
# Spaced layout (PDF text)
# ---------------------------------------------------------------------------------------------

LEVEL1_NAMES = ("产出指标", "效益指标", "满意度指标", "成本指标")
LEVEL2_NAMES = (
    "数量指标",
    "质量指标",
    "时效指标",
    "成本指标",
    "经济成本指标",
    "社会成本指标",
    "生态环境成本指标",
    "经济效益指标",
    "社会效益指标",
    "生态效益指标",
    "可持续影响指标",
    "可持续发展指标",
    "服务对象满意度指标",
    "满意度指标",
)
_LEVEL_WORDS = set(LEVEL1_NAMES) | set(LEVEL2_NAMES)
_OPS = "≥≤=＝<>"
_NUMBER = r"-?\d[\d,]*(?:\.\d+)?"
_QUANT_AFTER = re.compile(rf"(?:^|\s)(?P<val>{_NUMBER})\s*(?P<op>[{_OPS}])\s*(?P<unit>\S+)?$")
_QUANT_BEFORE = re.compile(rf"(?:^|\s)(?P<op>[{_OPS}])\s*(?P<val>{_NUMBER})\s*(?P<unit>\S+)?$")
_FLAT_ROW = re.compile(
    rf"^(?P<name>.+?)\s+(?P<weight>\d+(?:\.\d+)?%?)\s+(?P<unit>\S+)\s+"
    rf"(?:(?P<op>[{_OPS}]|定性)\s+)?(?P<target>\S+)$"
)
_HEADER_BITS = re.compile(
    r"^(一级指标|二级指标|三级指标|指标|指标值|指标性|质|指标性质|度量单位|计量单位|指标权重)+$"
)
_PAGE_NUMBER = re.compile(r"^\d{1,3}$")


@dataclass
class _Record:
    lines: list[Line] = field(default_factory=list)
    terminator: int | None = None  # index in lines of the line carrying target / operator / unit


def _read_spaced(body: list[Line], table: PerformanceTable) -> None:
    """Head fields line by line, then the indicator rows after the 一级指标 … header."""
    mode = ""  # "" head | levels (一级/二级/三级 rows) | flat (指标 指标权重 … rows)
    pending: str | None = None  # a field whose value is on the following lines (项目当年绩效目标)
    rows: list[Line] = []
    for ln in body:
        text = _clean(ln.text)
        if not text:
            continue
        key = _key(text)
        if not mode:
            table.unit = table.unit or unit_from_text(text)
        if key == "绩效指标" or (mode and _HEADER_BITS.match(key)):
            pending = None
            continue
        if "一级指标" in key and "三级指标" in key:
            mode = "levels"
            continue
        if key.startswith("指标指标权重"):
            mode = "flat"
            continue
        if mode:
            if not _PAGE_NUMBER.match(key):
                rows.append(Line(text, ln.line_no, ln.page))
            continue
        tokens = text.split(" ")
        if _field_for(tokens[0])[0]:
            pending = _read_spaced_fields(tokens, ln, table)
        elif pending and pending in table.fields:
            old = table.fields[pending]
            table.fields[pending] = Printed(old.label, _join(old.value, text), old.line_no, old.page)
    if mode == "levels":
        for rec in _records(rows):
            table.indicators.append(_record_row(rec))
    elif mode == "flat":
        _flat_rows(rows, table)


def _read_spaced_fields(tokens: list[str], ln: Line, table: PerformanceTable) -> str | None:
    """ "主管部门 312-政府办 实施单位 312001-政府办（本级）" → two fields; returns a field left open."""
    pending: str | None = None
    label_at = [i for i, t in enumerate(tokens) if _field_for(t)[0]]
    for k, i in enumerate(label_at):
        end = label_at[k + 1] if k + 1 < len(label_at) else len(tokens)
        _, name, inline = _field_for(tokens[i])
        value = " ".join(filter(None, [inline, *tokens[i + 1 : end]])).strip()
        if name and name not in table.fields:
            table.fields[name] = Printed(_clean(tokens[i]), value, ln.line_no, ln.page)
            if name == "fund_total" and value:
                table.funds.append(
                    FundRow(_clean(tokens[i]), initial=value, line_no=ln.line_no, page=ln.page)
                )
                table.unit = table.unit or unit_from_text(tokens[i])
        pending = name if name and not value else None  # the value follows on the next lines
    return pending


def _starts_with_level(text: str) -> bool:
    return text.split(" ")[0] in _LEVEL_WORDS


def _terminator(text: str) -> bool:
    return bool(_QUANT_AFTER.search(text) or _QUANT_BEFORE.search(text) or text.split(" ")[-1] == "定性")


def _records(rows: list[Line]) -> list[_Record]:
    """Group wrapped lines into indicator rows. A row starts at a line led by a level word (产出指标,
    数量指标 …) once the current row has text of its own; it ends with the line carrying the target
    ("168 ≥ 次", "长期 定性"). Lines after that line and before the next row finish the name (PDF text
    prints a cell's middle line first, 002 L1100–1104); lines after the last row are page debris."""
    records: list[_Record] = []
    current: _Record | None = None
    for ln in rows:
        starts = _starts_with_level(ln.text)
        if starts and (current is None or current.terminator is not None or _has_own_text(current)):
            current = _Record()
            records.append(current)
        elif current is None:
            continue
        current.lines.append(ln)
        if current.terminator is None and _terminator(ln.text):
            current.terminator = len(current.lines) - 1
    last = records[-1] if records else None
    if last is not None and last.terminator is not None:
        last.lines = last.lines[: last.terminator + 1]  # no next row: trailing lines are not its name
    return [r for r in records if r.terminator is not None]


def _has_own_text(rec: _Record) -> bool:
    return any(t not in _LEVEL_WORDS for ln in rec.lines for t in ln.text.split(" "))


def _record_row(rec: _Record) -> IndicatorRow:
    assert rec.terminator is not None
    t = rec.terminator
    texts = [ln.text for ln in rec.lines]
    term = texts[t]
    m = None if term.split(" ")[-1] == "定性" else (_QUANT_AFTER.search(term) or _QUANT_BEFORE.search(term))
    if m:
        op, target, unit = m.group("op"), m.group("val"), m.group("unit") or ""
        texts[t] = term[: m.start()].strip()
    else:
        words = term.split(" ")[:-1]
        op, target, unit = "定性", (words.pop() if words else ""), ""
        texts[t] = " ".join(words)
    levels, parts = _take_levels(texts)
    if not target:
        # the target wrapped onto lines of its own above a bare 定性 (002 L979–982 "优良中" / "低差")
        above = [p for p in parts[:t] if p]
        if parts[0]:
            name_parts, target = [parts[0]], "".join(above[1:])
        else:
            name_parts, target = above[:-1], "".join(above[-1:])
        name_parts += parts[t + 1 :]
    else:
        name_parts = parts
    name = ""
    for part in name_parts:
        name = _join(name, part)
    level1, level2, name = _assign_levels(levels, name)
    return IndicatorRow(
        level1=level1,
        level2=level2,
        level3=name,
        operator=op,
        target=target,
        unit=unit,
        row_printed=" / ".join(ln.text for ln in rec.lines),
        line_no=rec.lines[0].line_no,
        page=rec.lines[0].page,
    )


def _take_levels(texts: list[str]) -> tuple[list[str], list[str]]:
    """Split the level words leading the row (over one or more lines) from the rest of each line."""
    levels: list[str] = []
    parts: list[str] = []
    taking = True
    for text in texts:
        words = text.split(" ") if text else []
        while taking and words and words[0] in _LEVEL_WORDS and len(levels) < 4:
            levels.append(words.pop(0))
        if words:
            taking = False
        parts.append(" ".join(words).strip())
    return levels, parts


def _assign_levels(levels: list[str], name: str) -> tuple[str, str, str]:
    """Level words in front of a row: the first is 一级 when it is one, the last 二级; extra words
    between them are a merged cell of a neighbouring row (002 L1341–1344). A row left without a name
    takes its last level word as the name (002 L1254 服务对象满意度指标 printed as 三级 too)."""
    if not name and len(levels) >= 3:
        name = levels.pop()
    if not levels:
        return "", "", name
    if len(levels) == 1:
        return (levels[0], "", name) if levels[0] in LEVEL1_NAMES else ("", levels[0], name)
    return levels[0], levels[-1], name


def _flat_rows(rows: list[Line], table: PerformanceTable) -> None:
    """整体绩效目标表 rows "开展督查次数 9% 次 ≥ 70"; unmatched lines start the next row's name."""
    prefix: list[Line] = []
    for ln in rows:
        m = _FLAT_ROW.match(ln.text)
        if not m:
            prefix.append(ln)
            continue
        first = prefix[0] if prefix else ln
        name = ""
        for part in [*(p.text for p in prefix), m.group("name")]:
            name = _join(name, part)
        table.indicators.append(
            IndicatorRow(
                level3=name,
                operator=m.group("op") or "",
                target=m.group("target"),
                unit=m.group("unit"),
                weight=m.group("weight"),
                row_printed=" / ".join([*(p.text for p in prefix), ln.text]),
                line_no=first.line_no,
                page=first.page,
            )
        )
        prefix = []
