"""A warehouse holding clean documents for the rule tests: two real final accounts and synthetic tables
for layouts the samples do not print (an economic table with a 合计 row, a filled 三公 table)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.extract.types import DocumentMeta, ExtractedDocument
from pipelines.load.warehouse import load_document, writer
from pipelines.normalise.frames import FACT_SCHEMA, TABLE_SCHEMA
from tests.conftest import SAMPLES, SEED000, SEEDS, SHGZB_PDF, ingest

CLEAN_DOCUMENTS = {
    "seed000": SEED000,
    "seed_shgzb": SHGZB_PDF,
    "sh_zfb_budget": SAMPLES / "sh_putuo_zfb_2025_bumen_yusuan.pdf",
    "seed002": SEEDS / "002_6e511b73bd73a431.txt",
    "seed004": SEEDS / "004_c2b4d63b8c9ccf28.txt",
    "seed001": SEEDS / "001_8a99ebaca312e0ad.txt",
    "seed003": SEEDS / "003_5006032ceb30bda5.txt",
}


Row = tuple[str, str | None, str | None, str, str]


def _synthetic(name: str, rows: list[Row]) -> tuple[ExtractedDocument, pl.DataFrame]:
    """A document with facts (table, econ_code, label, measure, amount) and nothing else."""
    doc = ExtractedDocument(
        f"synthetic/{name}", name.ljust(64, "0"), "txt", 0, DocumentMeta("final_account", 2024), []
    )
    labels = list(dict.fromkeys((table, label) for table, _, label, _, _ in rows))  # one row per label
    records = [
        dict.fromkeys(FACT_SCHEMA)
        | {
            "document_id": doc.document_id, "table_code": table, "table_title": table,
            "econ_code": econ, "line_label": label, "measure": measure, "amount": Decimal(amount),
            "is_blank": False, "unit_printed": "元", "value_printed": amount, "line_no": i + 1,
            "row_no": labels.index((table, label)) + 1,
        }
        for i, (table, econ, label, measure, amount) in enumerate(rows)
    ]  # fmt: skip
    return doc, pl.DataFrame(records, schema=FACT_SCHEMA)


SYNTHETIC: dict[str, list[Row]] = {
    "synthetic_econ_total": [
        ("D06", "301", "工资福利支出", "final_amount", "300.00"),
        ("D06", "30101", "基本工资", "final_amount", "100.00"),
        ("D06", "30102", "津贴补贴", "final_amount", "200.00"),
        ("D06", "302", "商品和服务支出", "final_amount", "50.00"),
        ("D06", "30201", "办公费", "final_amount", "50.00"),
        ("D06", None, "合计", "final_amount", "350.00"),
    ],
    "synthetic_three_public": [
        ("D09", None, "决算", f"{basis}_{part}", amount)
        for basis in ("budget", "final")
        for part, amount in (
            ("total", "100.00"),
            ("outbound_travel", "10.00"),
            ("vehicle_total", "60.00"),
            ("vehicle_purchase", "20.00"),
            ("vehicle_operation", "40.00"),
            ("reception_total", "30.00"),
        )
    ],
}


@pytest.fixture(scope="session")
def clean_warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """Path of the warehouse and the document id of each clean case."""
    path = tmp_path_factory.mktemp("rules") / "warehouse.duckdb"
    ids: dict[str, str] = {}
    with writer(path) as con:
        for name, source in CLEAN_DOCUMENTS.items():
            ids[name] = ingest(con, source)
        for name, rows in SYNTHETIC.items():
            doc, facts = _synthetic(name, rows)
            load_document(con, doc, facts, pl.DataFrame(schema=TABLE_SCHEMA))
            ids[name] = doc.document_id
    return path, ids


@pytest.fixture
def warehouse_con(clean_warehouse: tuple[Path, dict[str, str]]) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection whose changes are rolled back after the test, so faults never leak."""
    con = duckdb.connect(str(clean_warehouse[0]))
    con.execute("begin transaction")
    try:
        yield con
    finally:
        con.execute("rollback")
        con.close()
