"""Extraction that checks itself: does a table's reading account for every number it prints?

A reading of a table (its grid, turned into facts) is checked three ways:

- **coverage**: every number printed in the table's region (PDF: its box on each page; other
  formats: its cells) lands in exactly one fact, matched by page, row band and printed text, and
  sits in the column its fact was read into (a number printed under one column but read into its
  neighbour is *misplaced*, which counts as unplaced);
- **keys**: no data row lacks a key, no key is a number, no value column holds text;
- **identities**: the catalog's row identities (总计 = Σ parts) and parent = Σ children by code.

A reading that fails the first two is *in doubt*. For a PDF table in doubt the other engines read
the same regions (extract/regions.py) and the reading the checks and identities support best is
kept. The doubt that remains goes to `doc_table` and turns the table's identity failures into
extraction-doubt warnings (validate/engine.py).
"""

from __future__ import annotations

import dataclasses
import heapq
import json
import re
from collections import defaultdict
from collections.abc import Generator
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pipelines.catalog import normalise_text, spec_for
from pipelines.extract.regions import ENGINES, Rereading, candidate_pages, number_text
from pipelines.extract.text import PLAIN_ENGINE
from pipelines.extract.types import BBox, PrintedNumber, RawRow, RawTable
from pipelines.normalise.frames import TableFacts, table_to_facts, tables_facts
from pipelines.vocab.codes import is_code
from pipelines.vocab.grid import header_row_count
from pipelines.vocab.numbers import UNIT_FACTORS, looks_like_money

_TOTAL = re.compile(r"^(合计|总计|小计|收入总计|支出总计)$")
_NOT_A_NUMBER = re.compile(r"row \d+: not a number in ")
# a table read over more pages than this is mis-stitched, not misread: re-reading it is costly
# (camelot takes a second or two a page) and cannot mend it
MAX_REREAD_PAGES = 6
_ROW_SLACK = 2.0  # points: a number whose middle lies this close to a row's box belongs to the row


@dataclass
class Assessment:
    """How sure one reading of one table is."""

    engine: str
    printed: int = 0  # numbers printed in the region (or cells) that a fact should hold
    placed: int = 0
    unplaced: list[dict[str, Any]] = field(default_factory=list)  # {page, line, text, why}
    unbacked: list[str] = field(default_factory=list)  # facts whose printed number the region lacks
    key_problems: list[str] = field(default_factory=list)
    identity_holds: int = 0
    identity_fails: int = 0
    ocr_doubts: list[str] = field(default_factory=list)  # identities broken where OCR was unsure
    measured: bool = True  # False: a form-like table, whose numbers are not all facts

    @property
    def coverage(self) -> float | None:
        if not self.measured:
            return None
        return 1.0 if self.printed == 0 else self.placed / self.printed

    @property
    def doubt(self) -> bool:
        return self.measured and (
            self.placed < self.printed
            or bool(self.unbacked)
            or bool(self.key_problems)
            or bool(self.ocr_doubts)
        )

    def reasons(self) -> list[str]:
        out: list[str] = []
        if self.placed < self.printed:
            out.append(f"{self.printed - self.placed} of {self.printed} printed numbers not placed")
        if self.unbacked:
            out.append(f"{len(self.unbacked)} facts not printed in the region")
        out.extend(self.key_problems[:5])
        out.extend(self.ocr_doubts[:3])
        return out

    def score(self) -> tuple[Any, ...]:
        """Higher is better: no doubt, then coverage, keys, identities."""
        return (
            not self.doubt,
            self.coverage or 0.0,
            -len(self.key_problems),
            -len(self.unbacked),
            self.identity_holds - self.identity_fails,
        )


@dataclass
class Reading:
    """The reading kept for a table, with its checks and the other engines tried."""

    assessment: Assessment
    tried: list[Assessment] = field(default_factory=list)  # every candidate read, the kept one included
    replaced: bool = False  # another engine's rows replaced the table's first reading

    def record(self) -> dict[str, Any]:
        """The doc_table columns of the reading."""
        a = self.assessment
        return {
            "coverage": a.coverage,
            "printed_numbers": a.printed if a.measured else None,
            "placed_numbers": a.placed if a.measured else None,
            "unplaced": json.dumps(a.unplaced, ensure_ascii=False) if a.unplaced else None,
            "doubt": a.doubt,
            "doubt_reason": "; ".join(a.reasons()) or None,
            "engines_tried": ", ".join(
                f"{t.engine} {t.coverage:.1%}" if t.coverage is not None else t.engine for t in self.tried
            )
            or None,
        }


# --- coverage ---------------------------------------------------------------------------------------


