"""`COMMENT ON` every table, view and column, from `sql/comments.csv` (English with the Chinese term).

The comments are data beside the DDL: one CSV line per object or column, so a new column needs one
new line. A line `*,column,comment` serves every column of that name (document_id, page …) unless a
line names the object. Views are recreated on every connection (`create or replace view` drops
their comments), so the comments are applied after them, and only where they differ.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from pipelines import SQL_DIR
from pipelines.errors import CatalogDataError

COMMENTS_FILE = SQL_DIR / "comments.csv"
ANY = "*"


@dataclass(frozen=True)
class Comments:
    objects: dict[str, str]  # table or view → comment
    columns: dict[tuple[str, str], str]  # (object or '*', column) → comment

    def object(self, name: str) -> str | None:
        return self.objects.get(name)

    def column(self, table: str, column: str) -> str | None:
        return self.columns.get((table, column)) or self.columns.get((ANY, column))


def read_comments(path: Path = COMMENTS_FILE) -> Comments:
    """The comment file; lines starting with # are notes for its editors."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    objects: dict[str, str] = {}
    columns: dict[tuple[str, str], str] = {}
    for row in csv.DictReader(lines):
        key, column, text = row["object"].strip(), (row["column"] or "").strip(), row["comment"].strip()
        target: dict[Any, str] = columns if column else objects
        name = (key, column) if column else key
        if name in target:
            raise CatalogDataError(f"{path.name}: {key}.{column or ''} is commented twice")
        target[name] = text
    return Comments(objects, columns)


def catalog(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str | None, str | None, str | None]]:
    """(object, kind, column or None, type, current comment) of every table, view and column in main."""
    return con.execute(
        """
        select table_name, 'table', null, null, comment from duckdb_tables()
        where schema_name = 'main' and database_name = current_database() and not temporary
        union all
        select view_name, 'view', null, null, comment from duckdb_views()
        where schema_name = 'main' and database_name = current_database() and not internal and not temporary
        union all
        select c.table_name, case when t.table_name is null then 'view' else 'table' end, c.column_name,
               c.data_type, c.comment
        from duckdb_columns() as c
        left join duckdb_tables() as t
            on t.database_name = c.database_name and t.schema_name = c.schema_name
           and t.table_name = c.table_name
        where c.schema_name = 'main' and c.database_name = current_database() and not c.internal
        """
    ).fetchall()


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def apply_comments(con: duckdb.DuckDBPyConnection, comments: Comments | None = None) -> int:
    """Comment every object and column the file describes; returns how many comments changed."""
    comments = comments or read_comments()
    statements = []
    for name, kind, column, _, current in catalog(con):
        wanted = comments.column(name, column) if column else comments.object(name)
        if wanted is None or wanted == current:
            continue
        if column:
            statements.append(f'comment on column "{name}"."{column}" is {_quote(wanted)};')
        else:
            statements.append(
                f'comment on {"view" if kind == "view" else "table"} "{name}" is {_quote(wanted)};'
            )
    if statements:
        con.execute("\n".join(statements))
    return len(statements)
