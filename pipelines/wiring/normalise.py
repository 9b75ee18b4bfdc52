"""Normalise stage asset: raw grids → fact and table frames (polars, Decimal in 元)."""

import dagster as dg

from pipelines.extract.types import ExtractedDocument
from pipelines.normalise.document import NormalisedDocument, normalise_document, text_frame
from pipelines.wiring.partitions import source_files

__all__ = ["NormalisedDocument", "normalise_document", "normalised_document", "text_frame"]


@dg.asset(partitions_def=source_files, group_name="normalise")
def normalised_document(
    context: dg.AssetExecutionContext, source_document: ExtractedDocument
) -> NormalisedDocument:
    """fact_line_item rows of the document, one per numeric cell, with page provenance."""
    from pipelines.guard import normalise_guarded  # a bug here makes the document failed, not lost

    result = normalise_guarded(source_document)
    context.add_output_metadata({"facts": result.facts.height, "tables": result.tables.height})
    return result
