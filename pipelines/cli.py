"""`yujuesuan`: ingest files and inspect the warehouse. Ingest runs the Dagster job the schedule runs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from pipelines.resources import default_warehouse, reports_dir_for


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
def cli() -> None:
    """yujuesuan (预决算): department budgets and final accounts into one DuckDB warehouse."""


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
    """Ingest files or folders: extract, normalise and load each file version.

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
    from pipelines.guard import check_free_space, triage
    from pipelines.guard import revalidate as run_rules_again
    from pipelines.retention import prune_reports

    check_free_space(warehouse.resolve().parent)
    _dagster_home(warehouse)
    import dagster as dg

    from pipelines.defs import defs, ingest_job, run_request_for
    from pipelines.partitions import SOURCE_FILES
    from pipelines.sources import find_source_files

    sources = find_source_files(list(paths), all_files=True)
    if not sources:
        raise click.ClickException("no files found")
    tried = sources
    sources, notes = triage(warehouse, sources)  # unchanged bytes: nothing extracted, nothing written
    for note in notes:
        click.echo(note)
    instance = dg.DagsterInstance.get()
    if sources:
        instance.add_dynamic_partitions(SOURCE_FILES, sorted({s.partition_key for s in sources}))
    job = defs.resolve_job_def(ingest_job.name)
    run_config = {
        "resources": {"warehouse": {"config": {"path": str(warehouse)}}},
        "loggers": {"console": {"config": {"log_level": "WARNING"}}},
    }
    failures = 0
    for source in sources:
        request = run_request_for(source)
        result = job.execute_in_process(
            instance=instance,
            partition_key=source.partition_key,
            tags=request.tags,
            run_config=run_config,
            raise_on_error=False,
        )
        if not result.success:
            failures += 1
            click.echo(f"run failed for {source.path}: see `dagster` run {result.run_id}", err=True)
    if revalidate:
        again = [s.partition_key for s in tried if s not in sources]
        click.echo(f"revalidated {run_rules_again(warehouse, again, f'revalidate-{os.getpid()}')} documents")
    prune_reports(reports_dir_for(warehouse))
    document_ids = list(dict.fromkeys(s.partition_key for s in (tried if revalidate else sources)))
    if not document_ids:
        return
    _print_documents(warehouse, document_ids)
    click.echo(f"\nwarehouse: {warehouse.resolve()}")
    if not _print_quality(warehouse, document_ids, reports_dir_for(warehouse)):
        failures += 1
    if failures:
        sys.exit(1)


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
    help="Only this document id (repeatable); default: every current document version.",
)
def report(warehouse: Path, out: Path | None, document_ids: tuple[str, ...]) -> None:
    """Write the HTML data-quality report (quality-<time>.html and latest.html) and print its path.

    Example:

        yujuesuan report --warehouse data/warehouse.duckdb --out data/reports
    """
    from pipelines.report.html import write_report

    try:
        files = write_report(warehouse, out or reports_dir_for(warehouse), list(document_ids) or None)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    r = files.report
    click.echo(
        f"{len(r.documents)} documents ({r.count('errors')} with errors, {r.count('warnings')} with "
        f"warnings, {r.count('clean')} clean, {r.count('not_validated')} not validated), "
        f"{len(r.failed)} failed to load; {r.pictures} pictures in {r.render_seconds:.2f} s"
    )
    click.echo(f"report: {files.path.resolve()}")


def _print_quality(warehouse: Path, document_ids: list[str], out: Path) -> bool:
    """After an ingest: one quality line per document, then the report of those documents."""
    from pipelines.load.warehouse import reader
    from pipelines.report.data import quality_lines
    from pipelines.report.html import write_report

    with reader(warehouse) as con:
        lines = quality_lines(con, document_ids)
    click.echo("\nquality:")
    for doc_id in document_ids:
        click.echo(f"{doc_id}  {lines.get(doc_id, 'not in the warehouse')}")
    try:
        files = write_report(warehouse, out, document_ids)
    except Exception as exc:  # the documents are loaded; a broken report must not hide that
        click.echo(f"report failed: {exc!r}", err=True)
        return False
    click.echo(f"report: {files.path.resolve()}")
    return True


def _print_documents(warehouse: Path, document_ids: list[str] | None) -> None:
    from pipelines.load.warehouse import reader

    try:
        con = reader(warehouse)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
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
        click.echo(f"{doc_id}  {st:<7} {Path(path).name}{flag}")
        click.echo(f"    {kind or '?'} {year or '?'} {dept or '?'}")
        click.echo(f"    tables: {tables or '-'}   facts: {facts}")
        if error:
            click.echo(f"    reason: {error}")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
