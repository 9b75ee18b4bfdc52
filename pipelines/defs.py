"""The one Dagster `Definitions`: stage assets, ingest job, landing-folder sensor, nightly schedule.

The sensor registers every new or changed file in the landing folder as a partition (its content
hash); the 02:00 schedule (Asia/Shanghai) runs the ingest job for each registered file not yet
in the warehouse. `yujuesuan ingest` runs the same job for files named on the command line. Each
ingest run ends with the rule catalog's asset checks (pipelines/validate); every successful run
then refreshes the HTML quality report (refresh_quality_report job, via report_after_ingest).
"""

from pathlib import Path

import dagster as dg

from pipelines.extract.assets import source_document
from pipelines.load.assets import recognised_tables_have_facts, warehouse_document
from pipelines.normalise.assets import normalised_document
from pipelines.partitions import SOURCE_FILES, source_files
from pipelines.report.assets import quality_report
from pipelines.resources import InboxResource, WarehouseResource
from pipelines.sources import SOURCE_PATH_TAG, SourceFile, find_source_files
from pipelines.validate.assets import document_quality

ingest_job = dg.define_asset_job(
    "ingest_document",
    selection=dg.AssetSelection.assets(source_document, normalised_document, warehouse_document),
    description="Extract, normalise and load one source file version.",
)


report_job = dg.define_asset_job(
    "refresh_quality_report",
    selection=dg.AssetSelection.assets(quality_report),
    description="Rebuild the HTML data-quality report from the warehouse.",
)


def run_request_for(source: SourceFile) -> dg.RunRequest:
    return dg.RunRequest(
        run_key=source.partition_key,
        partition_key=source.partition_key,
        tags={SOURCE_PATH_TAG: str(source.path.resolve())},
    )


@dg.sensor(job=ingest_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def inbox_sensor(context: dg.SensorEvaluationContext, inbox: InboxResource) -> dg.SensorResult:
    """Register new or changed files in the landing folder as partitions (the schedule ingests them)."""
    folder = Path(inbox.path)
    if not folder.is_dir():
        return dg.SensorResult(skip_reason=f"landing folder {folder} does not exist")
    known = set(context.instance.get_dynamic_partitions(SOURCE_FILES))
    found = find_source_files([folder], all_files=True)
    for s in found:
        if s.error:  # still being copied, or no permission: tried again on the next tick
            context.log.warning(f"cannot read {s.path}: {s.error}")
    new = sorted({s.partition_key for s in found if not s.error} - known)
    if not new:
        return dg.SensorResult(skip_reason="no new or changed files")
    return dg.SensorResult(dynamic_partitions_requests=[source_files.build_add_request(new)])


@dg.schedule(
    job=ingest_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def nightly_ingest(context: dg.ScheduleEvaluationContext, inbox: InboxResource) -> list[dg.RunRequest]:
    """Every registered file in the landing folder whose partition has not been loaded yet."""
    folder = Path(inbox.path)
    if not folder.is_dir():
        return []
    registered = set(context.instance.get_dynamic_partitions(SOURCE_FILES))
    loaded = context.instance.get_materialized_partitions(warehouse_document.key)
    return [
        run_request_for(s)
        for s in find_source_files([folder], all_files=True)
        if s.partition_key in registered and s.partition_key not in loaded
    ]


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[ingest_job],
    request_job=report_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def report_after_ingest(context: dg.RunStatusSensorContext) -> dg.RunRequest:
    """Every finished ingest run (nightly or manual) refreshes the report the team reads."""
    return dg.RunRequest(run_key=context.dagster_run.run_id)


defs = dg.Definitions(
    assets=[source_document, normalised_document, warehouse_document, quality_report],
    asset_checks=[recognised_tables_have_facts, document_quality],
    jobs=[ingest_job, report_job],
    sensors=[inbox_sensor, report_after_ingest],
    schedules=[nightly_ingest],
    resources={"warehouse": WarehouseResource(), "inbox": InboxResource()},
)
