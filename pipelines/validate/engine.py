"""Validate stage: run the rule catalog over one document and measure every check.

`evaluate_document(con, document_id)` is the whole stage without persistence: it runs each
applicable rule's SQL against the warehouse, scores the checks (tolerance.py), lets Great
Expectations judge them (gx.py) and returns one polars row per check, ready for `dq_result`.

    with reader(path) as con:
        results = evaluate_document(con, "a5a998e9cd355fad").results
"""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines import SQL_DIR
from pipelines.errors import DocumentNotFoundError, RuleError
from pipelines.load.warehouse import single_threaded
from pipelines.validate import tolerance as tol
from pipelines.validate.rules import FAMILY_ORDER, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, Rule, load_rules

log = logging.getLogger("yujuesuan.validate")
MONEY = pl.Decimal(18, 2)
CHECK_SCHEMA: dict[str, Any] = {
    "check_id": pl.Int64,
    "rule_id": pl.String,
    "severity": pl.String,
    "table_code": pl.String,
    "row_key": pl.String,
    "measure": pl.String,
    "row_no": pl.Int32,
    "expected": MONEY,
    "actual": MONEY,
    "difference": MONEY,
    "tolerance": MONEY,
    "unit": pl.String,
    "page": pl.Int32,
    "line_no": pl.Int32,
    "note": pl.String,
    "slack": pl.Decimal(28, 8),
    # an identity that failed on a table whose reading is in doubt: reported as a warning
    "extraction_doubt": pl.Boolean,
}
RESULT_SCHEMA: dict[str, Any] = {**CHECK_SCHEMA, "passed": pl.Boolean}


class RuleSqlError(RuleError, RuntimeError):
    """A rule's SQL failed: a catalog bug, reported with the rule id rather than swallowed."""


@dataclass
class Evaluation:
    document_id: str
    doc_kind: str | None
    rules: list[Rule]  # the rules that applied to the document
    results: pl.DataFrame  # RESULT_SCHEMA
    gx_success: bool


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(tol.CENT)


def check_columns(rule: Rule, names: list[str]) -> None:
    """The columns a rule's SQL yields are its comparison's contract (rules.REQUIRED/OPTIONAL_COLUMNS)."""
    required, optional = REQUIRED_COLUMNS[rule.comparison], OPTIONAL_COLUMNS[rule.comparison]
    missing = sorted(required - set(names))
    unknown = sorted(set(names) - required - optional)
    if missing or unknown or len(set(names)) != len(names):
        raise RuleSqlError(
            f"rule {rule.id} ({rule.source}, comparison {rule.comparison}): columns "
            + "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unknown {', '.join(unknown)}" if unknown else "",
                    "named twice" if len(set(names)) != len(names) else "",
                )
                if part
            )
        )


def _score(rule: Rule, row: dict[str, Any]) -> tol.Scored:
    """The check's slack; `row` holds every column of the rule's comparison (absent optional ones None)."""
    if rule.comparison == "flag":
        return tol.score_flag(bool(row["ok"]))
    if rule.comparison == "ratio":
        row["expected"] = None  # the exact ratio, computed here
        actual = row["actual"]
        if actual is None or row["numerator"] is None or row["denominator"] is None:
            return tol.Scored(None, None, Decimal(-1))
        exact, scored = tol.score_ratio(
            Decimal(row["numerator"]),
            Decimal(row["denominator"]),
            Decimal(row["eps"] or 0),
            Decimal(actual),
            int(row["decimals"] or 0),
        )
        row["expected"] = exact
        return scored
    expected, actual = row["expected"], row["actual"]
    if expected is None or actual is None:
        # a figure the identity needs was not printed: the check cannot be made, which is a failure
        return tol.Scored(None, None, Decimal(-1))
    score = tol.score_le if rule.comparison == "le" else tol.score_eq
    return score(Decimal(expected), Decimal(actual), row["unit"], row["n_terms"])


# Tables a rule may read that are never scoped: the document catalog and the validation's own.
UNSCOPED = ("dim_document", "doc_delivery", "dq_rule", "dq_run", "dq_result", "warehouse_layout")


def sees_other_documents(rule: Rule) -> bool:
    """A rule that reads dim_document may look at other documents (XD: the same department's other
    year), so it runs against the whole warehouse; every other rule sees only its document's rows."""
    return "dim_document" in rule.sql


