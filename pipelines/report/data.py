"""What the quality report shows, read from the warehouse: the latest validation run of each document.

Everything here comes from the contract tables (dim_document, doc_table, fact_line_item, doc_text,
dq_rule, dq_run, dq_result, v_document_validation); the report never recomputes a check. Blank
templates are listed apart and never counted with the documents.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

STATUS_ORDER = {"errors": 0, "warnings": 1, "not_recognised": 2, "partial": 3, "not_validated": 4, "clean": 5}
SEVERITY_ORDER = {"error": 0, "warning": 1}


@dataclass(frozen=True)
class Fact:
    """One printed cell of the row a check points at."""

    panel: str | None
    func_code: str | None
    econ_code: str | None
    line_label: str | None
    line_key: str | None
    measure: str
    column_header: str | None
    value_printed: str
    page: int | None
    line_no: int | None
    row_top: float | None
    row_bottom: float | None

    def names(self) -> set[str]:
        """Every way a check's row_key may name this row."""
        return {v for v in (self.func_code, self.econ_code, self.line_label, self.line_key) if v}


@dataclass
class Check:
    """One failing dq_result row, with what the reviewer is shown beside it."""

    rule_id: str
    severity: str
    table_code: str | None
    row_key: str | None
    measure: str | None
    row_no: int | None
    expected: Decimal | None
    actual: Decimal | None
    difference: Decimal | None
    tolerance: Decimal | None
    unit: str | None
    page: int | None
    line_no: int | None
    note: str | None
    column_header: str | None = None
    picture: str | None = None  # data: URI of the cropped page region
    picture_note: str | None = None  # why there is no picture
    row_cells: list[Fact] = field(default_factory=list)  # the printed row (text exports)
    printed_line: str | None = None  # the source line as printed (text exports)
    snippet: tuple[str, str, str] | None = None  # page text before / at / after the phrase a check names


@dataclass
class RuleGroup:
    """One rule's failures in one document."""

    rule_id: str
    severity: str
    description: str
    description_zh: str
    checks_total: int
    failures: list[Check]


@dataclass(frozen=True)
class PassedRule:
    rule_id: str
    severity: str
    description: str
    description_zh: str
    checks: int


@dataclass
class DocumentQuality:
    """One document's latest validation run, as the report presents it."""

    document_id: str
    source_path: str
    source_sha256: str
    file_format: str
    doc_kind: str | None
    fiscal_year: int | None
    region: str
    department: str | None
    load_status: str
    load_error: str | None
    status: str  # errors | warnings | partial | not_recognised | not_validated | clean (v_document_quality)
    run_id: str | None
    validated_at: datetime | None
    rules_run: int
    checks: int
    failed_errors: int
    failed_warnings: int
    gx_success: bool | None
    groups: list[RuleGroup] = field(default_factory=list)
    passed: list[PassedRule] = field(default_factory=list)
    render_seconds: float = 0.0
    failing_rules: int | None = None  # rules failed, when counted in SQL without the checks (the index)

    @property
    def file_name(self) -> str:
        return Path(self.source_path).name

    @property
    def rules_failed(self) -> int:
        return len(self.groups) if self.failing_rules is None else self.failing_rules

    @property
    def rules_passed(self) -> int:
        """Rules run without a failing check, those that found nothing to check included."""
        return max(0, self.rules_run - self.rules_failed)

    @property
    def rules_without_checks(self) -> int:
        return max(0, self.rules_passed - len(self.passed))

    @property
    def sort_key(self) -> tuple[int, int, int, str]:
        return (STATUS_ORDER.get(self.status, 9), -self.failed_errors, -self.failed_warnings, self.file_name)


@dataclass(frozen=True)
class FailedDocument:
    """A file that did not load (or a blank template set aside), with the reason the load stage recorded."""

    document_id: str
    source_path: str
    file_format: str
    error: str | None
    ingested_at: datetime

    @property
    def file_name(self) -> str:
        return Path(self.source_path).name