def assess(table: RawTable, facts: TableFacts) -> Assessment:
    """Check one reading of `table` (its facts) against what the table prints."""
    spec = spec_for(table.table_code)
    out = Assessment(table.engine)
    if spec.form_fields:
        out.measured = False
        return out
    if table.regions:
        _pdf_coverage(table, facts.rows, out)
    else:
        _cell_coverage(table, facts, out)
    _keys(facts, out)
    _identities(spec.identities, facts.rows, table.unit, out)
    _ocr_doubts(table, facts.rows, out)
    return out


def _ocr_doubts(table: RawTable, facts: list[dict[str, Any]], out: Assessment) -> None:
    """A table read by OCR whose identities fail while some of its digits were read unsurely:
    the failure is more likely a misread digit than a publication error (extraction doubt)."""
    if not out.identity_fails:
        return
    unsure = [f for f in facts if f.get("ocr_low_confidence")]
    if unsure:
        shown = ", ".join(f"row {f['row_no']} {f['value_printed']}" for f in unsure[:3])
        out.ocr_doubts.append(
            f"{out.identity_fails} identities fail and {len(unsure)} figures were read by OCR "
            f"with low confidence ({shown})"
        )


def _printed(fact: dict[str, Any]) -> str | None:
    return number_text(fact["value_printed"] or "")


def _mid_y(b: BBox) -> float:
    return (b[1] + b[3]) / 2


def _mid_x(b: BBox) -> float:
    return (b[0] + b[2]) / 2


_Rows = dict[tuple[Any, Any], list[int]]  # a row's (top, bottom) → its facts' indices, ascending


def _in_rows(n: PrintedNumber, rows: _Rows | None) -> list[int]:
    """The facts, ascending, of those `rows` (of the number's page and text) whose band holds the
    number's middle: each row's band is tested once, not once for each of its facts."""
    if not rows:
        return []
    y = _mid_y(n.bbox)
    out: list[int] = []
    for (top, bottom), facts in rows.items():
        # a reading without row boxes (camelot without geometry): page and text decide
        if top is None or bottom is None or top - _ROW_SLACK <= y <= bottom + _ROW_SLACK:
            out += facts
    out.sort()
    return out


def _column(f: dict[str, Any]) -> tuple[Any, ...]:
    return (f["panel"], f["measure"], f["column_header"])


def _pdf_coverage(table: RawTable, facts: list[dict[str, Any]], out: Assessment) -> None:
    """Match the region's printed numbers to the facts: page, row band, printed text, then column."""
    texts = [(f, _printed(f)) for f in facts]
    valued = [f for f, text in texts if text is not None]
    printed_texts = [text for _, text in texts if text is not None]
    # (printed text, page) → facts by row: linear, not n × m
    by_text: dict[tuple[str | None, Any], _Rows] = defaultdict(lambda: defaultdict(list))
    for k, f in enumerate(valued):
        by_text[(printed_texts[k], f["page"])][(f["row_top"], f["row_bottom"])].append(k)
    cands = {i: _in_rows(n, by_text.get((n.text, n.page))) for i, n in enumerate(table.printed)}
    # unambiguous matches first; then, left to right, the leftmost free fact (facts come in the
    # order of their columns, so equal numbers of one row pair up column by column)
    taken: dict[int, int] = {}  # fact → number
    order = sorted(cands, key=lambda i: (len(cands[i]) > 1, table.printed[i].page, table.printed[i].bbox[0]))
    for i in order:
        free = [k for k in cands[i] if k not in taken]
        if free:
            taken[min(free)] = i
    placed = {i: k for k, i in taken.items()}
    members: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for i, k in placed.items():
        members[_column(valued[k])].append(i)
    bands = {
        c: (min(table.printed[i].bbox[0] for i in ms), max(table.printed[i].bbox[2] for i in ms))
        for c, ms in members.items()
    }
    spans = {c: _ColumnSpan.of(table.printed, ms) for c, ms in members.items()}
    value_bands = [band for ms in members.values() for band in _clusters(table.printed, ms)]
    pages_rows = _data_span(facts)
    # a 合计 line printed again on a later page with the same figures is one row (pdf.py keeps it once)
    totals = {
        (printed_texts[k], f["page"])
        for k, f in enumerate(valued)
        if _TOTAL.match(normalise_text(f["line_label"] or ""))
    }
    for i, n in enumerate(table.printed):
        bare = "." not in n.text and "," not in n.text
        if i in placed:
            col = _column(valued[placed[i]])
            if _misplaced(table.printed, i, spans[col], bands, col):
                out.printed += 1
                out.unplaced.append(_where(n, "printed under another column than its fact's"))
                continue
            out.printed += 1
            out.placed += 1
            continue
        if bare and not _in_value_band(n, value_bands, pages_rows):
            continue  # a code, 行次, 栏次 or page number: not a figure a fact should hold
        if any(text == n.text and page != n.page for text, page in totals):
            continue  # the repeated 合计 of a continuation page
        out.printed += 1
        out.unplaced.append(_where(n, "in no fact"))
    pages = {p for p, _ in table.regions}
    out.unbacked = [
        f"{f['value_printed']} (page {f['page']}, {f['column_header']})"
        for k, f in enumerate(valued)
        if k not in taken and f["page"] in pages and f["is_blank"] is False
    ]