def _scoped_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        """
        select table_name from duckdb_columns()
        where schema_name = 'main' and database_name = current_database() and column_name = 'document_id'
          and table_name in (select table_name from duckdb_tables() where schema_name = 'main'
                             and database_name = current_database() and not temporary)
        order by table_name
        """
    ).fetchall()
    return [r[0] for r in rows if r[0] not in UNSCOPED]


_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
_MACRO = re.compile(r"\bcreate\s+(?:or\s+replace\s+)?macro\s+([a-z_][a-z0-9_]*)", re.IGNORECASE)


@functools.cache
def _macro_sources() -> dict[str, str]:
    """Each macro of sql/views (apply_schema creates them) → the text of its file: what it may read.
    From the files, not duckdb_functions(), whose listing of every built-in function costs 25 ms."""
    out: dict[str, str] = {}
    for path in sorted((SQL_DIR / "views").glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        out.update((name.lower(), text) for name in _MACRO.findall(text))
    return out


def tables_read(con: duckdb.DuckDBPyConnection, rules: Sequence[Rule]) -> list[str]:
    """The per-document tables the rules may read: named in their SQL, or in the warehouse's views
    and macros their SQL names (and those name, and so on). A name that only looks like a table's
    (a column or alias of the same spelling) costs a table scoped for nothing, never a wrong check:
    the scope only saves the rules reading the whole warehouse."""
    views = con.execute(
        "select lower(view_name), sql from duckdb_views() "
        "where not internal and database_name = current_database()"
    ).fetchall()
    bodies = _macro_sources() | dict(views)
    seen: set[str] = set()
    pending = [rule.sql for rule in rules]
    while pending:
        for name in set(_IDENTIFIER.findall(pending.pop().lower())) - seen:
            seen.add(name)
            if name in bodies:
                pending.append(bodies[name])
    return [t for t in _scoped_tables(con) if t.lower() in seen]


@contextmanager
def document_scope(
    con: duckdb.DuckDBPyConnection, document_ids: str | Sequence[str], tables: Sequence[str] | None = None
) -> Iterator[None]:
    """Within the block, every per-document table names only the rows of these documents.

    Temporary tables of the same names shadow the warehouse's (DuckDB resolves the temp schema
    first, in rule SQL, macros and views alike), each filled by one query of the batch's documents:
    the rules then read the batch's rows, not the warehouse, whatever its size.
    Dropped on exit, so nothing after the block (the load of the next document) can write into them.
    `tables`: only these (`tables_read` of the rules that run in the block); by default every table
    with a document_id.
    """
    ids = [document_ids] if isinstance(document_ids, str) else list(dict.fromkeys(document_ids))
    tables = _scoped_tables(con) if tables is None else list(tables)
    (database,) = con.execute("select current_database()").fetchone() or ("",)
    try:
        for table in tables:
            # one statement a table: in the order the documents are named, each in its storage order,
            # as a statement per document gave (DuckDB's index serves only the smallest documents)
            con.execute(
                f'create or replace temp table "{table}" as select * from "{database}".main."{table}" '
                "where document_id in (select unnest($ids::varchar[])) "
                "order by list_position($ids::varchar[], document_id), rowid",
                {"ids": ids},
            )
        yield
    finally:
        for table in tables:
            con.execute(f'drop table if exists temp.main."{table}"')


def _row_key(row: dict[str, Any]) -> tuple[tuple[bool, str], ...]:
    """A stable order for a rule's checks, whichever way the SQL ran (DuckDB promises none)."""
    return tuple((row[k] is None, str(row[k])) for k in sorted(row))


def _rows(rule: Rule, cursor: duckdb.DuckDBPyConnection, skip: int = 0) -> list[tuple[Any, dict[str, Any]]]:
    """The cursor's rows as contract dicts (absent optional columns NULL), each after its first
    `skip` values (the batch form's document id)."""
    names = [d[0] for d in cursor.description or []]
    check_columns(rule, names[skip:])
    absent = dict.fromkeys(REQUIRED_COLUMNS[rule.comparison] | OPTIONAL_COLUMNS[rule.comparison])
    return [
        (values[:skip], absent | dict(zip(names[skip:], values[skip:], strict=True)))
        for values in cursor.fetchall()
    ]


def _rule_rows(con: duckdb.DuckDBPyConnection, rule: Rule, document_id: str) -> list[dict[str, Any]]:
    try:
        cursor = con.execute(rule.sql, {"document_id": document_id})
    except duckdb.Error as exc:
        raise RuleSqlError(f"rule {rule.id} ({rule.source}): {exc}") from exc
    return sorted((row for _, row in _rows(rule, cursor)), key=_row_key)


_DOCUMENT_PARAMETER = re.compile(r"\$document_id\b")


def batch_sql(rule: Rule) -> str:
    """The rule's SQL run once for a list of documents: its per-document query as a LATERAL join.

    `$documents` (a list) becomes a row per document; the rule's own `$document_id` refers to that
    row, and each result row starts with the document it belongs to. DuckDB plans the query once
    and decorrelates it, instead of parsing, binding and optimising it once per document.
    """
    body = _DOCUMENT_PARAMETER.sub("__batch.document_id", rule.sql.strip().rstrip(";").rstrip())
    return (
        "select __batch.document_id as __document, __checks.* "
        "from (select unnest($documents::varchar[]) as document_id) as __batch, lateral (\n"
        f"{body}\n) as __checks"
    )


def _batch_rule_rows(
    con: duckdb.DuckDBPyConnection, rule: Rule, document_ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """The rule's checks for every document of the list, from one query; per document if DuckDB
    cannot run the rule's query correlated (the result is the same, only slower).

    For one document, the rule's own query: the LATERAL form gives the same rows, but DuckDB plans
    the correlated query (decorrelation, delim joins) at about 1.5 times the cost, and planning is
    most of a rule's cost at this size (a batch of one file, the fixed cost of every ingest).
    """
    if len(document_ids) == 1:
        return {document_ids[0]: _rule_rows(con, rule, document_ids[0])}
    try:
        cursor = con.execute(batch_sql(rule), {"documents": document_ids})
    except duckdb.Error:
        log.debug("rule %s: not batchable, run per document", rule.id, exc_info=True)
        return {d: _rule_rows(con, rule, d) for d in document_ids}
    out: dict[str, list[dict[str, Any]]] = {d: [] for d in document_ids}
    for (document_id,), row in _rows(rule, cursor, skip=1):
        out[document_id].append(row)
    return {d: sorted(rows, key=_row_key) for d, rows in out.items()}


_SLACK_QUANTUM = Decimal("0.00000001")
# the columns a check takes from its rule's row as they are (the others are computed)
_PLAIN_COLUMNS = ("table_code", "measure", "row_no", "page", "line_no", "note")


def _checks_frame(rules: list[Rule], rows_of: dict[str, list[dict[str, Any]]]) -> pl.DataFrame:
    """Scored checks in the catalog's rule order (CHECK_SCHEMA).

    Built a column at a time (a list per column): a dict per check, made into a frame, cost twice
    as much, and a batch has thousands of checks per document."""
    col: dict[str, list[Any]] = {name: [] for name in CHECK_SCHEMA}
    for rule in rules:
        rows = rows_of[rule.id]
        for row in rows:
            scored = _score(rule, row)  # first: a ratio's `expected` is computed here
            col["expected"].append(_money(row["expected"]))
            col["actual"].append(_money(row["actual"]))
            col["difference"].append(_money(scored.difference))
            col["tolerance"].append(_money(scored.tolerance))
            col["slack"].append(scored.slack.quantize(_SLACK_QUANTUM))
            col["row_key"].append(None if row["row_key"] is None else str(row["row_key"]))
            col["unit"].append("%" if rule.comparison == "ratio" else row["unit"])
            for name in _PLAIN_COLUMNS:
                col[name].append(row[name])
        col["rule_id"] += [rule.id] * len(rows)
        col["severity"] += [rule.severity] * len(rows)
    n = len(col["rule_id"])
    col["check_id"] = list(range(n))
    col["extraction_doubt"] = [False] * n
    return pl.DataFrame(
        [
            _decimals(name, col[name], dtype) if isinstance(dtype, pl.Decimal)
            else pl.Series(name, col[name], dtype=dtype)
            for name, dtype in CHECK_SCHEMA.items()
        ]
    )  # fmt: skip


def _decimals(name: str, values: list[Decimal | None], dtype: pl.Decimal) -> pl.Series:
    """A Decimal column from Decimals already quantized to its scale, made from their plain text
    (`format(v, "f")`, never an exponent): polars reads a text column into Decimal exactly (a value
    it cannot read raises) and ~5 times faster than it takes Python Decimals one by one (0.06 CPU-s
    a money column of 37 000 checks)."""
    text = [None if v is None else format(v, "f") for v in values]
    return pl.Series(name, text, dtype=pl.String).cast(dtype)


def collect_checks(con: duckdb.DuckDBPyConnection, document_id: str, rules: list[Rule]) -> pl.DataFrame:
    """Run every rule's SQL for the document and score each check (CHECK_SCHEMA).

    Rules confined to the document run inside `document_scope`; the few that look across documents
    run after it, on the whole warehouse. Checks keep the catalog's rule order either way.
    """
    rows_of: dict[str, list[dict[str, Any]]] = {}
    scoped = [r for r in rules if not sees_other_documents(r)]
    with single_threaded(con), document_scope(con, document_id, tables_read(con, scoped)):
        for rule in scoped:
            rows_of[rule.id] = _rule_rows(con, rule, document_id)
    for rule in rules:
        if sees_other_documents(rule):
            rows_of[rule.id] = _rule_rows(con, rule, document_id)
    return _checks_frame(rules, rows_of)


def collect_batch_checks(
    con: duckdb.DuckDBPyConnection, rules_of: dict[str, list[Rule]]
) -> dict[str, pl.DataFrame]:
    """`collect_checks` for many documents at once: each rule's SQL runs once over the documents it
    applies to (`rules_of`: document → its rules), inside one `document_scope` of the whole batch.

    Every rule reads each document's rows as it would alone: the LATERAL form binds `$document_id`
    per document, and the scope holds only the batch's rows. The checks of a document are the same
    as `collect_checks` gives, in the same order.
    """
    catalog: dict[str, Rule] = {}
    documents_of: dict[str, list[str]] = {}
    for document_id, rules in rules_of.items():
        for rule in rules:
            catalog.setdefault(rule.id, rule)
            documents_of.setdefault(rule.id, []).append(document_id)
    rows_of: dict[str, dict[str, list[dict[str, Any]]]] = {d: {} for d in rules_of}

    def run(cursor: duckdb.DuckDBPyConnection, rule: Rule) -> None:
        for document_id, rows in _batch_rule_rows(cursor, rule, documents_of[rule.id]).items():
            rows_of[document_id][rule.id] = rows

    with single_threaded(con):
        scoped = [r for r in catalog.values() if not sees_other_documents(r)]
        _run_scoped(con, list(rules_of), scoped, run, tables_read(con, scoped))
    for rule in catalog.values():
        if sees_other_documents(rule):
            run(con, rule)
    return {d: _checks_frame(rules, rows_of[d]) for d, rules in rules_of.items()}


MAX_RULE_THREADS = 4


def _rule_threads() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores, MAX_RULE_THREADS))


