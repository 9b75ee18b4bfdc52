"""Report stage in Dagster: the HTML data-quality report, rebuilt after every ingest run."""

import dagster as dg

from pipelines.resources import WarehouseResource


@dg.asset(group_name="report")
def quality_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """data/reports/latest.html over every current document, with the GX Data Docs beside it."""
    from pipelines.report.html import write_report  # page rendering and templating load with the run only

    files = write_report(warehouse.file, warehouse.reports_dir, None)
    report = files.report
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(files.path.resolve())),
            "documents": len(report.documents),
            "with_errors": report.count("errors"),
            "with_warnings": report.count("warnings"),
            "failed_to_load": len(report.failed),
        }
    )
