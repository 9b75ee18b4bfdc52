"""`yujuesuan export`: the warehouse as files other tools read, and a Fiscal Data Package to publish it.

    out/
      datapackage.json                 Fiscal Data Package 1.0 (a Tabular Data Package whose fields carry
                                       the fiscal `columnType`s of the budget taxonomy)
      csv/line_items.csv               every fact of the current documents, with its document's year,
                                       kind, region, department (and department_id), the code names
                                       and the concept (denormalised)
      csv/documents.csv, function_codes.csv, econ_codes.csv, measures.csv, concepts.csv,
      csv/departments.csv              canonical departments (dim_department) with their parent
      parquet/<table>/fiscal_year=2024/doc_kind=final_account/*.parquet
                                       fact_line_item, fact_project, fact_narrative_figure (hive partitions)
      parquet/documents.parquet …      the dimensions, one file each
      quality/findings.csv|json        failing checks of each current document's latest validation run
      quality/documents.csv|json       per document: rules run, failures, status (v_document_quality)

Only current versions of loaded documents are exported (blank templates and failed files have no
figures to publish). Money stays DECIMAL(18,2) in 元 in Parquet and is written as plain decimals in CSV.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pipelines.paths import default_warehouse

if TYPE_CHECKING:
    import duckdb

BUDGET_TAXONOMY = "https://specs.frictionlessdata.io/taxonomies/fiscal/budgets.json"
EXPORTED = "d.is_current and d.status in ('ok', 'partial')"  # documents whose figures are published

# the denormalised fact table: one row per printed figure, with what the FDP needs beside it
LINE_ITEMS = f"""
select d.fiscal_year, d.doc_kind,
       case d.doc_kind when 'budget' then 'approved' when 'final_account' then 'executed' end as phase,
       d.province, d.city, d.county, d.department, f.document_id, f.table_code, f.table_title, f.row_no,
       f.panel, f.func_code, fc.name as func_name, f.econ_code, ec.name as econ_name, f.line_label,
       f.line_key, f.measure, m.label_zh as measure_label, f.amount, f.unit_printed, f.value_printed, f.page,
       f.concept, d.department_id
from fact_line_item as f
join dim_document as d using (document_id)
left join dim_function_code as fc on fc.code = f.func_code
left join dim_econ_code as ec on ec.code = f.econ_code
left join dim_measure as m on m.measure = f.measure
where {EXPORTED} and coalesce(f.unit_printed, '') <> '%'
order by d.fiscal_year, d.doc_kind, f.document_id, f.table_code, f.row_no, f.measure
"""

DOCUMENTS = f"""
select d.document_id, d.fiscal_year, d.doc_kind, d.province, d.city, d.county, d.department, d.scope,
       d.title, d.admin_level, d.file_format, d.source_sha256, d.page_count, d.status, d.tables_found,
       d.facts_loaded, d.department_id