def _run_scoped(
    con: duckdb.DuckDBPyConnection,
    document_ids: list[str],
    rules: list[Rule],
    run: Callable[[duckdb.DuckDBPyConnection, Rule], None],
    tables: Sequence[str] | None = None,
) -> None:
    """`run` every rule inside the batch's `document_scope` (of `tables`), on as many connections as
    there are cores.

    The rules are many small queries, each planned and run on its calling thread (`single_threaded`):
    one connection per core, each with its own scope (temporary tables belong to a connection; filling
    one costs a few scans), takes the next rule until none is left. DuckDB runs the connections'
    queries side by side, without the GIL; the checks do not depend on which connection ran a rule.
    """
    threads = min(_rule_threads(), len(rules))
    if threads <= 1:
        with document_scope(con, document_ids, tables):
            for rule in rules:
                run(con, rule)
        return
    pending = iter(rules)
    lock = threading.Lock()
    failed = threading.Event()

    def work(cursor: duckdb.DuckDBPyConnection) -> None:
        with document_scope(cursor, document_ids, tables):
            while not failed.is_set():
                with lock:
                    rule = next(pending, None)
                if rule is None:
                    return
                try:
                    run(cursor, rule)
                except BaseException:
                    failed.set()  # the others stop at their next rule
                    raise

    cursors = [con] + [con.cursor() for _ in range(threads - 1)]
    try:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="rules") as pool:
            for future in [pool.submit(work, c) for c in cursors]:
                future.result()
    finally:
        for cursor in cursors[1:]:
            cursor.close()


