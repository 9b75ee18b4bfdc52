"""A batch of files through the pipeline: staging in parallel processes, then one writer, one GX verdict.

    staged = stage_all(items, staging, workers=2)        # extract + normalise, per file, any process
    loaded = load_staged(warehouse, staged)              # one writer connection (publishes, or leaves it to:)
    judged = validate_batch(warehouse, ids, run_id)      # each rule's SQL once, GX once

The stages are plain functions: the Dagster batch job (pipelines/wiring/batch_job.py) calls them from its
ops, the CLI runs that job. Extraction never touches the warehouse; its results go through
`data/staging/<sha256>/` (pipelines/staging.py), so the same step runs on other machines too.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.collector import quiet
from pipelines.lifetime import leave_with
from pipelines.staging import Staged, stage_file

if TYPE_CHECKING:
    import duckdb

    from pipelines.load.warehouse import LoadResult
    from pipelines.validate.engine import Evaluation

log = logging.getLogger("yujuesuan.batch")
TASKS_PER_WORKER = 25  # files per worker in one pool; the next files go to a new pool: memory never creeps up


@dataclass(frozen=True)
class StageItem:
    path: str
    sha256: str
    partition_key: str


def default_workers() -> int:
    """One extraction process per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _size(item: StageItem) -> int:
    try:
        return Path(item.path).stat().st_size
    except OSError:
        return 0


def _pool(workers: int) -> ProcessPoolExecutor:
    """Workers forked from a small server that has imported the extractor once (not from this process,
    whose Dagster and DuckDB threads must not be forked)."""
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(
        [
            "pipelines.quiet_imports",  # first: no collection during the imports that follow
            "pipelines.staging",
            "pipelines.guard",
            "pipelines.normalise.document",
            "pipelines.extract.document",
            "pipelines.extract.pdf",
            "pipelines.batch",  # the workers' initializer
        ]
    )
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_worker_start, initargs=(os.getpid(),)
    )


# Packages a worker never needs though a library it imports would load them: pandas (camelot's,
# imported when a table in doubt is read again) loads pyarrow when it is installed, for Arrow-backed
# dtypes and Parquet I/O. camelot's frames hold strings, and polars writes the staging Parquet
# itself: ~0.06 of camelot's ~0.4 CPU-s import. (pyarrow is installed for the CLI's tools.)
WITHHELD_PACKAGES = ("pyarrow",)


def _worker_start(owner: int) -> None:
    """In a new worker: the extractor's modules, imported by the server it was forked from, out of the
    collector's view (`collector.quiet`): its collections walked them again and again, 8% of a
    worker's CPU on data/samples, a third of that with this. `WITHHELD_PACKAGES` are made
    unavailable (None in `sys.modules`: an import raises ImportError, as for a package not
    installed). It leaves when `owner`, the process that made its pool, is gone
    (`lifetime.leave_with`)."""
    quiet()
    for name in WITHHELD_PACKAGES:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
    leave_with(owner)


def _prewarm_validation() -> None:
    """Import the validation stage (Great Expectations: seconds of CPU) in a thread while the pool
    extracts: this process only waits for the workers then, and the import is off the serial tail
    (load → rules → GX) that follows. Only with a pool: in-process extraction would share the GIL."""
    import importlib
    import threading

    from pipelines.validate.gx import isolated

    if isolated():  # GX runs in its own process, already importing it (the CLI)
        return

    def load() -> None:
        try:
            importlib.import_module("great_expectations")
        except Exception:  # the validate step imports it again and reports the trouble there
            log.debug("prewarming Great Expectations failed", exc_info=True)

    threading.Thread(target=load, name="prewarm-gx", daemon=True).start()


def _died(item: StageItem, staging: Path, why: str) -> Staged:
    """A file whose worker process died (killed, out of memory, a crash in a C library): failed alone."""
    from pipelines.guard import failed_document, normalise_guarded
    from pipelines.staging import write_staged

    doc = failed_document(Path(item.path), item.sha256, "internal_error", f"extraction process died: {why}")
    folder = staging / item.sha256
    write_staged(normalise_guarded(doc), folder)
    return Staged(str(folder), item.sha256, doc.document_id, item.path, "failed", 0, 0.0, 0)


