"""Readers never block the writer (nor the writer readers), and kill -9 never leaves half a document.

Both run real processes: an analyst's DuckDB connection in a subprocess, and `yujuesuan ingest`
killed with SIGKILL at three moments of a real ingest.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from pipelines.load.warehouse import STORAGE_VERSION, reader, work_copy, writer
from tests.conftest import PROJECT, SEED000, SEEDS, ingest

ANALYST = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
count = lambda: con.execute("select count(*) from dim_document").fetchone()[0]
print(count(), flush=True)
sys.stdin.readline()            # held open while the ingest runs
print(count(), flush=True)       # the same connection still sees the state it opened
"""


@contextmanager
def analyst(warehouse: Path) -> Iterator[tuple[str, Callable[[], str]]]:
    """An analyst's connection in another process, opened now and held: what it counted then, and
    `again`, which makes it count once more on the same connection (then it exits)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", ANALYST, str(warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdin is not None
        stdin, stdout = proc.stdin, proc.stdout

        def again() -> str:
            stdin.write("\n")
            stdin.flush()
            counted = stdout.readline().strip()
            assert proc.wait(timeout=60) == 0
            return counted

        yield stdout.readline().strip(), again
    finally:
        proc.kill()


def test_reader_held_open_during_ingest_neither_blocks_nor_sees_half(warehouse: Path) -> None:
    with writer(warehouse) as con:
        ingest(con, SEEDS / "001_8a99ebaca312e0ad.txt")
    with analyst(warehouse) as (first, again):
        assert first == "1"
        with writer(warehouse) as con:  # would fail with "Conflicting lock is held" on a shared file
            ingest(con, SEED000)
            # while the writer is open, a new reader opens the published warehouse (before the load)
            with reader(warehouse) as during:
                assert during.execute("select count(*) from dim_document").fetchone() == (1,)
        with reader(warehouse) as after:
            assert after.execute("select count(*) from dim_document").fetchone() == (2,)
            facts = after.execute(
                "select count(*) = max(facts) from fact_line_item join "
                "(select document_id, facts_loaded as facts from dim_document) using (document_id) "
                "group by document_id"
            ).fetchall()
            assert facts == [(True,), (True,)]
        assert again() == "1"  # before, never half


def test_published_warehouse_is_in_the_storage_the_pypi_cli_reads(warehouse: Path) -> None:
    with writer(warehouse) as con:
        ingest(con, SEEDS / "001_8a99ebaca312e0ad.txt")
    with reader(warehouse) as con:
        (tags,) = con.execute("select tags from duckdb_databases() where not internal").fetchall()[0]
    assert tags["storage_version"].startswith(STORAGE_VERSION)
    assert not work_copy(warehouse).with_name(work_copy(warehouse).name + ".wal").exists()


def test_an_older_warehouse_is_migrated_on_first_write(warehouse: Path) -> None:
    """A warehouse written in DuckDB's newest storage (before this design) is re-published readable."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table dim_document_note as select 1 as x")
    with writer(warehouse) as con:
        ingest(con, SEEDS / "001_8a99ebaca312e0ad.txt")
    with reader(warehouse) as con:
        assert con.execute("select x from dim_document_note").fetchall() == [(1,)]
        (tags,) = con.execute("select tags from duckdb_databases() where not internal").fetchall()[0]
    assert tags["storage_version"].startswith(STORAGE_VERSION)


# --- kill -9 ------------------------------------------------------------------------------------

FILES = ("000_5bede25103574bf3.txt", "001_8a99ebaca312e0ad.txt")


def _ingest_process(folder: Path, warehouse: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "DAGSTER_HOME": str(warehouse.parent / "dagster_home")}
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "ingest", str(folder), "--warehouse", str(warehouse)],
        cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _state(warehouse: Path) -> dict[str, object]:
    """What a reader sees, and proof that no document is half loaded."""
    with reader(warehouse) as con:
        docs = con.execute(
            """
            select d.document_id, d.status, d.facts_loaded, d.tables_found,
                   (select count(*) from fact_line_item f where f.document_id = d.document_id),
                   (select count(*) from doc_table t where t.document_id = d.document_id),
                   (select count(*) from dq_run r where r.document_id = d.document_id),
                   (select count(*) from dq_result r where r.document_id = d.document_id)
            from dim_document d order by 1
            """
        ).fetchall()
    for _, _, facts, tables, fact_rows, table_rows, runs, _ in docs:
        assert (facts, tables) == (fact_rows, table_rows)  # a document is there whole or not at all
        assert runs <= 1
    return {"docs": [(d[0], d[1], d[2], d[3]) for d in docs], "validated": [(d[0], d[6], d[7]) for d in docs]}