def document_kind(con: duckdb.DuckDBPyConnection, document_id: str) -> str | None:
    row = con.execute("select doc_kind from dim_document where document_id = ?", [document_id]).fetchone()
    if row is None:
        raise DocumentNotFoundError(f"document {document_id} is not in the warehouse")
    kind: str | None = row[0]
    return kind


@dataclass
class Prepared:
    """The checks of one document, measured but not yet judged."""

    document_id: str
    doc_kind: str | None
    rules: list[Rule]
    checks: pl.DataFrame  # CHECK_SCHEMA


def prepare(con: duckdb.DuckDBPyConnection, document_id: str, rules: list[Rule] | None = None) -> Prepared:
    """The warehouse part of validation: the rules that apply to the document and their checks."""
    kind = document_kind(con, document_id)
    applicable = [r for r in (rules if rules is not None else load_rules()) if r.applies_to(kind)]
    checks = mark_extraction_doubts(con, document_id, collect_checks(con, document_id, applicable))
    return Prepared(document_id, kind, applicable, checks)


def prepare_batch(
    con: duckdb.DuckDBPyConnection, document_ids: Sequence[str], rules: list[Rule] | None = None
) -> list[Prepared]:
    """`prepare` for every document of a batch, each rule's SQL run once for all of them."""
    catalog = rules if rules is not None else load_rules()
    ids = list(dict.fromkeys(document_ids))
    found = dict(
        con.execute(
            "select document_id, doc_kind from dim_document where document_id in (select unnest(?))", [ids]
        ).fetchall()
    )
    missing = [d for d in ids if d not in found]
    if missing:
        raise DocumentNotFoundError(f"document {missing[0]} is not in the warehouse")
    kinds: dict[str, str | None] = {d: found[d] for d in ids}
    rules_of = {d: [r for r in catalog if r.applies_to(kinds[d])] for d in ids}
    checks_of = mark_batch_doubts(con, collect_batch_checks(con, rules_of))
    return [Prepared(d, kinds[d], rules_of[d], checks_of[d]) for d in ids]


