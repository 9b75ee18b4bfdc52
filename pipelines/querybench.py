"""`python -m pipelines.bench --queries`: analyst queries timed on a warehouse multiplied to 10 million facts.

The cost of a query must grow with what it returns, not with the warehouse. The bundled samples
give about 3,000 facts; the warehouse is multiplied from them: each copy of a document gets a new
document id, its own department name and a fiscal year a few years back, with every fact, table,
narrative figure, project and validation result copied, so the views see thousands of departments
and years. The queries are the README's examples and the sums an analyst writes by department,
year and function. Each runs once to warm up, then `--repeat` times; the median is printed.

    python -m pipelines.bench --queries                       # samples → 10M facts in a temporary folder
    python -m pipelines.bench --queries --facts 1000000 --keep data/bench-1m.duckdb
    python -m pipelines.bench --queries --source data/warehouse.duckdb --keep /tmp/big.duckdb
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

TARGET_MS = 100.0

# (name, SQL); $doc is a document of the multiplied warehouse, $dept a department with several years
QUERIES: list[tuple[str, str]] = [
    (
        "README: v_expenditure_by_function of one department",
        "select department, fiscal_year, func_code, name, total, basic, project "
        "from v_expenditure_by_function where department = $dept order by fiscal_year, func_code",
    ),
    (
        "README: one document's table (fact_line_item)",
        "select table_code, line_label, measure, amount, value_printed, unit_printed, page "
        "from fact_line_item where document_id = $doc and table_code = 'D06'",
    ),
    (
        "README: v_budget_vs_final of one department",
        "select department, fiscal_year, func_code, name, budget_total, final_total, execution_pct "
        "from v_budget_vs_final where department = $dept order by fiscal_year, func_code",
    ),
    (
        "README: one document's narrative figures",
        "select metric, kind, value, percent, sentence, page from fact_narrative_figure "
        "where document_id = $doc",
    ),
    (
        "README: v_document_quality, worst first (top 50)",
        "select * from v_document_quality order by failed_errors desc, document_id limit 50",
    ),
    (
        "README: v_current_findings of one department",
        "select department, rule_id, family, table_code, row_key, expected, actual, difference, "
        "tolerance, page from v_current_findings where severity = 'error' and department = $dept",
    ),
    (
        "total expenditure by year and kind (B02 / D03 class rows)",
        "select d.fiscal_year, d.doc_kind, sum(f.amount) as total "
        "from fact_line_item as f join dim_document as d using (document_id) "
        "where d.is_current and length(f.func_code) = 3 and ((f.table_code = 'D03' and f.measure = "
        "'total_expenditure') or (f.table_code = 'B02' and f.measure = 'total')) group by all order by all",
    ),
    (
        "sum by function class and year (D03 total_expenditure)",
        "select d.fiscal_year, left(f.func_code, 3) as class, sum(f.amount) as total "
        "from fact_line_item as f join dim_document as d using (document_id) "
        "where d.is_current and f.table_code = 'D03' and f.measure = 'total_expenditure' "
        "and length(f.func_code) = 3 group by all order by all",
    ),
    (
        "sum by department and year (budget B02 total)",
        "select d.department, d.fiscal_year, sum(f.amount) as total "
        "from fact_line_item as f join dim_document as d using (document_id) "
        "where d.is_current and f.table_code = 'B02' and f.measure = 'total' and length(f.func_code) = 3 "
        "group by all order by total desc limit 20",
    ),
    (
        "one department's function 201 over the years",
        "select fiscal_year, doc_kind, sum(total) as total from v_expenditure_by_function "
        "where department = $dept and func_code = '201' group by all order by all",
    ),
    (
        "v_three_public of one department",
        "select * from v_three_public where department = $dept order by fiscal_year, basis",
    ),
    (
        "v_three_public: 三公 total per year (top 20 departments)",
        "select department, fiscal_year, sum(three_public_total) as total from v_three_public "
        "where basis = 'final' group by all order by total desc nulls last limit 20",
    ),
    # docs/sql-examples.md: one view per analyst question, for one department
    (
        "v_three_public_by_year: 三公 budget vs final, one department",
        "select fiscal_year, item, budget, final, execution_pct from v_three_public_by_year "
        "where department = $dept order by fiscal_year, item",
    ),
    (
        "v_expenditure_shares: personnel/public/project, one department",
        "select fiscal_year, doc_kind, expenditure_total, project_pct, personnel_pct_of_basic "
        "from v_expenditure_shares where department = $dept order by fiscal_year, doc_kind",
    ),
    (
        "v_top_projects: top 5 per document, one department",
        "select fiscal_year, rank, project_name, total, pct_of_listed from v_top_projects "
        "where department = $dept and rank <= 5 order by fiscal_year, rank",
    ),
    (
        "v_function_by_year: year on year, one department",
        "select func_code, fiscal_year, basis, total, prior_total, change_pct from v_function_by_year "
        "where department = $dept and prior_total is not null order by func_code, fiscal_year",
    ),
]

# tables copied per document (their rows follow the document's new id); dim_document is rebuilt
_PER_DOCUMENT = (
    "fact_line_item",
    "doc_table",
    "fact_narrative_figure",
    "fact_project",
    "fact_performance_indicator",
    "fact_performance_budget",
    "doc_performance_table",
    "dq_run",
    "dq_result",
    "dq_rule_count",
    "agg_document_function",
    "agg_document_total",
    "agg_document_three_public",
)


def build_source(folder: Path, path: Path) -> None:
    """A warehouse of the sample files, loaded and validated in process (no Dagster)."""
    from pipelines.guard import ingest_file
    from pipelines.load.warehouse import writer
    from pipelines.validate.engine import judge, prepare
    from pipelines.validate.rules import load_rules
    from pipelines.validate.store import store_evaluation

    rules = load_rules()
    files = sorted(
        p for p in folder.iterdir() if p.suffix.lower() in {".pdf", ".txt", ".md", ".docx", ".xlsx"}
    )
    with writer(path) as con:
        for f in files:
            doc_id = ingest_file(con, f).document_id
            row = con.execute("select status from dim_document where document_id = ?", [doc_id]).fetchone()
            if row and row[0] not in ("failed", "template"):
                store_evaluation(con, "bench-source", judge(prepare(con, doc_id, rules)), rules)


def multiply(source: Path, target: Path, facts: int) -> int:
    """Copy `source` into `target` as many times as it takes to hold `facts` facts; the facts held."""
    from pipelines.load.layout import maybe_cluster
    from pipelines.load.warehouse import STORAGE_VERSION, apply_schema

    target.unlink(missing_ok=True)
    con = duckdb.connect(str(target), config={"storage_compatibility_version": STORAGE_VERSION})
    try:
        apply_schema(con)
        indexes = con.execute(
            "select index_name, sql from duckdb_indexes() where schema_name = 'main' and not is_primary"
        ).fetchall()
        for name, _ in indexes:
            con.execute(f'drop index "{name}"')  # made again in bulk below
        con.execute(f"attach '{source}' as src (read_only)")
        for table in ("dim_measure", "dim_function_code", "dim_econ_code", "dq_rule"):
            con.execute(f"insert into {table} by name select * from src.{table} on conflict do nothing")
        (base,) = con.execute("select count(*) from src.fact_line_item").fetchone() or (0,)
        copies = max(1, -(-facts // max(base, 1)))
        # copy i of a document: a new id, department "<name> <i // 6>", fiscal year shifted back i % 6
        # years, so each department has six years of each kind
        con.execute(
            f"""
            create temp table doc_map as
            select d.document_id as old_id, left(md5(d.document_id || ':' || i), 16) as new_id, i
            from src.dim_document as d, range({copies}) as r(i)
            """
        )
        # departments follow the documents: copy group g (= i // 6) of a department is its own
        # canonical department, named like its documents, its units under the group's parent
        con.execute(
            f"""
            insert into dim_department by name
            select p.* replace (
                p.department_id || case when g = 0 then '' else ':' || g end as department_id,
                p.canonical_name || case when g = 0 then '' else ' ' || g end as canonical_name,
                p.parent_department_id || case when g = 0 then '' else ':' || g end as parent_department_id)
            from src.dim_department as p, range({-(-copies // 6)}) as r(g)
            """
        )
        con.execute(
            """
            insert into dim_document by name
            select d.* replace (
                m.new_id as document_id,
                d.department_id || case when m.i < 6 then '' else ':' || m.i // 6 end as department_id,
                d.department || case when m.i < 6 then '' else ' ' || m.i // 6 end as department,
                d.fiscal_year - m.i % 6 as fiscal_year,
                d.version_key || '|' || m.i as version_key,
                d.source_sha256 || m.i as source_sha256)
            from src.dim_document as d join doc_map as m on m.old_id = d.document_id
            """
        )
        tables = con.execute("select table_name from duckdb_tables() where database_name = 'src'").fetchall()
        in_source = {r[0] for r in tables}
        for table in (t for t in _PER_DOCUMENT if t in in_source):  # (dq_rule_count: a source of 0004 on)
            con.execute(
                f"""
                insert into {table} by name
                select t.* replace (m.new_id as document_id)
                from src.{table} as t join doc_map as m on m.old_id = t.document_id
                order by m.i, m.old_id  -- one document after another, as the loader writes them
                """
            )
        t0 = time.perf_counter()
        for _, sql in indexes:  # the migrations are recorded: apply_schema would not make them again
            con.execute(sql)
        apply_schema(con)
        print(f"indexes built in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        if maybe_cluster(con):  # what the writer does when the unordered facts reach 10 %
            print(f"facts rewritten in cluster order in {time.perf_counter() - t0:.1f} s")
        (n,) = con.execute("select count(*) from fact_line_item").fetchone() or (0,)
        con.execute("checkpoint")
    finally:
        con.close()
    return int(n)


def _parameters(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """A final account with a D06 table and narrative figures, and its department (six years loaded)."""
    row = con.execute(
        """
        select d.document_id, d.department from dim_document as d
        where d.is_current and d.status = 'ok' and d.doc_kind = 'final_account'
          and exists (select 1 from fact_narrative_figure as n where n.document_id = d.document_id)
          and exists (select 1 from fact_line_item as f where f.document_id = d.document_id
                      and f.table_code = 'D06')
        order by d.department desc limit 1
        """
    ).fetchone()
    if row is None:
        raise SystemExit("the warehouse has no loaded document with narrative figures")
    return {"doc": row[0], "dept": row[1]}


def time_queries(path: Path, repeat: int = 7) -> list[tuple[str, float, int]]:
    """(name, median ms, rows) per query, read-only like an analyst, results fetched as Arrow."""
    from pipelines.load.warehouse import reader

    out = []
    with reader(path) as con:
        params = _parameters(con)
        for name, sql in QUERIES:
            used = {k: v for k, v in params.items() if f"${k}" in sql}
            rows = len(con.execute(sql, used).fetchall())  # warm-up
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                con.execute(sql, used).to_arrow_table()
                times.append((time.perf_counter() - t0) * 1000)
            out.append((name, statistics.median(times), rows))
    return out


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m pipelines.bench --queries")
    parser.add_argument("--facts", type=int, default=10_000_000, help="facts of the multiplied warehouse")
    parser.add_argument(
        "--source", type=Path, help="warehouse to multiply (default: the samples, loaded now)"
    )
    parser.add_argument("--samples", type=Path, default=Path("data/samples"))
    parser.add_argument("--keep", type=Path, help="keep the multiplied warehouse here; reused when present")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        big = args.keep or Path(tmp) / "big.duckdb"
        if not big.exists():
            source = args.source
            if source is None:
                source = Path(tmp) / "samples.duckdb"
                t0 = time.perf_counter()
                build_source(args.samples, source)
                print(f"samples loaded and validated in {time.perf_counter() - t0:.1f} s")
            t0 = time.perf_counter()
            n = multiply(source, big, args.facts)
            print(f"multiplied to {n:,} facts in {time.perf_counter() - t0:.1f} s ({big})")
        with duckdb.connect(str(big), read_only=True) as con:
            (n,) = con.execute("select count(*) from fact_line_item").fetchone() or (0,)
            (docs,) = con.execute("select count(*) from dim_document").fetchone() or (0,)
        print(f"\n{n:,} facts, {docs:,} documents; median of {args.repeat} runs after a warm-up\n")
        print(f"{'query':<62} {'median ms':>9} {'rows':>7}")
        slow = 0
        for name, ms, rows in time_queries(big, args.repeat):
            slow += ms >= TARGET_MS
            print(f"{name:<62} {ms:>9.1f} {rows:>7}{'  ≥ 100 ms' if ms >= TARGET_MS else ''}")
        print(f"\n{len(QUERIES) - slow}/{len(QUERIES)} queries under {TARGET_MS:.0f} ms")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