def _run_until(proc: subprocess.Popen[str], moment: str, warehouse: Path, timeout: float = 600) -> None:
    """Poll the ingest's files and SIGKILL it at the moment named."""
    work = work_copy(warehouse)
    wal = work.with_name(work.name + ".wal")
    moments: dict[str, Callable[[], bool]] = {
        # the first run has started: the first file is being read, nothing written yet
        "extracting": lambda: (warehouse.parent / "dagster_home" / "history").exists(),
        # a write transaction's WAL exists: the writer is inside a transaction or its checkpoint
        "mid-write": wal.exists,
        "between load and validation": lambda: _loaded_not_validated(warehouse),
    }
    hit = moments[moment]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"ingest finished before the moment {moment!r}")
        if hit():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return
        time.sleep(0.002)
    pytest.fail(f"never reached {moment!r}")


def _loaded_not_validated(warehouse: Path) -> bool:
    if not warehouse.exists():
        return False
    try:
        with reader(warehouse) as con:
            row = con.execute(
                "select count(*) filter (where document_id not in (select document_id from dq_run)) "
                "from dim_document"
            ).fetchone()
    except duckdb.Error:
        return False
    return bool(row and row[0])


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("whole")
    folder = root / "in"
    folder.mkdir()
    for name in FILES:
        shutil.copy(SEEDS / name, folder)
    proc = _ingest_process(folder, root / "wh.duckdb")
    out, _ = proc.communicate(timeout=900)
    assert proc.returncode == 0, out
    return _state(root / "wh.duckdb")


@pytest.mark.parametrize("moment", ["extracting", "mid-write", "between load and validation"])
def test_kill_9_leaves_a_whole_warehouse_and_the_next_run_completes(
    moment: str, tmp_path: Path, uninterrupted: dict[str, object]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in FILES:
        shutil.copy(SEEDS / name, folder)
    warehouse = tmp_path / "wh.duckdb"
    _run_until(_ingest_process(folder, warehouse), moment, warehouse)
    if warehouse.exists():
        _state(warehouse)  # opens; no half-loaded document
    with (
        duckdb.connect(str(work_copy(warehouse)), read_only=True)
        if work_copy(warehouse).exists()
        else (duckdb.connect(":memory:")) as con
    ):  # the writer's own copy opens too (DuckDB replays or drops its WAL)
        con.execute("select 1").fetchall()
    proc = _ingest_process(folder, warehouse)
    out, _ = proc.communicate(timeout=900)
    assert proc.returncode == 0, out
    assert _state(warehouse) == uninterrupted


def test_publish_copies_nothing_and_the_next_writer_copies_before_it_writes(warehouse: Path) -> None:
    """publish() gives the work file a second name; a later session writes only to a private copy."""
    from pipelines.load.warehouse import locked_reader, shares_published_file

    with writer(warehouse) as con:
        ingest(con, SEEDS / "001_8a99ebaca312e0ad.txt")
    assert shares_published_file(warehouse)  # published by a link: no bytes copied
    published = os.stat(warehouse).st_ino
    with locked_reader(warehouse) as con:  # a session that only reads copies nothing
        assert con.execute("select count(*) from dim_document").fetchone() == (1,)
    assert shares_published_file(warehouse)
    held = duckdb.connect(str(warehouse), read_only=True)  # an analyst's connection, left open
    try:
        with writer(warehouse) as con:
            assert not shares_published_file(warehouse)  # the writer writes to a file of its own
            ingest(con, SEED000)
            assert os.stat(warehouse).st_ino == published  # the published file is untouched meanwhile
            with reader(warehouse) as during:
                assert during.execute("select count(*) from dim_document").fetchone() == (1,)
        assert os.stat(warehouse).st_ino != published and shares_published_file(warehouse)
        assert held.execute("select count(*) from dim_document").fetchone() == (1,)  # its state, whole
    finally:
        held.close()
    with reader(warehouse) as after:
        assert after.execute("select count(*) from dim_document").fetchone() == (2,)