def mark_extraction_doubts(
    con: duckdb.DuckDBPyConnection, document_id: str, checks: pl.DataFrame
) -> pl.DataFrame:
    """A failed error-severity check on a table whose reading is in doubt is an extraction doubt.

    The table's reading left printed numbers unplaced or rows without keys (doc_table.doubt), so
    the identity may fail because of the reading, not the publication: the check becomes a warning
    flagged `extraction_doubt`, and its note names the table and the numbers left unplaced.
    """
    return mark_batch_doubts(con, {document_id: checks})[document_id]


def mark_batch_doubts(
    con: duckdb.DuckDBPyConnection, checks_of: dict[str, pl.DataFrame]
) -> dict[str, pl.DataFrame]:
    """`mark_extraction_doubts` for every document of a batch: one query for the doubts, one join.

    A check takes the first doubtful table (in page order) of its document and table code whose
    pages hold the check's page (a check or table without a page matches any).
    """
    if not checks_of:
        return {}
    rows = con.execute(
        """
        select document_id, table_code, page_start, page_end,
               'extraction doubt: ' || table_code || ' (' || table_title
                 || coalesce(', page ' || page_start, '')
                 || coalesce('–' || nullif(page_end, page_start), '') || ') read by ' || engine
                 || coalesce(', coverage ' || round(100 * coverage, 1) || '%', '')
                 || coalesce('; ' || doubt_reason, '')
                 || coalesce('; unplaced: ' || nullif(unplaced_list(unplaced), ''), '') as doubt_note
        from doc_table where doubt and document_id in (select unnest(?::varchar[]))
        order by document_id, page_start nulls first, line_no nulls first, table_code
        """,
        [list(checks_of)],
    ).fetchall()
    doubts = pl.DataFrame(
        rows,
        schema={"document_id": pl.String, "table_code": pl.String, "page_start": pl.Int32,
                "page_end": pl.Int32, "doubt_note": pl.String},
        orient="row",
    )  # fmt: skip
    if doubts.is_empty():
        return checks_of
    frames = [
        c.with_columns(pl.lit(d).alias("_document"), pl.int_range(pl.len()).alias("_row"))
        for d, c in checks_of.items()
        if not c.is_empty()
    ]
    if not frames:
        return checks_of
    checks = pl.concat(frames)
    page = pl.col("page")
    first, last = pl.col("page_start"), pl.coalesce("page_end", "page_start")
    hits = (
        checks.filter((pl.col("severity") == "error") & (pl.col("slack") < 0))
        .select("_document", "_row", "table_code", "page")
        .join(
            doubts.rename({"document_id": "_document"}).with_row_index("_order"),
            on=["_document", "table_code"],
        )
        .filter(page.is_null() | first.is_null() | ((first <= page) & (page <= last)))
        .sort("_order")
        .unique(["_document", "_row"], keep="first")
        .select("_document", "_row", pl.col("doubt_note").str.slice(0, 1500))
    )
    if hits.is_empty():
        return checks_of
    doubtful = pl.col("doubt_note").is_not_null()
    marked = (
        checks.join(hits, on=["_document", "_row"], how="left")
        .with_columns(
            pl.when(doubtful).then(pl.lit("warning")).otherwise(pl.col("severity")).alias("severity"),
            pl.when(doubtful).then(True).otherwise(pl.col("extraction_doubt")).alias("extraction_doubt"),
            pl.when(doubtful & (pl.col("note").fill_null("") == ""))
            .then(pl.col("doubt_note"))
            .when(doubtful)
            .then(pl.col("doubt_note") + "; " + pl.col("note"))
            .otherwise(pl.col("note"))
            .alias("note"),
        )
        .sort("_document", "_row", maintain_order=True)
    )
    out = dict(checks_of)
    for (document_id,), frame in marked.partition_by("_document", as_dict=True).items():
        out[str(document_id)] = frame.select(pl.col(k).cast(v) for k, v in CHECK_SCHEMA.items())
    return out


