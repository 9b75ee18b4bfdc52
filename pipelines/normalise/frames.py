"""Raw table grids → `fact_line_item` rows as a polars frame (money as Decimal(18,2) in 元)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl

from pipelines.catalog import CATALOG, TableSpec, clean_label, line_key_for, normalise_text, spec_for
from pipelines.catalog.layout import text_layout
from pipelines.extract.ocr import LOW_CONFIDENCE
from pipelines.extract.text import PLAIN_ENGINE
from pipelines.extract.types import RawRow, RawTable
from pipelines.normalise.align import AMBIGUOUS, align_rows
from pipelines.normalise.headers import read_layout
from pipelines.normalise.keys import KeyReader
from pipelines.vocab.codes import class_code_for_label, code_kind, is_code
from pipelines.vocab.grid import Layout, Panel
from pipelines.vocab.numbers import OUT_OF_RANGE, parse_amount

MONEY = pl.Decimal(18, 2)

FACT_SCHEMA: dict[str, Any] = {
    "document_id": pl.String,
    "table_code": pl.String,
    "table_title": pl.String,
    "row_no": pl.Int32,
    "panel": pl.String,
    "func_code": pl.String,
    "econ_code": pl.String,
    "line_label": pl.String,
    "line_key": pl.String,
    "measure": pl.String,
    "column_header": pl.String,
    "amount": MONEY,
    "is_blank": pl.Boolean,
    "unit_printed": pl.String,
    "value_printed": pl.String,
    "page": pl.Int32,
    "line_no": pl.Int32,
    "row_top": pl.Float64,
    "row_bottom": pl.Float64,
    "spending_unit": pl.String,  # the unit whose block the row belongs to (预算单位), else NULL
    "gov_econ_code": pl.String,  # 政府预算支出经济分类 code printed beside econ_code (501 beside 301)
    "source": pl.String,  # how the figure was read: text (the file's text layer or cells) | ocr
    "ocr_confidence": pl.Float64,  # OCR only: the recognition confidence of its least sure character
    "ocr_low_confidence": pl.Boolean,  # OCR only: below LOW_CONFIDENCE, a digit may be misread
}

TABLE_SCHEMA: dict[str, Any] = {
    "document_id": pl.String,
    "table_code": pl.String,
    "table_title": pl.String,
    "unit_printed": pl.String,
    "page_start": pl.Int32,
    "page_end": pl.Int32,
    "line_no": pl.Int32,
    "engine": pl.String,
    "n_rows": pl.Int32,
    "n_facts": pl.Int32,
    "is_empty": pl.Boolean,
    "empty_note": pl.String,
    "warnings": pl.String,
    # how sure the reading is (normalise/coverage.py): share of the printed numbers placed in facts
    "coverage": pl.Float64,
    "printed_numbers": pl.Int32,
    "placed_numbers": pl.Int32,
    "unplaced": pl.String,  # JSON: [{page | line, text, why}, …]
    "doubt": pl.Boolean,
    "doubt_reason": pl.String,
    "engines_tried": pl.String,
}

_SECTIONS = {"opening_carryover_surplus", "closing_carryover_surplus", "prior_carryover"}


@dataclass
class TableFacts:
    """The facts of one table plus what the normaliser noticed about it."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    header_rows: int = 0  # rows[header_rows:] are the data rows (row_no 1, 2, …): coverage reads them
    value_columns: frozenset[int] = frozenset()
    # the measures a plain-text row's values were placed among (`align_rows`); None when not aligned
    aligned_measures: frozenset[str] | None = None


def _footer_measure(spec: TableSpec, label: str) -> str | None:
    return next((m.measure for m in spec.footer_totals if m.matches(label)), None)


# tables whose rows are named lines rather than classification items: their names are not resolved
_NAMED_LINE_TABLES = {"B04", "B10", "B16", "D09"}


def resolves_names(spec: TableSpec) -> bool:
    """Whether a code-less row of the table is looked up in the year's classification by its name."""
    return not (spec.line_keys or spec.class_lines or spec.form_fields or spec.code in _NAMED_LINE_TABLES)


