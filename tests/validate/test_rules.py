"""Every rule of the catalog passes on a clean document and fails on a fault planted in it.

The clean case and the fault are part of the rule's entry (`test:` in expectations/rules/*.yaml), so
a rule cannot be added without them. The fault is an SQL change to the warehouse, rolled back after.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.validate.engine import collect_checks
from pipelines.validate.rules import Rule, load_rules

RULES = load_rules()


def _verdict(con: duckdb.DuckDBPyConnection, rule: Rule, document_id: str) -> pl.DataFrame:
    """A check passes when its slack is ≥ 0: the expectation GX applies (tests/validate/test_gx.py proves
    GX's verdict is exactly that), without starting GX for each of 2 × 119 cases."""
    checks = collect_checks(con, document_id, [rule])
    return checks.with_columns((pl.col("slack") >= 0).alias("passed"))


def test_every_rule_declares_its_test() -> None:
    missing = [r.id for r in RULES if not {"clean", "fault"} <= set(r.test)]
    assert not missing, f"rules without a clean case and a planted fault: {missing}"


# the catalog, rule by rule: adding or removing a rule changes this list on purpose (docs/CONTRIBUTING.md)
CATALOG = [
    "B01",
    "B02",
    "B03",
    "B04",
    "B04b",
    "B04c",
    "B05",
    "B06",
    "C01",
    "C01b",
    "C02",
    "C02b",
    "C03",
    "C04",
    "E01",
    "H01",
    "H02",
    "H03",
    "H04",
    "H05",
    "H06",
    "N01",
    "N02",
    "N03",
    "N04",
    "N05",
    "N06",
    "N07",
    "N08",
    "N09",
    "N10",
    "N11",
    "N12",
    "N13",
    "N14",
    "N15",
    "N15B",
    "N15C",
    "N15D",
    "N17",
    "N17B",
    "N17C",
    "N18",
    "N18B",
    "N19",
    "N21",
    "N22",
    "N25",
    "N25b",
    "N26",
    "P01",
    "P02",
    "P03",
    "P04",
    "P04b",
    "P05",
    "P06",
    "P06b",
    "P07",
    "P08",
    "P08b",
    "P08c",
    "P09",
    "P09b",
    "P10",
    "P11",
    "P12",
    "P12b",
    "R01",
    "R02",
    "R03",
    "R04",
    "R05",
    "R06",
    "R07",
    "R08",
    "R09",
    "R09b",
    "R10",
    "R11",
    "R11b",
    "R12",
    "R13a",
    "R13b",
    "R13c",
    "R13d",
    "R13e",
    "R13f",
    "R13g",
    "R13h",
    "R13i",
    "R14a",
    "R14b",
    "T01",
    "T02",
    "T03",
    "X01",
    "X02",
    "X03",
    "X04",
    "X05",
    "X05b",
    "X06",
    "X07",
    "X08",
    "X09",
    "X10",
    "X11",
    "X12",
    "X20",
    "X21",
    "X23",
    "X24",
    "X25",
    "X27",
    "X28",
    "X30",
    "X32",
    "X33",
    "XD1",
    "XD2",
]


def test_the_catalog_is_exactly_these_rules() -> None:
    assert sorted(r.id for r in RULES) == sorted(CATALOG)


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
