"""Numbered schema migrations (pipelines/load/migrations.py): an old warehouse gets only what it lacks,
a rerun is a no-op, each migration is recorded, and a changed or unknown migration fails loudly."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines import SQL_DIR
from pipelines.errors import YujuesuanError
from pipelines.load.migrations import BASELINE_DIR, MIGRATIONS_DIR, MigrationError, migrate, migrations
from pipelines.load.warehouse import writer


def _recorded(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str]]:
    rows = con.execute("select version, name from schema_migration order by 1").fetchall()
    return [(int(v), str(n)) for v, n in rows]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {r[0] for r in con.execute(f"describe {table}").fetchall()}


def _later(folder: Path) -> Path:
    """Two migrations after the baseline: a column on an indexed table, and a new table."""
    folder.mkdir()
    (folder / "0002_line_item_note.sql").write_text(
        "alter table fact_line_item add column if not exists reviewer_note varchar;\n", encoding="utf-8"
    )
    (folder / "0003_review_queue.sql").write_text(
        "create table review_queue (document_id varchar not null, reason varchar not null);\n",
        encoding="utf-8",
    )
    return folder


def test_the_shipped_migrations_are_recorded_in_a_new_warehouse(tmp_path: Path) -> None:
    with writer(tmp_path / "w.duckdb") as con:
        rows = con.execute(
            "select version, name, checksum, applied_at from schema_migration order by 1"
        ).fetchall()
    assert [(v, n) for v, n, _, _ in rows] == [(m.version, m.name) for m in migrations()]
    assert rows[0][:2] == (1, "baseline") and all(len(c) == 64 and at is not None for _, _, c, at in rows)
    assert MIGRATIONS_DIR == SQL_DIR / "migrations" and BASELINE_DIR == SQL_DIR / "schema"


def test_an_old_warehouse_gets_only_the_migrations_it_lacks(tmp_path: Path) -> None:
    empty = tmp_path / "none"
    empty.mkdir()
    con = duckdb.connect()
    assert [m.label for m in migrate(con, folder=empty)] == ["0001_baseline"]  # a warehouse of release 0.4
    con.execute("insert into doc_delivery values ('d1', 'a.pdf', now()::timestamp, 'loaded')")
    later = _later(tmp_path / "migrations")

    assert [m.label for m in migrate(con, folder=later)] == ["0002_line_item_note", "0003_review_queue"]
    assert "reviewer_note" in _columns(con, "fact_line_item") and _columns(con, "review_queue")
    assert _recorded(con) == [(1, "baseline"), (2, "line_item_note"), (3, "review_queue")]
    assert con.execute("select count(*) from doc_delivery").fetchall() == [(1,)]  # data kept
    # DuckDB cannot ALTER an indexed table: the indexes were dropped for 0002 and built again
    listed = con.execute("select index_name from duckdb_indexes() where not is_primary").fetchall()
    indexes = {r[0] for r in listed}
    assert "fact_line_item_document" in indexes

    assert migrate(con, folder=later) == []  # a rerun is a no-op
    assert _recorded(con) == [(1, "baseline"), (2, "line_item_note"), (3, "review_queue")]


def test_a_warehouse_from_before_migrations_reaches_the_baseline(tmp_path: Path) -> None:
    """No schema_migration table and dim_document as first released: the baseline's ALTERs extend it."""
    con = duckdb.connect()
    con.execute((BASELINE_DIR / "010_dim_document.sql").read_text(encoding="utf-8").split("alter table")[0])
    assert "ocr_pages" not in _columns(con, "dim_document")
    migrate(con)
    assert {"admin_level", "meta_note", "ocr_pages", "department_id"} <= _columns(con, "dim_document")
    assert _recorded(con)[0] == (1, "baseline")


def test_a_changed_applied_migration_fails_loudly(tmp_path: Path) -> None:
    later = _later(tmp_path / "migrations")
    con = duckdb.connect()
    migrate(con, folder=later)
    (later / "0003_review_queue.sql").write_text(
        "create table review_queue (document_id varchar, reason varchar, who varchar);\n", encoding="utf-8"
    )
    with pytest.raises(MigrationError, match=r"0003_review_queue was changed .*0003_review_queue\.sql"):
        migrate(con, folder=later)
    (later / "0003_review_queue.sql").unlink()
    with pytest.raises(MigrationError, match=r"does not know .*0003_review_queue"):
        migrate(con, folder=later)  # a warehouse written by newer code


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("2_short.sql", "named NNNN_name.sql"),
        ("0001_again.sql", "0001 is the baseline"),
        ("0002_Up.sql", "named"),
    ],
)
def test_misnamed_migrations_are_refused(tmp_path: Path, name: str, problem: str) -> None:
    (tmp_path / name).write_text("select 1;\n", encoding="utf-8")
    with pytest.raises(MigrationError, match=problem) as raised:
        migrations(folder=tmp_path)
    assert isinstance(raised.value, YujuesuanError)


def test_a_failing_migration_leaves_no_record(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0002_broken.sql").write_text(
        "create table half_done (x integer);\ninsert into no_such_table values (1);\n", encoding="utf-8"
    )
    con = duckdb.connect()
    with pytest.raises(duckdb.CatalogException):
        migrate(con, folder=folder)
    assert _recorded(con) == [(1, "baseline")]
    assert not con.execute("select * from duckdb_tables() where table_name = 'half_done'").fetchall()


def test_a_current_warehouse_skips_the_ddl_and_a_changed_digest_applies_it(tmp_path: Path) -> None:
    """meta_schema records the digest of the schema code: a writer with the same code leaves views and
    comments as they are (no DDL per session); a warehouse written by other code gets them again."""
    from pipelines.load.warehouse import schema_digest

    path = tmp_path / "w.duckdb"
    with writer(path) as con:
        assert con.execute("select digest from meta_schema").fetchall() == [(schema_digest(),)]
        con.execute("drop view v_top_projects")  # a session with the current digest does not look
    with writer(path) as con:
        views = {
            r[0] for r in con.execute("select view_name from duckdb_views() where not internal").fetchall()
        }
        assert "v_top_projects" not in views
        con.execute("update meta_schema set digest = 'written by other code'")
    with writer(path) as con:
        views = {
            r[0] for r in con.execute("select view_name from duckdb_views() where not internal").fetchall()
        }
        comment = con.execute(
            "select comment from duckdb_views() where view_name = 'v_top_projects'"
        ).fetchone()
        assert con.execute("select digest from meta_schema").fetchall() == [(schema_digest(),)]
    assert "v_top_projects" in views and comment is not None and comment[0]