def stage_all(
    items: Sequence[StageItem],
    staging: Path,
    workers: int | None = None,
    on_staged: Callable[[Staged], None] | None = None,
    prewarm_validation: bool = False,
    own_process: bool = False,
) -> list[Staged]:
    """Extract and normalise every file into staging; with workers > 1, in that many processes.

    Largest files first, so the last one to finish is a small one. A worker that dies takes only
    its own file down: the files it left unfinished are staged again, each in a process of its own.
    `prewarm_validation`: this process validates the batch next (one process runs the whole job).
    `own_process`: one worker (or one file) is staged in a process of its own too, not in this one.
    A process that goes on to load and validate (the CLI's, which holds Dagster and DuckDB) would
    keep what extraction leaves behind until exit: the extractor's imports, camelot's pandas and
    OpenCV, freed pages malloc does not give back. In a 1-worker ingest of the rendered folder that
    was ~130 MiB of the CLI's 450–525 MiB peak, which its load and rule SQL then added to.
    """
    workers = workers or default_workers()
    order = sorted(items, key=_size, reverse=True)
    done: dict[str, Staged] = {}

    def finish(item: StageItem, staged: Staged) -> None:
        done[item.sha256] = staged
        if on_staged:
            on_staged(staged)

    if (workers <= 1 or len(order) <= 1) and not own_process:
        for item in order:
            finish(item, stage_file(item.path, item.sha256, item.partition_key, str(staging)))
        return [done[i.sha256] for i in items]
    if prewarm_validation:
        _prewarm_validation()
    # a round of `TASKS_PER_WORKER` files a worker, each on a new pool: its workers leave with it, so
    # memory never creeps up (not `max_tasks_per_child`: on CPython 3.11 the pool then waits for ever
    # once a worker has left, gh-115634)
    size = workers * TASKS_PER_WORKER
    for start in range(0, len(order), size):
        left = _stage_round(order[start : start + size], staging, workers, finish)
        for item in left:  # after a worker died: one process per file, so the culprit fails alone
            with _pool(1) as alone:
                try:
                    finish(item, alone.submit(stage_file, item.path, item.sha256, item.partition_key,
                                              str(staging)).result())  # fmt: skip
                except Exception as exc:
                    finish(item, _died(item, staging, f"{type(exc).__name__}: {exc}"))
    return [done[i.sha256] for i in items]


def _stage_round(
    items: list[StageItem], staging: Path, workers: int, finish: Callable[[StageItem, Staged], None]
) -> list[StageItem]:
    """Stage `items` on one pool of `workers` processes; the items left unfinished when a worker died."""
    left = list(items)
    with _pool(min(workers, len(items))) as pool:
        futures: dict[Future[Staged], StageItem] = {
            pool.submit(stage_file, i.path, i.sha256, i.partition_key, str(staging)): i for i in items
        }
        for future in as_completed(futures):
            item = futures[future]
            try:
                finish(item, future.result())
                left.remove(item)
            except BrokenProcessPool:
                break
            except Exception as exc:  # stage_file is guarded; this is pickling or the pool itself
                log.exception("staging %s failed", item.path)
                finish(item, _died(item, staging, f"{type(exc).__name__}: {exc}"))
                left.remove(item)
    return left


