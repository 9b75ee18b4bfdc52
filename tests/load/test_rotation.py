"""The file published before becomes the next work copy, brought forward: equal to the published file
table by table after every kind of session, never while a reader holds it, and a full copy whenever
it cannot be brought forward (pipelines/load/rotation.py)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from pipelines.extract.document import extract_document
from pipelines.guard import failed_document
from pipelines.load import rotation
from pipelines.load import warehouse as wh
from pipelines.load.layout import cluster
from pipelines.load.warehouse import load_document, locked_reader, shares_published_file, spare_copy, writer
from pipelines.normalise.document import normalise_document
from pipelines.validate.engine import judge, prepare
from pipelines.validate.rules import load_rules
from pipelines.validate.store import store_evaluation
from tests.conftest import SEED000, SEEDS, ingest
from tests.load.test_readers_and_crashes import analyst


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files copied whole (the published warehouse when the spare could not be brought forward);
    the spare is brought forward whatever the warehouse's size."""
    monkeypatch.setenv("YUJUESUAN_SPARE_MIN_MB", "0")
    calls: list[Path] = []
    real = wh._copy_synced

    def counting(src: Path, dst: Path) -> None:
        calls.append(src)
        real(src, dst)

    monkeypatch.setattr(wh, "_copy_synced", counting)
    return calls


