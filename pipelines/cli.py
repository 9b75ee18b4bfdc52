"""`yujuesuan`: ingest files and inspect the warehouse. Ingest runs the Dagster job the schedule runs.

Exit status (ingest): 0 when every file loaded (or was already loaded), 1 when some file failed
or its run broke, 2 for a usage error (bad option, no such path, nothing to ingest, unknown
document id). `status` and `report` exit 0, or 2 on a usage error.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pipelines.paths import default_warehouse, reports_dir_for

if TYPE_CHECKING:
    import dagster as dg
    import duckdb

    from pipelines.sources import SourceFile

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2
BATCH_FILES = 200  # files per Dagster run: its lines are printed when its load is done
# `make bench` sets YUJUESUAN_TIMINGS to a file: the ingest writes when each phase ended there (JSON)
# and this process's CPU seconds at each mark ("cpu": phase → time.process_time()), and the CPU seconds
# of the run's other processes ("other_cpu": GX's own process, the files' staging in the workers)
_CPU: dict[str, float] = {"imported": time.process_time()}
_OTHER_CPU: dict[str, float] = {}
_TIMINGS: dict[str, object] = {"imported": time.time(), "cpu": _CPU, "other_cpu": _OTHER_CPU}


def _mark(phase: str, value: object = None) -> None:
    _TIMINGS[phase] = time.time() if value is None else value
    if value is None:
        _CPU[phase] = time.process_time()


def _write_timings() -> None:
    import json
    import resource

    target = os.environ.get("YUJUESUAN_TIMINGS")
    if target:
        _TIMINGS["rss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        Path(target).write_text(json.dumps(_TIMINGS), encoding="utf-8")


def _stop_worker_server() -> None:
    """Stop the forkserver the extraction pools were forked from, and wait for it. Its workers are its
    children, not this process's: waited for, their CPU counts among this process's children (what
    `make bench` reads with wait4), and no server outlives the run."""
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    if server is not None and getattr(server, "_forkserver_pid", None) is not None:
        server._stop()  # the standard library's own way to stop it (used by its tests)


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
# the version is looked up (importlib.metadata) only when asked for: this module is imported by every
# process the CLI spawns too (as their `__main__`), GX's among them
@click.version_option(None, "--version", package_name="yujuesuan", prog_name="yujuesuan")
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
        return _recorded_in(con)


def _recorded_in(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str | None, int | None, bool]]:
    """`_recorded` on an open connection."""
    rows = con.execute(
        """
        select d.document_id, d.status, d.error, d.page_count,
               exists (select 1 from dq_run r where r.document_id = d.document_id)
        from dim_document d
        """
    ).fetchall()
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}


@contextmanager
def _published(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """One read-only connection to the published warehouse for the queries that follow one another
    (opening one costs ~30 ms of CPU: a DuckDB instance each time); None when there is no warehouse."""
    from pipelines.load.warehouse import reader

    if not warehouse.exists():
        yield None
        return
    with reader(warehouse) as con:
        yield con


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
@click.option(
    "--no-ocr",
    is_flag=True,
    help="Do not OCR scanned pages (faster; a scan then fails as `scanned`). Same as YUJUESUAN_OCR=0.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Extraction processes (default: the cores this process may use).",
)
def ingest(
    paths: tuple[Path, ...], warehouse: Path, revalidate: bool, no_ocr: bool, workers: int | None
) -> None:
    """Ingest files or folders: extract, normalise, load and validate each file version.

    A folder yields the formats the pipeline reads (PDF, DOCX, XLSX/XLS, TXT/MD) and lists what it
    skipped; a file named explicitly is always tried. One line per file as it finishes, a summary,
    then latest.html (the index of the current documents: counts, failures by rule and a bounded
    list, each linked to its page under documents/, rewritten for the documents this run changed)
    and this run's own report beside it.

    Exit status: 0 every file loaded, 1 some failed, 2 usage error.

    Example:

        yujuesuan ingest data/samples --warehouse data/warehouse.duckdb
    """
    from pipelines.guard import StorageFull, is_storage_full, run_lock, storage_message

    if no_ocr:
        os.environ["YUJUESUAN_OCR"] = "0"
    try:  # one run per warehouse at a time; a full disk is a message, not a traceback
        with run_lock(warehouse, notify=lambda m: click.echo(m, err=True)):
            try:
                _ingest(paths, warehouse, revalidate, workers or 0)
            finally:
                gc.enable()  # off during the start-up's imports (_ingest): on again, whatever happened
                from pipelines.validate.gx import release

                release()
    except StorageFull as exc:
        raise click.ClickException(str(exc)) from exc
    except Exception as exc:
        if is_storage_full(exc):
            raise click.ClickException(storage_message(warehouse.resolve(), exc)) from exc
        raise


def _ingest(paths: tuple[Path, ...], warehouse: Path, revalidate: bool, workers: int) -> None:
    gc.disable()  # no collection while the start-up imports (see _quiet_collector): enabled there
    from pipelines.guard import check_free_space, known_versions, nothing_to_do, record_copies, triage
    from pipelines.retention import prune_reports
    from pipelines.sources import HashCache, delivery_order, scan_sources

    check_free_space(warehouse.resolve().parent)
    _mark("started")
    scan = scan_sources(list(paths), cache=HashCache.for_warehouse(warehouse))  # unchanged files unopened
    for skipped in scan.skipped:
        click.echo(f"skipped (not a supported format): {skipped}")
    if not scan.files:
        raise click.UsageError("no files to ingest (supported: .pdf .docx .xlsx .xlsm .xls .txt .md)")
    known = known_versions(warehouse, scan.files)  # one connection for the no-op check and the triage
    if not revalidate and (unchanged := nothing_to_do(warehouse, scan.files, known)):
        for line in record_copies(warehouse, scan.files):  # a new name for loaded bytes is recorded
            click.echo(line)
        click.echo(unchanged)  # a no-op rerun: one line, no Dagster, nothing else written
        sys.exit(EXIT_OK)
    # unchanged bytes are recognised before any extraction; a revert is made current again
    todo, notes = triage(warehouse, scan.files, named=[p for p in paths if p.is_file()], known=known)
    for note in notes:
        click.echo(note)
    todo_keys = {s.partition_key for s in todo}
    recorded = _recorded(warehouse)
    first: dict[str, SourceFile] = {}  # partition key → the first file with those bytes
    for source in scan.files:
        first.setdefault(source.partition_key, source)
    # versions of one document: the newest file is loaded last and is current (sources.delivery_order)
    run = delivery_order(s for k, s in first.items() if k in todo_keys or not _is_done(recorded.get(k)))
    n = len(scan.files)
    click.echo(f"ingesting {n} file(s) into {warehouse}")
    index = {id(s): i for i, s in enumerate(scan.files, start=1)}
    outcomes: dict[int, FileOutcome] = {}
    for source in scan.files:  # nothing to do for these: said at once
        key = source.partition_key
        if first[key] is not source or key not in {s.partition_key for s in run}:
            status, _, pages, _ = recorded.get(key) or ("-", None, 0, False)
            name = first[key].path.name
            same = f"same bytes as {name}" if first[key] is not source and name != source.path.name else ""
            outcomes[index[id(source)]] = FileOutcome(
                source.path.name, key, "already loaded", status, pages or 0, 0.0, same
            )
            click.echo(outcomes[index[id(source)]].line(index[id(source)], n))
    instance = None
    _mark("triaged")
    if not run:
        _quiet_collector()
    if run or revalidate:
        from pipelines.validate.gx import isolate

        # GX's import, and the opening of its Data Docs context, overlap Dagster's start-up and the
        # extraction; its memory stays apart
        isolate(reports_dir_for(warehouse) / "gx")
    if run:
        _dagster_home(warehouse)
        from pipelines.wiring.instance import ingest_instance

        instance = ingest_instance()  # DAGSTER_HOME's, its SQLite event log kept open while runs write
        from pipelines.defs import defs  # noqa: F401  (Dagster's definitions: timed apart from the runs)

        _quiet_collector()
        _mark("dagster_ready")
        batch = f"cli-{datetime.now().strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
        for chunk in (run[i : i + BATCH_FILES] for i in range(0, len(run), BATCH_FILES)):
            for source, outcome in _run_batch(instance, warehouse, chunk, batch, workers):
                outcomes[index[id(source)]] = outcome
                click.echo(outcome.line(index[id(source)], n))
    outcomes_list = [outcomes[i] for i in sorted(outcomes)]
    for line in record_copies(warehouse, scan.files):  # the same bytes under other names: recorded
        click.echo(line)
    _mark("batches_done")
    if revalidate:
        from pipelines.batch import revalidate as run_rules_again

        again = [o.document_id for o in outcomes_list if o.outcome == "already loaded"]
        click.echo(f"revalidated {run_rules_again(warehouse, again, f'revalidate-{os.getpid()}')} documents")
    document_ids = list(dict.fromkeys(o.document_id for o in outcomes_list))
    click.echo("")
    with _published(warehouse) as con:  # one connection for the lines of both lists
        if con is None:  # no warehouse: the usage error `status` gives
            _print_documents(warehouse, document_ids)
        assert con is not None
        _document_lines(con, document_ids)
        click.echo(f"\nwarehouse: {warehouse.resolve()}")
        _mark("report_start")
        quality = _quality_lines(con, outcomes_list)
    report_ok = _write_quality(warehouse, outcomes_list, quality, reports_dir_for(warehouse))
    _mark("report_done")
    kinds = ("loaded", "already loaded", "failed", "run failed")
    counts = {k: sum(o.outcome == k for o in outcomes_list) for k in kinds}
    templates = sum(o.status == "template" and o.outcome == "loaded" for o in outcomes_list)
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
    if instance is not None:
        instance.dispose()
    from pipelines.validate.gx import release

    gx_usage = release()
    _mark("gx_rss_kib", gx_usage.peak_kib)
    _OTHER_CPU["gx"] = gx_usage.cpu_seconds
    _stop_worker_server()
    _mark("done")
    _write_timings()
    sys.exit(EXIT_SOME_FAILED if failures or not report_ok else EXIT_OK)


def _quiet_collector() -> None:
    """Stop the garbage collector from walking the modules of a finished start-up again and again
    (`collector.quiet`): Dagster's and our modules leave some 235,000 objects that live until exit;
    GC in an ingest of the rendered folder went from 1.1–1.9 to 0.7 CPU-s.

    The collector is off during the start-up's imports (`_ingest` disables it): they create those
    objects, and the collections meanwhile (three full ones, forty of the middle generation) found
    little but cost ~0.35 CPU-s. Their garbage is frozen with them, not collected: a collection of
    all 380,000 objects costs ~0.3 CPU-s, and freed no memory (same peak RSS) in our measurements.
    """
    from pipelines.collector import quiet

    quiet()


def _note_worker_peak(shard: list[dict[str, Any]]) -> None:
    """For `make bench`: the largest peak RSS of an extraction process so far, and the file whose
    staging raised it there (of the files staged at that peak, the one that added to it)."""
    if not shard:
        return
    top = max(shard, key=lambda s: (s["peak_rss_kib"], s["rss_added_kib"] > 0))
    if top["peak_rss_kib"] > int(_TIMINGS.get("worker_rss_kib", 0)):  # type: ignore[call-overload]
        _TIMINGS["worker_rss_kib"] = top["peak_rss_kib"]
        _TIMINGS["worker_rss_file"] = Path(str(top["source_path"])).name
        _TIMINGS["worker_rss_added_kib"] = top["rss_added_kib"]


def _run_batch(
    instance: dg.DagsterInstance, warehouse: Path, chunk: list[SourceFile], batch: str, workers: int
) -> list[tuple[SourceFile, FileOutcome]]:
    """One `ingest_batch` run, in this process (its staging step runs the extraction pool)."""
    import dagster as dg

    from pipelines.defs import defs
    from pipelines.wiring.batch_job import batch_run_config
    from pipelines.wiring.partitions import BATCH_TAG, SOURCE_FILES

    instance.add_dynamic_partitions(SOURCE_FILES, sorted({s.partition_key for s in chunk}))
    config = batch_run_config(
        warehouse, [str(s.path.resolve()) for s in chunk], [s.sha256 for s in chunk], workers=workers,
        report=False, in_process=True,
    )  # fmt: skip
    config["loggers"] = {"console": {"config": {"log_level": "ERROR"}}}
    t0 = time.perf_counter()
    result = defs.resolve_job_def("ingest_batch").execute_in_process(
        run_config=config, instance=instance, tags={BATCH_TAG: batch}, raise_on_error=False
    )
    seconds: dict[str, float] = {}
    if result.success:
        for shard in result.output_for_node("stage_shard").values():
            seconds.update({s["sha256"]: s["seconds"] for s in shard})
            _note_worker_peak(shard)
            _OTHER_CPU["staging"] = _OTHER_CPU.get("staging", 0.0) + sum(s["cpu_seconds"] for s in shard)
    if os.environ.get("YUJUESUAN_TIMINGS"):  # each step's seconds, from the run's event log
        steps = _TIMINGS.setdefault("steps", {})
        assert isinstance(steps, dict)
        start: dict[str, float] = {}
        step_ends = {dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE}
        # only the step events are read back (filtered in SQL): not the batch's hundreds of others
        for record in instance.all_logs(result.run_id, of_type={dg.DagsterEventType.STEP_START, *step_ends}):
            event = record.dagster_event
            if event is None or not event.step_key:
                continue
            step = event.step_key.split("[")[0]
            if event.event_type == dg.DagsterEventType.STEP_START:
                start[event.step_key] = record.timestamp
            elif event.event_type in step_ends:
                steps[step] = (
                    steps.get(step, 0.0) + record.timestamp - start.get(event.step_key, record.timestamp)
                )
    with _published(warehouse) as con:
        recorded = _recorded_in(con) if con is not None else {}
        newer = _superseded_by(con, [s.partition_key for s in chunk]) if con is not None else {}
    out = []
    for source in chunk:
        key, name = source.partition_key, source.path.name
        status, error, pages, _ = recorded.get(key) or ("-", None, 0, False)
        took = seconds.get(source.sha256, time.perf_counter() - t0)
        if not result.success:
            outcome = FileOutcome(
                name, key, "run failed", status, pages or 0, took, f"dagster run {result.run_id}"
            )
        elif status == "failed":
            outcome = FileOutcome(name, key, "failed", status, pages or 0, took, error or "")
        else:
            detail = (error or "") if status in ("partial", "template") else ""
            if key in newer:  # loaded and kept, not current: say which file is
                detail = "; ".join(d for d in (f"superseded by {newer[key]}", detail) if d)
            outcome = FileOutcome(name, key, "loaded", status, pages or 0, took, detail)
        out.append((source, outcome))
    return out


def _superseded_by(con: duckdb.DuckDBPyConnection, document_ids: list[str]) -> dict[str, str]:
    """document_id → the file name of the current version, for those of `document_ids` superseded."""
    if not document_ids:
        return {}
    rows = con.execute(
        """
        select d.document_id, any_value(c.source_path)
        from dim_document d join dim_document c on c.version_key = d.version_key and c.is_current
        where d.document_id in (select unnest(?)) and not d.is_current and d.status <> 'failed'
        group by d.document_id
        """,
        [document_ids],
    ).fetchall()
    return {r[0]: Path(r[1]).name for r in rows}


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
@click.option(
    "--all-pages",
    is_flag=True,
    help="Write every current document's page again, not only those whose validation changed "
    "(for example after source files moved back: a page keeps what it could show when written).",
)
def report(warehouse: Path, out: Path | None, document_ids: tuple[str, ...], all_pages: bool) -> None:
    """Write the HTML data-quality report and print its path.

    Without --document: latest.html, the index of the current documents, with its dated copy
    quality-<time>.html, and documents/<id>.html, a page per current document (written when missing,
    when its validation changed or the report code did, or with --all-pages). With --document:
    quality-<time>.html, one file with those documents in full. An unknown id is a usage error (2).

    Example:

        yujuesuan report --warehouse data/warehouse.duckdb --out data/reports
    """
    from pipelines.report.html import UnknownDocumentError, write_report
    from pipelines.sources import HashCache

    try:  # the sources' hashes by stat, as the ingest's reports take them: unchanged files are not read
        files = write_report(
            warehouse,
            out or reports_dir_for(warehouse),
            list(document_ids) or None,
            hashes=HashCache.for_warehouse(warehouse),
            rebuild=all_pages,
        )
    except FileNotFoundError as exc:
        raise click.UsageError(str(exc)) from exc
    except UnknownDocumentError as exc:
        raise click.BadParameter(str(exc), param_hint="--document") from exc
    r = files.report
    pages = f"{r.pages_written} document pages written, " if files.pages is not None else ""
    click.echo(
        f"{r.documents_total} documents ({r.count('errors')} with errors, {r.count('warnings')} with "
        f"warnings, {r.count('clean')} clean, {r.count('not_validated')} not validated), "
        f"{len(r.failed)} failed to load, {len(r.templates)} blank templates; "
        f"{pages}{r.pictures} pictures in {r.render_seconds:.2f} s"
    )
    click.echo(f"report: {files.path.resolve()}")
    if files.pages is not None:
        click.echo(f"index: {files.latest.resolve()}  (each document's page under {files.pages.resolve()})")


def _print_quality(warehouse: Path, outcomes: list[FileOutcome], out: Path) -> bool:
    """After an ingest: one quality line per document, latest.html (the index of the whole warehouse,
    and the pages of the documents the run changed), the run's report."""
    with _published(warehouse) as con:
        if con is None:
            return False
        quality = _quality_lines(con, outcomes)
    return _write_quality(warehouse, outcomes, quality, out)