def table_to_facts(
    table: RawTable,
    document_id: str,
    empty_sources: frozenset[str] = frozenset(),
    fiscal_year: int | None = None,
) -> TableFacts:
    """Interpret one stitched grid with its catalog entry: one fact per numeric cell of every data row.

    `empty_sources` (income sources the document shows empty) help place the values of
    plain-text rows that dropped their empty cells. `fiscal_year` chooses the edition of the
    classification that code-less names are resolved in.
    """
    spec = spec_for(table.table_code)
    out = TableFacts()
    if spec.form_fields:
        _form_facts(spec, table, document_id, out)
        return out
    if table.engine == PLAIN_ENGINE and spec.text_layout:
        layout = _plain_layout(spec, table)
    else:
        layout = read_layout(spec, table.rows, carry_spans=table.engine == "text")
    out.header_rows = layout.header_rows
    out.value_columns = frozenset(c.index for p in layout.panels for c in p.value_columns)
    if layout.unmapped and not spec.generic:
        out.warnings.append(f"{spec.code}: columns not in the catalog: {', '.join(layout.unmapped)}")
    sections: dict[int, str | None] = {}
    data_rows = table.rows[layout.header_rows :]
    grid = [list(r.cells) + [""] * (max(len(r.cells), _width(layout)) - len(r.cells)) for r in data_rows]
    if table.engine == PLAIN_ENGINE and spec.text_layout:
        out.warnings.extend(align_rows(spec, layout, grid, table.unit, empty_sources))
        out.aligned_measures = frozenset(
            c.measure for p in layout.panels for c in p.value_columns if c.measure
        )
    readers = [KeyReader(p, data_rows, fiscal_year, resolves_names(spec)) for p in layout.panels]
    for row_no, (row, cells) in enumerate(zip(data_rows, grid, strict=True), start=1):
        consumed: set[int] = set()
        for p_index, panel in enumerate(layout.panels):
            named = _inherit_label(layout, panel, row, cells)
            ctx = _RowContext(spec, table, document_id, row, row_no, named)
            _panel_facts(ctx, cells, p_index, sections, consumed, out, readers[p_index])
    department = {n for r in readers for n in r.department_rows}
    for fact in out.rows:
        if fact["row_no"] in department:
            fact["spending_unit"] = None  # the department's total row: the document's own level
    return out


def _plain_layout(spec: TableSpec, table: RawTable) -> Layout:
    """The layout of a plain-text table: its leading one-cell rows are the header's printed lines."""
    n = 0
    while n < len(table.rows) and len(table.rows[n].cells) == 1:
        n += 1
    layout = text_layout(spec, " ".join(r.cells[0] for r in table.rows[:n]))
    return Layout(n, layout.panels, layout.unmapped)


def _covered(row: RawRow, j: int) -> bool:
    """The cell lies under a merged cell that starts further left (it holds no value of its own)."""
    return row.span_from is not None and j < len(row.span_from) and row.span_from[j] is not None


def _inherit_label(layout: Layout, panel: Panel, row: RawRow, cells: list[str]) -> Panel:
    """A panel whose label cell is covered by a label merged across from a panel on its left.

    Jiangsu's 收支预算总表 prints "当年支出小计" across the 功能分类 and 支出用途 panels with the
    amount in the last column: the amount belongs to that label, in the panel the label starts in.
    The label is copied into the covered key cell and the panel takes the label's panel name.
    """
    keys = panel.key_columns
    if not keys or any(normalise_text(cells[c.index]) for c in keys) or row.span_from is None:
        return panel
    origin = next((row.span_from[c.index] for c in keys if _covered(row, c.index)), None)
    if origin is None:
        return panel
    source = next((p for p in layout.panels if any(c.index == origin for c in p.key_columns)), None)
    if source is None or source is panel:
        return panel
    cells[keys[-1].index] = cells[origin]
    return Panel(source.name, panel.columns)


_UNIT_IN_LABEL = re.compile(r"\((万元|元)\)")


def _form_facts(spec: TableSpec, table: RawTable, document_id: str, out: TableFacts) -> None:
    """A form (绩效目标表): each amount sits right of its label ("资金总额（万元） | 50").

    A label printed twice in one row (其他资金 under 项目资金 and under 年度资金) takes the
    catalog's fields in order, so the two amounts keep apart.
    """
    panel = Panel(None, ())
    subject = _form_subject(table.rows)
    blank_names = any(f.matches("") for f in spec.form_fields)  # else an empty cell is no label
    for row_no, row in enumerate(table.rows, start=1):
        ctx = _RowContext(spec, table, document_id, row, row_no, panel)
        used: set[str] = set()
        cells = list(row.cells)
        for j, cell in enumerate(cells):
            label = normalise_text(cell)
            if not label and not blank_names:
                continue
            field = next((f for f in spec.form_fields if f.measure not in used and f.matches(label)), None)
            if field is None:
                continue
            value = next((c for c in cells[j + 1 :] if normalise_text(c)), "")
            m = _UNIT_IN_LABEL.search(label)
            parsed = parse_amount(value, m.group(1) if m else table.unit)
            if parsed is not None and parsed.out_of_range:
                out.warnings.append(out_of_range_note(spec.code, row, row_no, clean_label(cell), value))
            if parsed is None or parsed.amount is None:
                continue
            used.add(field.measure)
            fact = ctx.fact(
                None,
                subject or clean_label(cell),
                None,
                field.measure,
                clean_label(cell),
                parsed.amount,
                parsed.is_blank,
                value,
            )
            out.rows.append(fact)


