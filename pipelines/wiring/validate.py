"""Validate stage in Dagster: the rule catalog as asset checks on each loaded document partition.

One check per rule family (H hierarchy, R row, B balance, …), so the UI says which family failed.
The checks are partitioned like the asset, so each evaluation belongs to its document's partition:
two documents with errors are two red partitions, whichever ran last. They never block: the
warehouse holds what was published, and a failed identity flags the document (dq_run /
v_document_quality) instead of stopping its data from loading.
"""

import warnings
from collections.abc import Iterator

import dagster as dg
import duckdb
import polars as pl

from pipelines.errors import RuleError
from pipelines.validate.engine import Evaluation
from pipelines.validate.rules import FAMILY_ORDER
from pipelines.wiring.load import tables_have_facts, warehouse_document
from pipelines.wiring.partitions import source_files
from pipelines.wiring.resources import WarehouseResource

# docs/domain.md §7 rule families → the asset check that reports them
FAMILY_CHECKS = {
    "H": "H_hierarchy",
    "R": "R_row_sums",
    "B": "B_balance",
    "X": "X_cross_table",
    "N": "N_narrative",
    "P": "P_performance",
    "C": "C_codes",
    "T": "T_text",
    "E": "E_extraction",
}
if set(FAMILY_CHECKS) != set(FAMILY_ORDER):  # a family without a check would vanish from the UI
    raise RuleError(f"rule families {sorted(FAMILY_ORDER)} vs asset checks {sorted(FAMILY_CHECKS)}")

with warnings.catch_warnings():  # partitioned check specs are a Dagster preview feature (1.13)
    warnings.simplefilter("ignore")
    _SPECS = [
        dg.AssetCheckSpec(
            name,
            asset=warehouse_document,
            partitions_def=source_files,
            description=f"Rules of family {family} (expectations/rules): errors fail red, warnings yellow",
        )
        for family, name in FAMILY_CHECKS.items()
    ]


@dg.multi_asset_check(specs=_SPECS, can_subset=False)
def document_quality(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> Iterator[dg.AssetCheckResult]:
    """Run the GX suite of the document's kind over the partition; results land in dq_result."""
    document_id = context.run.tags["dagster/partition"]
    from pipelines.batch import validate_batch

    judged = validate_batch(warehouse.file, [document_id], context.run.run_id, warehouse.reports_dir / "gx")
    yield from family_results(document_id, judged.get(document_id, "document not loaded"))


def family_results(document_id: str, judged: Evaluation | str) -> list[dg.AssetCheckResult]:
    """One result per rule family for a document: its evaluation, or why it was not validated."""
    if isinstance(judged, str):
        return [
            dg.AssetCheckResult(check_name=name, passed=True, metadata={"note": judged})
            for name in FAMILY_CHECKS.values()
        ]
    evaluation = judged
    family_of = {r.id: r.family for r in evaluation.rules}  # the rules that applied: every result's rule
    results = evaluation.results.with_columns(
        pl.col("rule_id").replace_strict(family_of, default="?").alias("family")
    )
    applied = {r.family for r in evaluation.rules}
    out = []
    for family, name in FAMILY_CHECKS.items():
        mine = results.filter(pl.col("family") == family)
        failed = mine.filter(~pl.col("passed"))
        errors = failed.filter(pl.col("severity") == "error")
        out.append(
            dg.AssetCheckResult(
                check_name=name,
                passed=failed.is_empty(),
                severity=dg.AssetCheckSeverity.ERROR if not errors.is_empty() else dg.AssetCheckSeverity.WARN,
                metadata={
                    "document_id": document_id,
                    "rules_run": sum(1 for r in evaluation.rules if r.family == family),
                    "checks": mine.height,
                    "failed_errors": errors.height,
                    "failed_warnings": failed.height - errors.height,
                    "failed_rules": ", ".join(sorted(set(failed["rule_id"].to_list()))) or "none",
                    "applies": family in applied,
                    "gx_success": evaluation.gx_success,
                },
            )
        )
    return out


def check_results(
    con: duckdb.DuckDBPyConnection, document_id: str, judged: Evaluation | str
) -> list[dg.AssetCheckResult]:
    """Every asset check of the document's partition: the rule families and tables-have-facts."""
    return [*family_results(document_id, judged), tables_have_facts(con, document_id)]
