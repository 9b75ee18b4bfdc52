"""Per-document summaries the analyst views read (`agg_document_function`, `agg_document_total`,
`agg_document_three_public`).

An analyst's view sums a few lines of each document: the function-code lines of the spending
tables, the 合计 rows, the 三公 lines. At 10 million facts a scan of `fact_line_item` for them costs
hundreds of milliseconds whatever the filter, because a department or year filter is on
`dim_document`, not on the facts. The lines are summed once, when the document's facts are
written (same transaction), into small tables keyed by document; the views join those, documents
first, so a question about one department reads that department's few rows through the index.

`refresh` replaces one document's rows, or every document's; `rewrite` does every document's and
records `VERSION` in `meta_summary`, which `apply_schema` compares when a warehouse is opened (one
made before the summaries, or by an older definition, is rewritten once), and runs after the
vocabulary's concepts were written again.
"""

from __future__ import annotations

import duckdb

SPENDING_TABLES = ("B02", "B08", "D03")
TOTAL_CONCEPTS = (
    "expenditure_total", "basic_expenditure", "project_expenditure", "personnel_expenditure",
    "public_operating_expenditure", "three_public_total", "three_public_outbound_travel",
    "three_public_vehicle_total", "three_public_vehicle_purchase", "three_public_vehicle_operation",
    "three_public_reception", "meeting_fee", "training_fee", "agency_operating_cost",
)  # fmt: skip
VERSION = 2  # raise when a summary's definition changes: opened warehouses rewrite theirs
# The order in which a document prints its lines. `row_no` restarts with each printing of a table that
# a document prints several times (a B12 per project, one a page): among those, the earliest page's
# line comes first, not whichever DuckDB's plan meets first (it differed between a per-document and an
# all-documents write). Version 1 ordered by `row_no` alone.
PRINT_ORDER = "f.row_no, f.page, f.line_no, f.row_top"
TABLES = ("agg_document_function", "agg_document_total", "agg_document_three_public")
FACTS, TOTALS = "fact_line_item", "agg_document_total"  # what `write` and `refresh` sum
NEW_TOTALS = "new_summary_totals"  # `write_new`: the new documents' total lines (a temporary table)


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


_FUNCTION = f"""
insert into agg_document_function
select f.document_id, f.table_code, f.func_code, m.basis,
    arg_min(f.line_label, ({PRINT_ORDER})) as line_label,
    sum(f.amount) filter (where f.concept = 'expenditure_total') as total,
    sum(f.amount) filter (where f.concept = 'basic_expenditure') as basic,
    sum(f.amount) filter (where f.concept = 'project_expenditure') as project,
    m.basis = 'prior_year'
        and bool_or(regexp_matches(coalesce(f.column_header, ''), '决算|执行')) as prior_final
from {{facts}} as f
left join dim_measure as m using (measure)
where f.table_code in ({_in(SPENDING_TABLES)}) and f.func_code is not null
  and f.concept in ('expenditure_total', 'basic_expenditure', 'project_expenditure')
  and coalesce(f.unit_printed, '') <> '%' {{where}}
group by f.document_id, f.table_code, f.func_code, m.basis
"""

_TOTAL_LINES = f"""
select f.document_id, f.table_code, f.measure, f.line_key, f.concept, m.basis, f.amount, f.row_no
from {{facts}} as f
left join dim_measure as m using (measure)
where f.func_code is null and f.econ_code is null and f.spending_unit is null
  and f.concept in ({_in(TOTAL_CONCEPTS)})
  and coalesce(f.unit_printed, '') <> '%' {{where}}
-- the first line of each figure: the document's total, before any per-unit lines
qualify row_number() over (
    partition by f.document_id, f.table_code, f.measure, f.line_key order by {PRINT_ORDER}) = 1
"""
_TOTAL = "insert into agg_document_total\n" + _TOTAL_LINES

