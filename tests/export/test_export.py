"""`yujuesuan export`: the files load back in DuckDB and polars, and datapackage.json is a valid package."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest
from click.testing import CliRunner

from pipelines.cli import cli
from pipelines.export import export_warehouse, validate_package
from pipelines.load.warehouse import reader, writer
from pipelines.validate.engine import judge, prepare
from pipelines.validate.rules import load_rules
from pipelines.validate.store import store_evaluation
from tests.conftest import SEED000, SEEDS, ingest

# two final accounts and a budget of different years and kinds (text exports: quick to read)
FILES = (SEED000, SEEDS / "002_6e511b73bd73a431.txt", SEEDS / "004_c2b4d63b8c9ccf28.txt")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A validated warehouse of FILES and its export."""
    root = tmp_path_factory.mktemp("export")
    warehouse = root / "warehouse.duckdb"
    rules = load_rules()
    with writer(warehouse) as con:
        for f in FILES:
            doc_id = ingest(con, f)
            store_evaluation(con, "run-1", judge(prepare(con, doc_id, rules)), rules)
    out = root / "out"
    export_warehouse(warehouse, out)
    return warehouse, out


def _expected_sums(warehouse: Path) -> dict[tuple[int, str], Decimal]:
    with reader(warehouse) as con:
        rows = con.execute(
            """
            select d.fiscal_year, d.doc_kind, sum(f.amount)
            from fact_line_item f join dim_document d using (document_id)
            where d.is_current and d.status in ('ok', 'partial') group by all
            """
        ).fetchall()
    return {(int(y), k): s for y, k, s in rows}


def test_parquet_is_partitioned_by_fiscal_year_and_kind_and_loads_in_duckdb(
    exported: tuple[Path, Path],
) -> None:
    warehouse, out = exported
    expected = _expected_sums(warehouse)
    assert len(expected) >= 2  # several partitions, not one
    for year, kind in expected:
        assert list(
            (out / "parquet" / "fact_line_item" / f"fiscal_year={year}" / f"doc_kind={kind}").glob(
                "*.parquet"
            )
        )
    pattern = str(out / "parquet" / "fact_line_item" / "**" / "*.parquet")
    con = duckdb.connect()
    rows = con.execute(
        f"select fiscal_year, doc_kind, sum(amount), any_value(typeof(amount)) "
        f"from read_parquet('{pattern}', hive_partitioning = true) group by all"
    ).fetchall()
    assert {(int(y), k): s for y, k, s, _ in rows} == expected
    assert {t for *_, t in rows} == {"DECIMAL(18,2)"}


def test_parquet_loads_in_polars_with_decimal_money(exported: tuple[Path, Path]) -> None:
    warehouse, out = exported
    frame = pl.read_parquet(out / "parquet" / "fact_line_item", hive_partitioning=True)
    assert frame.schema["amount"] == pl.Decimal(18, 2)
    sums = frame.group_by("fiscal_year", "doc_kind").agg(pl.col("amount").sum())
    assert {(int(r["fiscal_year"]), r["doc_kind"]): r["amount"] for r in sums.iter_rows(named=True)} == (
        _expected_sums(warehouse)
    )
    documents = pl.read_parquet(out / "parquet" / "documents.parquet")
    assert set(documents["document_id"]) == set(frame["document_id"])


def test_datapackage_validates_with_frictionless_and_names_fiscal_concepts(
    exported: tuple[Path, Path],
) -> None:
    _, out = exported
    assert validate_package(out) == []
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    fields = {f["name"]: f for f in package["resources"][0]["schema"]["fields"]}
    assert fields["amount"]["columnType"] == "value" and fields["amount"]["type"] == "number"
    assert fields["fiscal_year"]["columnType"] == "date:fiscal-year"
    assert fields["func_code"]["columnType"] == "functional-classification:generic:code"
    assert "元" in fields["amount"]["description"]  # the database comment travels with the column
    currency = package["resources"][0]["schema"]["extraFields"][0]
    assert (currency["columnType"], currency["constant"]) == ("value-currency:code", "CNY")
    with (out / "csv" / "line_items.csv").open(encoding="utf-8") as f:
        assert sum(1 for _ in csv.DictReader(f)) > 100


def test_a_broken_csv_fails_validation(exported: tuple[Path, Path], tmp_path: Path) -> None:
    _, out = exported
    copy = tmp_path / "copy"
    for p in out.rglob("*"):
        if p.is_file() and p.suffix in (".csv", ".json"):
            (copy / p.relative_to(out)).parent.mkdir(parents=True, exist_ok=True)
            (copy / p.relative_to(out)).write_bytes(p.read_bytes())
    lines = (copy / "csv" / "line_items.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = next(csv.reader([lines[1]]))
    cells[header.index("amount")] = "12 万元"
    lines[1] = ",".join(f'"{c}"' for c in cells)
    (copy / "csv" / "line_items.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = validate_package(copy)
    assert errors and any("type-error" in e for e in errors)


def test_quality_findings_export_as_csv_and_json(exported: tuple[Path, Path]) -> None:
    warehouse, out = exported
    with reader(warehouse) as con:
        (n,) = con.execute("select count(*) from v_current_findings").fetchone() or (0,)
    findings = json.loads((out / "quality" / "findings.json").read_text(encoding="utf-8"))
    with (out / "quality" / "findings.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert n > 0 and len(findings) == len(rows) == n
    assert {r["rule_id"] for r in rows} == {r["rule_id"] for r in findings}
    documents = json.loads((out / "quality" / "documents.json").read_text(encoding="utf-8"))
    assert len(documents) == len(FILES)


def test_export_command(exported: tuple[Path, Path], tmp_path: Path) -> None:
    warehouse, _ = exported
    result = CliRunner().invoke(cli, ["export", "--warehouse", str(warehouse), "--out", str(tmp_path / "x")])
    assert result.exit_code == 0, result.output
    assert "valid (Frictionless)" in result.output
    assert (tmp_path / "x" / "datapackage.json").exists()


def test_export_carries_concepts_and_canonical_departments(exported: tuple[Path, Path]) -> None:
    """Line items name their concept and department_id; the package has the concept and department lists."""
    _, out = exported
    with (out / "csv" / "line_items.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with (out / "csv" / "departments.csv").open(encoding="utf-8") as f:
        departments = {r["department_id"]: r for r in csv.DictReader(f)}
    with (out / "csv" / "concepts.csv").open(encoding="utf-8") as f:
        concepts = {r["concept"] for r in csv.DictReader(f)}
    assert {r["department_id"] for r in rows} <= set(departments)
    # seed000 (2024 final account) and seed002 (2025 budget, 本级): one 潼南 department
    names = {departments[r["department_id"]]["canonical_name"] for r in rows}
    assert "重庆市潼南区人民政府办公室" in names
    used = {r["concept"] for r in rows if r["concept"]}
    assert "expenditure_total" in used and used <= concepts
