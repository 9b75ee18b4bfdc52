"""Normalise stage asset: raw grids → fact and table frames (polars, Decimal in 元).

The normaliser itself is imported when a step runs, not with the definitions: `yujuesuan ingest`
stages its files in worker processes that import it themselves.
"""

from typing import TYPE_CHECKING, Any

import dagster as dg

from pipelines.extract.types import ExtractedDocument
from pipelines.normalise.types import NormalisedDocument
from pipelines.wiring.partitions import source_files

if TYPE_CHECKING:
    from pipelines.normalise.document import normalise_document, text_frame

__all__ = ["NormalisedDocument", "normalise_document", "normalised_document", "text_frame"]


def __getattr__(name: str) -> Any:
    """`normalise_document` and `text_frame`, from pipelines.normalise.document when first asked for."""
    if name in ("normalise_document", "text_frame"):
        from pipelines.normalise import document

        return getattr(document, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dg.asset(partitions_def=source_files, group_name="normalise")
def normalised_document(
    context: dg.AssetExecutionContext, source_document: ExtractedDocument
) -> NormalisedDocument:
    """fact_line_item rows of the document, one per numeric cell, with page provenance."""
    from pipelines.guard import normalise_guarded  # a bug here makes the document failed, not lost

    result = normalise_guarded(source_document)
    context.add_output_metadata({"facts": result.facts.height, "tables": result.tables.height})
    return result
