"""A new warehouse is a copy of the empty one this code made before: the same as one built statement
by statement (every row, object and comment), with the times of now."""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from pipelines.load import warehouse as wh
from pipelines.load.comments import catalog

TIMES = {  # the rows an empty warehouse has with a time: the column of it (sql/schema, sql/migrations)
    "schema_migration": "applied_at",
    "meta_schema": "applied_at",
    "meta_vocabulary": "written_at",
    "meta_summary": "written_at",
    "meta_department_printed": "read_at",
}


@pytest.fixture
def templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir(mode=0o700)
    monkeypatch.setattr(wh, "template_dir", lambda: folder)
    return folder


def _built(path: Path) -> None:
    """An empty warehouse the way every one was made before templates: apply_schema on a new file."""
    con = wh._connect_work(path)
    try:
        wh.apply_schema(con)
        con.execute("checkpoint")
    finally:
        con.close()


def _contents(path: Path) -> dict[str, object]:
    """Every table's rows (the time columns left out), and every object and column with its comment."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where database_name = current_database() order by 1"
            ).fetchall()
        ]
        out: dict[str, object] = {"catalog": sorted(catalog(con), key=str)}
        for table in tables:
            skip = f' exclude ("{TIMES[table]}")' if table in TIMES else ""
            rows = con.execute(
                f'select *{skip}, 1 as _row from "{table}"'
            ).fetchall()  # _row: a row of only a time
            out[table] = sorted(rows, key=str)
        out["macros"] = sorted(
            con.execute(
                "select function_name, macro_definition from duckdb_functions() "
                "where function_type like '%macro' and not internal"
            ).fetchall(),
            key=str,
        )
    return out


def _times(path: Path) -> list[datetime]:
    with duckdb.connect(str(path), read_only=True) as con:
        return [v for t, c in TIMES.items() for (v,) in con.execute(f'select "{c}" from "{t}"').fetchall()]


def test_the_copy_is_the_warehouse_a_build_gives(templates: Path, tmp_path: Path) -> None:
    first, second, built = tmp_path / "first.duckdb", tmp_path / "second.duckdb", tmp_path / "built.duckdb"
    wh._new_warehouse(first)  # no template yet: built, and kept
    kept = list(templates.glob("warehouse-*.duckdb"))
    assert len(kept) == 1
    wh._new_warehouse(second)  # from the template
    _built(built)
    assert _contents(first) == _contents(built)
    assert _contents(second) == _contents(built)


def test_the_copy_records_the_times_of_now(templates: Path, tmp_path: Path) -> None:
    wh._new_warehouse(tmp_path / "first.duckdb")
    (template,) = templates.glob("warehouse-*.duckdb")
    built_times = _times(template)
    with duckdb.connect(str(template), read_only=True) as con:  # TIMES holds every time of its rows
        timed = con.execute(
            "select table_name, column_name from duckdb_columns() where database_name = current_database() "
            "and data_type like 'TIMESTAMP%' and table_name in (select table_name from duckdb_tables())"
        ).fetchall()
        with_rows = {
            (t, c) for t, c in timed if con.execute(f'select count(*) from "{t}"').fetchone() != (0,)
        }
    assert with_rows == set(TIMES.items())
    day = 24 * 3600
    os.utime(template, (template.stat().st_atime, template.stat().st_mtime - day))  # built a day ago
    wh._new_warehouse(tmp_path / "second.duckdb")
    moved = _times(tmp_path / "second.duckdb")
    for before, after in zip(built_times, moved, strict=True):
        assert abs(after - before - timedelta(days=1)) < timedelta(seconds=60)


def test_a_broken_template_costs_the_build_not_the_warehouse(templates: Path, tmp_path: Path) -> None:
    wh._new_warehouse(tmp_path / "first.duckdb")
    (template,) = templates.glob("warehouse-*.duckdb")
    template.write_bytes(b"not a database")
    wh._new_warehouse(tmp_path / "second.duckdb")
    _built(tmp_path / "built.duckdb")
    assert _contents(tmp_path / "second.duckdb") == _contents(tmp_path / "built.duckdb")


def test_a_schema_change_makes_a_new_template(
    templates: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wh._new_warehouse(tmp_path / "first.duckdb")
    (old,) = templates.glob("warehouse-*.duckdb")
    monkeypatch.setattr(wh, "schema_digest", lambda: "another schema")
    wh._new_warehouse(tmp_path / "second.duckdb")
    (new,) = templates.glob("warehouse-*.duckdb")  # the old schema's template is gone
    assert new != old


def test_no_trusted_folder_builds_statement_by_statement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wh, "template_dir", lambda: None)
    wh._new_warehouse(tmp_path / "w.duckdb")
    _built(tmp_path / "built.duckdb")
    assert _contents(tmp_path / "w.duckdb") == _contents(tmp_path / "built.duckdb")


def test_a_folder_others_may_write_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    folder = tmp_path / f"yujuesuan-{os.getuid()}"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    assert wh.template_dir() is None
    folder.chmod(0o700)
    assert wh.template_dir() == folder


def test_the_writer_of_a_new_warehouse_gives_a_current_schema(templates: Path, tmp_path: Path) -> None:
    for name in ("a.duckdb", "b.duckdb"):  # the first builds the template, the second copies it
        with wh.writer(tmp_path / name) as con:
            assert wh._is_current(con, wh.schema_digest())
    assert _contents(tmp_path / "a.duckdb") == _contents(tmp_path / "b.duckdb")
