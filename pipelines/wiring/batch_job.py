"""The batch ingest job: many files in one Dagster run, extraction fanned out, one writer.

    plan_shards ──► stage_shard (one per shard, mapped) ──► load_documents ──► validate_documents ──► report
                    extract + normalise → data/staging/<sha256>/   single writer   GX once per batch

`plan_shards` cuts the batch into shards; each `stage_shard` step stages its files with a local
process pool (`workers` processes, default: the step machine's cores). Run in process (the CLI),
the batch is one shard and the pool uses this machine's cores. Under the multiprocess, celery or
Kubernetes executor each shard is its own step, on its own process, worker or pod; the staging
folder must then be shared storage (YUJUESUAN_STAGING). Only `load_documents` writes the warehouse.

The per-document assets keep their history: the run logs a materialization of source_document,
normalised_document and warehouse_document for each file's partition, and every asset check's
evaluation for that partition, as the one-partition `ingest_document` job does.
"""

# no `from __future__ import annotations`: Dagster reads the op annotations (config classes) at runtime

import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg

from pipelines.wiring.partitions import BATCH_TAG
from pipelines.wiring.resources import WarehouseResource

# What the ops hand each other: plain dicts (Dagster pickles them between processes)
Items = list[dict[str, Any]]

WAREHOUSE_DOCUMENT = dg.AssetKey("warehouse_document")


class BatchConfig(dg.Config):
    """The files of the batch: each with its content hash (the partition is its document id)."""

    paths: list[str]
    sha256: list[str] = []  # noqa: RUF012  (pydantic copies it) each file's content hash; empty: hashed here
    shard_size: int = 0  # files per staging step; 0: one step for the whole batch


STAGE_IN_PROCESS = "YUJUESUAN_STAGE_IN_PROCESS"  # set: a run in one process extracts in it too


class StageConfig(dg.Config):
    workers: int = 0  # extraction processes per staging step; 0: the step machine's cores
    # the run executes in this one process (the CLI): import the validation stage while the pool works
    prewarm_validation: bool = False
    # extract in worker processes even with one worker: the step's process loads and validates next
    # (the CLI's), and would keep the extractor's memory (`batch.stage_all`)
    own_process: bool = False


@dg.op(out=dg.DynamicOut(Items))
def plan_shards(config: BatchConfig) -> Iterator[dg.DynamicOutput[Items]]:
    """The batch cut into shards of `shard_size` files (a shard is one staging step)."""
    from pipelines.extract.types import document_id_for
    from pipelines.sources import source_hash

    hashes = config.sha256 or [source_hash(Path(p))[0] for p in config.paths]
    items = [
        {"path": p, "sha256": h, "partition_key": document_id_for(h)}
        for p, h in zip(config.paths, hashes, strict=True)
    ]
    size = config.shard_size or len(items) or 1
    for i in range(0, len(items), size):
        yield dg.DynamicOutput(items[i : i + size], mapping_key=f"shard_{i // size}")


@dg.op
def stage_shard(
    context: dg.OpExecutionContext, config: StageConfig, warehouse: WarehouseResource, shard: Items
) -> Items:
    """Extract and normalise the shard's files into staging (no warehouse access)."""
    from dataclasses import asdict

    from pipelines.batch import StageItem, stage_all
    from pipelines.staging import staging_dir_for

    items = [StageItem(i["path"], i["sha256"], i["partition_key"]) for i in shard]
    staged = stage_all(
        items,
        staging_dir_for(warehouse.file),
        config.workers or None,
        prewarm_validation=config.prewarm_validation,
        own_process=config.own_process,
    )
    pages = sum(s.pages for s in staged)
    context.add_output_metadata({"files": len(staged), "pages": pages, "pid": os.getpid()})
    return [asdict(s) for s in staged]


@dg.op
def load_documents(
    context: dg.OpExecutionContext, warehouse: WarehouseResource, shards: list[Items]
) -> Items:
    """Every staged document into the warehouse, one writer; a materialization each. Not published
    here: validate_documents goes on in the same work copy and publishes the batch with its findings."""
    from pipelines.batch import load_staged
    from pipelines.staging import Staged, prune_staging, staging_dir_for
    from pipelines.wiring.instance import one_transaction

    staged = [Staged(**s) for shard in shards for s in shard]
    results = load_staged(warehouse.file, staged, publish=False)  # validate_documents publishes
    # the batch's staging is consumed: what the warehouse no longer needs goes (retention.py)
    pruned = prune_staging(staging_dir_for(warehouse.file), warehouse.file, {s.sha256 for s in staged})
    context.add_output_metadata({"pruned_staging": pruned})
    with one_transaction(context.instance):  # the batch's materializations: one write, not 3 per event
        for s, r in zip(staged, results, strict=True):
            meta: dict[str, dg.RawMetadataValue] = {
                "file": Path(s.source_path).name,
                "status": s.status,
                "pages": s.pages,
            }
            for asset in ("source_document", "normalised_document"):
                context.log_event(dg.AssetMaterialization(asset, partition=s.document_id, metadata=meta))
            context.log_event(
                dg.AssetMaterialization(
                    WAREHOUSE_DOCUMENT,
                    partition=s.document_id,
                    metadata={
                        **meta,
                        "outcome": r.outcome,
                        "facts": r.facts,
                        "tables": r.tables,
                        "document_id": r.document_id,
                    },
                )
            )
    return [{"document_id": s.document_id, "file": Path(s.source_path).name} for s in staged]


