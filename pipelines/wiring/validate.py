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
from pipelines.wiring.load import batch_tables_have_facts, warehouse_document
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
    return batch_family_results({document_id: judged})[document_id]


def _family_counts(evaluations: list[Evaluation]) -> dict[tuple[str, str], tuple[int, int, int, str]]:
    """(document, family) → (checks, failed errors, failed, the failed rules listed), from one
    aggregation over every evaluation's results (filters per family and document were most of the
    cost of a batch's asset check results). A result counts in the family of its rule among the
    rules that applied to its document."""
    if not evaluations:
        return {}
    family_of = pl.DataFrame(
        [(e.document_id, r.id, r.family) for e in evaluations for r in e.rules],
        schema={"document_id": pl.String, "rule_id": pl.String, "family": pl.String},
        orient="row",
    ).unique(["document_id", "rule_id"], keep="first")
    results = pl.concat(
        [e.results.select(pl.lit(e.document_id).alias("document_id"), "rule_id", "passed", "severity")
         for e in evaluations]
    )  # fmt: skip
    failed = ~pl.col("passed")
    counts = (
        results.join(family_of, on=["document_id", "rule_id"])
        .group_by("document_id", "family")
        .agg(
            pl.len().alias("checks"),
            (failed & (pl.col("severity") == "error")).sum().alias("errors"),
            failed.sum().alias("failed"),
            pl.col("rule_id").filter(failed).unique().sort().str.join(", ").alias("rules"),
        )
    )
    return {(d, f): (n, e, x, r) for d, f, n, e, x, r in counts.iter_rows()}


def batch_family_results(judged: dict[str, Evaluation | str]) -> dict[str, list[dg.AssetCheckResult]]:
    """`family_results` of every document of a batch (each evaluation, or why it was not validated)."""
    counts = _family_counts([e for e in judged.values() if not isinstance(e, str)])
    out: dict[str, list[dg.AssetCheckResult]] = {}
    for document_id, evaluation in judged.items():
        if isinstance(evaluation, str):
            out[document_id] = [
                dg.AssetCheckResult(check_name=name, passed=True, metadata={"note": evaluation})
                for name in FAMILY_CHECKS.values()
            ]
            continue
        applied = {r.family for r in evaluation.rules}
        mine = []
        for family, name in FAMILY_CHECKS.items():
            checks, errors, failed, rules = counts.get((document_id, family), (0, 0, 0, ""))
            mine.append(
                dg.AssetCheckResult(
                    check_name=name,
                    passed=failed == 0,
                    severity=dg.AssetCheckSeverity.ERROR if errors else dg.AssetCheckSeverity.WARN,
                    metadata={
                        "document_id": document_id,
                        "rules_run": sum(1 for r in evaluation.rules if r.family == family),
                        "checks": checks,
                        "failed_errors": errors,
                        "failed_warnings": failed - errors,
                        "failed_rules": rules or "none",
                        "applies": family in applied,
                        "gx_success": evaluation.gx_success,
                    },
                )
            )
        out[document_id] = mine
    return out


def batch_check_results(
    con: duckdb.DuckDBPyConnection, judged: dict[str, Evaluation | str]
) -> dict[str, list[dg.AssetCheckResult]]:
    """Every asset check of each document's partition (the rule families and tables-have-facts),
    for a whole batch: one aggregation, one query."""
    return check_results(judged, batch_tables_have_facts(con, list(judged)))


def check_results(
    judged: dict[str, Evaluation | str], facts: dict[str, dg.AssetCheckResult]
) -> dict[str, list[dg.AssetCheckResult]]:
    """`batch_check_results` with the tables-have-facts results already read (`batch_tables_have_facts`)."""
    families = batch_family_results(judged)
    return {d: [*families[d], facts[d]] for d in judged}
