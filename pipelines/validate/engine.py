"""Validate stage: run the rule catalog over one document and measure every check.

`evaluate_document(con, document_id)` is the whole stage without persistence: it runs each
applicable rule's SQL against the warehouse, scores the checks (tolerance.py), lets Great
Expectations judge them (gx.py) and returns one polars row per check, ready for `dq_result`.

    with reader(path) as con:
        results = evaluate_document(con, "a5a998e9cd355fad").results
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines.validate import tolerance as tol
from pipelines.validate.rules import Rule, load_rules

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


class RuleSqlError(RuntimeError):
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


def _score(rule: Rule, row: dict[str, Any]) -> tol.Scored:
    expected, actual = row.get("expected"), row.get("actual")
    if rule.comparison == "flag":
        return tol.score_flag(bool(row.get("ok")))
    if rule.comparison == "ratio":
        if actual is None or row.get("numerator") is None or row.get("denominator") is None:
            return tol.Scored(None, None, Decimal(-1))
        exact, scored = tol.score_ratio(
            Decimal(row["numerator"]),
            Decimal(row["denominator"]),
            Decimal(row.get("eps") or 0),
            Decimal(actual),
            int(row.get("decimals") or 0),
        )
        row["expected"] = exact
        return scored
    if expected is None or actual is None:
        # a figure the identity needs was not printed: the check cannot be made, which is a failure
        return tol.Scored(None, None, Decimal(-1))
    score = tol.score_le if rule.comparison == "le" else tol.score_eq
    return score(Decimal(expected), Decimal(actual), row.get("unit"), row.get("n_terms"))


def collect_checks(con: duckdb.DuckDBPyConnection, document_id: str, rules: list[Rule]) -> pl.DataFrame:
    """Run every rule's SQL for the document and score each check (CHECK_SCHEMA)."""
    records: list[dict[str, Any]] = []
    for rule in rules:
        try:
            cursor = con.execute(rule.sql, {"document_id": document_id})
        except duckdb.Error as exc:
            raise RuleSqlError(f"rule {rule.id} ({rule.source}): {exc}") from exc
        names = [d[0] for d in cursor.description or []]
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            scored = _score(rule, row)
            records.append(
                {
                    "check_id": len(records),
                    "rule_id": rule.id,
                    "severity": rule.severity,
                    "table_code": row.get("table_code"),
                    "row_key": None if row.get("row_key") is None else str(row["row_key"]),
                    "measure": row.get("measure"),
                    "row_no": row.get("row_no"),
                    "expected": _money(row.get("expected")),
                    "actual": _money(row.get("actual")),
                    "difference": _money(scored.difference),
                    "tolerance": _money(scored.tolerance),
                    "unit": "%" if rule.comparison == "ratio" else row.get("unit"),
                    "page": row.get("page"),
                    "line_no": row.get("line_no"),
                    "note": row.get("note"),
                    "slack": scored.slack.quantize(Decimal("0.00000001")),
                    "extraction_doubt": False,
                }
            )
    return pl.DataFrame(records, schema=CHECK_SCHEMA)


def document_kind(con: duckdb.DuckDBPyConnection, document_id: str) -> str | None:
    row = con.execute("select doc_kind from dim_document where document_id = ?", [document_id]).fetchone()
    if row is None:
        raise KeyError(f"document {document_id} is not in the warehouse")
    return row[0]


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


@dataclass(frozen=True)
class _Doubt:
    table_code: str
    page_start: int | None
    page_end: int | None
    note: str


def mark_extraction_doubts(
    con: duckdb.DuckDBPyConnection, document_id: str, checks: pl.DataFrame
) -> pl.DataFrame:
    """A failed error-severity check on a table whose reading is in doubt is an extraction doubt.

    The table's reading left printed numbers unplaced or rows without keys (doc_table.doubt), so
    the identity may fail because of the reading, not the publication: the check becomes a warning
    flagged `extraction_doubt`, and its note names the table and the numbers left unplaced.
    """
    rows = con.execute(
        """
        select table_code, page_start, page_end,
               'extraction doubt: ' || table_code || ' (' || table_title
                 || coalesce(', page ' || page_start, '')
                 || coalesce('–' || nullif(page_end, page_start), '') || ') read by ' || engine
                 || coalesce(', coverage ' || round(100 * coverage, 1) || '%', '')
                 || coalesce('; ' || doubt_reason, '')
                 || coalesce('; unplaced: ' || nullif(unplaced_list(unplaced), ''), '')
        from doc_table where document_id = ? and doubt
        """,
        [document_id],
    ).fetchall()
    doubts = [_Doubt(*row) for row in rows]
    if not doubts or checks.is_empty():
        return checks

    def doubt_for(check: dict[str, Any]) -> _Doubt | None:
        if check["severity"] != "error" or check["slack"] >= 0:
            return None
        for d in doubts:
            if d.table_code != check["table_code"]:
                continue
            page = check["page"]
            if page is None or d.page_start is None or d.page_start <= page <= (d.page_end or d.page_start):
                return d
        return None

    records = []
    for check in checks.iter_rows(named=True):
        d = doubt_for(check)
        if d is not None:
            check["severity"], check["extraction_doubt"] = "warning", True
            check["note"] = d.note[:1500] + (f"; {check['note']}" if check["note"] else "")
        records.append(check)
    return pl.DataFrame(records, schema=CHECK_SCHEMA)


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
    """GX's verdict on many documents at once: one validation per document kind over all their checks.

    Every check is still judged by its rule's expectation; the check ids are offset per document so
    GX's unexpected rows map back to their document. A document's `gx_success` is its own part of
    the verdict: no check of it failed.
    """
    from pipelines.validate.gx import run_suite

    by_kind: dict[str | None, list[Prepared]] = {}
    for p in prepared:
        by_kind.setdefault(p.doc_kind, []).append(p)
    judged: dict[str, Evaluation] = {}
    for kind, group in by_kind.items():
        offsets, frames, offset = [], [], 0
        for p in group:
            offsets.append(offset)
            frames.append(p.checks.with_columns(pl.col("check_id") + offset))
            offset += p.checks.height
        verdict = run_suite(
            pl.concat(frames),
            group[0].rules,
            suite_name=kind or "unknown",
            run_name=run_name,
            docs_dir=docs_dir,
        )
        for p, start in zip(group, offsets, strict=True):
            failed = [i - start for i in verdict.failed_check_ids if start <= i < start + p.checks.height]
            results = p.checks.with_columns(pl.col("check_id").is_in(failed).not_().alias("passed"))
            judged[p.document_id] = Evaluation(p.document_id, p.doc_kind, p.rules, results, not failed)
    return [judged[p.document_id] for p in prepared]


def evaluate_document(
    con: duckdb.DuckDBPyConnection,
    document_id: str,
    rules: list[Rule] | None = None,
    docs_dir: Path | None = None,
) -> Evaluation:
    """Checks of every applicable rule, judged by the GX suite."""
    return judge(prepare(con, document_id, rules), docs_dir)