from dim_document as d where {EXPORTED} order by d.fiscal_year, d.doc_kind, d.department, d.document_id
"""

# Parquet fact tables: every column of the table plus the partition keys of its document
PARTITIONED = ("fact_line_item", "fact_project", "fact_narrative_figure")
DIMENSIONS = {
    "documents": DOCUMENTS,
    "function_codes": "select code, level, name, parent_code, source from dim_function_code order by code",
    "econ_codes": "select code, level, name, parent_code, source from dim_econ_code order by code",
    "measures": (
        "select measure, label_zh, name_en, concept, side, role, basis from dim_measure order by measure"
    ),
    "concepts": "select concept, label_zh, name_en, definition, side, role from dim_concept order by concept",
    # canonical departments of the exported documents (and their parents), across years and kinds
    "departments": f"""
        select department_id, province, city, county, canonical_name, level, parent_department_id,
               parent_source
        from dim_department
        where department_id in (select department_id from dim_document as d where {EXPORTED})
           or department_id in (select c.parent_department_id from dim_department as c
                                join dim_document as d using (department_id) where {EXPORTED})
        order by department_id
    """,
}
QUALITY = {
    "findings": """
        select f.* from v_current_findings as f
        join dim_document as d using (document_id)
        order by f.department, f.document_id, f.rule_id, f.table_code, f.row_no
    """,
    "documents": "select * from v_document_quality order by department, document_id",
}

# fiscal concepts (FDP budget taxonomy ColumnTypes) of the line_items columns
COLUMN_TYPES = {
    "fiscal_year": "date:fiscal-year",
    "phase": "phase:id",
    "province": "geo:address:province:label",
    "city": "geo:address:city:label",
    "county": "geo:address:county:label",
    "department": "administrative-classification:generic:label",
    "func_code": "functional-classification:generic:code",
    "func_name": "functional-classification:generic:label",
    "econ_code": "economic-classification:generic:code",
    "econ_name": "economic-classification:generic:label",
    "line_label": "budget-line-label",
    "measure": "value-kind:code",
    "measure_label": "value-kind:label",
    "amount": "value",
}


@dataclass(frozen=True)
class ExportResult:
    out: Path
    documents: int
    line_items: int
    findings: int


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _frictionless_type(duckdb_type: str) -> str:
    t = duckdb_type.upper()
    if t.startswith(("DECIMAL", "DOUBLE", "FLOAT", "REAL")):
        return "number"
    if t in ("INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "UINTEGER", "UBIGINT"):
        return "integer"
    if t == "BOOLEAN":
        return "boolean"
    if t.startswith("TIMESTAMP"):
        return "datetime"
    if t == "DATE":
        return "date"
    return "string"


def _schema(con: duckdb.DuckDBPyConnection, sql: str, comments: dict[str, str]) -> dict[str, Any]:
    """Table Schema of a query's columns: names, types, the database comment, fiscal concepts."""
    fields = []
    for name, duckdb_type, *_ in con.execute(f"describe {sql}").fetchall():
        field: dict[str, Any] = {"name": name, "type": _frictionless_type(duckdb_type)}
        if comments.get(name):
            field["description"] = comments[name]
        if name in COLUMN_TYPES:
            field["columnType"] = COLUMN_TYPES[name]
        fields.append(field)
    return {"fields": fields}