_SUBJECT = re.compile(r"^(项目名称|部门\(单位\)名称|部门名称|单位名称)$")


def _form_subject(rows: list[RawRow]) -> str | None:
    """What the form is about (项目名称 / 部门名称 value), the line label of its amounts."""
    for row in rows:
        cells = [c for c in row.cells if normalise_text(c)]
        for label, value in itertools.pairwise(cells):
            if _SUBJECT.match(normalise_text(label)):
                return clean_label(value)
    return None


def _width(layout: Layout) -> int:
    return sum(len(p.columns) for p in layout.panels)


def _panel_facts(
    ctx: _RowContext,
    cells: list[str],
    p_index: int,
    sections: dict[int, str | None],
    consumed: set[int],
    out: TableFacts,
    reader: KeyReader,
) -> None:
    """Facts of one panel of one data row; `consumed` keeps cells another panel already read."""
    spec, table, panel, row_no = ctx.spec, ctx.table, ctx.panel, ctx.row_no
    key_cols = panel.key_columns
    key = reader.read(cells, ctx.row, row_no)
    code, label, keyed = key.code, key.label, (key.unit, key.gov_econ)
    last_key = max((c.index for c in key_cols), default=panel.columns[0].index - 1)

    footer = _footer_measure(spec, normalise_text(label)) if spec.footer_totals else None
    if footer:
        # 人员经费合计 / 公用经费合计: the amount is the first number right of the label, wherever the
        # template printed it (seed 000 puts 公用经费合计 beyond the last panel, in a column without a
        # header). It is the total of the label's panel, so it takes that panel's amount column.
        for j in range(last_key + 1, len(cells)):
            if j in consumed:
                continue
            parsed = parse_amount(cells[j], table.unit)
            if parsed is not None and parsed.amount is not None and not parsed.is_blank:
                consumed.add(j)
                header = _column_header(panel, j, _panel_amount_header(panel) or footer)
                out.rows.append(
                    ctx.fact(None, label, None, footer, header, parsed.amount, False, cells[j], keyed)
                )
                break
        return

    values = [
        (c, cells[c.index])
        for c in panel.value_columns
        if c.index not in consumed and not _covered(ctx.row, c.index) and cells[c.index] != AMBIGUOUS
    ]
    if not code and not label and all(not normalise_text(v) for _, v in values):
        return
    line_key = line_key_for(spec, panel.name or "", label, sections.get(p_index)) if not code else None
    if line_key in _SECTIONS:
        sections[p_index] = line_key
    if code is None and label and spec.class_lines:
        code = class_code_for_label(label, reader.fiscal_year)
        if code:
            line_key = "exp_class"
    for col, text in values:
        parsed = parse_amount(text, table.unit)
        if parsed is None:
            if normalise_text(text):
                out.warnings.append(
                    f"{spec.code} row {row_no}: not a number in {col.header or col.index}: {text!r}"
                )
            continue
        if parsed.out_of_range:
            out.warnings.append(out_of_range_note(spec.code, ctx.row, row_no, col.header or col.index, text))
            continue
        if parsed.amount is None:  # "—": not applicable (a section header line)
            continue
        if parsed.is_blank and code is None and not label:
            continue
        measure = col.measure or _unmapped_measure(spec, col.header, col.ordinal or col.index)
        consumed.add(col.index)
        fact = ctx.fact(
            code, label, line_key, measure, col.header, parsed.amount, parsed.is_blank, text, keyed
        )
        if parsed.is_percent:
            fact["unit_printed"] = "%"
        out.rows.append(fact)


def _unmapped_measure(spec: TableSpec, header: str, position: int) -> str:
    """A column the catalog has no measure for is named by its printed header path, so it still
    means something to an analyst (a generic table has only such columns)."""
    return header or f"unmapped_{position}"


