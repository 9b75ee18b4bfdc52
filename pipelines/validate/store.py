"""Persist a validation: the rule catalog into `dq_rule`, the run into `dq_run`, checks into `dq_result`."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import polars as pl

from pipelines.retention import prune_dq_runs
from pipelines.validate.engine import Evaluation
from pipelines.validate.rules import Rule

RESULT_COLUMNS = (
    "rule_id", "severity", "table_code", "row_key", "measure", "row_no", "expected", "actual",
    "difference", "tolerance", "unit", "passed", "page", "line_no", "note",
)  # fmt: skip
# an extraction doubt (engine.mark_extraction_doubts) is stored as a warning whose note starts
# "extraction doubt:", so dq_result keeps its columns


def store_rules(con: duckdb.DuckDBPyConnection, rules: list[Rule]) -> None:
    """Replace the catalog in `dq_rule` with the one the code was built from."""
    con.execute("delete from dq_rule")
    con.executemany(
        "insert into dq_rule (rule_id, family, description, description_zh, severity, scope, doc_kinds, "
        "comparison, definition) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (r.id, r.family, r.description, r.description_zh, r.severity, r.scope, ",".join(r.doc_kinds),
             r.comparison, r.sql.strip())
            for r in rules
        ],
    )  # fmt: skip


def store_evaluation(
    con: duckdb.DuckDBPyConnection, run_id: str, evaluation: Evaluation, rules: list[Rule]
) -> None:
    """One transaction: the catalog, the run's summary and every check of the document."""
    results = evaluation.results
    failed = results.filter(~pl.col("passed"))
    con.execute("begin transaction")
    try:
        store_rules(con, rules)
        con.execute(
            "delete from dq_result where run_id = ? and document_id = ?", [run_id, evaluation.document_id]
        )
        con.execute(
            "delete from dq_run where run_id = ? and document_id = ?", [run_id, evaluation.document_id]
        )
        con.execute(
            "insert into dq_run (run_id, document_id, started_at, rules_run, checks, failed_errors, "
            "failed_warnings, gx_success) values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                evaluation.document_id,
                datetime.now(UTC).replace(tzinfo=None),
                len(evaluation.rules),
                results.height,
                failed.filter(pl.col("severity") == "error").height,
                failed.filter(pl.col("severity") == "warning").height,
                evaluation.gx_success,
            ],
        )
        frame = results.select(
            pl.lit(run_id).alias("run_id"),
            pl.lit(evaluation.document_id).alias("document_id"),
            *RESULT_COLUMNS,
        )
        con.register("new_results", frame)
        con.execute("insert into dq_result by name select * from new_results")
        con.unregister("new_results")
        prune_dq_runs(con, [evaluation.document_id])  # a rerun replaces the oldest kept run
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
