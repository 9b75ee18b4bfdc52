"""The seven polars schemas the loader hands to DuckDB agree with the tables' DDL: every frame column
exists in its table with the same DuckDB type, and every table column the frame lacks is one the loader
fills itself. A column added on one side only fails here, not in a nightly load."""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl
import pytest

from pipelines.load.migrations import migrate
from pipelines.normalise import performance
from pipelines.normalise.frames import FACT_SCHEMA, PROJECT_SCHEMA, TABLE_SCHEMA
from pipelines.normalise.narrative import NARRATIVE_SCHEMA

# table → (the frame's schema, the table's columns the loader fills: concept from the vocabulary)
FRAMES: dict[str, tuple[dict[str, Any], set[str]]] = {
    "fact_line_item": (FACT_SCHEMA, {"concept"}),
    "doc_table": (TABLE_SCHEMA, set()),
    "fact_project": (PROJECT_SCHEMA, set()),
    "fact_narrative_figure": (NARRATIVE_SCHEMA, set()),
    "doc_performance_table": (performance.TABLE_SCHEMA, set()),
    "fact_performance_indicator": (performance.INDICATOR_SCHEMA, set()),
    "fact_performance_budget": (performance.BUDGET_SCHEMA, {"concept"}),
}


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    migrate(connection)
    return connection


def _types(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    return {str(r[0]): str(r[1]) for r in con.execute(f"describe {relation}").fetchall()}


@pytest.mark.parametrize("table", sorted(FRAMES))
def test_polars_schema_matches_the_ddl(con: duckdb.DuckDBPyConnection, table: str) -> None:
    schema, filled_by_loader = FRAMES[table]
    ddl = _types(con, table)
    frame = pl.DataFrame(schema=schema)  # the empty frame as DuckDB sees it (the loader's hand-over)
    con.register("frame", frame)
    try:
        seen = _types(con, "frame")
    finally:
        con.unregister("frame")
    assert list(seen) == list(schema)
    assert {c: t for c, t in seen.items() if ddl.get(c) != t} == {}, f"{table}: type or column differs"
    assert set(ddl) - set(seen) == filled_by_loader, f"{table}: DDL columns no frame carries"
