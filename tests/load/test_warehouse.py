"""Loading: one transaction per document, idempotent re-ingestion, versions, and bad input recorded."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas

from pipelines import SQL_DIR
from pipelines.extract.document import extract_document
from pipelines.load.warehouse import fill_concepts, load_document, writer
from pipelines.normalise.document import normalise_document
from tests.conftest import SEED000, SHGZB_PDF


def ingest(warehouse: Path, path: Path):
    n = normalise_document(extract_document(path))
    with writer(warehouse) as con:
        return load_document(con, n.document, n.facts, n.tables)


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_same_file_twice_changes_nothing(warehouse: Path) -> None:
    first = ingest(warehouse, SHGZB_PDF)
    before = query(warehouse, "select count(*), sum(amount) from fact_line_item")
    second = ingest(warehouse, SHGZB_PDF)
    assert (first.outcome, second.outcome) == ("loaded", "unchanged")
    assert query(warehouse, "select count(*), sum(amount) from fact_line_item") == before
    assert query(warehouse, "select count(*) from dim_document") == [(1,)]


def test_facts_go_in_with_the_concepts_the_vocabulary_migration_gives(warehouse: Path) -> None:
    """load_document sets each row's concept before the insert (with_concepts); fill_concepts, which
    the vocabulary migration runs over NULL concepts, must find nothing else to write."""
    n = normalise_document(extract_document(SEED000))  # line items and performance money lines
    tables = ("fact_line_item", "fact_performance_budget")
    with writer(warehouse) as con:
        load_document(con, n.document, n.facts, n.tables, n.extras)
        loaded = {t: con.execute(f"select * from {t} order by all").fetchall() for t in tables}
        for table in tables:
            con.execute(f"update {table} set concept = null")
        fill_concepts(con)
        again = {t: con.execute(f"select * from {t} order by all").fetchall() for t in tables}
        with_concept = [con.execute(f"select count(concept) from {t}").fetchone() for t in tables]
    assert loaded == again
    assert all(count and count[0] > 0 for count in with_concept)


def test_changed_file_becomes_current_and_old_version_stays(warehouse: Path, tmp_path: Path) -> None:
    old = ingest(warehouse, SEED000)
    revised = tmp_path / "seed000_revised.txt"
    revised.write_text(
        SEED000.read_text(encoding="utf-8").replace("7,171,195.84", "7,171,195.85"), encoding="utf-8"
    )
    new = ingest(warehouse, revised)
    assert new.document_id != old.document_id
    rows = dict(query(warehouse, "select document_id, is_current from dim_document"))
    assert rows == {old.document_id: False, new.document_id: True}
    amounts = query(
        warehouse,
        "select document_id, amount from fact_line_item where table_code = 'D03' "
        "and func_code = '2010301' and measure = 'total_expenditure' order by amount",
    )
    assert [(d, str(a)) for d, a in amounts] == [
        (old.document_id, "7171195.84"),
        (new.document_id, "7171195.85"),
    ]
    # the current-only view follows the newest version
    assert query(warehouse, "select distinct document_id from v_expenditure_by_function") == [
        (new.document_id,)
    ]


def test_other_documents_keep_their_own_current_version(warehouse: Path) -> None:
    ingest(warehouse, SEED000)
    ingest(warehouse, SHGZB_PDF)
    assert query(warehouse, "select count(*) from dim_document where is_current") == [(2,)]


def test_loaded_money_is_decimal_in_yuan(warehouse: Path) -> None:
    ingest(warehouse, SHGZB_PDF)
    (dtype,) = query(
        warehouse,
        "select data_type from information_schema.columns "
        "where table_name = 'fact_line_item' and column_name = 'amount'",
    )[0]
    assert dtype == "DECIMAL(18,2)"
    row = query(
        warehouse,
        "select amount, value_printed, unit_printed, page from fact_line_item "
        "where table_code = 'D01' and line_label = '总计' and panel = 'income'",
    )
    assert [(str(a), v, u, p) for a, v, u, p in row] == [("3078200.00", "307.82", "万元", 5)]


def test_codes_and_columns_a_document_prints_extend_the_reference_lists(warehouse: Path) -> None:
    """A function code, economic code or column the lists lack goes in once, from the document; after
    any load every fact's code and column is in its list."""
    import polars as pl

    n = normalise_document(extract_document(SEED000))
    first = pl.int_range(pl.len()) == 0
    facts = n.facts.with_columns(  # one line printed with codes and a column nobody catalogued
        pl.when(first).then(pl.lit("2999901")).otherwise(pl.col("func_code")).alias("func_code"),
        pl.when(first).then(pl.lit("39988")).otherwise(pl.col("econ_code")).alias("econ_code"),
        pl.when(first).then(pl.lit("made_up_column")).otherwise(pl.col("measure")).alias("measure"),
    )
    label, header = facts["line_label"][0], facts["column_header"][0]
    with writer(warehouse) as con:
        load_document(con, n.document, facts, n.tables, n.extras)
        n2 = normalise_document(extract_document(SHGZB_PDF))
        load_document(con, n2.document, n2.facts, n2.tables, n2.extras)
        added = [
            con.execute(f"select {c} from {t} where {k} = ?", [v]).fetchall()
            for t, k, v, c in (
                ("dim_function_code", "code", "2999901", "level, name, parent_code, source"),
                ("dim_econ_code", "code", "39988", "level, name, parent_code, source"),
                ("dim_measure", "measure", "made_up_column", "label_zh"),
            )
        ]
        missing = con.execute(
            """
            select count(*) filter (where measure not in (select measure from dim_measure)),
                   count(*) filter (where func_code not in (select code from dim_function_code)),
                   count(*) filter (where econ_code not in (select code from dim_econ_code))
            from fact_line_item
            """
        ).fetchone()
    assert added == [
        [("项", label, "29999", "document")],
        [("款", label, "399", "document")],
        [(header or "made_up_column",)],
    ]
    assert missing == (0, 0, 0)


