"""Every table, view and column carries a comment with its Chinese term, and the dictionary is current."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from pipelines import docs
from pipelines.load.comments import Comments, apply_comments, catalog, read_comments
from pipelines.load.warehouse import reader, writer

CJK = re.compile(r"[\u4e00-\u9fff]")
ASCII_WORD = re.compile(r"[A-Za-z]{3,}")


def test_every_table_view_and_column_has_an_english_and_chinese_comment() -> None:
    with docs.schema_connection() as con:
        assert docs.uncommented(con) == [], "add the missing lines to sql/comments.csv"
        for name, _, column, _, text in catalog(con):
            where = f"{name}.{column}" if column else name
            assert CJK.search(text or ""), f"{where}: the comment names no Chinese term"
            assert ASCII_WORD.search(text or ""), f"{where}: the comment has no English"


def test_no_comment_line_names_a_missing_object_or_column() -> None:
    comments = read_comments()
    with docs.schema_connection() as con:
        rows = catalog(con)
    objects = {r[0] for r in rows}
    columns = {(r[0], r[2]) for r in rows if r[2]}
    names = {c for _, c in columns}
    assert set(comments.objects) <= objects
    for obj, column in comments.columns:
        assert (column in names) if obj == "*" else ((obj, column) in columns), (
            f"{obj}.{column} does not exist"
        )


def test_a_new_column_without_a_comment_is_reported() -> None:
    with docs.schema_connection() as con:
        con.execute("alter table dim_measure add column reviewer_note varchar")
        assert docs.uncommented(con) == ["dim_measure.reviewer_note"]
        comments = read_comments()
        comments.columns[("dim_measure", "reviewer_note")] = "A reviewer's note on the measure (复核备注)"
        assert apply_comments(con, comments) == 1
        assert docs.uncommented(con) == []


def test_the_data_dictionary_is_generated_from_the_current_schema() -> None:
    with docs.schema_connection() as con:
        expected = docs.dictionary(con)
    assert docs.DICTIONARY.read_text(encoding="utf-8") == expected, "run python -m pipelines.docs"
    assert docs.main(["--check"]) == 0


def test_comments_survive_in_the_published_warehouse(warehouse: Path) -> None:
    """Views are recreated on every writer connection; their comments are applied again after them."""
    with writer(warehouse):
        pass
    with writer(warehouse):
        pass
    with reader(warehouse) as con:
        (n,) = con.execute(
            "select count(*) from duckdb_columns() where table_name = 'v_three_public' and comment is null"
        ).fetchone() or (None,)
        (fact,) = con.execute(
            "select comment from duckdb_tables() where table_name = 'fact_line_item'"
        ).fetchone() or (None,)
    assert n == 0
    assert "报表数值单元格" in fact


def test_a_column_line_beats_the_shared_line() -> None:
    comments = Comments(
        {}, {("*", "page"): "Page (页码)", ("doc_text", "page"): "PDF page of the block (页)"}
    )
    con = duckdb.connect()
    con.execute("create table doc_text (page integer); create table other (page integer)")
    apply_comments(con, comments)
    got = dict(
        con.execute("select table_name, comment from duckdb_columns() where column_name = 'page'").fetchall()
    )
    assert got == {"doc_text": "PDF page of the block (页)", "other": "Page (页码)"}
