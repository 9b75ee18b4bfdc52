"""`yujuesuan`: ingest files and inspect the warehouse. Ingest runs the Dagster job the schedule runs.

Exit status (ingest): 0 when every file loaded (or was already loaded), 1 when some file failed
or its run broke, 2 for a usage error (bad option, no such path, nothing to ingest, unknown
document id). `status` and `report` exit 0, or 2 on a usage error.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import click

from pipelines.paths import default_warehouse, reports_dir_for

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("yujuesuan")
    except PackageNotFoundError:
        return "unknown"


def _dagster_home(warehouse: Path) -> Path:
    """Dagster keeps partitions and run history here; without it dynamic partitions vanish between runs."""
    home = Path(os.environ.get("DAGSTER_HOME") or warehouse.resolve().parent / "dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


@click.group()
@click.version_option(_version(), "--version", prog_name="yujuesuan")
def cli() -> None:
    """yujuesuan (预决算): department budgets and final accounts into one DuckDB warehouse."""


@dataclass
class FileOutcome:
    name: str
    document_id: str
    outcome: str  # loaded | already loaded | failed | run failed
    status: str  # dim_document.status, or '-' when nothing was recorded
    pages: int
    seconds: float
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.outcome in ("failed", "run failed")

    def line(self, i: int, n: int) -> str:
        pages = f"{self.pages} p." if self.pages else "-"
        text = f"[{i}/{n}] {self.name}  {pages}  {self.seconds:.1f} s  {self.outcome}"
        if self.outcome == "loaded" and self.status != "ok":
            text += f" ({self.status})"
        return text + (f": {self.detail}" if self.detail else "")


def _recorded(warehouse: Path) -> dict[str, tuple[str, str | None, int | None, bool]]:
    """document_id → (status, error, pages, validated) of every version in the published warehouse."""
    from pipelines.load.warehouse import reader

    if not warehouse.exists():
        return {}
    with reader(warehouse) as con:
        rows = con.execute(
            """
            select d.document_id, d.status, d.error, d.page_count,
                   exists (select 1 from dq_run r where r.document_id = d.document_id)
            from dim_document d
            """
        ).fetchall()
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}


def _is_done(record: tuple[str, str | None, int | None, bool] | None) -> bool:
    """Loaded and validated (or nothing to validate): a run would change nothing."""
    return record is not None and (record[3] or record[0] in ("failed", "template"))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--warehouse",
    type=click.Path(dir_okay=False, path_type=Path),
    default=default_warehouse,
    show_default="data/warehouse.duckdb",
    help="DuckDB file to load into (created if missing).",
)
@click.option("--revalidate", is_flag=True, help="Run the rules again on files that are already loaded.")
def ingest(paths: tuple[Path, ...], warehouse: Path, revalidate: bool) -> None:
    """Ingest files or folders: extract, normalise, load and validate each file version.

    A folder yields the formats the pipeline reads (PDF, DOCX, XLSX/XLS, TXT/MD) and lists what it
    skipped; a file named explicitly is always tried. One line per file as it finishes, a summary,
    then latest.html (every current document) and this run's own report beside it.

    Exit status: 0 every file loaded, 1 some failed, 2 usage error.

    Example:

        yujuesuan ingest data/samples --warehouse data/warehouse.duckdb
    """
    from pipelines.guard import StorageFull, is_storage_full, run_lock, storage_message

    try:  # one run per warehouse at a time; a full disk is a message, not a traceback
        with run_lock(warehouse, notify=lambda m: click.echo(m, err=True)):
            _ingest(paths, warehouse, revalidate)
    except StorageFull as exc:
        raise click.ClickException(str(exc)) from exc
    except Exception as exc:
        if is_storage_full(exc):
            raise click.ClickException(storage_message(warehouse.resolve(), exc)) from exc
        raise


def _ingest(paths: tuple[Path, ...], warehouse: Path, revalidate: bool) -> None:
    from pipelines.guard import check_free_space, nothing_to_do, triage
    from pipelines.guard import revalidate as run_rules_again
    from pipelines.retention import prune_reports
    from pipelines.sources import HashCache, scan_sources

    check_free_space(warehouse.resolve().parent)
    scan = scan_sources(list(paths), cache=HashCache.for_warehouse(warehouse))  # unchanged files unopened
    for skipped in scan.skipped:
        click.echo(f"skipped (not a supported format): {skipped}")
    if not scan.files:
        raise click.UsageError("no files to ingest (supported: .pdf .docx .xlsx .xlsm .xls .txt .md)")
    if not revalidate and (unchanged := nothing_to_do(warehouse, scan.files)):
        click.echo(unchanged)  # a no-op rerun: one line, no Dagster, nothing written
        sys.exit(EXIT_OK)
    _dagster_home(warehouse)
    import dagster as dg

    from pipelines.defs import defs, ingest_job, run_request_for
    from pipelines.partitions import SOURCE_FILES

    instance = dg.DagsterInstance.get()
    instance.add_dynamic_partitions(SOURCE_FILES, sorted({s.partition_key for s in scan.files}))
    job = defs.resolve_job_def(ingest_job.name)
    run_config = {
        "resources": {"warehouse": {"config": {"path": str(warehouse)}}},
        "loggers": {"console": {"config": {"log_level": "ERROR"}}},
    }
    batch = f"cli-{datetime.now().strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    # unchanged bytes are recognised before any extraction; a revert is made current again
    todo, notes = triage(warehouse, scan.files)
    for note in notes:
        click.echo(note)
    todo_keys = {s.partition_key for s in todo}
    recorded = _recorded(warehouse)
    seen: dict[str, str] = {}  # partition key → first file name with those bytes
    outcomes: list[FileOutcome] = []
    n = len(scan.files)
    click.echo(f"ingesting {n} file(s) into {warehouse}")
    for i, source in enumerate(scan.files, start=1):
        key, name = source.partition_key, source.path.name
        t0 = time.perf_counter()
        if key in seen or (key not in todo_keys and _is_done(recorded.get(key))):
            status, _, pages, _ = recorded.get(key) or ("-", None, 0, False)
            same = f"same bytes as {seen[key]}" if key in seen and seen[key] != name else ""
            outcome = FileOutcome(name, key, "already loaded", status, pages or 0, 0.0, same)
        else:
            request = run_request_for(source, batch)
            result = job.execute_in_process(
                instance=instance,
                partition_key=key,
                tags=request.tags,
                run_config=run_config,
                raise_on_error=False,
            )
            recorded = _recorded(warehouse)
            status, error, pages, _ = recorded.get(key) or ("-", None, 0, False)
            seconds = time.perf_counter() - t0
            if not result.success:
                detail = f"dagster run {result.run_id}"
                outcome = FileOutcome(name, key, "run failed", status, pages or 0, seconds, detail)
            elif status == "failed":
                outcome = FileOutcome(name, key, "failed", status, pages or 0, seconds, error or "")
            else:
                detail = (error or "") if status in ("partial", "template") else ""
                outcome = FileOutcome(name, key, "loaded", status, pages or 0, seconds, detail)
        seen.setdefault(key, name)
        outcomes.append(outcome)
        click.echo(outcome.line(i, n))

    if revalidate:
        again = [o.document_id for o in outcomes if o.outcome == "already loaded"]
        click.echo(f"revalidated {run_rules_again(warehouse, again, f'revalidate-{os.getpid()}')} documents")
    document_ids = list(dict.fromkeys(o.document_id for o in outcomes))
    click.echo("")
    _print_documents(warehouse, document_ids)
    click.echo(f"\nwarehouse: {warehouse.resolve()}")
    report_ok = _print_quality(warehouse, outcomes, reports_dir_for(warehouse))
    kinds = ("loaded", "already loaded", "failed", "run failed")
    counts = {k: sum(o.outcome == k for o in outcomes) for k in kinds}
    templates = sum(o.status == "template" and o.outcome == "loaded" for o in outcomes)
    summary = (
        f"\n{n} file(s): {counts['loaded']} loaded"
        + (f" ({templates} blank template{'s' if templates > 1 else ''})" if templates else "")
        + f", {counts['already loaded']} already loaded, {counts['failed']} failed"
        + (f", {counts['run failed']} runs broke" if counts["run failed"] else "")
        + (f"; {len(scan.skipped)} skipped" if scan.skipped else "")
    )
    click.echo(summary)
    failures = counts["failed"] + counts["run failed"]
    prune_reports(reports_dir_for(warehouse))
    instance.dispose()
    sys.exit(EXIT_SOME_FAILED if failures or not report_ok else EXIT_OK)


@cli.command()
@click.option("--warehouse", type=click.Path(dir_okay=False, path_type=Path), default=default_warehouse)
def status(warehouse: Path) -> None:
    """List every document version in the warehouse with its status."""
    _print_documents(warehouse, None)


@cli.command()
@click.option("--warehouse", type=click.Path(dir_okay=False, path_type=Path), default=default_warehouse)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the report (default: reports/ beside the warehouse, i.e. data/reports).",
)
@click.option(
    "--document",
    "document_ids",
    multiple=True,
    help="Only this document id (repeatable); leaves latest.html alone. Default: every current document.",
)
def report(warehouse: Path, out: Path | None, document_ids: tuple[str, ...]) -> None:
    """Write the HTML data-quality report and print its path.

    Without --document: quality-<time>.html and latest.html, over every current document. With
    --document: quality-<time>.html over those documents only. An unknown id is a usage error (2).

    Example:

        yujuesuan report --warehouse data/warehouse.duckdb --out data/reports
    """
    from pipelines.report.html import UnknownDocumentError, write_report

    try:
        files = write_report(warehouse, out or reports_dir_for(warehouse), list(document_ids) or None)
    except FileNotFoundError as exc:
        raise click.UsageError(str(exc)) from exc
    except UnknownDocumentError as exc:
        raise click.BadParameter(str(exc), param_hint="--document") from exc
    r = files.report
    click.echo(
        f"{len(r.documents)} documents ({r.count('errors')} with errors, {r.count('warnings')} with "
        f"warnings, {r.count('clean')} clean, {r.count('not_validated')} not validated), "
        f"{len(r.failed)} failed to load, {len(r.templates)} blank templates; "
        f"{r.pictures} pictures in {r.render_seconds:.2f} s"
    )
    click.echo(f"report: {files.path.resolve()}")


def _print_quality(warehouse: Path, outcomes: list[FileOutcome], out: Path) -> bool:
    """After an ingest: one quality line per document, latest.html (whole warehouse), the run's report."""
    from pipelines.load.warehouse import reader
    from pipelines.report.data import quality_lines, run_outcomes
    from pipelines.report.html import RunEntry, write_report

    document_ids = list(dict.fromkeys(o.document_id for o in outcomes))
    try:
        con = reader(warehouse)
    except FileNotFoundError:
        return False
    with con:
        lines = quality_lines(con, document_ids)
        done = run_outcomes(con, document_ids)
    click.echo("\nquality:")
    for doc_id in document_ids:
        click.echo(f"{doc_id}  {lines.get(doc_id, 'not in the warehouse')}")
    entries = []
    for o in outcomes:
        what, note = done.get(o.document_id, (o.outcome, o.detail))
        if o.outcome in ("already loaded", "run failed"):
            what, note = o.outcome, o.detail
        entries.append(RunEntry(o.document_id, o.name, what, note))
    this_run = [e.document_id for e in entries if e.outcome in ("added", "changed")]
    latest = out / "latest.html"
    if all(o.outcome == "already loaded" for o in outcomes) and latest.exists():
        click.echo(f"report: {latest.resolve()}  (unchanged: nothing new in this run)")
        return True
    try:
        whole = write_report(warehouse, out, None)
        own = write_report(warehouse, out, list(dict.fromkeys(this_run)), run=entries)
    except Exception as exc:  # the documents are loaded; a broken report must not hide that
        click.echo(f"report failed: {exc!r}", err=True)
        return False
    click.echo(f"report: {whole.latest.resolve()}  (every current document)")
    click.echo(f"this run: {own.path.resolve()}")
    return True


