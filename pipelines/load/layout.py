"""Physical order of the large tables, so analyst queries skip what they do not ask for.

DuckDB keeps min/max per row group (about 120,000 rows) and skips the row groups a filter rules
out. Facts arrive one document at a time, so every row group holds every table code, and a sum
over 支出决算表 (D03) at 10 million facts reads them all. Rewritten in `CLUSTER_ORDER`, the rows of
one table code and measure sit together, and the same sum reads a few row groups.

A rewrite costs the whole table, so it runs only when the rows added since the last one reach
`share` of the table (default 10 %): the rewrites form a geometric series, and their cost per fact
loaded stays constant however large the warehouse grows. Below `min_rows` nothing is rewritten
(a scan of a small warehouse is cheap). Settings: YUJUESUAN_CLUSTER_SHARE, YUJUESUAN_CLUSTER_MIN_ROWS.
The rows added are counted as the growth of the table since its rewrite: reruns that replace a
document's checks (retention deletes the old ones) leave it the same size, so their rows wait
for the next growth to be ordered.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import duckdb

CLUSTER_ORDER = {
    "fact_line_item": "table_code, measure, document_id, row_no",
    # failing checks first: v_current_findings reads `not passed` rows, about 1 % of the checks
    "dq_result": "passed, document_id, run_id, rule_id",
}
DEFAULT_SHARE = 0.10
DEFAULT_MIN_ROWS = 1_000_000


def _setting(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def unclustered_rows(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, int]:
    """(rows of the table, rows added since its last rewrite)."""
    (rows,) = con.execute(f"select count(*) from {table}").fetchone() or (0,)
    row = con.execute(
        "select clustered_rows from warehouse_layout where table_name = ? and sort_key = ?",
        [table, CLUSTER_ORDER[table]],
    ).fetchone()
    clustered = int(row[0]) if row else 0
    return int(rows), max(int(rows) - clustered, 0)


def cluster(con: duckdb.DuckDBPyConnection, table: str = "fact_line_item") -> int:
    """Rewrite the table in its cluster order, in one transaction; returns the rows rewritten.

    The ordered copy is appended and the old rows deleted by row id, so the table keeps its
    comments and the views that name it; its indexes are dropped and made again around the move
    (one bulk build instead of millions of single inserts and deletes).
    """
    order = CLUSTER_ORDER[table]
    indexes = con.execute(
        "select index_name, sql from duckdb_indexes() where table_name = ? and schema_name = 'main' "
        "and database_name = current_database()",
        [table],
    ).fetchall()
    con.execute("begin transaction")
    try:
        (last,) = con.execute(f"select max(rowid) from {table}").fetchone() or (None,)
        for name, _ in indexes:
            con.execute(f'drop index "{name}"')
        con.execute(f"insert into {table} by name select * from {table} order by {order}")
        if last is not None:
            con.execute(f"delete from {table} where rowid <= ?", [last])
        for _, sql in indexes:
            con.execute(sql)
        (rows,) = con.execute(f"select count(*) from {table}").fetchone() or (0,)
        con.execute(
            "insert or replace into warehouse_layout (table_name, sort_key, clustered_rows, clustered_at) "
            "values (?, ?, ?, ?)",
            [table, order, rows, datetime.now(UTC).replace(tzinfo=None)],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return int(rows)


def maybe_cluster(
    con: duckdb.DuckDBPyConnection, share: float | None = None, min_rows: float | None = None
) -> int:
    """Rewrite each clustered table whose unordered rows reached `share`; the rows rewritten."""
    share = _setting("YUJUESUAN_CLUSTER_SHARE", DEFAULT_SHARE) if share is None else share
    min_rows = _setting("YUJUESUAN_CLUSTER_MIN_ROWS", DEFAULT_MIN_ROWS) if min_rows is None else min_rows
    done = 0
    for table in CLUSTER_ORDER:
        rows, fresh = unclustered_rows(con, table)
        if rows >= min_rows and fresh > share * rows:
            done += cluster(con, table)
    return done