@dg.op
def validate_documents(
    context: dg.OpExecutionContext, warehouse: WarehouseResource, documents: Items
) -> Items:
    """The rule suite over the batch (GX judges it in one validation); checks reported per partition."""
    from pipelines.batch import validate_batch
    from pipelines.wiring.instance import one_transaction
    from pipelines.wiring.load import batch_tables_have_facts
    from pipelines.wiring.validate import check_results

    document_ids = [d["document_id"] for d in documents]
    ids = list(dict.fromkeys(document_ids))
    facts: dict[str, dg.AssetCheckResult] = {}  # read on the connection the rules read (what the load wrote)
    judged = validate_batch(
        warehouse.file,
        document_ids,
        context.run_id,
        warehouse.reports_dir / "gx",
        read_also=lambda con: facts.update(batch_tables_have_facts(con, ids)),
    )
    checked = check_results({d: judged.get(d, "document not loaded") for d in ids}, facts)
    results = [(document_id, result) for document_id, mine in checked.items() for result in mine]
    with one_transaction(context.instance):  # every partition's evaluations: one write, not 3 per event
        for document_id, result in results:
            context.log_event(  # an AssetCheckEvaluation: accepted at run time, not in the annotation
                dg.AssetCheckEvaluation(  # type: ignore[arg-type]
                    asset_key=WAREHOUSE_DOCUMENT,
                    check_name=result.check_name or "",
                    passed=result.passed,
                    metadata=result.metadata,
                    severity=result.severity,
                    partition=document_id,
                )
            )
    return documents


class ReportConfig(dg.Config):
    enabled: bool = True  # the CLI writes its own report once, with what it saw (already loaded …)


@dg.op
def refresh_report(
    context: dg.OpExecutionContext, config: ReportConfig, warehouse: WarehouseResource, documents: Items
) -> None:
    """latest.html (the index, and the pages of the documents whose validation changed) and the
    batch's own report, once per batch."""
    if not config.enabled:
        return
    from pipelines.report.html import run_entries, write_reports
    from pipelines.retention import prune_reports
    from pipelines.sources import HashCache

    names = {d["document_id"]: d["file"] for d in documents}
    # built together: each document gathered and each finding drawn once for both
    entries = run_entries(warehouse.file, names)
    hashes = HashCache.for_warehouse(warehouse.file)  # the sources' hashes, by stat: unchanged files unread
    whole, own = write_reports(warehouse.file, warehouse.reports_dir, entries, hashes=hashes)
    assert own is not None  # asked for with the batch's entries
    context.log_event(
        dg.AssetMaterialization(
            "quality_report",
            metadata={
                "path": dg.MetadataValue.path(str(whole.path.resolve())),
                "run_report": dg.MetadataValue.path(str(own.path.resolve())),
                "pages_written": whole.report.pages_written,
                "batch": context.run.tags.get(BATCH_TAG, context.run_id),
                # the nightly batch prunes like the CLI: old dated reports and GX results (retention.py)
                "pruned_files": prune_reports(warehouse.reports_dir),
            },
        )
    )


def _executor() -> dg.ExecutorDefinition:
    """In process or multiprocess (run config chooses) by default; a cluster's executor when asked.

    YUJUESUAN_EXECUTOR=celery needs dagster-celery, =k8s needs dagster-k8s (README: Past one machine).
    """
    kind = os.environ.get("YUJUESUAN_EXECUTOR", "")
    if kind == "celery":
        from dagster_celery import celery_executor

        celery: dg.ExecutorDefinition = celery_executor  # an untyped package
        return celery
    if kind == "k8s":
        from dagster_k8s import k8s_job_executor

        k8s: dg.ExecutorDefinition = k8s_job_executor  # an untyped package
        return k8s
    return dg.multi_or_in_process_executor


with warnings.catch_warnings():
    warnings.simplefilter("ignore")

    @dg.job(
        name="ingest_batch",
        executor_def=_executor(),
        resource_defs={"warehouse": WarehouseResource()},  # runnable on its own (reconstructable)
        description="Ingest many files in one run: staging steps in parallel, then one writer, "
        "one GX verdict per document kind and one report.",
    )
    def ingest_batch() -> None:
        staged = plan_shards().map(stage_shard).collect()
        refresh_report(validate_documents(load_documents(staged)))


def batch_run_config(
    warehouse: Path, paths: list[str], sha256: list[str], *, workers: int = 0, shard_size: int = 0,
    report: bool = True, in_process: bool = False,
) -> dict[str, object]:  # fmt: skip
    """The run config of one batch (the CLI, the schedule and the tests build it here)."""
    return {
        "resources": {"warehouse": {"config": {"path": str(warehouse)}}},
        "ops": {
            "plan_shards": {"config": {"paths": paths, "sha256": sha256, "shard_size": shard_size}},
            "stage_shard": {
                "config": {
                    "workers": workers,
                    "prewarm_validation": in_process,
                    # `make bench --profile` profiles the extraction in the CLI's process
                    "own_process": in_process and not os.environ.get(STAGE_IN_PROCESS),
                }
            },
            "refresh_report": {"config": {"enabled": report}},
        },
    }
