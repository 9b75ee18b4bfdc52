"""The `fact_narrative_figure` frame: every figure the narrative states, one row each, in order."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from pipelines.extract.types import TextBlock
from pipelines.normalise.narrative.paragraphs import _paragraphs
from pipelines.normalise.narrative.reader import _Figure, _Reader, _sentence_bounds
from pipelines.vocab.numbers import fit_decimal_rows

NARRATIVE_SCHEMA: dict[str, pl.DataType] = {
    "document_id": pl.String(),
    "figure_no": pl.Int32(),
    "statement_no": pl.Int32(),
    "metric": pl.String(),
    "qualifier": pl.String(),
    "subject": pl.String(),
    "kind": pl.String(),
    "basis": pl.String(),
    "ref_year": pl.Int32(),
    "direction": pl.String(),
    "value": pl.Decimal(18, 2),
    "percent": pl.Decimal(9, 4),
    "signed_percent": pl.Decimal(9, 4),
    "decimals": pl.Int32(),
    "unit_printed": pl.String(),
    "value_printed": pl.String(),
    "sentence": pl.String(),
    "page": pl.Int32(),
    "line_no": pl.Int32(),
    "section_no": pl.Int32(),
}


def _signed(f: _Figure) -> Decimal | None:
    """The percentage with the sign its verb gives (增长/增加 +, 减少/下降 −): year-on-year analysis
    reads one column; `percent` stays as printed for the N rules."""
    if f.percent is None or f.kind != "change_pct" or f.direction != "decrease":
        return f.percent
    return -f.percent


def narrative_figures(texts: list[TextBlock], document_id: str) -> pl.DataFrame:
    """Every figure the narrative states, one row each, in document order (see module docstring)."""
    records: list[dict[str, object]] = []
    statements: dict[int, int] = {}  # reader's statement → 1, 2, 3 … in order of first figure
    last = 0
    for para in _paragraphs(texts):
        reader = _Reader(para.text, last)
        reader.find()
        rows = sorted(reader.read(), key=lambda r: r.pos)
        last = reader.last_statement
        for row in rows:
            s_start, s_end = _sentence_bounds(para.text, row.pos)
            f = row.figure
            records.append(
                {
                    "document_id": document_id,
                    "figure_no": len(records) + 1,
                    "statement_no": statements.setdefault(row.statement, len(statements) + 1),
                    "metric": row.subject.metric,
                    "qualifier": row.subject.qualifier,
                    "subject": row.subject.text or None,
                    "kind": f.kind,
                    "basis": f.basis,
                    "ref_year": f.ref_year,
                    "direction": f.direction,
                    "value": f.value,
                    "percent": f.percent,
                    "signed_percent": _signed(f),
                    "decimals": f.decimals,
                    "unit_printed": f.unit,
                    "value_printed": f.printed,
                    "sentence": para.text[s_start:s_end],
                    "page": para.pages[row.pos],
                    "line_no": para.lines[row.pos],
                    "section_no": para.section,
                }
            )
    records, _ = fit_decimal_rows(records, NARRATIVE_SCHEMA)  # a 40-digit "figure" is not one
    return pl.DataFrame(records, schema=NARRATIVE_SCHEMA)