_THREE_PUBLIC = """
insert into agg_document_three_public
with lines as (
    select a.*,
        -- the table that prints the document's 三公 total (机关运行经费 has a budget table of its own too)
        bool_or(a.concept = 'three_public_total') over (partition by a.document_id, a.table_code)
            as in_total_table
    from {totals} as a
    where a.concept in ('three_public_total', 'three_public_outbound_travel', 'three_public_vehicle_total',
        'three_public_vehicle_purchase', 'three_public_vehicle_operation', 'three_public_reception',
        'meeting_fee', 'training_fee', 'agency_operating_cost') {where}
)
select document_id, basis,
    sum(amount) filter (where concept = 'three_public_total'),
    sum(amount) filter (where concept = 'three_public_outbound_travel'),
    sum(amount) filter (where concept = 'three_public_vehicle_total'),
    sum(amount) filter (where concept = 'three_public_vehicle_purchase'),
    sum(amount) filter (where concept = 'three_public_vehicle_operation'),
    sum(amount) filter (where concept = 'three_public_reception'),
    sum(amount) filter (where concept = 'agency_operating_cost'),
    sum(amount) filter (where concept = 'meeting_fee'),
    sum(amount) filter (where concept = 'training_fee'),
    string_agg(distinct table_code, ',' order by table_code)
from lines
where in_total_table
group by document_id, basis
"""


def refresh(con: duckdb.DuckDBPyConnection, document_id: str | None = None) -> None:
    """Write the summaries of one document (or of all) from its facts, replacing older rows."""
    for table in TABLES:
        if document_id:
            con.execute(f"delete from {table} where document_id = ?", [document_id])
        else:
            con.execute(f"delete from {table}")
    write(con, document_id)


def write(con: duckdb.DuckDBPyConnection, document_id: str | None = None) -> None:
    """Write the summaries of one document (or of all) that has none (`refresh` cleared them), from
    its rows in `fact_line_item`. (A version being loaded gets its own from its new facts: `write_new`.)

    A document's 三公 summary is made of its `agg_document_total` lines of a table that prints the
    三公 total: when the lines just written (the document's only ones) have no such total, it would
    insert nothing, and its query (a window and ten aggregates: ~6 ms to plan) is not run.
    """
    where, params = ("and f.document_id = ?", [document_id]) if document_id else ("", [])
    con.execute(_FUNCTION.format(facts=FACTS, where=where), params)
    totals = con.execute(
        _TOTAL.format(facts=FACTS, where=where) + "\nreturning concept = 'three_public_total'", params
    )
    if document_id and not any(is_total for (is_total,) in totals.fetchall()):
        return
    con.execute(_THREE_PUBLIC.format(totals=TOTALS, where=where.replace("f.", "a.")), params)


def write_new(con: duckdb.DuckDBPyConnection, facts: str) -> None:
    """Write the summaries of the documents whose facts (with their concepts) the relation `facts`
    holds, each a version being loaded (no summary rows yet): several documents loaded in one
    transaction (`warehouse.load_many`) get theirs in four inserts (and a temporary table dropped),
    not three statements each (~12 ms a document to plan, whatever its size). They read only those
    facts, not `fact_line_item`, so the cost grows with the documents, not with the warehouse. The
    rows are the ones `write` gives each document."""
    lines = _TOTAL_LINES.format(facts=facts, where="")
    con.execute(f"create or replace temp table {NEW_TOTALS} as {lines}")
    try:
        con.execute(_FUNCTION.format(facts=facts, where=""))
        con.execute(f"insert into agg_document_total select * from {NEW_TOTALS}")
        con.execute(_THREE_PUBLIC.format(totals=NEW_TOTALS, where=""))
    finally:
        con.execute(f"drop table if exists temp.main.{NEW_TOTALS}")


def outdated(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the summaries were written by another definition (or never, in an older warehouse)."""
    return con.execute("select version from meta_summary").fetchall() != [(VERSION,)]


def rewrite(con: duckdb.DuckDBPyConnection) -> None:
    """Every document's summaries written again, and the definition's version recorded."""
    refresh(con)
    con.execute("delete from meta_summary")
    con.execute("insert into meta_summary values (?, now()::timestamp)", [VERSION])