def out_of_range_note(code: str, row: RawRow, row_no: int, column: object, text: str) -> str:
    """The rejected cell, named so a reviewer finds it: table, page or line, row, column, text."""
    where = f"page {row.page}" if row.page is not None else f"line {row.line_no}" if row.line_no else ""
    return (
        f"{OUT_OF_RANGE}: {code} {where} row {row_no}, column {column}: {text.strip()!r} does not fit "
        "DECIMAL(18,2) and was not loaded"
    ).replace("  ", " ")


def _panel_amount_header(panel: Panel) -> str | None:
    """The header of the panel's first headed value column: where a footer total of the panel belongs
    when the template prints its amount in a column that has no header of its own."""
    return next((c.header for c in panel.value_columns if c.header), None)


def _column_header(panel: Panel, index: int, fallback: str) -> str:
    for c in panel.columns:
        if c.index == index and c.header:
            return c.header
    return fallback


@dataclass(frozen=True)
class _RowContext:
    """Where a fact comes from: table, row and panel (its provenance on the page)."""

    spec: TableSpec
    table: RawTable
    document_id: str
    row: RawRow
    row_no: int
    panel: Panel

    def fact(
        self,
        code: str | None,
        label: str,
        line_key: str | None,
        measure: str,
        header: str,
        amount: Decimal,
        is_blank: bool,
        printed: str,
        keyed: tuple[str | None, str | None] = (None, None),
    ) -> dict[str, Any]:
        """One fact; `keyed` is the row's (spending unit, 政府预算经济分类 code) from its key."""
        kind = code_kind(code) if code else None
        return {
            "document_id": self.document_id,
            "table_code": self.spec.code,
            "table_title": self.table.title,
            "row_no": self.row_no,
            "panel": self.panel.name,
            "func_code": code if kind == "func" else None,
            "econ_code": code if kind == "econ" else None,
            "line_label": label,
            "line_key": line_key,
            "measure": measure,
            "column_header": header,
            "amount": amount,
            "is_blank": is_blank,
            "unit_printed": self.table.unit,
            "value_printed": printed.strip(),
            "page": self.row.page,
            "line_no": self.row.line_no,
            "row_top": self.row.bbox[1] if self.row.bbox else None,
            "row_bottom": self.row.bbox[3] if self.row.bbox else None,
            "spending_unit": keyed[0],
            "gov_econ_code": keyed[1],
            **self._how_read(printed),
        }

    def _how_read(self, printed: str) -> dict[str, Any]:
        """`source` and, for a row read by OCR, the confidence of the cell that printed the figure."""
        if self.row.confidence is None:
            return {"source": "text", "ocr_confidence": None, "ocr_low_confidence": None}
        confs = [
            c
            for t, c in zip(self.row.cells, self.row.confidence, strict=False)
            if c is not None and t.strip() == printed.strip()
        ]
        conf = min(confs) if confs else None
        low = conf < LOW_CONFIDENCE if conf is not None else None
        return {"source": "ocr", "ocr_confidence": conf, "ocr_low_confidence": low}


def tables_facts(
    tables: list[RawTable], document_id: str, fiscal_year: int | None = None
) -> list[TableFacts]:
    """Every table's facts, in two passes: what the summary tables say about the income sources
    places the cells a plain-text table dropped. A table none of whose columns is such a source
    reads the same in both passes, so it is read once."""
    results = [table_to_facts(table, document_id, fiscal_year=fiscal_year) for table in tables]
    if any(t.engine == PLAIN_ENGINE for t in tables):
        empty = empty_income_sources([f for r in results for f in r.rows])
        results = [
            table_to_facts(t, document_id, empty, fiscal_year)
            if r.aligned_measures and r.aligned_measures & empty
            else r
            for t, r in zip(tables, results, strict=True)
        ]
    return results


def empty_income_sources(facts: list[dict[str, Any]]) -> frozenset[str]:
    """Income lines (B01/B06 收入 panels) printed empty: the source funds no row of any table."""
    seen: dict[str, bool] = {}
    for f in facts:
        key = f["line_key"]
        if f["panel"] == "income" and key:
            seen[key] = seen.get(key, True) and f["amount"] == 0
    return frozenset(k for k, empty in seen.items() if empty)


