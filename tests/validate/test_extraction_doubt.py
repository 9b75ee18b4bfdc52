"""A misreading is an extraction doubt, a printed mistake is an error.

Seed 000's 支出决算表 is drawn as a ruled PDF. A misreading is planted in what the extractor read
(the row 2010301's 基本支出 moved one column right, into 项目支出, as a reader that misjudges a
column edge would): its table must be in doubt, the identities it breaks must come back as
extraction-doubt warnings naming the table and the unplaced numbers, and no error may remain. With
re-reading on, another engine's reading of the same region is kept and the doubt disappears. A
figure *printed* wrong in a cleanly read table stays a publication error.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import polars as pl

from pipelines.extract.document import extract_document
from pipelines.extract.types import ExtractedDocument, RawRow
from pipelines.load.warehouse import load_document, writer
from pipelines.normalise.document import normalise_document
from pipelines.validate.engine import evaluate_document
from tests.conftest import SEED000
from tests.render import render, seed_table

BASIC, PROJECT = 5, 6  # columns of 基本支出 and 项目支出 in the seed's 支出决算表


def _rendered(tmp_path: Path, planted_total: str | None = None) -> ExtractedDocument:
    table = seed_table(SEED000, 279, 286, 307, 2)
    if planted_total is not None:
        next(r for r in table.body if r[0] == "2010301")[4] = planted_total
    return extract_document(render(table, tmp_path / "table.pdf", ruled=True))


def _shift_one_column(doc: ExtractedDocument) -> None:
    """Plant the misreading in the extractor's grid: 2010301's 基本支出 read one column right."""
    (table,) = doc.tables
    for k, row in enumerate(table.rows):
        if row.cells[0] == "2010301":
            cells = list(row.cells)
            assert (cells[BASIC], cells[PROJECT]) == ("7,171,195.84", "0.00"), cells
            cells[BASIC], cells[PROJECT] = "", cells[BASIC]
            table.rows[k] = RawRow(tuple(cells), page=row.page, bbox=row.bbox, span_from=row.span_from)
            return
    raise AssertionError("row 2010301 not read")


def _load_and_validate(doc: ExtractedDocument, warehouse: Path, *, reread: bool) -> tuple[dict, pl.DataFrame]:
    n = normalise_document(doc, reread=reread)
    with writer(warehouse) as con:
        document_id = load_document(con, n.document, n.facts, n.tables, n.extras).document_id
        results = evaluate_document(con, document_id).results
        (table,) = con.execute(
            "select engine, coverage, unplaced, doubt from doc_table where document_id = ?", [document_id]
        ).fetchall()
        basic = con.execute(
            "select amount from fact_line_item where document_id = ? and func_code = '2010301' "
            "and measure = 'basic_expenditure'",
            [document_id],
        ).fetchone()
    return {
        "engine": table[0],
        "coverage": table[1],
        "unplaced": table[2],
        "doubt": table[3],
        "basic": basic,
    }, results


def _failed(results: pl.DataFrame, severity: str) -> pl.DataFrame:
    return results.filter(~pl.col("passed") & (pl.col("severity") == severity))


def test_clean_rendered_table_is_fully_covered(tmp_path: Path) -> None:
    table, results = _load_and_validate(_rendered(tmp_path), tmp_path / "w.duckdb", reread=False)
    assert table["coverage"] == 1.0 and table["doubt"] is False
    assert _failed(results, "error").height == 0
    assert results.filter(pl.col("rule_id") == "E01")["passed"].all()


def test_value_shifted_one_column_is_an_extraction_doubt_not_an_error(tmp_path: Path) -> None:
    doc = _rendered(tmp_path)
    _shift_one_column(doc)
    table, results = _load_and_validate(doc, tmp_path / "w.duckdb", reread=False)

    assert table["doubt"] is True and table["coverage"] < 1
    unplaced = {(u["text"], u["page"]) for u in json.loads(table["unplaced"])}
    # the 0.00 printed under 项目支出 is in no fact; the moved figure sits under the wrong column
    assert {("0.00", 1), ("7,171,195.84", 1)} <= unplaced

    assert _failed(results, "error").to_dicts() == []
    doubts = _failed(results, "warning").filter(pl.col("extraction_doubt"))
    assert doubts.height > 0
    assert set(doubts["table_code"]) == {"D03"}
    assert all("extraction doubt: D03" in n and "7,171,195.84 p1" in n for n in doubts["note"])
    # the identities the misreading breaks: 20103 = Σ its 项 in 基本支出 and 项目支出
    assert {"20103"} <= set(doubts["row_key"])
    e01 = results.filter((pl.col("rule_id") == "E01") & ~pl.col("passed"))
    assert e01["table_code"].to_list() == ["D03"] and "unplaced" in e01["note"][0]


def test_rereading_keeps_the_reading_that_places_every_number(tmp_path: Path) -> None:
    doc = _rendered(tmp_path)
    _shift_one_column(doc)
    table, results = _load_and_validate(doc, tmp_path / "w.duckdb", reread=True)
    assert table["doubt"] is False and table["coverage"] == 1.0
    assert table["engine"] != "pdfplumber-lattice"
    assert table["basic"] == (Decimal("7171195.84"),)
    assert _failed(results, "error").height == 0
    assert not results["extraction_doubt"].any()


def test_printed_mistake_on_a_cleanly_read_table_stays_an_error(tmp_path: Path) -> None:
    doc = _rendered(tmp_path, planted_total="7,171,295.84")
    table, results = _load_and_validate(doc, tmp_path / "w.duckdb", reread=True)
    assert table["doubt"] is False and table["coverage"] == 1.0
    errors = _failed(results, "error")
    assert errors.filter(pl.col("rule_id") == "R01")["row_key"].to_list() == ["2010301"]
    assert not errors["extraction_doubt"].any()
