"""The fact table is rewritten in cluster order when enough new rows arrived, and nothing is lost."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.load.layout import CLUSTER_ORDER, maybe_cluster, unclustered_rows
from pipelines.load.warehouse import reader, writer
from tests.conftest import SEED000, SEEDS, ingest


def _snapshot(con: duckdb.DuckDBPyConnection) -> tuple | None:
    return con.execute(
        "select count(*), sum(amount), count(distinct document_id), "
        "sum(hash(document_id, table_code, row_no, measure, amount)) from fact_line_item"
    ).fetchone()


def test_the_writer_clusters_facts_once_enough_are_new(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YUJUESUAN_CLUSTER_MIN_ROWS", "0")
    monkeypatch.setenv("YUJUESUAN_CLUSTER_SHARE", "0.5")
    with writer(warehouse) as con:
        ingest(con, SEED000)
        before = _snapshot(con)
    with reader(warehouse) as con:
        assert _snapshot(con) == before
        codes = [r[0] for r in con.execute("select table_code from fact_line_item order by rowid").fetchall()]
        assert codes == sorted(codes)  # stored in table_code order, not in the order the tables were read
        assert unclustered_rows(con, "fact_line_item") == (before[0], 0)
        indexes = {r[0] for r in con.execute("select index_name from duckdb_indexes()").fetchall()}
        assert "fact_line_item_document" in indexes
        (comment,) = con.execute(
            "select comment from duckdb_tables() where table_name = 'fact_line_item'"
        ).fetchall()[0]
        assert comment  # the table kept its identity (comments, views)
    with writer(warehouse) as con:  # a small addition (< 50 %) waits
        ingest(con, SEEDS / "002_6e511b73bd73a431.txt")
        rows, fresh = unclustered_rows(con, "fact_line_item")
        assert 0 < fresh <= rows * 0.5
        assert maybe_cluster(con) == 0
        assert maybe_cluster(con, share=0.0) == rows
        assert unclustered_rows(con, "fact_line_item") == (rows, 0)


def test_below_the_minimum_size_nothing_is_rewritten(warehouse: Path) -> None:
    with writer(warehouse) as con:
        ingest(con, SEED000)
        assert maybe_cluster(con, share=0.0, min_rows=10**9) == 0
        assert con.execute("select count(*) from warehouse_layout").fetchone() == (0,)
        assert set(CLUSTER_ORDER) <= {
            r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()
        }