def judge(prepared: Prepared, docs_dir: Path | None = None) -> Evaluation:
    """GX's verdict on every check; `docs_dir` also records it in the Data Docs site there."""
    from pipelines.validate.gx import run_suite

    verdict = run_suite(
        prepared.checks,
        prepared.rules,
        suite_name=prepared.doc_kind or "unknown",
        run_name=prepared.document_id,
        docs_dir=docs_dir,
    )
    results = prepared.checks.with_columns(
        pl.col("check_id").is_in(list(verdict.failed_check_ids)).not_().alias("passed")
    )
    return Evaluation(prepared.document_id, prepared.doc_kind, prepared.rules, results, verdict.success)


def judge_batch(
    prepared: list[Prepared], docs_dir: Path | None = None, run_name: str = "batch"
) -> list[Evaluation]:
    """GX's verdict on many documents at once: one validation of all their checks, by the suite of the
    rules of the batch's document kinds (one kind: that kind's suite, as `judge` uses).

    Every check is still judged by its rule's expectation; the check ids are offset per document so
    GX's unexpected rows map back to their document. A document's `gx_success` is its own part of
    the verdict: no check of it failed. One validation rather than one per kind: GX's cost is per
    expectation, and the kinds share many rules (a budget's and a final account's: 29 of 121).
    """
    from pipelines.validate.gx import run_suite

    if not prepared:
        return []
    kinds = sorted({p.doc_kind or "unknown" for p in prepared})
    rules = sorted(
        {r.id: r for p in prepared for r in p.rules}.values(),
        key=lambda r: (FAMILY_ORDER.index(r.family), r.id),
    )
    offsets, frames, offset = [], [], 0
    for p in prepared:
        offsets.append(offset)
        frames.append(p.checks.with_columns(pl.col("check_id") + offset))
        offset += p.checks.height
    verdict = run_suite(
        pl.concat(frames), rules, suite_name="+".join(kinds), run_name=run_name, docs_dir=docs_dir
    )
    judged = []
    for p, start in zip(prepared, offsets, strict=True):
        failed = [i - start for i in verdict.failed_check_ids if start <= i < start + p.checks.height]
        results = p.checks.with_columns(pl.col("check_id").is_in(failed).not_().alias("passed"))
        judged.append(Evaluation(p.document_id, p.doc_kind, p.rules, results, not failed))
    return judged


def evaluate_document(
    con: duckdb.DuckDBPyConnection,
    document_id: str,
    rules: list[Rule] | None = None,
    docs_dir: Path | None = None,
) -> Evaluation:
    """Checks of every applicable rule, judged by the GX suite."""
    return judge(prepare(con, document_id, rules), docs_dir)