@dataclass(frozen=True)
class RuleSummary:
    """One rule across the report's documents (the run summary's 'failures by rule')."""

    rule_id: str
    severity: str
    description: str
    description_zh: str
    documents: int
    documents_failing: int
    checks: int
    failures: int


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute("select 1 from information_schema.tables where table_name = ?", [name]).fetchone()
    return found is not None


def _document_filter(document_ids: list[str] | None, current_only: bool) -> tuple[str, list[Any]]:
    if document_ids is not None:
        return "d.document_id in (select unnest(?))", [document_ids]
    return ("d.is_current" if current_only else "true"), []


def unknown_documents(con: duckdb.DuckDBPyConnection, document_ids: list[str]) -> list[str]:
    """The ids asked for that name no document version in the warehouse."""
    known = {r[0] for r in con.execute("select document_id from dim_document").fetchall()}
    return [d for d in document_ids if d not in known]


def set_aside(
    con: duckdb.DuckDBPyConnection, status: str, document_ids: list[str] | None, current_only: bool
) -> list[FailedDocument]:
    """Documents of one load status ('failed', 'template') with their reason."""
    where, params = _document_filter(document_ids, current_only)
    return [
        FailedDocument(r["document_id"], r["source_path"], r["file_format"], r["error"], r["ingested_at"])
        for r in _rows(
            con,
            f"""
            select d.document_id, d.source_path, d.file_format, d.error, d.ingested_at
            from dim_document d where d.status = ? and {where}
            order by d.source_path
            """,
            [status, *params],
        )
    ]


def _documents(
    con: duckdb.DuckDBPyConnection, where: str, params: list[Any], tail: str = ""
) -> list[DocumentQuality]:
    """The loaded documents `where` selects (on dim_document d), with their latest run's counts;
    `tail`: an order and limit."""
    return [
        DocumentQuality(
            document_id=r["document_id"],
            source_path=r["source_path"],
            source_sha256=r["source_sha256"],
            file_format=r["file_format"],
            doc_kind=r["doc_kind"],
            fiscal_year=r["fiscal_year"],
            region=" ".join(x for x in (r["province"], r["city"], r["county"]) if x),
            department=r["department"],
            load_status=r["load_status"],
            load_error=r["error"],
            status=r["status"],
            run_id=r["run_id"],
            validated_at=r["validated_at"],
            rules_run=r["rules_run"],
            checks=r["checks"],
            failed_errors=r["failed_errors"],
            failed_warnings=r["failed_warnings"],
            gx_success=r["gx_success"],
        )
        for r in _rows(
            con,
            f"""
            select q.*, d.source_sha256, d.file_format, d.province, d.city, d.county, d.error,
                   r.gx_success
            from v_document_validation q
            join dim_document d using (document_id)
            left join dq_run r on r.run_id = q.run_id and r.document_id = q.document_id
            where d.status not in ('failed', 'template') and {where}
            {tail}
            """,
            params,
        )
    ]


def load_documents(
    con: duckdb.DuckDBPyConnection,
    document_ids: list[str] | None = None,
    *,
    current_only: bool = True,
    results: bool = True,
) -> tuple[list[DocumentQuality], list[FailedDocument]]:
    """Loaded documents with their latest run's failures, and the documents that failed to load.

    With `document_ids` exactly those documents; otherwise every current version (or every version).
    Blank templates are in neither list (see `set_aside`). Without `results` the documents carry their
    latest run's counts only, not its checks.
    """
    where, params = _document_filter(document_ids, current_only)
    failed = set_aside(con, "failed", document_ids, current_only)
    docs = _documents(con, where, params)
    if results:
        _attach_results(con, [d for d in docs if d.run_id is not None])
    docs.sort(key=lambda d: d.sort_key)
    return docs, failed


# the documents' runs a report reads (two lists: run ids, document ids)
_REPORT_RUNS = "report_runs as (select unnest(?) as run_id, unnest(?) as document_id)"
# each rule's checks and failures in each of those runs, with the rule's catalog entry
_RULE_STATS = """
    select r.document_id, r.rule_id,
           coalesce(any_value(k.severity), any_value(r.severity)) as severity,
           coalesce(any_value(k.description), '') as description,
           coalesce(any_value(k.description_zh), '') as description_zh,
           count(*) as checks, count(*) filter (where not r.passed) as failures
    from dq_result r join report_runs using (run_id, document_id)
    left join dq_rule k using (rule_id)
    group by r.document_id, r.rule_id
"""