@dataclass(frozen=True)
class _ColumnSpan:
    """The two leftmost left edges and the two rightmost right edges of a column's numbers, so the
    band of the column's *other* numbers is known for each number in constant time."""

    lefts: tuple[tuple[float, int], ...]  # (x0, number), smallest first, at most two
    rights: tuple[tuple[float, int], ...]  # (-x1, number), largest x1 first, at most two
    size: int

    @classmethod
    def of(cls, printed: list[PrintedNumber], members: list[int]) -> _ColumnSpan:
        lefts = tuple(heapq.nsmallest(2, ((printed[j].bbox[0], j) for j in members)))
        rights = tuple(heapq.nsmallest(2, ((-printed[j].bbox[2], j) for j in members)))
        return cls(lefts, rights, len(members))

    def without(self, i: int) -> tuple[float, float] | None:
        """(x0, x1) of the column's numbers other than `i`; None when `i` is alone in it."""
        if self.size <= 1:
            return None
        x0 = next(x for x, j in self.lefts if j != i)
        x1 = -next(x for x, j in self.rights if j != i)
        return x0, x1


def _misplaced(
    printed: list[PrintedNumber],
    i: int,
    column: _ColumnSpan,
    bands: dict[tuple[Any, ...], tuple[float, float]],
    own: tuple[Any, ...],
) -> bool:
    """The number lies outside the band its column's other numbers span, inside another column's."""
    others = column.without(i)
    if others is None:
        return False
    x0, x1 = others[0] - 1, others[1] + 1
    x = _mid_x(printed[i].bbox)
    if x0 <= x <= x1:
        return False
    return any(a - 1 <= x <= b + 1 for c, (a, b) in bands.items() if c != own)


def _data_span(facts: list[dict[str, Any]]) -> dict[int, tuple[float, float]]:
    span: dict[int, tuple[float, float]] = {}
    for f in facts:
        if f["page"] is None or f["row_top"] is None:
            continue
        a, b = span.get(f["page"], (f["row_top"], f["row_bottom"]))
        span[f["page"]] = (min(a, f["row_top"]), max(b, f["row_bottom"]))
    return span


def _clusters(printed: list[PrintedNumber], members: list[int]) -> list[tuple[float, float]]:
    """The x bands a column's placed numbers print in: overlapping boxes make one band.

    A column prints its figures one above another, so they overlap; one header printed in two
    panels (D09's 决算数 left and right, with the right panel's 行次 between) makes two bands,
    not one band across the other panel's columns.
    """
    boxes = sorted((printed[i].bbox[0], printed[i].bbox[2]) for i in members)
    out = [boxes[0]]
    for x0, x1 in boxes[1:]:
        a, b = out[-1]
        if x0 <= b + 1:
            out[-1] = (a, max(b, x1))
        else:
            out.append((x0, x1))
    return out


def _in_value_band(
    n: PrintedNumber, bands: list[tuple[float, float]], span: dict[int, tuple[float, float]]
) -> bool:
    """A bare integer counts as a figure when it sits inside a value column among the data rows.

    A classification code never does: in multi-panel tables (D06) a panel's code column can sit
    right next to the previous panel's amounts.
    """
    if n.page not in span or is_code(n.text):
        return False
    top, bottom = span[n.page]
    if not top - _ROW_SLACK <= _mid_y(n.bbox) <= bottom + _ROW_SLACK:
        return False
    return any(a - 1 <= n.bbox[0] and n.bbox[2] <= b + 1 for a, b in bands)


def _where(n: PrintedNumber, why: str) -> dict[str, Any]:
    return {"page": n.page, "text": n.text, "x": round(n.bbox[0], 1), "top": round(n.bbox[1], 1), "why": why}


