"""Validate stage in Dagster: the rule catalog as asset checks on each loaded document partition.

The checks never block: the warehouse holds what was published, and a failed identity flags the
document (dq_run / v_document_quality) instead of stopping its data from loading.
"""

from collections.abc import Iterator

import dagster as dg
import polars as pl

from pipelines.load.assets import warehouse_document
from pipelines.load.warehouse import writer
from pipelines.resources import WarehouseResource
from pipelines.validate.engine import judge, prepare
from pipelines.validate.rules import load_rules
from pipelines.validate.store import store_evaluation

ERRORS = "accounting_identities"
WARNINGS = "accounting_conventions"


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(ERRORS, asset=warehouse_document, description="Error-severity rules"),
        dg.AssetCheckSpec(WARNINGS, asset=warehouse_document, description="Warning-severity rules"),
    ],
)
def document_quality(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> Iterator[dg.AssetCheckResult]:
    """Run the GX suite of the document's kind over the partition; results land in dq_result."""
    document_id = context.run.tags["dagster/partition"]
    rules = load_rules()
    # the writer lock is held around the warehouse reads and writes only, not while GX judges
    with writer(warehouse.file) as con:
        loaded = con.execute("select 1 from dim_document where document_id = ?", [document_id]).fetchone()
        prepared = prepare(con, document_id, rules) if loaded else None
    if prepared is None:
        for name in (ERRORS, WARNINGS):
            yield dg.AssetCheckResult(check_name=name, passed=True, metadata={"note": "document not loaded"})
        return
    evaluation = judge(prepared, docs_dir=warehouse.reports_dir / "gx")
    with writer(warehouse.file) as con:
        store_evaluation(con, context.run.run_id, evaluation, rules)
    failed = evaluation.results.filter(~pl.col("passed"))
    for name, severity, dagster_severity in (
        (ERRORS, "error", dg.AssetCheckSeverity.ERROR),
        (WARNINGS, "warning", dg.AssetCheckSeverity.WARN),
    ):
        mine = failed.filter(pl.col("severity") == severity)
        yield dg.AssetCheckResult(
            check_name=name,
            passed=mine.is_empty(),
            severity=dagster_severity,
            metadata={
                "rules_run": len(evaluation.rules),
                "checks": evaluation.results.filter(pl.col("severity") == severity).height,
                "failed": mine.height,
                "failed_rules": ", ".join(sorted(set(mine["rule_id"].to_list()))) or "none",
                "gx_success": evaluation.gx_success,
            },
        )
