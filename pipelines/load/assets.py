"""Load stage asset and its check: one document version into the warehouse, one transaction."""

import dagster as dg

from pipelines.guard import load_guarded
from pipelines.load.warehouse import reader, writer
from pipelines.normalise.assets import NormalisedDocument
from pipelines.partitions import source_files
from pipelines.resources import WarehouseResource


@dg.asset(partitions_def=source_files, group_name="load")
def warehouse_document(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, normalised_document: NormalisedDocument
) -> dg.MaterializeResult:
    """dim_document, doc_table and fact_line_item rows of this file version (idempotent)."""
    n = normalised_document
    with writer(warehouse.file) as con:
        result = load_guarded(con, n)  # rows that cannot be written leave the document's failed row
    return dg.MaterializeResult(
        metadata={
            "outcome": result.outcome,
            "status": n.document.status,
            "facts": result.facts,
            "tables": result.tables,
            "document_id": result.document_id,
        }
    )


@dg.asset_check(asset=warehouse_document)
def recognised_tables_have_facts(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    """A recognised table that is not published empty must yield facts; otherwise the extractor broke."""
    key = context.run.tags.get("dagster/partition")
    with reader(warehouse.file) as con:
        broken = con.execute(
            """
            select t.table_code, t.page_start from doc_table t
            where t.document_id = ? and t.n_facts = 0 and t.empty_note is null and t.n_rows > 0
              and exists (select 1 from dim_document d
                          where d.document_id = t.document_id and d.status <> 'failed')
            """,
            [key],
        ).fetchall()
    return dg.AssetCheckResult(
        passed=not broken,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"tables_without_facts": ", ".join(f"{c} (p.{p})" for c, p in broken) or "none"},
    )
