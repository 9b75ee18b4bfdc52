"""Load stage asset and its check: one document version into the warehouse, one transaction."""

import warnings
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.guard import load_guarded
from pipelines.load.warehouse import reader, writer
from pipelines.wiring.normalise import NormalisedDocument
from pipelines.wiring.partitions import DEPARTMENT_TAG, FILE_TAG, YEAR_TAG, source_files
from pipelines.wiring.resources import WarehouseResource


@dg.asset(partitions_def=source_files, group_name="load")
def warehouse_document(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, normalised_document: NormalisedDocument
) -> dg.MaterializeResult[None]:
    """dim_document, doc_table and fact_line_item rows of this file version (idempotent)."""
    n = normalised_document
    with writer(warehouse.file) as con:
        result = load_guarded(con, n)  # rows that cannot be written leave the document's failed row
    meta = n.document.meta
    # the partition key is a content hash: name the partition's run after what the file turned out to be
    context.instance.add_run_tags(
        context.run.run_id,
        {
            k: v
            for k, v in {
                FILE_TAG: Path(n.document.source_path).name,
                DEPARTMENT_TAG: meta.department or "",
                YEAR_TAG: str(meta.fiscal_year or ""),
            }.items()
            if v
        },
    )
    return dg.MaterializeResult(
        metadata={
            "file": Path(n.document.source_path).name,
            "department": meta.department or "?",
            "fiscal_year": meta.fiscal_year or 0,
            "doc_kind": meta.doc_kind or "?",
            "outcome": result.outcome,
            "status": n.document.status,
            "reason": n.document.error or "",
            "facts": result.facts,
            "tables": result.tables,
            "document_id": result.document_id,
            "source_path": dg.MetadataValue.path(n.document.source_path),
        }
    )


with warnings.catch_warnings():  # a partitioned asset check is a Dagster preview feature (1.13)
    warnings.simplefilter("ignore")

    @dg.asset_check(asset=warehouse_document, partitions_def=source_files)
    def recognised_tables_have_facts(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> dg.AssetCheckResult:
        """A recognised table that is not published empty must yield facts; otherwise the extractor broke."""
        key = context.run.tags.get("dagster/partition") or ""
        with reader(warehouse.file) as con:
            return tables_have_facts(con, key)


def tables_have_facts(con: duckdb.DuckDBPyConnection, document_id: str) -> dg.AssetCheckResult:
    """The check's verdict for one document (the batch job reports it per partition too)."""
    return batch_tables_have_facts(con, [document_id])[document_id]


def batch_tables_have_facts(
    con: duckdb.DuckDBPyConnection, document_ids: list[str]
) -> dict[str, dg.AssetCheckResult]:
    """The check's verdict for each document, from one query (a query per document was a few
    milliseconds each of a batch's serial tail). A document's tables are listed in load order."""
    rows = con.execute(
        """
        select t.document_id, t.table_code, t.page_start from doc_table t
        where t.document_id in (select unnest(?::varchar[]))
          and t.n_facts = 0 and t.empty_note is null and t.n_rows > 0
          and exists (select 1 from dim_document d
                      where d.document_id = t.document_id and d.status not in ('failed', 'template'))
        order by t.document_id, t.rowid
        """,
        [list(dict.fromkeys(document_ids))],
    ).fetchall()
    broken: dict[str, list[str]] = {}
    for document_id, code, page in rows:
        broken.setdefault(document_id, []).append(f"{code} (p.{page})")
    return {
        d: dg.AssetCheckResult(
            check_name="recognised_tables_have_facts",
            passed=d not in broken,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"tables_without_facts": ", ".join(broken.get(d, [])) or "none"},
        )
        for d in document_ids
    }