def _attach_results(con: duckdb.DuckDBPyConnection, docs: list[DocumentQuality]) -> None:
    """Each document's failing checks grouped by rule, and the rules that passed."""
    if not docs:
        return
    by_id = {d.document_id: d for d in docs}
    runs = f"with {_REPORT_RUNS}"
    params = [[d.run_id for d in docs], [d.document_id for d in docs]]
    stats = _rows(con, f"{runs} {_RULE_STATS}", params)
    failures = _rows(
        con,
        f"""
        {runs}
        select r.* from dq_result r join report_runs using (run_id, document_id)
        where not r.passed
        order by r.document_id, r.rule_id, r.table_code nulls last, r.page nulls last, r.line_no nulls last,
                 r.row_no nulls last, r.measure, r.row_key
        """,
        params,
    )
    groups: dict[tuple[str, str], RuleGroup] = {}
    for s in stats:
        doc = by_id[s["document_id"]]
        if s["failures"]:
            group = RuleGroup(
                s["rule_id"], s["severity"], s["description"], s["description_zh"], s["checks"], []
            )
            groups[(doc.document_id, s["rule_id"])] = group
            doc.groups.append(group)
        else:
            doc.passed.append(
                PassedRule(s["rule_id"], s["severity"], s["description"], s["description_zh"], s["checks"])
            )
    for f in failures:
        groups[(f["document_id"], f["rule_id"])].failures.append(
            Check(
                rule_id=f["rule_id"],
                severity=f["severity"],
                table_code=f["table_code"],
                row_key=f["row_key"],
                measure=f["measure"],
                row_no=f["row_no"],
                expected=f["expected"],
                actual=f["actual"],
                difference=f["difference"],
                tolerance=f["tolerance"],
                unit=f["unit"],
                page=f["page"],
                line_no=f["line_no"],
                note=f["note"],
            )
        )
    for doc in docs:
        doc.groups.sort(key=lambda g: (SEVERITY_ORDER.get(g.severity, 9), g.rule_id))
        doc.passed.sort(key=lambda p: p.rule_id)


def rule_summary(docs: list[DocumentQuality]) -> list[RuleSummary]:
    """Failures by rule over the report's documents: failing rules first, errors before warnings."""
    acc: dict[str, dict[str, Any]] = {}
    for doc in docs:
        rows: list[tuple[str, str, str, str, int, int]] = [
            (g.rule_id, g.severity, g.description, g.description_zh, g.checks_total, len(g.failures))
            for g in doc.groups
        ]
        rows += [(p.rule_id, p.severity, p.description, p.description_zh, p.checks, 0) for p in doc.passed]
        for rule_id, severity, description, description_zh, checks, failures in rows:
            a = acc.setdefault(
                rule_id,
                {
                    "severity": severity,
                    "description": description,
                    "description_zh": description_zh,
                    "documents": 0,
                    "documents_failing": 0,
                    "checks": 0,
                    "failures": 0,
                },
            )
            a["documents"] += 1
            a["documents_failing"] += 1 if failures else 0
            a["checks"] += checks
            a["failures"] += failures
    return _sorted_rules([RuleSummary(rule_id, **a) for rule_id, a in acc.items()])


def _sorted_rules(out: list[RuleSummary]) -> list[RuleSummary]:
    out.sort(key=lambda r: (r.failures == 0, SEVERITY_ORDER.get(r.severity, 9), -r.failures, r.rule_id))
    return out


# the report's order of documents (DocumentQuality.sort_key) in SQL, on v_document_validation q, then
# the id (documents of one file name and counts sort in any order in Python)
_STATUS_RANK = " ".join(f"when '{k}' then {v}" for k, v in STATUS_ORDER.items())
REPORT_ORDER = (
    f"order by case q.status {_STATUS_RANK} else 9 end, q.failed_errors desc, q.failed_warnings desc, "
    "regexp_extract(q.source_path, '[^/]*$'), q.document_id"
)
# the most recently validated first (those never validated last)
RECENT_ORDER = "order by q.validated_at desc nulls last, q.document_id"
# the current documents' latest runs that have checks (v_document_quality: loaded, current)
_LATEST_RUNS = """
    latest as (
        select run_id, document_id, checks from v_document_quality
        where load_status not in ('failed', 'template') and run_id is not null
    )
"""


