"""Normalise stage asset: raw grids → fact and table frames (polars, Decimal in 元).

The normaliser itself (pipelines.normalise.document) is imported when a step runs, not with the
definitions: `yujuesuan ingest` stages its files in worker processes that import it themselves.
"""

import dagster as dg

from pipelines.extract.types import ExtractedDocument
from pipelines.normalise.types import NormalisedDocument
from pipelines.wiring.partitions import source_files

__all__ = ["NormalisedDocument", "normalised_document"]


@dg.asset(partitions_def=source_files, group_name="normalise")
def normalised_document(
    context: dg.AssetExecutionContext, source_document: ExtractedDocument
) -> NormalisedDocument:
    """fact_line_item rows of the document, one per numeric cell, with page provenance."""
    from pipelines.guard import normalise_guarded  # a bug here makes the document failed, not lost

    result = normalise_guarded(source_document)
    context.add_output_metadata({"facts": result.facts.height, "tables": result.tables.height})
    return result
