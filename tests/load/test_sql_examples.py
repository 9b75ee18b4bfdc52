"""docs/sql-examples.md: every query runs on a warehouse of data/samples and returns the figures the
page names, typed from the documents (page text quoted in the doc)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

from pipelines.load.warehouse import writer
from pipelines.validate.engine import evaluate_document
from pipelines.validate.rules import load_rules
from pipelines.validate.store import store_evaluation
from tests.conftest import PROJECT, SAMPLES, ingest

EXAMPLES = PROJECT / "docs" / "sql-examples.md"
QUERIES = re.findall(r"```sql\n(.*?)```", EXAMPLES.read_text(encoding="utf-8"), flags=re.S)
TONGNAN = "重庆市潼南区人民政府办公室"


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """The bundled samples, loaded and validated the way the Dagster job does."""
    warehouse = tmp_path_factory.mktemp("samples") / "w.duckdb"
    rules = load_rules()
    with writer(warehouse) as w:
        ids = [ingest(w, p) for p in sorted(SAMPLES.iterdir()) if p.suffix in {".pdf", ".txt"}]
        for doc_id in ids:
            status = w.execute("select status from dim_document where document_id = ?", [doc_id]).fetchone()
            if status and status[0] not in ("failed", "template"):
                store_evaluation(w, "examples", evaluate_document(w, doc_id, rules), rules)
    c = duckdb.connect(str(warehouse), read_only=True)
    yield c
    c.close()


def _rows(con: duckdb.DuckDBPyConnection, n: int) -> list[dict[str, object]]:
    cur = con.execute(QUERIES[n])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


# the 三公 execution rate by item needs a department's 三公 budget and final account of one year; no
# bundled sample pairs them (docs/sql-examples.md §5 says why), so that example is empty here
THREE_PUBLIC_EXECUTION = 6


def test_every_example_returns_rows(con: duckdb.DuckDBPyConnection) -> None:
    assert len(QUERIES) == 9
    empty = [i for i in range(len(QUERIES)) if not _rows(con, i)]
    assert empty == [THREE_PUBLIC_EXECUTION], f"examples without rows: {empty}"


def test_three_public_budget_and_final(con: duckdb.DuckDBPyConnection) -> None:
    rows = {(r["department"], r["fiscal_year"]): r for r in _rows(con, 0)}
    assert rows[("上海市普陀区人民政府办公室", 2025)]["budget"] == D("8675000.00")  # 867.50 万元
    assert rows[(TONGNAN, 2024)]["final"] == D("465326.00")  # 46.53 万元
    assert rows[("上海市普陀区人民政府办公室", 2025)]["budget_source"] == "budget"


def test_personnel_public_project_shares(con: duckdb.DuckDBPyConnection) -> None:
    row = next(r for r in _rows(con, 1) if r["department"] == "中共上海市普陀区委社会工作部")
    assert (row["personnel_expenditure"], row["public_operating_expenditure"]) == (
        D("953600.00"),
        D("102300.00"),
    )
    assert row["personnel_pct_of_basic"] == D("90.31")
    assert (row["expenditure_total"], row["project_expenditure"], row["project_pct"]) == (
        D("3078200.00"),
        D("2022400.00"),
        D("65.70"),
    )


def test_top_projects(con: duckdb.DuckDBPyConnection) -> None:
    first = next(r for r in _rows(con, 2) if r["department"] == TONGNAN and r["rank"] == 1)
    assert (first["project_name"], first["total"]) == ("数字化城市运行维护和治理专项", D("3000000.00"))
    assert first["pct_of_listed"] == D("24.90")  # 300.00 of the 14 projects' 1,205.00 万元


def test_year_on_year_by_function_and_signed_narrative(con: duckdb.DuckDBPyConnection) -> None:
    row = next(r for r in _rows(con, 3) if r["func_code"] == "2010301" and r["fiscal_year"] == 2025)
    assert (row["total"], row["prior_total"], row["change"]) == (
        D("7502000.00"),
        D("7080000.00"),
        D("422000.00"),
    )
    assert row["change_pct"] == D("5.96")
    signed = [r for r in _rows(con, 4) if r["department"] == TONGNAN and r["fiscal_year"] == 2024]
    assert any(r["signed_percent"] == D("-14.4") and r["value_printed"] == "下降14.4%" for r in signed)
    assert all(
        D(str(r["signed_percent"])) < 0
        for r in signed
        if str(r["value_printed"]).startswith(("下降", "减少"))
    )


def test_execution_rate_by_function(con: duckdb.DuckDBPyConnection) -> None:
    row = next(r for r in _rows(con, 5) if r["func_code"] == "2010301")
    assert (row["department"], row["fiscal_year"]) == (TONGNAN, 2024)
    assert (row["budget_total"], row["final_total"]) == (D("7080000.00"), D("7171195.84"))
    assert row["execution_pct"] == D("101.29")  # a DECIMAL, never a float


def test_failed_checks(con: duckdb.DuckDBPyConnection) -> None:
    h05 = [r for r in _rows(con, 7) if r["rule_id"] == "H05" and r["fiscal_year"] == 2025]
    assert any(r["expected"] == D("9199300") and r["actual"] == D("10135100") for r in h05)


def test_budget_and_final_account_share_a_department(con: duckdb.DuckDBPyConnection) -> None:
    docs = {
        (r["doc_kind"], r["fiscal_year"], r["scope"]) for r in _rows(con, 8) if r["canonical_name"] == TONGNAN
    }
    assert docs == {("final_account", 2024, "部门"), ("budget", 2025, "本级")}


def test_examples_file_is_the_documented_one() -> None:
    assert Path(EXAMPLES).is_file() and "v_function_by_year" in EXAMPLES.read_text(encoding="utf-8")
