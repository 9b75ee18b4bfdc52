"""The one Dagster `Definitions`: stage assets, ingest job, landing-folder sensor, nightly schedule.

The sensor registers every new or changed file in the landing folder as a partition (its content
hash); the 02:00 schedule (Asia/Shanghai) runs `ingest_batch` (pipelines/wiring/batch_job.py) once over
every registered file not yet in the warehouse; `yujuesuan ingest` runs the same job for files
named on the command line. A batch run stages files in parallel, loads them through one writer,
reports every asset check per partition and rebuilds the report once. `ingest_document` is the
one-partition job (a partition materialised from the UI); when the last run of a batch of those
finishes, `report_after_ingest` (or `report_after_failed_ingest`) requests one report run.
"""

import os
from pathlib import Path

import dagster as dg
from filelock import Timeout

from pipelines.sources import (
    SOURCE_PATH_TAG,
    HashCache,
    SourceFile,
    by_content,
    delivery_order,
    scan_sources,
)
from pipelines.wiring.batch_job import batch_run_config, ingest_batch
from pipelines.wiring.extract import source_document
from pipelines.wiring.load import recognised_tables_have_facts, warehouse_document
from pipelines.wiring.normalise import normalised_document
from pipelines.wiring.partitions import BATCH_TAG, FILE_TAG, SOURCE_FILES, source_files
from pipelines.wiring.report import quality_report
from pipelines.wiring.resources import InboxResource, WarehouseResource
from pipelines.wiring.validate import document_quality

ingest_job = dg.define_asset_job(
    "ingest_document",
    selection=dg.AssetSelection.assets(source_document, normalised_document, warehouse_document),
    description="Extract, normalise and load one source file version, then run its asset checks.",
)


report_job = dg.define_asset_job(
    "refresh_quality_report",
    selection=dg.AssetSelection.assets(quality_report),
    description="Rebuild the HTML data-quality report from the warehouse (once per ingest batch).",
)

UNFINISHED = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def run_request_for(source: SourceFile, batch: str | None = None) -> dg.RunRequest:
    """One ingest run: the partition, the file's path (the extract step reads it) and its name."""
    tags = {SOURCE_PATH_TAG: str(source.path.resolve()), FILE_TAG: source.path.name}
    if batch:
        tags[BATCH_TAG] = batch
    return dg.RunRequest(
        run_key=f"{source.partition_key}@{batch}" if batch else source.partition_key,
        partition_key=source.partition_key,
        tags=tags,
    )