Quality = tuple[dict[str, str], dict[str, tuple[str, str]]]  # report.data's quality lines, run outcomes


def _quality_lines(con: duckdb.DuckDBPyConnection, outcomes: list[FileOutcome]) -> Quality:
    from pipelines.report.data import quality_lines, run_outcomes

    document_ids = list(dict.fromkeys(o.document_id for o in outcomes))
    return quality_lines(con, document_ids), run_outcomes(con, document_ids)


def _write_quality(warehouse: Path, outcomes: list[FileOutcome], quality: Quality, out: Path) -> bool:
    """`_print_quality` after its queries: the lines printed, the reports written."""
    from pipelines.report.html import RunEntry, write_reports
    from pipelines.sources import HashCache

    document_ids = list(dict.fromkeys(o.document_id for o in outcomes))
    lines, done = quality
    click.echo("\nquality:")
    for doc_id in document_ids:
        click.echo(f"{doc_id}  {lines.get(doc_id, 'not in the warehouse')}")
    entries = []
    for o in outcomes:
        what, note = done.get(o.document_id, (o.outcome, o.detail))
        if o.outcome in ("already loaded", "run failed"):
            what, note = o.outcome, o.detail
        entries.append(RunEntry(o.document_id, o.name, what, note))
    latest = out / "latest.html"
    if all(o.outcome == "already loaded" for o in outcomes) and latest.exists():
        click.echo(f"report: {latest.resolve()}  (unchanged: nothing new in this run)")
        return True
    try:  # built together: each document gathered and each finding drawn once for both
        whole, own = write_reports(warehouse, out, entries, hashes=HashCache.for_warehouse(warehouse))
    except Exception as exc:  # the documents are loaded; a broken report must not hide that
        click.echo(f"report failed: {exc!r}", err=True)
        return False
    assert own is not None  # asked for with the run's entries
    written = whole.report.pages_written
    click.echo(f"report: {whole.latest.resolve()}  (every current document; {written} pages written)")
    click.echo(f"this run: {own.path.resolve()}")
    return True


def _print_documents(warehouse: Path, document_ids: list[str] | None) -> None:
    from pipelines.load.warehouse import reader

    try:
        con = reader(warehouse)
    except FileNotFoundError as exc:
        raise click.UsageError(str(exc)) from exc
    with con:
        _document_lines(con, document_ids)


def _document_lines(con: duckdb.DuckDBPyConnection, document_ids: list[str] | None) -> None:
    """`_print_documents` on an open connection."""
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


def _add_export() -> None:
    """`yujuesuan export` lives in pipelines/export.py (Parquet, CSV, Fiscal Data Package, findings)."""
    from pipelines.export import export

    cli.add_command(export)


_add_export()


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
