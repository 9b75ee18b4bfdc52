"""The report's table-coverage section: per table, the engine whose reading was kept and how much
of what the table prints that reading placed (doc_table, filled by normalise/coverage.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import duckdb


@dataclass(frozen=True)
class TableReading:
    table_code: str
    table_title: str
    pages: str  # "3" or "3–4", or "" for text formats
    engine: str
    coverage: float | None  # None: not measured (a form-like table)
    printed: int | None
    placed: int | None
    doubt: bool
    doubt_reason: str | None
    engines_tried: str | None
    unplaced: list[str] = field(default_factory=list)  # "1,234.00 (p3, in no fact)"

    @property
    def coverage_text(self) -> str:
        return "–" if self.coverage is None else f"{self.coverage:.1%}"


def _unplaced(js: str | None) -> list[str]:
    out = []
    for u in json.loads(js) if js else []:
        where = f"p{u['page']}" if u.get("page") is not None else f"line {u.get('line')}"
        out.append(f"{u['text']} ({where}, {u.get('why', '')})")
    return out


def table_readings(con: duckdb.DuckDBPyConnection, document_ids: list[str]) -> dict[str, list[TableReading]]:
    """Every table of the documents, in print order, with its coverage and engine."""
    if not document_ids:
        return {}
    rows = con.execute(
        """
        select document_id, table_code, table_title, page_start, page_end, engine, coverage,
               printed_numbers, placed_numbers, coalesce(doubt, false), doubt_reason, engines_tried, unplaced
        from doc_table where list_contains(?, document_id)
        order by document_id, page_start nulls last, line_no nulls last, table_code
        """,
        [document_ids],
    ).fetchall()
    out: dict[str, list[TableReading]] = {}
    for doc, code, title, start, end, engine, cov, printed, placed, doubt, reason, tried, unplaced in rows:
        pages = "" if start is None else (str(start) if end in (None, start) else f"{start}–{end}")
        out.setdefault(doc, []).append(
            TableReading(
                code, title, pages, engine, cov, printed, placed, doubt, reason, tried, _unplaced(unplaced)
            )
        )
    return out