@dg.sensor(job=ingest_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def inbox_sensor(
    context: dg.SensorEvaluationContext, inbox: InboxResource, warehouse: WarehouseResource
) -> dg.SensorResult:
    """Register new or changed files in the landing folder as partitions (the schedule ingests them).

    Hashes are remembered by file stat beside the warehouse (HashCache), so an unchanged file is
    not opened again every minute. A file whose bytes are a version the warehouse has loaded and
    since superseded (a revert) is a new delivery: it is recorded and made current here, as the
    CLI does, without extracting it again (see guard.deliver_again).
    """
    from pipelines.guard import deliver_again, record_copies

    folder = Path(inbox.path)
    if not folder.is_dir():
        return dg.SensorResult(skip_reason=f"landing folder {folder} does not exist")
    cache = HashCache.for_warehouse(warehouse.file)
    found = scan_sources([folder], cache=cache).files
    known = set(context.instance.get_dynamic_partitions(SOURCE_FILES))
    for s in found:
        if s.error:  # still being copied, or no permission: tried again on the next tick
            context.log.warning(f"cannot read {s.path}: {s.error}")
    fresh = [
        s
        for s in found
        if not s.error and s.partition_key in known and os.path.abspath(s.path) in cache.fresh
    ]
    try:
        for line in deliver_again(warehouse.file, fresh, by_mtime=True, timeout=30):
            context.log.info(line)
    except Timeout:  # a batch is writing: look at these files again on the next tick
        cache.forget([s.path for s in fresh])
        context.log.info("the warehouse is busy; reverted files are looked at again on the next tick")
    try:  # the same bytes under another name, once their version is loaded (as the CLI records them)
        for line in record_copies(warehouse.file, found, timeout=30):
            context.log.info(line)
    except Timeout:
        context.log.info("the warehouse is busy; copies are recorded on a later tick")
    new = sorted({s.partition_key for s in found if not s.error} - known)
    if not new:
        return dg.SensorResult(skip_reason="no new or changed files")
    names = ", ".join(sorted({s.path.name for s in found if s.partition_key in new}))
    context.log.info(f"registered {len(new)} file version(s): {names}")
    return dg.SensorResult(dynamic_partitions_requests=[source_files.build_add_request(new)])


@dg.schedule(
    job=ingest_batch,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def nightly_ingest(
    context: dg.ScheduleEvaluationContext, inbox: InboxResource, warehouse: WarehouseResource
) -> list[dg.RunRequest]:
    """Every registered file in the landing folder that the warehouse has not finished: one batch run
    of `ingest_batch` (staging steps of SHARD_FILES files, one writer, one report).

    Finished means loaded and validated (or recorded as failed or template), read from the
    published warehouse, so a run killed between its load and its checks is run again.
    """
    from pipelines.load.warehouse import finished_documents

    folder = Path(inbox.path)
    if not folder.is_dir():
        return []
    registered = set(context.instance.get_dynamic_partitions(SOURCE_FILES))
    done = finished_documents(warehouse.file)
    tick = context.scheduled_execution_time
    batch = f"nightly-{tick.strftime('%Y%m%dT%H%M%z')}" if tick else "nightly-manual"
    # once per content hash; unchanged files are not opened (their hashes are remembered by stat)
    cache = HashCache.for_warehouse(warehouse.file)
    # as the CLI: the same bytes are read from their first path; versions load oldest file first
    todo = by_content(scan_sources([folder], cache=cache).files)
    files = delivery_order(g[0] for key, g in todo.items() if key in registered and key not in done)
    if not files:
        return []
    config = batch_run_config(
        warehouse.file,
        [str(s.path.resolve()) for s in files],
        [s.sha256 for s in files],
        shard_size=SHARD_FILES,
    )
    return [dg.RunRequest(run_key=f"batch:{batch}", run_config=config, tags={BATCH_TAG: batch})]


SHARD_FILES = 50  # files per staging step when the daemon runs a batch (multiprocess or cluster executor)


def _report_when_batch_done(context: dg.RunStatusSensorContext) -> dg.RunRequest | dg.SkipReason:
    """One report per batch: requested when the batch's last ingest run ends, keyed by the batch."""
    batch = context.dagster_run.tags.get(BATCH_TAG) or context.dagster_run.run_id
    if context.dagster_run.tags.get(BATCH_TAG):
        pending = context.instance.get_run_ids(
            filters=dg.RunsFilter(job_name=ingest_job.name, tags={BATCH_TAG: batch}, statuses=UNFINISHED),
            limit=1,
        )
        if pending:
            return dg.SkipReason(f"batch {batch} still has runs to finish")
    return dg.RunRequest(run_key=f"report:{batch}", tags={BATCH_TAG: batch})


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[ingest_job],
    request_job=report_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def report_after_ingest(context: dg.RunStatusSensorContext) -> dg.RunRequest | dg.SkipReason:
    """The end of a batch (nightly or manual) refreshes the report the team reads in the morning."""
    return _report_when_batch_done(context)


@dg.run_failure_sensor(
    monitored_jobs=[ingest_job], request_job=report_job, default_status=dg.DefaultSensorStatus.RUNNING
)
def report_after_failed_ingest(context: dg.RunFailureSensorContext) -> dg.RunRequest | dg.SkipReason:
    """A batch whose last run failed is reported too (the others loaded)."""
    return _report_when_batch_done(context)


defs = dg.Definitions(
    assets=[source_document, normalised_document, warehouse_document, quality_report],
    asset_checks=[recognised_tables_have_facts, document_quality],
    jobs=[ingest_job, ingest_batch, report_job],
    sensors=[inbox_sensor, report_after_ingest, report_after_failed_ingest],
    schedules=[nightly_ingest],
    resources={"warehouse": WarehouseResource(), "inbox": InboxResource()},
)
