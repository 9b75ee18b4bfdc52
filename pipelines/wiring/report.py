"""Report stage in Dagster: the HTML data-quality report, rebuilt once per ingest batch."""

import dagster as dg

from pipelines.wiring.partitions import BATCH_TAG, FILE_TAG
from pipelines.wiring.resources import WarehouseResource


@dg.asset(group_name="report")
def quality_report(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult[None]:
    """latest.html, the index of the current documents, and the pages of those whose validation
    changed (reports/documents/); with a batch tag, also the batch's own run report. Reports and GX
    results older than YUJUESUAN_RETENTION_DAYS are pruned."""
    # page rendering and templating load with the run only
    from pipelines.report.html import run_entries, write_reports
    from pipelines.retention import prune_reports, retention_days
    from pipelines.sources import HashCache

    batch = context.run.tags.get(BATCH_TAG)
    entries = None
    if batch:
        runs = context.instance.get_run_records(filters=dg.RunsFilter(tags={BATCH_TAG: batch}))
        ingests = [r.dagster_run for r in runs if r.dagster_run.tags.get("dagster/partition")]
        keys = {r.tags["dagster/partition"]: r.tags.get(FILE_TAG, "?") for r in ingests}
        entries = run_entries(warehouse.file, keys)
    # latest.html and the batch's own report built together: each picture drawn once
    hashes = HashCache.for_warehouse(warehouse.file)  # the sources' hashes, by stat: unchanged files unread
    files, run_files = write_reports(warehouse.file, warehouse.reports_dir, entries, hashes=hashes)
    report = files.report
    metadata: dict[str, dg.RawMetadataValue] = {
        "path": dg.MetadataValue.path(str(files.path.resolve())),
        "documents": report.documents_total,
        "with_errors": report.count("errors"),
        "with_warnings": report.count("warnings"),
        "failed_to_load": len(report.failed),
        "templates": len(report.templates),
        "pages_written": report.pages_written,
        "pages_removed": report.pages_removed,
    }
    if run_files is not None and entries is not None:
        metadata["batch"] = batch
        metadata["run_report"] = dg.MetadataValue.path(str(run_files.path.resolve()))
        metadata["added"] = sum(e.outcome == "added" for e in entries)
        metadata["changed"] = sum(e.outcome == "changed" for e in entries)
    # the nightly path prunes like the CLI does: old dated reports and GX results (retention.py)
    metadata["pruned_files"] = prune_reports(warehouse.reports_dir)
    metadata["retention_days"] = retention_days()
    return dg.MaterializeResult(metadata=metadata)
