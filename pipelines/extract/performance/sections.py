"""Titles and sections: the pages and lines that carry performance tables, split at each title."""

from __future__ import annotations

import re
from pathlib import Path

from pipelines.catalog import performance_tables, performance_title_code, title_to_table_code
from pipelines.extract.performance.grid import _read_grid
from pipelines.extract.performance.lines import Line, _cell_rows, _clean, _split_cells, _tsv_rows
from pipelines.extract.performance.spaced import _read_spaced
from pipelines.extract.types import ExtractedDocument, PerformanceTable, TextBlock

# code → title; titles are recognised by the catalog's one title matcher (`performance_title_code`)
PERFORMANCE_TABLES: dict[str, str] = performance_tables()


# ---------------------------------------------------------------------------------------------
# Titles and sections
# ---------------------------------------------------------------------------------------------


def document_lines(doc: ExtractedDocument, page_texts: dict[int, str] | None = None) -> list[Line]:
    """The lines the performance reader works on: every line of a text export, or for a PDF the
    lines of the pages that carry a performance table (pdfplumber's text: `page_texts` holds the
    pages the table reader already parsed, the others are read here)."""
    if doc.file_format == "pdf":
        return _pdf_lines(doc, page_texts or {})
    lines: list[Line] = []
    for block in doc.texts:
        for k, text in enumerate(block.text.split("\n")):
            line_no = block.line_no + k if block.line_no is not None else None
            lines.append(Line(text, line_no, block.page))
    return lines


_INDICATOR_START = re.compile(r"^\s*(绩效指标|[一二三]级指标|产出指标|效益指标|满意度指标|成本指标)")


def performance_pages(texts: list[TextBlock]) -> list[int]:
    """1-based pages carrying a performance-table title, and the pages their indicator rows run on to."""
    pages: list[int] = []
    previous_selected = False
    for block in texts:
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


def _pdf_lines(doc: ExtractedDocument, page_texts: dict[int, str]) -> list[Line]:
    pages = performance_pages(doc.texts)
    missing = [number for number in pages if number not in page_texts]
    texts = dict(page_texts)
    if missing:
        import pdfplumber  # only documents that print performance tables pay for it

        with pdfplumber.open(Path(doc.source_path)) as pdf:
            for number in missing:
                page = pdf.pages[number - 1]
                texts[number] = page.extract_text() or ""
                page.close()
    lines: list[Line] = []
    for number in pages:
        lines.extend(Line(t, None, number) for t in texts[number].split("\n"))
    return lines


def find_performance_tables(
    doc: ExtractedDocument, page_texts: dict[int, str] | None = None
) -> list[PerformanceTable]:
    """Every performance table of the document, in print order; a title with nothing under it
    (a list of attachments, a section heading above the real title) gives no table."""
    return read_performance_tables(document_lines(doc, page_texts))


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
