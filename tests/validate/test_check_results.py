"""A batch's asset check results: each partition gets its own families' counts and its own
tables-have-facts verdict, whichever documents share the batch."""

from __future__ import annotations

from decimal import Decimal

import dagster as dg
import duckdb
import polars as pl

from pipelines.validate.engine import RESULT_SCHEMA, Evaluation
from pipelines.validate.rules import Rule
from pipelines.wiring.validate import FAMILY_CHECKS, batch_check_results


def _rule(rule_id: str, family: str, severity: str) -> Rule:
    return Rule(rule_id, family, severity, "document", ("budget",), "eq", "", "", "select 1", "test.yaml")


R1, R2, B1 = _rule("R01", "R", "error"), _rule("R02", "R", "error"), _rule("B01", "B", "error")
C1 = _rule("C01", "C", "warning")


def _evaluation(document_id: str, rules: list[Rule], checks: list[tuple[str, str, bool]]) -> Evaluation:
    """`checks`: (rule id, severity, passed) of each check."""
    rows = [
        {**dict.fromkeys(RESULT_SCHEMA), "check_id": i, "rule_id": r, "severity": s, "passed": p,
         "slack": Decimal(0 if p else -1), "extraction_doubt": False}
        for i, (r, s, p) in enumerate(checks)
    ]  # fmt: skip
    return Evaluation(document_id, "budget", rules, pl.DataFrame(rows, schema=RESULT_SCHEMA), True)


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create table dim_document (document_id varchar, status varchar)")
    con.execute(
        "create table doc_table (document_id varchar, table_code varchar, page_start int, n_facts int, "
        "empty_note varchar, n_rows int)"
    )
    con.execute("insert into dim_document values ('a', 'ok'), ('b', 'ok'), ('t', 'template')")
    con.execute(
        "insert into doc_table values ('a', 'B05', 7, 0, null, 4), ('b', 'B01', 2, 12, null, 6), "
        "('a', 'B02', 3, 0, null, 5), ('b', 'B03', 4, 0, '本表无数据', 3), ('t', 'B01', 1, 0, null, 2)"
    )
    return con


def _by_name(results: list[dg.AssetCheckResult]) -> dict[str, dg.AssetCheckResult]:
    return {r.check_name or "": r for r in results}


def test_each_partition_gets_its_own_counts() -> None:
    a = _evaluation(
        "a",
        [R1, R2, B1, C1],
        [("R01", "error", False), ("R01", "error", True), ("R02", "error", False), ("B01", "error", True),
         ("C01", "warning", False), ("C01", "warning", False)],
    )  # fmt: skip
    b = _evaluation("b", [R1, C1], [("R01", "error", True), ("C01", "warning", False)])
    with _warehouse() as con:
        batch = batch_check_results(con, {"a": a, "b": b, "t": "document template, nothing to check"})
        assert list(batch) == ["a", "b", "t"]
        for document_id, judged in (("a", a), ("b", b)):  # as each document alone
            assert batch[document_id] == batch_check_results(con, {document_id: judged})[document_id]
    ra, rb, rt = (_by_name(batch[d]) for d in ("a", "b", "t"))
    assert set(ra) == {*FAMILY_CHECKS.values(), "recognised_tables_have_facts"}

    rows = ra["R_row_sums"]
    assert not rows.passed and rows.severity == dg.AssetCheckSeverity.ERROR
    meta = {k: v.value for k, v in rows.metadata.items()}
    assert meta == {"document_id": "a", "rules_run": 2, "checks": 3, "failed_errors": 2, "failed_warnings": 0,
                    "failed_rules": "R01, R02", "applies": True, "gx_success": True}  # fmt: skip
    codes = ra["C_codes"]
    assert not codes.passed and codes.severity == dg.AssetCheckSeverity.WARN
    assert codes.metadata["failed_warnings"].value == 2 and codes.metadata["failed_rules"].value == "C01"
    balance = ra["B_balance"]
    assert balance.passed and balance.metadata["failed_rules"].value == "none"
    assert balance.metadata["checks"].value == 1
    unused = ra["H_hierarchy"]  # no rule of the family applied
    assert unused.passed and unused.metadata["applies"].value is False
    assert unused.metadata["checks"].value == 0

    # b's R check passed: a's failures are not b's
    assert rb["R_row_sums"].passed and rb["R_row_sums"].metadata["checks"].value == 1
    assert rb["B_balance"].metadata["applies"].value is False

    # tables without facts: a's two, in load order; b's empty table says why; a template is not checked
    assert ra["recognised_tables_have_facts"].metadata["tables_without_facts"].value == "B05 (p.7), B02 (p.3)"
    assert rb["recognised_tables_have_facts"].passed
    assert rt["recognised_tables_have_facts"].passed
    assert rt["R_row_sums"].passed and rt["R_row_sums"].metadata["note"].value.startswith("document template")