def load_staged(
    warehouse: Path,
    staged: Sequence[Staged],
    on_loaded: Callable[[Staged, LoadResult], None] | None = None,
    *,
    publish: bool = True,
) -> list[LoadResult]:
    """Every staged document into the warehouse through one writer connection, published once.

    Loaded in delivery order (`sources.delivery_order`: file modification time, then path), so of
    two versions of one document in the batch the newer file is current; results in `staged` order.

    `publish=False`: validation follows in this run (`validate_batch`): its writer session goes on
    in the same work copy, without a copy of the warehouse in between, and publishes the batch
    with its findings.
    """
    from pipelines.guard import load_guarded
    from pipelines.load.warehouse import LOAD_CHUNK, NewVersion, load_many, single_threaded, writer
    from pipelines.sources import delivery_key
    from pipelines.staging import read_staged

    results: dict[int, LoadResult] = {}
    order = sorted(range(len(staged)), key=lambda i: delivery_key(Path(staged[i].source_path)))
    # each document is a few small statements: DuckDB's worker threads only add CPU (~15% of the
    # loads'); the session's schema check before and its checkpoint after keep them
    with writer(warehouse, publish_after=publish) as con, single_threaded(con):
        for start in range(0, len(order), LOAD_CHUNK):  # a transaction per chunk of documents
            chunk = order[start : start + LOAD_CHUNK]
            read = [read_staged(Path(staged[i].folder), staged[i].source_path) for i in chunk]
            try:
                loaded = load_many(con, [NewVersion(n.document, n.facts, n.tables, n.extras) for n in read])
            except Exception:  # nothing of the chunk was written: each alone, so the culprit fails alone
                log.info(
                    "a chunk of %d documents did not load at once; one at a time", len(chunk), exc_info=True
                )
                loaded = [load_guarded(con, n) for n in read]
            for i, result in zip(chunk, loaded, strict=True):
                results[i] = result
                if on_loaded:
                    on_loaded(staged[i], result)
    return [results[i] for i in range(len(staged))]


NOT_VALIDATED = ("failed", "template")  # load statuses with nothing to check


def validate_batch(
    warehouse: Path,
    document_ids: Sequence[str],
    run_id: str,
    docs_dir: Path | None = None,
    *,
    read_also: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> dict[str, Evaluation | str]:
    """Rules over every document of the batch: each rule's SQL once for the batch, one GX validation.

    Returns each document's evaluation, or why it was not validated (failed, template, not loaded).
    `read_also`: called with the connection the rules read (the batch loaded, its findings not yet
    stored), for the caller's own queries of what the load wrote: one connection fewer to open
    (~30 ms of CPU each).
    """
    from pipelines.load.warehouse import locked_reader, publish_pending, writer
    from pipelines.validate.engine import judge_batch, prepare_batch
    from pipelines.validate.rules import load_rules
    from pipelines.validate.store import store_evaluations

    rules = load_rules()
    out: dict[str, Evaluation | str] = {}
    checked = []
    with locked_reader(warehouse) as con:  # the lock is held for the reads only; nothing copied
        wanted = list(dict.fromkeys(document_ids))
        status: dict[str, str] = dict(
            con.execute(
                "select document_id, status from dim_document where document_id in (select unnest(?))",
                [wanted],
            ).fetchall()
        )
        for document_id in wanted:
            if document_id not in status or status[document_id] in NOT_VALIDATED:
                found = status.get(document_id)
                out[document_id] = f"document {found}, nothing to check" if found else "document not loaded"
                continue
            checked.append(document_id)
        prepared = prepare_batch(con, checked, rules)
        if read_also is not None:
            read_also(con)
    if not prepared:
        publish_pending(warehouse)  # what a load with publish=False left for this step to publish
        return out
    evaluations = judge_batch(prepared, docs_dir=docs_dir, run_name=run_id)
    with writer(warehouse) as con:  # one publish: readers see the batch with its findings
        store_evaluations(con, run_id, evaluations, rules)  # one transaction, a few statements
    out.update((e.document_id, e) for e in evaluations)
    return out


def revalidate(warehouse: Path, document_ids: list[str], run_id: str) -> int:
    """Run the rule suite again on loaded documents (`ingest --revalidate`); how many were judged.

    One batch: each rule's SQL once for all the documents, GX's verdict in one validation.
    """
    from pipelines.paths import reports_dir_for

    judged = validate_batch(warehouse, document_ids, run_id, reports_dir_for(warehouse) / "gx")
    return sum(not isinstance(v, str) for v in judged.values())
