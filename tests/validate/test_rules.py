"""Every rule of the catalog passes on a clean document and fails on a fault planted in it.

The clean case and the fault are part of the rule's entry (`test:` in expectations/rules/*.yaml), so
a rule cannot be added without them. The fault is an SQL change to the warehouse, rolled back after.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.validate.engine import Prepared, collect_checks, judge
from pipelines.validate.rules import Rule, load_rules

RULES = load_rules()


def _verdict(con: duckdb.DuckDBPyConnection, rule: Rule, document_id: str) -> pl.DataFrame:
    checks = collect_checks(con, document_id, [rule])
    return judge(Prepared(document_id, rule.doc_kinds[0], [rule], checks)).results


def test_every_rule_declares_its_test() -> None:
    missing = [r.id for r in RULES if not {"clean", "fault"} <= set(r.test)]
    assert not missing, f"rules without a clean case and a planted fault: {missing}"
    assert len(RULES) >= 40


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_passes_clean_and_fails_on_planted_fault(
    rule: Rule, warehouse_con: duckdb.DuckDBPyConnection, clean_warehouse: tuple[Path, dict[str, str]]
) -> None:
    document_id = clean_warehouse[1][rule.test["clean"]]
    setup = rule.test.get("setup", [])  # statements the clean case needs (a sentence the sample lacks)
    for statement in [setup] if isinstance(setup, str) else setup:
        warehouse_con.execute(f"{statement} and document_id = $document_id", {"document_id": document_id})
    clean = _verdict(warehouse_con, rule, document_id)
    assert clean.height > 0, f"{rule.id} made no check on its clean case {rule.test['clean']}"
    assert clean["passed"].all(), clean.filter(~pl.col("passed")).to_dicts()

    warehouse_con.execute(
        f"{rule.test['fault']} and document_id = $document_id", {"document_id": document_id}
    )
    faulty = _verdict(warehouse_con, rule, document_id)
    failed = faulty.filter(~pl.col("passed"))
    assert failed.height > 0, f"{rule.id} did not catch: {rule.test['fault']}"
    assert (failed["severity"] == rule.severity).all()
