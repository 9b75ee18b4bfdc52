"""Polars frames handed to DuckDB as Arrow C streams (pipelines/load/arrow.py): the same rows and
types as DuckDB's own reading of a polars frame, read more than once, and no pyarrow needed."""

import subprocess
import sys
import textwrap
from datetime import date
from decimal import Decimal

import duckdb
import polars as pl

from pipelines.load.arrow import ArrowStream

FRAME = pl.DataFrame(
    {
        "name": ["一般公共预算", None, "a'b"],
        "amount": [Decimal("1.25"), Decimal("-0.000001"), None],
        "count": [1, None, 3],
        "share": [0.5, -2.5e300, None],
        "passed": [True, False, None],
        "day": [date(2025, 1, 1), None, date(2024, 12, 31)],
        "codes": [["201", "20101"], [], None],
    },
    schema_overrides={"amount": pl.Decimal(18, 6), "count": pl.Int32},
)


def _read(con: duckdb.DuckDBPyConnection, name: str) -> tuple[list[tuple[object, ...]], list[object]]:
    relation = con.sql(f"select * from {name}")
    return relation.fetchall(), [str(t) for t in relation.types]


def test_a_stream_reads_as_duckdbs_reading_of_the_frame() -> None:
    with duckdb.connect() as con:
        con.register("as_frame", FRAME)
        con.register("as_stream", ArrowStream(FRAME))
        assert _read(con, "as_stream") == _read(con, "as_frame")
        assert _read(con, "as_stream") == _read(con, "as_stream")  # a second scan, a new stream
        for name in ("as_stream", "as_frame"):  # the loader's statement, into a typed table
            con.execute(f"create table t_{name} as select * from as_frame where false")
            con.execute(f"insert into t_{name} by name select * from {name}")
        for a, b in (("as_stream", "as_frame"), ("as_frame", "as_stream")):
            assert con.execute(f"select count(*) from (from t_{a} except all from t_{b})").fetchall() == [
                (0,)
            ]
        assert con.execute("select count(*) from t_as_stream").fetchall() == [(3,)]


def test_registering_a_stream_needs_no_pyarrow() -> None:
    code = textwrap.dedent(
        """
        import sys, duckdb, polars as pl
        from pipelines.load.arrow import ArrowStream
        con = duckdb.connect()
        con.register("s", ArrowStream(pl.DataFrame({"a": [1, 2]})))
        assert con.execute("select sum(a) from s").fetchall() == [(3,)]
        print("pyarrow" in sys.modules)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