def _cell_coverage(table: RawTable, facts: TableFacts, out: Assessment) -> None:
    """Text, DOCX and XLSX tables: every number in a data row's cells lands in one fact of that row."""
    by_row: dict[int, list[str]] = defaultdict(list)
    for f in facts.rows:
        text = _printed(f)
        if text is not None and f["row_no"] is not None:
            by_row[f["row_no"]].append(text)
    for row_no, row in enumerate(table.rows[facts.header_rows :], start=1):
        free = list(by_row.get(row_no, []))
        for j, cell in enumerate(row.cells):
            text = number_text(cell)
            in_value_column = j in facts.value_columns and table.engine != PLAIN_ENGINE
            if text is None or not (looks_like_money(text) or in_value_column):
                continue
            out.printed += 1
            if text in free:
                free.remove(text)
                out.placed += 1
            else:
                out.unplaced.append({"line": row.line_no, "row": row_no, "text": text, "why": "in no fact"})


# --- keys -------------------------------------------------------------------------------------------


def _keys(facts: TableFacts, out: Assessment) -> None:
    """No key that is a number; no keyless row with values in a table whose rows carry keys.

    A table of one value row and no key column (a column-wise 三公 table) is keyed by itself.
    """
    rows: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for f in facts.rows:
        rows[(f["row_no"], f["panel"])].append(f)
    keyless: list[Any] = []
    for (row_no, _), fs in rows.items():
        head = fs[0]
        label = normalise_text(head["line_label"] or "")
        if number_text(label) is not None:
            out.key_problems.append(f"row {row_no}: the key is a number ({head['line_label']})")
        elif not (head["func_code"] or head["econ_code"] or head["line_key"] or label) and any(
            f["amount"] for f in fs
        ):
            keyless.append(row_no)
    if keyless and len(rows) > 1:
        listed = ", ".join(str(r) for r in keyless[:5])
        out.key_problems.append(f"{len(keyless)} rows with values and no key (row {listed})")
    text_cells = [w for w in facts.warnings if _NOT_A_NUMBER.search(w)]
    if text_cells:
        out.key_problems.append(f"{len(text_cells)} value cells hold text ({text_cells[0]})")


# --- identities -------------------------------------------------------------------------------------


def _tolerance(unit: str, n_terms: int) -> Decimal:
    if unit == "元":
        return Decimal("0.01")
    return UNIT_FACTORS.get(unit, Decimal(1)) * Decimal("0.005") * max(n_terms, 1)


def _identities(
    identities: tuple[tuple[str, tuple[str, ...]], ...],
    facts: list[dict[str, Any]],
    unit: str,
    out: Assessment,
) -> None:
    """Row totals = Σ parts (catalog identities) and parent = Σ children by code, per column."""
    rows: dict[tuple[Any, ...], dict[str, Decimal]] = defaultdict(dict)
    for f in facts:
        if f["amount"] is not None:
            rows[(f["row_no"], f["panel"])][f["measure"]] = f["amount"]
    for values in rows.values():
        for total, parts in identities:
            if total in values and all(p in values for p in parts):
                ok = abs(values[total] - sum(values[p] for p in parts)) <= _tolerance(unit, len(parts))
                out.identity_holds += ok
                out.identity_fails += not ok
    by_code: dict[tuple[Any, ...], Decimal] = {}
    for f in facts:
        code = f["func_code"] or f["econ_code"]
        if code and f["amount"] is not None:
            by_code.setdefault((f["panel"], f["measure"], code), f["amount"])
    # a child's code is its parent's and two more digits
    below: dict[tuple[Any, ...], list[Decimal]] = defaultdict(list)
    for (p, m, c), v in by_code.items():
        if len(c) > 2:
            below[(p, m, c[:-2])].append(v)
    for (panel, measure, code), amount in by_code.items():
        children = below.get((panel, measure, code), [])
        if children:
            ok = abs(amount - sum(children)) <= _tolerance(unit, len(children))
            out.identity_holds += ok
            out.identity_fails += not ok


# --- choosing among candidate readings -----------------------------------------------------------


def choose_readings(
    tables: list[RawTable],
    document_id: str,
    source: Path | None,
    fiscal_year: int | None = None,
    results: list[TableFacts] | None = None,
) -> list[Reading]:
    """Assess every table's first reading; re-read the PDF tables in doubt and keep the best reading.

    The kept reading replaces the table's rows and engine in place (`Reading.replaced`). Only tables
    in doubt cost a second reading, so a clean document is read once. `results`: the first readings'
    facts (`tables_facts`), when the caller has them.
    """
    if results is None:
        results = tables_facts(tables, document_id, fiscal_year)
    readings: list[Reading] = []
    with ExitStack() as stack:
        # the file opened once for all of its tables in doubt (rereading opens it on first use)
        rereading = stack.enter_context(Rereading(source)) if source is not None else None
        for table, result in zip(tables, results, strict=True):
            readings.append(_reading(table, result, document_id, fiscal_year, rereading))
    return readings