def _print_documents(warehouse: Path, document_ids: list[str] | None) -> None:
    from pipelines.load.warehouse import reader

    try:
        con = reader(warehouse)
    except FileNotFoundError as exc:
        raise click.UsageError(str(exc)) from exc
    with con:
        where = "where d.document_id in (select unnest(?))" if document_ids is not None else ""
        params = [document_ids] if document_ids is not None else []
        rows = con.execute(
            f"""
            select d.document_id, d.source_path, d.status, d.doc_kind, d.fiscal_year, d.department,
                   d.is_current, d.facts_loaded, d.error,
                   coalesce(string_agg(t.table_code || case when t.is_empty then '(empty)' else '' end, ' '
                                       order by t.table_code), '') as tables
            from dim_document d left join doc_table t using (document_id)
            {where}
            group by all order by d.source_path
            """,
            params,
        ).fetchall()
    for doc_id, path, st, kind, year, dept, current, facts, error, tables in rows:
        flag = "" if current else " (superseded)"
        click.echo(f"{doc_id}  {st:<8} {Path(path).name}{flag}")
        click.echo(f"    {kind or '?'} {year or '?'} {dept or '?'}")
        click.echo(f"    tables: {tables or '-'}   facts: {facts}")
        if error:
            click.echo(f"    reason: {error}")


def main() -> None:
    """The console script. Exits without tearing the interpreter down: Dagster, GX, pandas and DuckDB
    loaded for an ingest take about 3 s of finalisers after the last line is printed, for nothing
    (every file and connection is closed by then)."""
    try:
        cli()
        code = EXIT_OK
    except SystemExit as exc:
        if isinstance(exc.code, str):
            click.echo(exc.code, err=True)
            code = EXIT_SOME_FAILED
        else:
            code = exc.code or EXIT_OK
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
