"""Extract stage asset: one source file version → `ExtractedDocument`."""
# no `from __future__ import annotations` here: Dagster reads the context annotations at runtime

from pathlib import Path

import dagster as dg

from pipelines.extract.types import ExtractedDocument
from pipelines.guard import extract_guarded
from pipelines.sources import SOURCE_PATH_TAG
from pipelines.wiring.partitions import source_files


@dg.asset(partitions_def=source_files, group_name="extract")
def source_document(context: dg.AssetExecutionContext) -> ExtractedDocument:
    """Every standard table of the file, stitched across pages, with the document's own metadata."""
    path = context.run.tags.get(SOURCE_PATH_TAG)
    if not path:
        raise dg.Failure(f"run has no {SOURCE_PATH_TAG} tag: launch it from the sensor, schedule or CLI")
    # guarded: unreadable, changed since registered, too slow or a reader bug → a failed document
    doc = extract_guarded(Path(path), expected_id=context.partition_key)
    context.add_output_metadata(
        {"status": doc.status, "tables": len(doc.tables), "pages": doc.page_count, "error": doc.error or ""}
    )
    return doc
