"""Persist a validation: the rule catalog into `dq_rule`, the run into `dq_run`, checks into `dq_result`,
and each rule's checks and failures in the run into `dq_rule_count` (what the report's failures by
rule sum over the current documents, instead of reading every check)."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import polars as pl

from pipelines.load.arrow import ArrowStream
from pipelines.retention import prune_dq_runs
from pipelines.validate.engine import Evaluation
from pipelines.validate.rules import Rule

RESULT_COLUMNS = (
    "rule_id", "severity", "table_code", "row_key", "measure", "row_no", "expected", "actual",
    "difference", "tolerance", "unit", "passed", "page", "line_no", "note",
)  # fmt: skip
# an extraction doubt (engine.mark_extraction_doubts) is stored as a warning whose note starts
# "extraction doubt:", so dq_result keeps its columns


_RULE_COLUMNS = (
    "rule_id", "family", "description", "description_zh", "severity", "scope", "doc_kinds", "comparison",
    "definition",
)  # fmt: skip


def _rule_rows(rules: list[Rule]) -> list[tuple[str, ...]]:
    return sorted(
        (r.id, r.family, r.description, r.description_zh, r.severity, r.scope, ",".join(r.doc_kinds),
         r.comparison, r.sql.strip())
        for r in rules
    )  # fmt: skip


def store_rules(con: duckdb.DuckDBPyConnection, rules: list[Rule]) -> None:
    """Replace the catalog in `dq_rule` with the one the code was built from; left as it is when it
    already holds exactly that catalog (every run but the first after a rule change)."""
    wanted = _rule_rows(rules)
    stored = con.execute(f"select {', '.join(_RULE_COLUMNS)} from dq_rule order by all").fetchall()
    if stored == wanted:
        return
    con.execute("delete from dq_rule")
    frame = pl.DataFrame(wanted, schema=dict.fromkeys(_RULE_COLUMNS, pl.String), orient="row")
    con.register("new_rules", ArrowStream(frame))
    try:
        con.execute("insert into dq_rule by name select * from new_rules")
    finally:
        con.unregister("new_rules")


def store_evaluation(
    con: duckdb.DuckDBPyConnection, run_id: str, evaluation: Evaluation, rules: list[Rule]
) -> None:
    """One transaction: the catalog, the run's summary and every check of the document."""
    store_evaluations(con, run_id, [evaluation], rules)


def store_evaluations(
    con: duckdb.DuckDBPyConnection, run_id: str, evaluations: list[Evaluation], rules: list[Rule]
) -> None:
    """One transaction for a batch: the catalog once, each document's run summary and checks, each
    written with one statement (a frame of all the batch's rows) rather than per document."""
    if not evaluations:
        return
    ids = [e.document_id for e in evaluations]
    started = datetime.now(UTC).replace(tzinfo=None)
    runs = pl.DataFrame(
        [
            {
                "run_id": run_id,
                "document_id": e.document_id,
                "started_at": started,
                "rules_run": len(e.rules),
                "checks": e.results.height,
                "failed_errors": e.results.filter(~pl.col("passed") & (pl.col("severity") == "error")).height,
                "failed_warnings": e.results.filter(
                    ~pl.col("passed") & (pl.col("severity") == "warning")
                ).height,
                "gx_success": e.gx_success,
            }
            for e in evaluations
        ],
        schema={
            "run_id": pl.String,
            "document_id": pl.String,
            "started_at": pl.Datetime("us"),
            "rules_run": pl.Int32,
            "checks": pl.Int32,
            "failed_errors": pl.Int32,
            "failed_warnings": pl.Int32,
            "gx_success": pl.Boolean,
        },
    )
    results = pl.concat(
        [
            e.results.select(
                pl.lit(run_id).alias("run_id"), pl.lit(e.document_id).alias("document_id"), *RESULT_COLUMNS
            )
            for e in evaluations
        ]
    )
    counts = results.group_by("run_id", "document_id", "rule_id").agg(
        pl.col("severity").min(),
        pl.len().cast(pl.Int32).alias("checks"),
        (~pl.col("passed")).sum().cast(pl.Int32).alias("failures"),
    )
    con.execute("begin transaction")
    try:
        store_rules(con, rules)
        for table in ("dq_result", "dq_rule_count", "dq_run"):
            con.execute(
                f"delete from {table} where run_id = ? and document_id in (select unnest(?))", [run_id, ids]
            )
        con.register("new_runs", ArrowStream(runs))
        con.register("new_results", ArrowStream(results))
        con.register("new_counts", ArrowStream(counts))
        try:
            con.execute("insert into dq_run by name select * from new_runs")
            con.execute("insert into dq_result by name select * from new_results")
            con.execute("insert into dq_rule_count by name select * from new_counts")
        finally:
            for name in ("new_runs", "new_results", "new_counts"):
                con.unregister(name)
        prune_dq_runs(con, ids)  # a rerun replaces the oldest kept run
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
