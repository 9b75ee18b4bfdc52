"""Normalise one extracted document: raw grids → fact and table frames (polars, Decimal in 元).

Pure functions without Dagster, so an extraction worker process never imports it."""

from pathlib import Path

import polars as pl

from pipelines.extract.text import PLAIN_ENGINE
from pipelines.extract.types import ExtractedDocument
from pipelines.normalise.coverage import choose_readings
from pipelines.normalise.frames import (
    TableFacts,
    project_frame,
    table_to_facts,
    tables_facts,
    tables_to_frames,
)
from pipelines.normalise.narrative import narrative_figures
from pipelines.normalise.performance import performance_frames
from pipelines.normalise.types import NormalisedDocument as NormalisedDocument  # its home: types.py
from pipelines.vocab.numbers import OUT_OF_RANGE


def normalise_document(doc: ExtractedDocument, *, reread: bool = True) -> NormalisedDocument:
    """Turn every table of the document into facts; what cannot be read becomes a warning.

    Each table's reading is checked first (coverage.py); with `reread`, a PDF table in doubt is
    read again by the other engines and the best reading kept (the only time the file is reopened).
    """
    source = Path(doc.source_path) if reread and doc.file_format == "pdf" else None
    year = doc.meta.fiscal_year
    first = tables_facts(doc.tables, doc.document_id, year)
    readings = choose_readings(doc.tables, doc.document_id, source, year, first)
    checked = [r.record() for r in readings]
    # the first readings' facts stand unless a table was read again; a plain-text table's second pass
    # depends on every table, so then all are computed again
    results: list[TableFacts] | None = first
    if any(r.replaced for r in readings):
        plain = any(t.engine == PLAIN_ENGINE for t in doc.tables)
        results = (
            None
            if plain
            else [
                table_to_facts(t, doc.document_id, fiscal_year=year) if r.replaced else f
                for t, r, f in zip(doc.tables, readings, first, strict=True)
            ]
        )
    facts, tables, warnings = tables_to_frames(doc.tables, doc.document_id, year, checked, results)
    doc.warnings.extend(
        f"{t.table_code} (page {t.first_page}): reading in doubt, {r.assessment.engine} kept: "
        + "; ".join(r.assessment.reasons())
        for t, r in zip(doc.tables, readings, strict=True)
        if r.assessment.doubt
    )
    doc.warnings.extend(warnings)
    rejected = [w for w in warnings if w.startswith(OUT_OF_RANGE)]
    if rejected and doc.status != "failed":  # the rest of the table loads; the document is partial
        doc.status = "partial"
        more = f" (and {len(rejected) - 1} more)" if len(rejected) > 1 else ""
        doc.error = "; ".join(e for e in (doc.error, rejected[0] + more) if e)
    extras = {
        "doc_text": text_frame(doc),
        **performance_frames(doc),
        "fact_narrative_figure": narrative_figures(doc.texts, doc.document_id),
        "fact_project": project_frame(doc.tables, facts, doc.document_id),
    }
    return NormalisedDocument(doc, facts, tables, extras)


def text_frame(doc: ExtractedDocument) -> pl.DataFrame:
    """The printed text by page or line, for text rules and search."""
    return pl.DataFrame(
        {
            "document_id": [doc.document_id] * len(doc.texts),
            "block_no": list(range(1, len(doc.texts) + 1)),
            "page": [b.page for b in doc.texts],
            "line_no": [b.line_no for b in doc.texts],
            "text": [b.text for b in doc.texts],
        },
        schema={
            "document_id": pl.String,
            "block_no": pl.Int32,
            "page": pl.Int32,
            "line_no": pl.Int32,
            "text": pl.String,
        },
    )
