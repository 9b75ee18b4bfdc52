"""A warehouse made before the vocabulary (no concept, dim_measure with labels only) is migrated in place."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.load.warehouse import writer
from tests.conftest import SEED000, ingest


def test_old_warehouse_gets_concepts_and_the_described_vocabulary(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with writer(path) as con:
        ingest(con, SEED000)
        before = con.execute("select count(*) from fact_line_item where concept is not null").fetchone()
        # back to the schema of the previous release (which had no indexes)
        for (index,) in con.execute("select index_name from duckdb_indexes()").fetchall():
            con.execute(f"drop index {index}")
        con.execute("drop table schema_migration")  # 0.4.0 had no recorded migrations
        con.execute("drop table meta_vocabulary")
        con.execute("drop table dim_concept")
        con.execute("alter table fact_line_item drop column concept")
        con.execute("alter table fact_performance_budget drop column concept")
        for column in ("name_en", "definition", "side", "role", "concept", "basis"):
            con.execute(f"alter table dim_measure drop column {column}")
    with writer(path):
        pass  # opening the writer applies the schema: the migration
    with duckdb.connect(str(path), read_only=True) as con:
        after = con.execute("select count(*) from fact_line_item where concept is not null").fetchone()
        assert after == before
        assert con.execute(
            "select concept, count(*) from fact_line_item where table_code = 'D06' and concept like 'p%' "
            "group by all order by 1"
        ).fetchall() == [("personnel_expenditure", 1), ("public_operating_expenditure", 1)]
        assert con.execute(
            "select measure, concept, side, role, basis from dim_measure where measure in ('personnel', "
            "'personnel_total', 'prior_year_budget') order by 1"
        ).fetchall() == [
            ("personnel", "personnel_expenditure", "支出", "人员", "current"),
            ("personnel_total", "personnel_expenditure", "支出", "人员", "current"),
            ("prior_year_budget", "expenditure_total", "支出", "总计", "prior_year"),
        ]
        assert con.execute("select count(*) from dim_concept").fetchone()[0] >= 50
        assert con.execute(
            "select distinct concept from fact_performance_budget "
            "where table_code = 'PS1' and line_key = 'total'"
        ).fetchall() == [("expenditure_total",)]
