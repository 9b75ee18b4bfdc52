"""Property tests: mutated text exports and rendered PDFs (digits, lengths, units, removed cells)
each leave exactly one document row, and no other document in the warehouse changes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.guard import ingest_file
from pipelines.load.warehouse import writer
from tests.conftest import SEED000
from tests.render import TableSource, render, tables_of

LINES = SEED000.read_text(encoding="utf-8").splitlines()
NUMBERED = [i for i, ln in enumerate(LINES) if any(ch.isdigit() for ch in ln)]

mutation = st.tuples(
    st.sampled_from(NUMBERED),
    st.sampled_from(["digits", "long", "unit", "drop_cell", "junk"]),
    st.text(alphabet="0123456789,.-", min_size=1, max_size=45),
)


def _mutate(lines: list[str], edits: list[tuple[int, str, str]]) -> str:
    out = list(lines)
    for i, how, digits in edits:
        line = out[i]
        if how == "digits":
            line = "".join(digits[k % len(digits)] if ch.isdigit() else ch for k, ch in enumerate(line))
        elif how == "long":
            line = line.replace(".", digits + ".", 1)
        elif how == "unit":
            line = line.replace("万元", "元") if "万元" in line else line.replace("元", "亿元")
        elif how == "drop_cell":
            cells = line.split("\t") if "\t" in line else line.split("|")
            line = ("\t" if "\t" in line else "|").join(cells[:-1])
        else:
            line = line + " " + digits * 3
        out[i] = line
    return "\n".join(out) + "\n"


def _snapshot(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select d.document_id, d.status, d.facts_loaded, count(f.amount), sum(f.amount) "
        "from dim_document d left join fact_line_item f using (document_id) group by all order by 1"
    ).fetchall()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutation, min_size=1, max_size=6))
def test_mutated_export_leaves_one_row_and_touches_nothing_else(edits: list[tuple[int, str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Path(tmp) / "w.duckdb"
        with writer(warehouse) as con:
            ingest_file(con, SEED000)
            before = _snapshot(con)
            path = Path(tmp) / "mutated.txt"
            path.write_text(_mutate(LINES, edits), encoding="utf-8")
            result = ingest_file(con, path)
            after = _snapshot(con)
            rows = con.execute(
                "select count(*) from dim_document where document_id = ?", [result.document_id]
            )
            assert rows.fetchone() == (1,)
        others_after = [r for r in after if r[0] != result.document_id]
        assert others_after == [r for r in before if r[0] != result.document_id]
        assert len(after) in (len(before), len(before) + 1)


D01 = tables_of(SEED000)[0]
cell_edit = st.tuples(
    st.integers(0, len(D01.body) - 1),
    st.integers(0, len(D01.body[0]) - 1),
    st.sampled_from(["digits", "long", "remove"]),
    st.text(alphabet="0123456789", min_size=1, max_size=40),
)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(cell_edit, min_size=1, max_size=4), st.sampled_from(["单位：元", "单位：万元", "单位：亿元"]))
def test_mutated_rendered_pdf_leaves_one_row_and_touches_nothing_else(
    edits: list[tuple[int, int, str, str]], unit: str
) -> None:
    body = [list(r) for r in D01.body]
    for i, j, how, digits in edits:
        if how == "digits":
            body[i][j] = digits[:3] + "," + digits[3:6].rjust(3, "0") + ".00"
        elif how == "long":
            body[i][j] = digits + ".00"
        else:
            body[i][j] = ""
    source = TableSource(D01.title, unit, D01.header, body)
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Path(tmp) / "w.duckdb"
        with writer(warehouse) as con:
            ingest_file(con, SEED000)
            before = _snapshot(con)
            pdf = render(source, Path(tmp) / "mutated.pdf", ruled=True)
            result = ingest_file(con, pdf)
            after = _snapshot(con)
            rows = con.execute(
                "select count(*) from dim_document where document_id = ?", [result.document_id]
            )
            assert rows.fetchone() == (1,)
        assert [r for r in after if r[0] != result.document_id] == before