def tables_to_frames(
    tables: list[RawTable],
    document_id: str,
    fiscal_year: int | None = None,
    checked: list[dict[str, Any]] | None = None,
    results: list[TableFacts] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """All tables of a document → (fact_line_item frame, doc_table frame, warnings).

    `fiscal_year` (the document's, ExtractedDocument.meta.fiscal_year) picks the edition of the
    classification that rows printed without codes are resolved in. `checked` holds, per table,
    the doc_table columns of its reading's checks (coverage.py); `results` the tables' facts when
    the caller has them already (`tables_facts` of these very rows).
    """
    facts: list[dict[str, Any]] = []
    summaries: list[dict[str, Any]] = []
    warnings: list[str] = []
    if results is None:
        results = tables_facts(tables, document_id, fiscal_year)
    for k, (table, result) in enumerate(zip(tables, results, strict=True)):
        facts.extend(result.rows)
        warnings.extend(result.warnings)
        printed = [f for f in result.rows if not f["is_blank"]]
        summaries.append(
            {
                "document_id": document_id,
                "table_code": table.table_code,
                "table_title": table.title,
                "unit_printed": table.unit,
                "page_start": table.pages[0] if table.pages else None,
                "page_end": table.pages[-1] if table.pages else None,
                "line_no": table.rows[0].line_no if table.rows else None,
                "engine": table.engine,
                "n_rows": len(table.rows),
                "n_facts": len(result.rows),
                "is_empty": not printed,
                "empty_note": table.empty_note,
                "warnings": "; ".join(result.warnings) or None,
                **(checked[k] if checked else {}),
            }
        )
    fact_frame = pl.DataFrame(facts, schema=FACT_SCHEMA) if facts else pl.DataFrame(schema=FACT_SCHEMA)
    table_frame = (
        pl.DataFrame(summaries, schema=TABLE_SCHEMA) if summaries else pl.DataFrame(schema=TABLE_SCHEMA)
    )
    return fact_frame, table_frame, warnings


# ---------------------------------------------------------------------------------------------
# fact_project: the rows of 项目支出明细表 (B10), one per project
# ---------------------------------------------------------------------------------------------

PROJECT_MEASURES = tuple(m.measure for m in CATALOG["B10"].measures)
PROJECT_SCHEMA: dict[str, Any] = {
    "document_id": pl.String,
    "table_code": pl.String,
    "table_title": pl.String,
    "row_no": pl.Int32,
    "seq": pl.Int32,
    "budget_unit": pl.String,
    "func_code": pl.String,
    "func_name": pl.String,
    "project_code": pl.String,
    "project_name": pl.String,
    "project_printed": pl.String,
    **{m: MONEY for m in PROJECT_MEASURES},
    "ambiguous_columns": pl.String,
    "unit_printed": pl.String,
    "page": pl.Int32,
    "line_no": pl.Int32,
    "is_group": pl.Boolean,
}
_PROJECT_CODE = re.compile(r"^([0-9]{6}[0-9]{2}[A-Z][0-9]{12}|[0-9]{6,}[A-Z0-9]*[A-Z][0-9]{6,})-?(.*)$")


def project_frame(tables: list[RawTable], facts: pl.DataFrame, document_id: str) -> pl.DataFrame:
    """`fact_project` rows: each project line of every 项目支出明细表 with its amounts.

    The amounts are the table's facts (already placed in their columns); the key cells give the
    序号, budget unit, function code and name, and the "code-name" project cell.
    """
    records: list[dict[str, Any]] = []
    by_row: dict[tuple[str, int], dict[str, Any]] = {}
    for f in facts.filter(pl.col("table_code") == "B10").iter_rows(named=True):
        by_row.setdefault((f["table_title"], f["row_no"]), {})[f["measure"]] = f["amount"]
    for table in tables:
        if table.table_code != "B10":
            continue
        spec = CATALOG["B10"]
        if table.engine == PLAIN_ENGINE and spec.text_layout:
            layout = _plain_layout(spec, table)
        else:
            layout = read_layout(spec, table.rows, carry_spans=table.engine == "text")
        keys = [c.index for p in layout.panels for c in p.key_columns]
        values = [c for p in layout.panels for c in p.value_columns]
        for row_no, row in enumerate(table.rows[layout.header_rows :], start=1):
            cells = [clean_label(row.cells[j]) if j < len(row.cells) else "" for j in keys]
            record = _project_keys(cells)
            if record is None:
                continue
            amounts = by_row.get((table.title, row_no), {})
            printed = {c.measure for c in values if c.measure in amounts}
            missing = [c.measure or "" for c in values if c.measure not in printed and c.measure]
            records.append(
                {
                    "document_id": document_id,
                    "table_code": table.table_code,
                    "table_title": table.title,
                    "row_no": row_no,
                    **record,
                    **{m: amounts.get(m) for m in PROJECT_MEASURES},
                    "ambiguous_columns": ", ".join(missing) or None,
                    "unit_printed": table.unit,
                    "page": row.page,
                    "line_no": row.line_no,
                }
            )
    done = {(r["table_title"]) for r in records}
    records.extend(_named_projects(facts.filter(~pl.col("table_title").is_in(list(done))), document_id))
    for r in records:
        r.setdefault("is_group", False)
    return pl.DataFrame(records, schema=PROJECT_SCHEMA) if records else pl.DataFrame(schema=PROJECT_SCHEMA)


_PROJECT_TOTAL_LABEL = re.compile(r"^(合计|总计|小计|项目支出合计|项目合计)$")
_TOTAL_ROW = _PROJECT_TOTAL_LABEL.pattern
_TOTAL_HEADER = re.compile(r"(总计|合计)$")


def _named_projects(facts: pl.DataFrame, document_id: str) -> list[dict[str, Any]]:
    """Projects of a 项目支出表 printed without project codes (深圳, 长春, 烟台 templates): one per
    labelled row, its total from the `total` column or the first column headed 总计/合计.

    A category or unit row (部门特定目标类项目, 深圳市财政局（本级）) is kept with `is_group`: its total
    is the sum of the rows printed below it.
    """
    out: list[dict[str, Any]] = []
    b10 = facts.filter(pl.col("table_code") == "B10")
    for title in b10["table_title"].unique(maintain_order=True).to_list():
        table = b10.filter(pl.col("table_title") == title)
        headers = table["measure"].unique(maintain_order=True).to_list()
        total = "total" if "total" in headers else next((h for h in headers if _TOTAL_HEADER.search(h)), None)
        if total is None:
            continue
        rows = (
            table.filter(pl.col("measure") == total)
            .filter(pl.col("line_label").is_not_null())
            .filter(~pl.col("line_label").str.replace_all(r"\s", "").str.contains(_TOTAL_ROW))
            .sort("row_no")
        )
        amounts = rows["amount"].to_list()
        groups = _group_rows(amounts)
        for i, f in enumerate(rows.iter_rows(named=True)):
            out.append(
                {
                    "document_id": document_id, "table_code": "B10", "table_title": title,
                    "row_no": f["row_no"], "seq": None, "budget_unit": f["spending_unit"],
                    "func_code": f["func_code"], "func_name": None, "project_code": None,
                    "project_name": f["line_label"], "project_printed": f["line_label"],
                    **dict.fromkeys(PROJECT_MEASURES), "total": f["amount"],
                    "ambiguous_columns": None, "unit_printed": f["unit_printed"],
                    "page": f["page"], "line_no": f["line_no"], "is_group": groups[i],
                }
            )  # fmt: skip
    return out


def _group_rows(amounts: list[Any]) -> list[bool]:
    """Rows whose amount is the sum of the rows right below them (two or more, or one that is
    itself such a row): the categories and units of a project list."""
    group = [False] * len(amounts)
    for i in range(len(amounts) - 1, -1, -1):
        running = 0
        for j in range(i + 1, len(amounts)):
            running += amounts[j]
            if running == amounts[i] and (j > i + 1 or group[j]):
                group[i] = True
                break
            if running > amounts[i] and amounts[i] >= 0:
                break
    return group


def _project_keys(cells: list[str]) -> dict[str, Any] | None:
    """序号, unit, function code and name, and project code-name from a row's key cells."""
    filled = [c for c in cells if c]
    project = next((c for c in reversed(filled) if _PROJECT_CODE.match(re.sub(r"\s+", "", c))), None)
    if project is None:
        return None  # the 合计 line, or a row without a project
    m = _PROJECT_CODE.match(re.sub(r"\s+", "", project))
    assert m is not None
    rest = [c for c in filled if c is not project]
    seq = int(rest[0]) if rest and rest[0].isdigit() and len(rest[0]) <= 4 else None
    rest = rest[1:] if seq is not None else rest
    code_at = next((i for i, c in enumerate(rest) if is_code(c)), None)
    unit = "".join(rest[:code_at]) if code_at is not None else "".join(rest[:1])
    func_code = rest[code_at] if code_at is not None else None
    func_name = "".join(rest[code_at + 1 :]) if code_at is not None else "".join(rest[1:])
    return {
        "seq": seq,
        "budget_unit": unit or None,
        "func_code": func_code,
        "func_name": func_name or None,
        "project_code": m.group(1),
        "project_name": m.group(2).lstrip("-") or None,
        "project_printed": project,
    }
