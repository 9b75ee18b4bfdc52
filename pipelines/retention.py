"""Retention: what each rerun adds is pruned, so the warehouse and data/reports/ grow with the
documents, not with the number of runs.

- Dated reports and GX validation results older than N days go (YUJUESUAN_RETENTION_DAYS, default 30;
  0 keeps everything), by the CLI and by the Dagster report steps once per batch. `latest.html`,
  the documents' pages (`documents/`, which the report itself keeps to the current documents), the
  Data Docs index and the GX project files are always kept. A dated `quality-<time>.html` is a copy
  of the index only, so pruning one loses no document's findings.
- Staged results (`data/staging/<sha256>/`, pipelines/staging.py) go at the end of each batch when
  their document is loaded and they are older than N days (YUJUESUAN_STAGING_DAYS, default 30; 0
  keeps everything), or, a day after they were staged, when no version in the warehouse has their
  content hash, or when another pipeline version wrote them (never reused).
- Of each document's validations, only the newest K are kept, in the warehouse (`dq_run` and its
  `dq_result` and `dq_rule_count` rows) and among the GX results (YUJUESUAN_KEEP_RUNS, default 3; 0
  keeps every run).
  The newest run is what v_document_quality and the report read; the others are its recent history.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

DEFAULT_DAYS = 30.0
DEFAULT_KEEP_RUNS = 3
DEFAULT_STAGING_DAYS = 30.0


def retention_days() -> float:
    return float(os.environ.get("YUJUESUAN_RETENTION_DAYS", DEFAULT_DAYS))


def staging_days() -> float:
    """Days a loaded document's staged result is kept (0: staging is never pruned)."""
    return float(os.environ.get("YUJUESUAN_STAGING_DAYS", DEFAULT_STAGING_DAYS))


def keep_runs() -> int:
    return int(os.environ.get("YUJUESUAN_KEEP_RUNS", DEFAULT_KEEP_RUNS))


def prune_dq_runs(
    con: duckdb.DuckDBPyConnection, document_ids: list[str] | None = None, keep: int | None = None
) -> int:
    """Delete each document's validation runs older than its newest `keep` (dq_run, dq_result and
    dq_rule_count);
    only `document_ids` when given (the documents a run just validated). Returns the runs deleted."""
    keep = keep_runs() if keep is None else keep
    if keep <= 0:
        return 0
    only = "where document_id in (select unnest(?))" if document_ids is not None else ""
    params: list[list[str]] = [document_ids] if document_ids is not None else []
    con.execute(
        f"""
        create or replace temp table _superseded_runs as
        select run_id, document_id from (
            select run_id, document_id,
                   row_number() over (partition by document_id order by started_at desc, run_id desc) as n
            from dq_run {only}
        ) where n > {int(keep)}
        """,
        params,
    )
    try:
        (n,) = con.execute("select count(*) from _superseded_runs").fetchone() or (0,)
        if n:
            for table in ("dq_result", "dq_rule_count", "dq_run"):
                con.execute(
                    f"delete from {table} where (run_id, document_id) in "
                    "(select (run_id, document_id) from _superseded_runs)"
                )
    finally:
        con.execute("drop table if exists temp.main._superseded_runs")
    return int(n)


def prune_gx_results(reports: Path, keep: int | None = None) -> int:
    """Keep the newest `keep` GX validation results of each suite and document; the folders removed.

    GX stores a result as validations/<suite>/<document>/<run time>/…json (and renders it under the
    same path in Data Docs); the run-time folder names sort in time order.
    """
    keep = keep_runs() if keep is None else keep
    if keep <= 0 or not reports.is_dir():
        return 0
    removed = 0
    for validations in (p for p in (reports / "gx").rglob("validations") if p.is_dir()):
        for document in (d for d in validations.glob("*/*") if d.is_dir()):
            runs = sorted((r for r in document.iterdir() if r.is_dir()), key=lambda r: r.name)
            for old in runs[:-keep]:
                shutil.rmtree(old, ignore_errors=True)
                removed += 1
    return removed


def _prunable(reports: Path) -> list[Path]:
    """The dated reports in the folder itself (never documents/: a page of an unchanged document may
    be old and is still current) and the GX results."""
    dated = [p for pattern in ("quality-*.html", "run-*.html") for p in reports.glob(pattern) if p.is_file()]
    gx = reports / "gx"
    results = [p for p in gx.rglob("*") if p.is_file() and "validations" in p.relative_to(gx).parts]
    return dated + results


def prune_reports(reports: Path, days: float | None = None, now: float | None = None) -> int:
    """Delete dated reports and GX results older than `days`, and each document's GX results beyond
    the newest `keep_runs()`; return how many files or run folders went."""
    pruned = prune_gx_results(reports)
    days = retention_days() if days is None else days
    if days <= 0 or not reports.is_dir():
        return pruned
    cutoff = (now if now is not None else time.time()) - days * 86400
    removed = 0
    for path in _prunable(reports):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError:
            continue  # in use or already gone: the next run tries again
    for folder in sorted((p for p in (reports / "gx").rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if "validations" in folder.parts and not any(folder.iterdir()):
            folder.rmdir()
    return removed + pruned