@dataclass(frozen=True)
class IndexSummary:
    """What the index counts over every current document, of which it lists only some."""

    documents: int  # loaded current documents (not the failed ones, nor the templates)
    by_status: dict[str, int]
    checks: int  # the checks of their latest runs
    failed_checks: int
    runs: int  # distinct validation runs those are
    first_runs: list[str]  # the first few of them by id (all of them when there are few)


def index_summary(con: duckdb.DuckDBPyConnection, first_runs: int = 4) -> IndexSummary:
    """The index's cards: one aggregation over the current documents' latest-run counts (a row per
    document in dim_document and dq_run; no check is read)."""
    rows = con.execute(
        """
        select status, count(*), coalesce(sum(checks), 0), coalesce(sum(failed_errors + failed_warnings), 0),
               list(distinct run_id) filter (where run_id is not null)
        from v_document_quality where load_status not in ('failed', 'template')
        group by status
        """
    ).fetchall()
    runs = sorted({str(run) for r in rows for run in r[4] or ()})
    return IndexSummary(
        documents=sum(int(r[1]) for r in rows),
        by_status={str(r[0]): int(r[1]) for r in rows},
        checks=sum(int(r[2]) for r in rows),
        failed_checks=sum(int(r[3]) for r in rows),
        runs=len(runs),
        first_runs=runs[:first_runs],
    )


def listed_documents(
    con: duckdb.DuckDBPyConnection, worst: int, recent: int
) -> tuple[list[DocumentQuality], list[DocumentQuality]]:
    """The index's lists: the first `worst` current documents in the report's order (errors first) and
    the `recent` most recently validated; each a top-N in SQL, then those documents read."""

    def top(order: str, n: int) -> list[str]:
        if n <= 0:
            return []
        return [
            str(r[0])
            for r in con.execute(
                "select q.document_id from v_document_quality q "
                f"where q.load_status not in ('failed', 'template') {order} limit {int(n)}"
            ).fetchall()
        ]

    first_ids, recent_ids = top(REPORT_ORDER, worst), top(RECENT_ORDER, recent)
    read = {
        d.document_id: d
        for d in _documents(con, "d.document_id in (select unnest(?))", [list({*first_ids, *recent_ids})])
    }
    first = sorted((read[i] for i in first_ids), key=lambda d: d.sort_key)
    # a document in both lists is two objects: count_failing_rules sets each
    latest = [dataclasses.replace(read[i]) if i in first_ids else read[i] for i in recent_ids]
    return first, latest