def assert_equal_to_published(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Every table of the writer's work copy has the published file's rows (EXCEPT ALL both ways)."""
    con.execute(f"attach '{path}' as pub (read_only)")
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where database_name = 'pub' and schema_name = 'main'"
            ).fetchall()
        ]
        assert "fact_line_item" in tables
        for table in tables:
            for a, b in (("main", "pub.main"), ("pub.main", "main")):
                rows = f'select * from {a}."{table}" except all select * from {b}."{table}"'
                (extra,) = con.execute(f"select count(*) from ({rows})").fetchone() or (None,)
                assert extra == 0, f"{table}: {extra} rows of {a} not in {b}"
    finally:
        con.execute("detach pub")


def validate(con: duckdb.DuckDBPyConnection, document_id: str, run_id: str) -> None:
    rules = load_rules()
    store_evaluation(con, run_id, judge(prepare(con, document_id, rules)), rules)


def load_failed(con: duckdb.DuckDBPyConnection, source: Path) -> str:
    """The file's row as a failed attempt whose reason is worth a retry (unreadable)."""
    n = normalise_document(extract_document(source))
    doc = failed_document(source, n.document.source_sha256, "unreadable", "the disk was busy")
    empty = n.facts.clear(), n.tables.clear()
    return load_document(con, doc, *empty).document_id


def count(con: duckdb.DuckDBPyConnection, sql: str = "select count(*) from dim_document") -> int:
    (n,) = con.execute(sql).fetchone() or (0,)
    return int(n)


def test_sessions_of_every_kind_leave_a_spare_that_is_brought_forward_exactly(
    warehouse: Path, copies: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YUJUESUAN_KEEP_RUNS", "1")  # every validation after the first prunes a run
    with writer(warehouse) as con:  # a new warehouse: nothing to copy or bring forward
        first = ingest(con, SEED000)
        validate(con, first, "run-1")
    with writer(warehouse) as con:  # no file was published before the first: copied
        assert copies == [warehouse]
        second = ingest(con, SEEDS / "001_8a99ebaca312e0ad.txt")
    copies.clear()

    revised = tmp_path / "seed000_revised.txt"
    revised.write_text(
        SEED000.read_text(encoding="utf-8").replace("7,171,195.84", "7,171,195.85"), encoding="utf-8"
    )
    with writer(warehouse) as con:  # a new version supersedes the first document
        assert_equal_to_published(con, warehouse)
        newer = ingest(con, revised)
        validate(con, second, "run-2")
    with pytest.raises(RuntimeError), writer(warehouse) as con:  # fails after a commit: nothing published
        assert_equal_to_published(con, warehouse)
        ingest(con, SEEDS / "002_6e511b73bd73a431.txt")
        raise RuntimeError("the batch stops")
    with writer(warehouse) as con:  # goes on in the unpublished work copy: nothing brought forward
        third = ingest(con, SEEDS / "002_6e511b73bd73a431.txt")  # already there: unchanged
        validate(con, third, "run-3")
        validate(con, second, "run-4")  # retention drops run-2
        validate(con, newer, "run-5")
    with writer(warehouse) as con:  # the spare is two sessions behind
        assert_equal_to_published(con, warehouse)
        failed = load_failed(con, SEEDS / "003_5006032ceb30bda5.txt")
    with writer(warehouse) as con:
        assert_equal_to_published(con, warehouse)
        assert ingest(con, SEEDS / "003_5006032ceb30bda5.txt") == failed  # the retry replaces its rows
        validate(con, failed, "run-6")
    with writer(warehouse) as con:  # the spare still has the failed attempt
        assert_equal_to_published(con, warehouse)
        assert count(con, "select count(*) from dim_document where status = 'failed'") == 0
        assert count(con, "select count(*) from dq_run where run_id = 'run-2'") == 0
        assert count(con) == 5
    assert copies == []


def test_a_reader_holding_the_spare_makes_the_writer_copy(warehouse: Path, copies: list[Path]) -> None:
    with writer(warehouse) as con:
        ingest(con, SEEDS / "000_5bede25103574bf3.txt")
    held = duckdb.connect(str(warehouse), read_only=True)  # an analyst's connection, left open
    try:
        with writer(warehouse) as con:
            ingest(con, SEEDS / "001_8a99ebaca312e0ad.txt")
        assert rotation._open_here(os.stat(spare_copy(warehouse)))  # the analyst's connection holds it
        copies.clear()
        with writer(warehouse) as con:  # the spare is the file the analyst reads
            assert copies == [warehouse]
            assert_equal_to_published(con, warehouse)
            ingest(con, SEEDS / "002_6e511b73bd73a431.txt")
        assert count(held) == 1  # the state it opened, whole
    finally:
        held.close()
    copies.clear()
    with writer(warehouse) as con:  # the spare now is the file published by the second session
        assert copies == []
        assert_equal_to_published(con, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert count(con) == 3


def test_a_reader_in_another_process_keeps_its_state_and_the_writer_copies(
    warehouse: Path, copies: list[Path]
) -> None:
    with writer(warehouse) as con:
        ingest(con, SEEDS / "000_5bede25103574bf3.txt")
    with analyst(warehouse) as (first, again):
        assert first == "1"
        with writer(warehouse) as con:
            ingest(con, SEEDS / "001_8a99ebaca312e0ad.txt")
        copies.clear()
        for name in ("002_6e511b73bd73a431.txt", "003_5006032ceb30bda5.txt"):
            with writer(warehouse) as con:
                ingest(con, SEEDS / name)
        assert copies == [warehouse]  # the first of the two: the spare was the analyst's file
        assert again() == "1"


@pytest.mark.parametrize("why", ["missing", "corrupt", "clustered", "schema", "small"])
def test_the_whole_file_is_copied_when_the_spare_cannot_be_brought_forward(
    why: str, warehouse: Path, copies: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    with writer(warehouse) as con:
        ingest(con, SEEDS / "000_5bede25103574bf3.txt")
    with writer(warehouse) as con:
        ingest(con, SEEDS / "001_8a99ebaca312e0ad.txt")
        if why == "clustered":  # the facts rewritten in their order: warehouse_layout records it
            cluster(con)
        elif why == "schema":
            con.execute("create table analyst_note as select 1 as x")
    if why == "missing":
        spare_copy(warehouse).unlink()
    elif why == "small":
        monkeypatch.setenv("YUJUESUAN_SPARE_MIN_MB", str(warehouse.stat().st_size / 2**20 + 1))
    elif why == "corrupt":
        spare_copy(warehouse).write_bytes(b"not a database" * 1000)
    published = warehouse.read_bytes()
    copies.clear()
    with writer(warehouse) as con:
        assert copies == [warehouse]
        assert_equal_to_published(con, warehouse)
        ingest(con, SEEDS / "002_6e511b73bd73a431.txt")
        assert warehouse.read_bytes() == published  # the published file is never written
    copies.clear()
    monkeypatch.setenv("YUJUESUAN_SPARE_MIN_MB", "0")
    with writer(warehouse) as con:  # and the session after brings its spare forward again
        assert copies == []
        assert_equal_to_published(con, warehouse)
        assert count(con) == 3


def test_a_crash_while_bringing_forward_leaves_the_published_state(
    warehouse: Path, copies: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    with writer(warehouse) as con:
        ingest(con, SEEDS / "000_5bede25103574bf3.txt")
    with writer(warehouse) as con:
        ingest(con, SEEDS / "001_8a99ebaca312e0ad.txt")
    published = warehouse.read_bytes()

    def crash(con: duckdb.DuckDBPyConnection, *_: object) -> None:
        con.execute("delete from dim_document")  # a half-made state, committed and checkpointed
        con.execute("checkpoint")
        con.close()
        raise KeyboardInterrupt  # the process stops here

    monkeypatch.setattr(wh, "bring_forward", crash)
    with pytest.raises(KeyboardInterrupt), writer(warehouse):
        pass
    assert wh._forward_marker(warehouse).exists()
    monkeypatch.setattr(wh, "bring_forward", rotation.bring_forward)
    with locked_reader(warehouse) as con:  # the next user of the lock undoes it first
        assert count(con) == 2
    assert shares_published_file(warehouse) and not wh._forward_marker(warehouse).exists()
    assert warehouse.read_bytes() == published
    with writer(warehouse) as con:  # the spare is gone: a copy
        assert_equal_to_published(con, warehouse)
        ingest(con, SEEDS / "002_6e511b73bd73a431.txt")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert count(con) == 3


def test_off_by_default_no_spare_kept_and_every_session_copies(
    warehouse: Path, copies: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unset, the old way: a `cp` of the published file stays safe, and no second file takes disk;
    a spare left from when it was on is removed at the next publish."""
    with writer(warehouse) as con:
        ingest(con, SEEDS / "000_5bede25103574bf3.txt")
    with writer(warehouse) as con:
        ingest(con, SEEDS / "001_8a99ebaca312e0ad.txt")
    assert spare_copy(warehouse).exists()
    monkeypatch.delenv("YUJUESUAN_SPARE_MIN_MB")
    copies.clear()
    for seed in ("002_6e511b73bd73a431.txt", "003_5006032ceb30bda5.txt"):
        with writer(warehouse) as con:
            ingest(con, SEEDS / seed)
        assert not spare_copy(warehouse).exists()
    assert copies == [warehouse, warehouse]  # each session copied the published file
    with writer(warehouse) as con:
        assert_equal_to_published(con, warehouse)
        assert count(con) == 4