# --- bad input -------------------------------------------------------------------------------


def _empty(tmp: Path) -> Path:
    (p := tmp / "empty.pdf").write_bytes(b"")
    return p


def _truncated(tmp: Path) -> Path:
    data = SHGZB_PDF.read_bytes()
    (p := tmp / "truncated.pdf").write_bytes(data[: len(data) // 3])
    return p


def _encrypted(tmp: Path) -> Path:
    writer_ = PdfWriter(clone_from=PdfReader(SHGZB_PDF))
    writer_.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    with (p := tmp / "encrypted.pdf").open("wb") as f:
        writer_.write(f)
    return p


def _not_a_pdf(tmp: Path) -> Path:
    (p := tmp / "report.pdf").write_text("<html><body>404 Not Found</body></html>", encoding="utf-8")
    return p


def _scanned(tmp: Path) -> Path:
    image = tmp / "page.png"
    Image.new("RGB", (600, 800), "white").save(image)
    c = canvas.Canvas(str(p := tmp / "scanned.pdf"))
    c.drawImage(str(image), 0, 0, width=595, height=842)
    c.save()
    return p


def _corrupt_docx(tmp: Path) -> Path:
    (p := tmp / "budget.docx").write_bytes(b"PK\x03\x04 not really a docx")
    return p


def _unknown(tmp: Path) -> Path:
    (p := tmp / "budget.pptx").write_bytes(b"PK\x03\x04 slides")
    return p


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_empty, "empty"),
        (_truncated, "corrupt"),
        (_encrypted, "encrypted"),
        (_not_a_pdf, "not_a_pdf"),
        (_scanned, "scanned"),
        (_corrupt_docx, "corrupt"),
        (_unknown, "unsupported_format"),
    ],
)
def test_bad_input_is_recorded_as_failed(warehouse: Path, tmp_path: Path, make, reason: str) -> None:
    bad = make(tmp_path)
    result = ingest(warehouse, bad)
    assert result.outcome == "loaded" and result.facts == 0
    status, error = query(
        warehouse, "select status, error from dim_document where document_id = ?", [result.document_id]
    )[0]
    assert status == "failed"
    assert error.startswith(f"{reason}:")
    # and the warehouse still takes good documents afterwards
    assert ingest(warehouse, SEED000).facts > 0


def test_metadata_columns_and_reasons(warehouse: Path, tmp_path: Path) -> None:
    """admin_level and meta_note land in dim_document; a NULL field carries its reason."""
    seed = ingest(warehouse, SEED000)
    failed = ingest(warehouse, _scanned(tmp_path))
    rows = dict(
        (r[0], r[1:])
        for r in query(warehouse, "select document_id, scope, admin_level, meta_note from dim_document")
    )
    assert rows[seed.document_id] == ("部门", "县级", None)
    assert rows[failed.document_id] == (
        None,
        None,
        "metadata: not read, the file's text is unreadable (scanned)",
    )


def test_an_older_warehouse_gets_the_new_columns(tmp_path: Path) -> None:
    """A warehouse made before admin_level/meta_note existed is extended in place, then loads."""
    path = tmp_path / "old.duckdb"
    create = (SQL_DIR / "schema" / "010_dim_document.sql").read_text(encoding="utf-8").split("alter table")[0]
    with duckdb.connect(str(path)) as con:
        con.execute(create)
        assert "meta_note" not in {r[0] for r in con.execute("describe dim_document").fetchall()}
    result = ingest(path, SEED000)
    assert query(path, "select department, admin_level from dim_document") == [
        ("重庆市潼南区人民政府办公室", "县级")
    ]
    assert result.outcome == "loaded"