def page_states(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """Every current loaded document's id → (the state of what its page shows, its source's hash).

    The state is a digest of its record and its latest run (id, time, counts): a new validation, a new
    load status or a changed record gives another. Taken in SQL, one short row per document; DuckDB's
    `hash` (a version of DuckDB that hashes otherwise rebuilds every page once)."""
    rows = con.execute(
        """
        select q.document_id, d.source_sha256, hash(
            q.source_path, d.source_sha256, d.file_format, q.doc_kind, q.fiscal_year, d.province, d.city,
            d.county, q.department, q.load_status, d.error, q.status, q.run_id, q.validated_at, q.rules_run,
            q.checks, q.failed_errors, q.failed_warnings, r.gx_success)
        from v_document_validation q
        join dim_document d using (document_id)
        left join dq_run r on r.run_id = q.run_id and r.document_id = q.document_id
        where d.status not in ('failed', 'template') and d.is_current
        """
    ).fetchall()
    return {str(doc_id): (f"{state:016x}", str(sha)) for doc_id, sha, state in rows}


_BY_RULE = """
    select {rule} as rule_id, min(c.severity) as severity, count(*) as documents,
           count(*) filter (where c.failures > 0) as documents_failing,
           sum(c.checks) as checks, sum(c.failures) as failures
    from {counts} as c join {runs} using (run_id, document_id)
    group by all
"""
# each rule's checks and failures in each of the runs of report_runs, counted from the checks
_COUNTED_FROM_CHECKS = """
    (select run_id, document_id, rule_id, min(severity) as severity, count(*) as checks,
            count(*) filter (where not passed) as failures
     from dq_result join report_runs using (run_id, document_id) group by all)
"""


def current_rules(con: duckdb.DuckDBPyConnection, summary: IndexSummary) -> list[RuleSummary]:
    """Failures by rule over every current document's latest run, as `rule_summary` counts them from
    their checks: summed from dq_rule_count (a row per run and rule, written with the checks).

    A latest run with checks but no counts (a warehouse not yet opened by a writer of this code, or
    rows written past `store_evaluations`) is counted from its checks: found when the counts' checks
    fall short of the runs' (`summary.checks`), so a warehouse whose counts are all there reads none."""
    per_rule: list[tuple[Any, ...]] = []
    uncounted: list[tuple[str, str]]
    if _has_table(con, "dq_rule_count"):
        per_rule = con.execute(
            f"with {_LATEST_RUNS} " + _BY_RULE.format(rule="c.rule_id", counts="dq_rule_count", runs="latest")
        ).fetchall()
        uncounted = []
        if sum(int(r[4]) for r in per_rule) != summary.checks:
            uncounted = con.execute(
                f"""
                with {_LATEST_RUNS}
                select run_id, document_id from latest l where checks > 0 and not exists
                (select 1 from dq_rule_count c where c.run_id = l.run_id and c.document_id = l.document_id)
                """
            ).fetchall()
    else:
        uncounted = con.execute(f"with {_LATEST_RUNS} select run_id, document_id from latest").fetchall()
    if uncounted:
        runs, ids = [r[0] for r in uncounted], [r[1] for r in uncounted]
        per_rule += con.execute(
            f"with {_REPORT_RUNS} "
            + _BY_RULE.format(rule="c.rule_id", counts=_COUNTED_FROM_CHECKS, runs="report_runs"),
            [runs, ids],
        ).fetchall()
    acc: dict[str, list[Any]] = {}
    for rule_id, severity, documents, failing, checks, failures in per_rule:
        a = acc.setdefault(rule_id, [severity, 0, 0, 0, 0])
        a[0] = min(a[0], severity)
        for i, n in enumerate((documents, failing, checks, failures), start=1):
            a[i] += int(n)
    catalog = {
        r[0]: r[1:]
        for r in con.execute(
            "select rule_id, severity, description, description_zh from dq_rule "
            "where rule_id in (select unnest(?))",
            [list(acc)],
        ).fetchall()
    }
    return _sorted_rules(
        [
            RuleSummary(rule_id, *(catalog[rule_id] if rule_id in catalog else (a[0], "", "")), *a[1:])
            for rule_id, a in acc.items()
        ]
    )


def count_failing_rules(con: duckdb.DuckDBPyConnection, docs: list[DocumentQuality]) -> None:
    """Set each document's `failing_rules` (rules with a failed check in its latest run) from
    dq_rule_count, or from its checks when its run has no counts (see `current_rules`)."""
    runs = [d for d in docs if d.run_id is not None]
    for doc in docs:
        doc.failing_rules = 0
    if not runs:
        return
    by_id: dict[str, list[DocumentQuality]] = {}
    for doc in runs:  # a document may be in two lists of the index
        by_id.setdefault(doc.document_id, []).append(doc)
    params = [[same[0].run_id for same in by_id.values()], list(by_id)]
    counted: set[str] = set()
    if _has_table(con, "dq_rule_count"):
        for doc_id, failing in con.execute(
            f"with {_REPORT_RUNS} select document_id, count(*) filter (where failures > 0) "
            "from dq_rule_count join report_runs using (run_id, document_id) group by document_id",
            params,
        ).fetchall():
            for doc in by_id[doc_id]:
                doc.failing_rules = int(failing)
            counted.add(doc_id)
    rest = [d[0] for doc_id, d in by_id.items() if doc_id not in counted and d[0].checks > 0]
    if rest:
        for doc_id, failing in con.execute(
            f"""
            with {_REPORT_RUNS}
            select document_id, count(distinct rule_id) filter (where not passed)
            from dq_result join report_runs using (run_id, document_id) group by document_id
            """,
            [[d.run_id for d in rest], [d.document_id for d in rest]],
        ).fetchall():
            for doc in by_id[doc_id]:
                doc.failing_rules = int(failing)


@dataclass
class DocumentFacts:
    """What the report needs of a document's printed rows and text to place its failing checks on
    their page or line: the cells of the failing rows only, each table's top on each page, its title
    and first page, and the text lines and pages the checks point at. See `document_facts`."""

    rows: dict[tuple[str, int], list[Fact]] = field(default_factory=dict)
    table_tops: dict[tuple[str, int], float] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    first_pages: dict[str, int] = field(default_factory=dict)
    lines: dict[int, str] = field(default_factory=dict)
    pages: dict[int, str] = field(default_factory=dict)

    def snippet(self, page: int, phrase: str, context: int = 60) -> tuple[str, str, str] | None:
        """The page's text around the first occurrence of phrase (whitespace ignored, as text rules do)."""
        needle = re.sub(r"\s+", "", phrase)
        text = self.pages.get(page)
        if not needle or text is None:
            return None
        m = re.search(r"\s*".join(re.escape(ch) for ch in needle), text)
        if m is None:
            return None
        before = text[max(0, m.start() - context) : m.start()]
        after = text[m.end() : m.end() + context]
        return (
            ("…" if m.start() > context else "") + before,
            m.group(0),
            after + ("…" if len(text) > m.end() + context else ""),
        )

    def row(self, check: Check) -> list[Fact]:
        """The cells of the check's row (one panel of a two-sided table, chosen by the row_key)."""
        if check.table_code is None or check.row_no is None:
            return []
        cells = self.rows.get((check.table_code, check.row_no), [])
        panels = {c.panel for c in cells}
        if len(panels) > 1 and check.row_key:
            named = {c.panel for c in cells if check.row_key in c.names()}
            if len(named) == 1:
                cells = [c for c in cells if c.panel in named]
        return cells

    def first_page(self, table_code: str) -> tuple[int, float] | None:
        """The table's first page and the top of its first row there (where its header is printed)."""
        page = self.first_pages.get(table_code)
        top = self.table_tops.get((table_code, page)) if page is not None else None
        return (page, top) if page is not None and top is not None else None

    @staticmethod
    def cell(cells: list[Fact], measure: str | None) -> Fact | None:
        hits = [c for c in cells if c.measure == measure]
        return hits[0] if len(hits) == 1 else None


def document_facts(con: duckdb.DuckDBPyConnection, docs: list[DocumentQuality]) -> dict[str, DocumentFacts]:
    """The facts of every document with failing checks, in four queries for all of them.

    Only the rows and text lines the failing checks name are fetched (a document prints thousands of
    cells, a check points at one row); each table's top per page is taken in SQL.
    """
    out = {d.document_id: DocumentFacts() for d in docs if d.groups}
    if not out:
        return out
    ids = list(out)
    checks = [(d.document_id, c) for d in docs for g in d.groups for c in g.failures]
    wanted = {
        (doc_id, c.table_code, c.row_no)
        for doc_id, c in checks
        if c.table_code is not None and c.row_no is not None
    }
    line_nos = {c.line_no for _, c in checks if c.line_no is not None}
    pages = {c.page for _, c in checks if c.page is not None and c.row_key}
    if wanted:
        doc_ids, codes, row_nos = (list(x) for x in zip(*sorted(wanted), strict=True))
        for r in con.execute(
            """
            with wanted as (select unnest(?) as document_id, unnest(?) as table_code, unnest(?) as row_no)
            select f.document_id, f.table_code, f.row_no, f.panel, f.func_code, f.econ_code, f.line_label,
                   f.line_key, f.measure, f.column_header, f.value_printed, f.page, f.line_no, f.row_top,
                   f.row_bottom
            from fact_line_item f semi join wanted w using (document_id, table_code, row_no)
            order by f.document_id, f.table_code, f.row_no, f.rowid
            """,
            [doc_ids, codes, row_nos],
        ).fetchall():
            fact = Fact(*r[3:])
            out[r[0]].rows.setdefault((r[1], r[2]), []).append(fact)
            if fact.line_no is not None:
                line_nos.add(fact.line_no)
    for doc_id, code, page, top in con.execute(
        """
        select document_id, table_code, page, min(row_top) from fact_line_item
        where document_id in (select unnest(?)) and page is not null and row_top is not null
        group by document_id, table_code, page
        """,
        [ids],
    ).fetchall():
        out[doc_id].table_tops[(code, page)] = top
    for doc_id, code, title, page_start in con.execute(
        """
        select document_id, table_code, table_title, page_start from doc_table
        where document_id in (select unnest(?)) order by rowid
        """,
        [ids],
    ).fetchall():
        out[doc_id].titles[code] = title
        if page_start is not None:
            out[doc_id].first_pages[code] = page_start
    if (line_nos or pages) and _has_table(con, "doc_text"):
        for doc_id, page, line_no, text in con.execute(
            """
            select document_id, page, line_no, text from doc_text
            where document_id in (select unnest(?))
              and (line_no in (select unnest(?)) or (line_no is null and page in (select unnest(?))))
            order by document_id, block_no
            """,
            [ids, sorted(line_nos), sorted(pages)],
        ).fetchall():
            if line_no is not None:
                out[doc_id].lines[line_no] = text
            elif page is not None:
                out[doc_id].pages[page] = text
    return out


def quality_lines(con: duckdb.DuckDBPyConnection, document_ids: list[str]) -> dict[str, str]:
    """One line per document for the console: load status, then the latest run's verdict."""
    out: dict[str, str] = {}
    for r in _rows(
        con,
        """
        select d.document_id, d.status as load_status, d.error, q.status, q.rules_run, q.checks,
               q.failed_errors, q.failed_warnings,
               (select count(distinct rule_id) from dq_result x
                where x.run_id = q.run_id and x.document_id = q.document_id and not x.passed) as rules_failed
        from dim_document d join v_document_validation q using (document_id)
        where d.document_id in (select unnest(?))
        """,
        [document_ids],
    ):
        if r["load_status"] == "failed":
            text = f"failed to load: {r['error'] or 'unknown reason'}"
        elif r["load_status"] == "template":
            text = "blank template, not analysed"
        elif r["status"] in ("not_validated", "not_recognised"):
            text = r["status"].replace("_", " ")
        else:
            passed = r["rules_run"] - r["rules_failed"]
            text = (
                f"{r['status']}: {r['failed_errors']} failed error checks, "
                f"{r['failed_warnings']} failed warning checks; "
                f"{passed}/{r['rules_run']} rules passed, {r['checks']} checks"
            )
        out[r["document_id"]] = text
    return out


def run_outcomes(con: duckdb.DuckDBPyConnection, document_ids: list[str]) -> dict[str, tuple[str, str]]:
    """What an ingest did with each document: (outcome, note) for the run's own report.

    `changed` is a new version of a document the warehouse already held (same region, department,
    year and kind); `added` a document it did not hold.
    """
    out: dict[str, tuple[str, str]] = {}
    for r in _rows(
        con,
        """
        select d.document_id, d.status, d.error,
               (select string_agg(o.source_path, ', ') from dim_document o
                where o.version_key = d.version_key and o.document_id <> d.document_id
                  and o.ingested_at <= d.ingested_at) as earlier
        from dim_document d where d.document_id in (select unnest(?))
        """,
        [document_ids],
    ):
        if r["status"] in ("failed", "template"):
            out[r["document_id"]] = (r["status"], r["error"] or "")
        elif r["earlier"]:
            names = ", ".join(Path(p).name for p in r["earlier"].split(", "))
            out[r["document_id"]] = ("changed", f"new version of {names}")
        else:
            out[r["document_id"]] = ("added", "")
    return out
