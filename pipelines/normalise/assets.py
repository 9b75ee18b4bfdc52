"""Normalise stage asset: raw grids → fact and table frames (polars, Decimal in 元)."""

from dataclasses import dataclass, field

import dagster as dg
import polars as pl

from pipelines.normalise.frames import tables_to_frames
from pipelines.partitions import source_files
from pipelines.types import ExtractedDocument


@dataclass
class NormalisedDocument:
    document: ExtractedDocument
    facts: pl.DataFrame
    tables: pl.DataFrame
    # fact tables of another grain (fact_narrative_figure, fact_project, …) → the document's rows
    extras: dict[str, pl.DataFrame] = field(default_factory=dict)


def normalise_document(doc: ExtractedDocument) -> NormalisedDocument:
    """Pure: turn every table of the document into facts; what cannot be read becomes a warning."""
    facts, tables, warnings = tables_to_frames(doc.tables, doc.document_id)
    doc.warnings.extend(warnings)
    return NormalisedDocument(doc, facts, tables)


@dg.asset(partitions_def=source_files, group_name="normalise")
def normalised_document(
    context: dg.AssetExecutionContext, source_document: ExtractedDocument
) -> NormalisedDocument:
    """fact_line_item rows of the document, one per numeric cell, with page provenance."""
    result = normalise_document(source_document)
    context.add_output_metadata({"facts": result.facts.height, "tables": result.tables.height})
    return result