def _column_comments(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Column comments of the warehouse by column name (fact_line_item and dim_document first)."""
    rows = con.execute(
        """
        select column_name, comment from duckdb_columns()
        where schema_name = 'main' and comment is not null
        order by case table_name when 'fact_line_item' then 0 when 'dim_document' then 1 else 2 end
        """
    ).fetchall()
    out: dict[str, str] = {}
    for name, comment in rows:
        out.setdefault(name, comment)
    out.update(
        {
            "phase": "Budget phase: approved (budget) or executed (final account) (预算/决算)",
            "func_name": "Official name of the function code (功能分类科目名称)",
            "econ_name": "Official name of the economic code (经济分类科目名称)",
            "measure_label": "Chinese column header of the measure (度量中文名)",
        }
    )
    return out


def _copy_csv(con: duckdb.DuckDBPyConnection, sql: str, path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"copy ({sql}) to '{_sql_path(path)}' (format csv, header true)")
    (n,) = con.execute(f"select count(*) from ({sql})").fetchone() or (0,)
    return int(n)


def _copy_json(con: duckdb.DuckDBPyConnection, sql: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"copy ({sql}) to '{_sql_path(path)}' (format json, array true)")


def _write_parquet(con: duckdb.DuckDBPyConnection, out: Path) -> None:
    (out / "parquet").mkdir(parents=True, exist_ok=True)
    for table in PARTITIONED:
        sql = (
            f"select t.*, d.fiscal_year, d.doc_kind from {table} as t "
            f"join dim_document as d using (document_id) "
            f"where {EXPORTED} and d.fiscal_year is not null and d.doc_kind is not null"
        )
        con.execute(
            f"copy ({sql}) to '{_sql_path(out / 'parquet' / table)}' "
            "(format parquet, partition_by (fiscal_year, doc_kind), overwrite_or_ignore true)"
        )
    for name, sql in DIMENSIONS.items():
        con.execute(f"copy ({sql}) to '{_sql_path(out / 'parquet' / f'{name}.parquet')}' (format parquet)")


def datapackage(con: duckdb.DuckDBPyConnection, years: list[int]) -> dict[str, Any]:
    """The Fiscal Data Package descriptor of the CSV files (paths relative to the package folder)."""
    comments = _column_comments(con)
    line_items = _schema(con, LINE_ITEMS, comments)
    line_items["extraFields"] = [
        {
            "name": "currency",
            "type": "string",
            "columnType": "value-currency:code",
            "constant": "CNY",
            "description": "Every amount is in yuan (元), whatever unit the document printed",
        }
    ]
    line_items["foreignKeys"] = [
        {"fields": "document_id", "reference": {"resource": "documents", "fields": "document_id"}}
    ]
    resources = [
        {
            "name": "line_items",
            "title": "Figures of the standard tables of budgets and final accounts (部门预决算报表数值)",
            "path": "csv/line_items.csv",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": line_items,
        }
    ]
    titles = {
        "documents": "Documents: one row per published budget or final account (文档)",
        "function_codes": "Expenditure functional classification (支出功能分类科目)",
        "econ_codes": "Expenditure economic classification (支出经济分类科目)",
        "measures": "Column vocabulary, each measure with its concept (度量词表)",
        "concepts": "Concepts: one name of a figure across budgets and final accounts (概念词表)",
        "departments": "Canonical departments and units, with their parent (部门与单位)",
    }
    keys = {"documents": "document_id", "function_codes": "code", "econ_codes": "code", "measures": "measure",
            "concepts": "concept", "departments": "department_id"}  # fmt: skip
    for name, sql in DIMENSIONS.items():
        schema = _schema(con, sql, comments)
        schema["primaryKey"] = keys[name]
        resources.append(
            {
                "name": name,
                "title": titles[name],
                "path": f"csv/{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": schema,
            }
        )
    span = f"{min(years)}–{max(years)}" if years else "no year"
    return {
        "name": "yujuesuan-department-budgets-and-final-accounts",
        "title": f"Department budgets and final accounts, {span} (部门预算与决算)",
        "description": (
            "Figures of the standard disclosure tables of Chinese government department budgets (部门预算) "
            "and final accounts (部门决算), extracted from the published documents by yujuesuan, in yuan."
        ),
        "profile": "tabular-data-package",
        "version": "1.0.0",
        "created": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "countryCode": "CN",
        "columnTypes": [BUDGET_TAXONOMY],
        "fiscalPeriod": {"start": f"{min(years)}-01-01", "end": f"{max(years)}-12-31"} if years else {},
        "sources": [{"title": "Published department budgets and final accounts (部门预决算公开)"}],
        "resources": resources,
    }


def export_warehouse(warehouse: Path, out: Path) -> ExportResult:
    """Write every export of the published warehouse into `out` (replaced if it exists)."""
    from pipelines.load.warehouse import reader

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    with reader(warehouse) as con:
        lines = _copy_csv(con, LINE_ITEMS, out / "csv" / "line_items.csv")
        counts = {name: _copy_csv(con, sql, out / "csv" / f"{name}.csv") for name, sql in DIMENSIONS.items()}
        _write_parquet(con, out)
        findings = 0
        for name, sql in QUALITY.items():
            n = _copy_csv(con, sql, out / "quality" / f"{name}.csv")
            _copy_json(con, sql, out / "quality" / f"{name}.json")
            findings = n if name == "findings" else findings
        years = [
            int(r[0])
            for r in con.execute(
                f"select distinct fiscal_year from ({DOCUMENTS}) where fiscal_year is not null"
            ).fetchall()
        ]
        package = datapackage(con, sorted(years))
    (out / "datapackage.json").write_text(
        json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return ExportResult(out, counts["documents"], lines, findings)


def validate_package(out: Path) -> list[str]:
    """Frictionless's errors for the package (descriptor and every CSV against its schema); [] when valid."""
    from frictionless import validate

    report = validate(str((out / "datapackage.json").resolve()))
    return [f"{e.type}: {e.message}" for task in report.tasks for e in task.errors] + [
        f"{e.type}: {e.message}" for e in report.errors
    ]


@click.command("export")
@click.option("--warehouse", type=click.Path(dir_okay=False, path_type=Path), default=default_warehouse)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/export"),
    show_default=True,
    help="Folder to write (replaced).",
)
@click.option("--no-validate", is_flag=True, help="Skip the Frictionless validation of datapackage.json.")
def export(warehouse: Path, out: Path, no_validate: bool) -> None:
    """Parquet (by fiscal year and kind), CSV, a Fiscal Data Package and the quality findings."""
    try:
        result = export_warehouse(warehouse, out)
    except FileNotFoundError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(
        f"exported {result.documents} documents, {result.line_items} figures and {result.findings} findings "
        f"to {result.out}"
    )
    if not no_validate:
        errors = validate_package(out)
        if errors:
            raise click.ClickException("datapackage.json is not valid:\n" + "\n".join(errors[:20]))
        click.echo("datapackage.json: valid (Frictionless)")