def _reading(
    table: RawTable, first_facts: TableFacts, document_id: str, fiscal_year: int | None,
    rereading: Rereading | None,
) -> Reading:  # fmt: skip
    """The table's first reading assessed, and for a PDF table in doubt the best of all readings."""
    first = assess(table, first_facts)
    reading = Reading(first, [first])
    # another engine reads the PDF's text layer, which an OCR'd page does not have
    rereadable = (
        table.regions and len(table.regions) <= MAX_REREAD_PAGES and not table.engine.startswith("ocr/")
    )
    if first.doubt and rereadable and rereading is not None and rereading.path.exists():
        best, best_rows = first, None
        with closing(_candidates(rereading, table)) as candidates:
            for engine, rows in candidates:
                trial = dataclasses.replace(table, rows=rows, engine=engine)
                try:
                    candidate = assess(trial, table_to_facts(trial, document_id, fiscal_year=fiscal_year))
                except Exception as exc:  # a candidate that breaks the normaliser is no candidate
                    candidate = Assessment(engine, key_problems=[f"{type(exc).__name__}: {exc}"])
                    candidate.printed = first.printed
                reading.tried.append(candidate)
                if _replaces(candidate, first) and candidate.score() > best.score():
                    best, best_rows = candidate, rows
                if _sound(candidate):  # nothing left to clear: the costlier engines are not asked
                    break
        if best_rows is not None:
            table.rows, table.engine = best_rows, best.engine
            reading.replaced = True
        reading.assessment = best
    return reading


def _sound(reading: Assessment) -> bool:
    """A reading with nothing for another engine to mend: every printed number placed, keys sound, no
    fact without its number, and no identity of the table broken."""
    return not reading.doubt and reading.identity_fails == 0


def _replaces(candidate: Assessment, first: Assessment) -> bool:
    """A candidate displaces the first reading only when it clears the doubt, or places strictly
    more of the printed numbers without more key problems or broken identities: a tie keeps the
    first reading."""
    if not candidate.doubt:
        return True
    more = (candidate.coverage or 0.0) > (first.coverage or 0.0)
    no_worse = len(candidate.key_problems) <= len(first.key_problems)
    return more and no_worse and candidate.identity_fails <= first.identity_fails


def _candidates(rereading: Rereading, table: RawTable) -> Generator[tuple[str, list[RawRow]], None, None]:
    """Every other engine's reading of the table's regions, pages stitched, one engine at a time in
    ENGINES order (pdfplumber's before camelot's, which costs a second or two a page): each is read
    only when the caller asks for it."""
    try:
        for engine in ENGINES:
            if engine == table.engine:
                continue
            edges = header_edges(table) if engine == "pdfplumber-edges" else None
            if engine == "pdfplumber-edges" and not edges:
                continue
            try:
                pages = candidate_pages(rereading.path, table, engine, edges, rereading)
            except Exception:  # an engine that cannot read the page offers no candidate
                continue
            rows = stitch(pages)
            if rows:
                yield engine, rows
    finally:
        rereading.table_done()


def stitch(pages: list[list[RawRow]]) -> list[RawRow]:
    """Pages of one table in order, dropping a header a continuation page repeats."""
    if not pages:
        return []
    rows = list(pages[0])
    header = [tuple(normalise_text(c) for c in r.cells) for r in rows[: header_row_count(rows)]]
    for page in pages[1:]:
        n = header_row_count(page)
        repeated = [tuple(normalise_text(c) for c in r.cells) for r in page[:n]]
        rows.extend(page[n:] if n and all(r in header for r in repeated) else page)
    return rows


def header_edges(table: RawTable) -> list[float]:
    """Explicit column edges for a re-reading, from where the first page prints its figures.

    Right-aligned figures of one column share their right edge, so the figures are grouped by
    right edge and an edge is drawn just right of each group, plus one left of the first figures
    (the key columns end there).
    """
    if not table.regions:
        return []
    page, region = table.regions[0]
    mine = [n for n in table.printed if n.page == page and looks_like_money(n.text)]
    if len(mine) < 2:
        return []
    rights = sorted(n.bbox[2] for n in mine)
    groups: list[list[float]] = [[rights[0]]]
    for x in rights[1:]:
        if x - groups[-1][-1] <= 3:
            groups[-1].append(x)
        else:
            groups.append([x])
    edges = {region[0], region[2], min(n.bbox[0] for n in mine) - 2}
    edges.update(max(g) + 1 for g in groups[:-1])
    return sorted(edges)
