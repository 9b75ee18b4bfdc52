"""The batch path: staging per content hash (idempotent), a process pool, one writer, the Dagster
batch job under the multiprocess executor (the local rehearsal of a cluster run)."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.batch import StageItem, load_staged, stage_all, validate_batch
from pipelines.extract.types import document_id_for
from pipelines.load.warehouse import reader
from pipelines.sources import source_hash
from pipelines.staging import read_staged, stage_file
from pipelines.wiring.batch_job import batch_run_config, ingest_batch
from pipelines.wiring.validate import FAMILY_CHECKS
from tests.conftest import SAMPLES, SEED000, SEEDS

SEED_FILES = [SEEDS / "001_8a99ebaca312e0ad.txt", SEEDS / "002_6e511b73bd73a431.txt"]


def _item(path: Path) -> StageItem:
    sha = source_hash(path)[0]
    return StageItem(str(path), sha, document_id_for(sha))


def test_staging_is_keyed_by_content_and_done_once(tmp_path: Path) -> None:
    staging = tmp_path / "staging"
    item = _item(SEED000)
    first = stage_file(item.path, item.sha256, item.partition_key, str(staging))
    assert Path(first.folder) == staging / item.sha256 and not first.reused and first.seconds > 0
    again = stage_file(item.path, item.sha256, item.partition_key, str(staging))
    assert again.reused and again.seconds == 0.0 and again.folder == first.folder
    assert [p.name for p in staging.iterdir()] == [item.sha256]  # no temporary folder left behind
    copy = tmp_path / "renamed.txt"
    shutil.copy(SEED000, copy)
    n = read_staged(Path(first.folder), str(copy))
    assert n.document.source_path == str(copy) and n.document.document_id == item.partition_key
    # seed 000 prints 892 figures in its nine tables (tests/extract/test_formats.py)
    assert n.facts.height == 892 and n.document.meta.fiscal_year == 2024
    assert {"doc_text", "fact_narrative_figure"} <= set(n.extras)


def test_two_workers_stage_what_one_writer_loads_and_gx_judges_once(tmp_path: Path) -> None:
    staging, warehouse = tmp_path / "staging", tmp_path / "w.duckdb"
    items = [_item(p) for p in SEED_FILES]
    seen: list[str] = []
    staged = stage_all(items, staging, workers=2, on_staged=lambda s: seen.append(s.document_id))
    assert [s.document_id for s in staged] == [i.partition_key for i in items]  # in the order asked
    assert sorted(seen) == sorted(i.partition_key for i in items)
    results = load_staged(warehouse, staged)
    assert [r.outcome for r in results] == ["loaded", "loaded"]
    judged = validate_batch(warehouse, [i.partition_key for i in items], "batch-test")
    assert all(not isinstance(v, str) and v.results.height > 0 for v in judged.values())
    with reader(warehouse) as con:
        runs = con.execute("select document_id, checks from dq_run order by 1").fetchall()
        stored = con.execute("select document_id, count(*) from dq_result group by 1 order by 1").fetchall()
    assert [r[0] for r in runs] == sorted(i.partition_key for i in items)
    assert runs == stored  # every check of each document stored under its document


def test_own_process_stages_even_one_file_in_a_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """own_process (the CLI's run, whose process loads and validates next): one file and one worker
    still go to a pool process, and stage what this process stages."""
    from unittest import mock

    import pipelines.batch as batch

    pool = mock.Mock(wraps=batch._pool)
    monkeypatch.setattr(batch, "_pool", pool)
    item = _item(SEED000)
    (there,) = stage_all([item], tmp_path / "pool", workers=1, own_process=True)
    pool.assert_called_once_with(1)
    (here,) = stage_all([item], tmp_path / "here", workers=1)
    pool.assert_called_once_with(1)  # without it: in this process
    a, b = read_staged(Path(there.folder)), read_staged(Path(here.folder))
    assert a.facts.equals(b.facts) and a.tables.equals(b.tables) and sorted(a.extras) == sorted(b.extras)
    assert 0 <= there.rss_added_kib <= there.peak_rss_kib


def test_more_files_than_a_pool_takes_go_on_to_a_new_pool(tmp_path: Path) -> None:
    """Past `TASKS_PER_WORKER` files a worker, the rest are staged by a new pool rather than by the pool
    replacing its workers (`max_tasks_per_child`), which on CPython 3.11 waits for ever once a worker
    has left (gh-115634). In a subprocess with a deadline: a hang fails the test instead of the run."""
    import json
    import subprocess
    import sys

    items = [_item(p) for p in [SEED000, *SEED_FILES]]
    script = f"""
import json, pipelines.batch as b
from pathlib import Path
b.TASKS_PER_WORKER = 2  # (the old pool hung from 2 on: 3.11 replaces a worker after one right)
pools = []
make = b._pool
b._pool = lambda n: pools.append(n) or make(n)
items = [b.StageItem(*i) for i in {[(i.path, i.sha256, i.partition_key) for i in items]!r}]
staged = b.stage_all(items, Path({str(tmp_path / "staging")!r}), workers=1, own_process=True)
print(json.dumps({{"pools": pools, "staged": [[s.document_id, s.status] for s in staged]}}))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600, check=True
    )
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["pools"] == [1, 1]  # two files a worker a pool: the third on a second pool
    assert out["staged"] == [[i.partition_key, "ok"] for i in items]


def test_the_clis_run_config_stages_in_worker_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.wiring.batch_job import STAGE_IN_PROCESS

    def stage(**kw: bool) -> object:
        ops = batch_run_config(Path("w.duckdb"), [], [], **kw)["ops"]
        return ops["stage_shard"]["config"]["own_process"]

    monkeypatch.delenv(STAGE_IN_PROCESS, raising=False)
    assert stage(in_process=True) and not stage(in_process=False)
    monkeypatch.setenv(STAGE_IN_PROCESS, "1")  # `make bench --profile`: the extraction in its profile
    assert not stage(in_process=True)


def test_load_then_validate_share_one_work_copy_and_publish_once(tmp_path: Path) -> None:
    """load_staged(publish=False): readers see nothing of the batch until validate_batch publishes it
    with its findings, and validation writes on in the loader's work copy (no copy of the warehouse)."""
    import os

    from pipelines.load.warehouse import work_copy, writer

    staging, warehouse = tmp_path / "staging", tmp_path / "w.duckdb"
    with writer(warehouse):
        pass  # an existing, published warehouse
    items = [_item(p) for p in SEED_FILES]
    staged = stage_all(items, staging, workers=1)
    load_staged(warehouse, staged, publish=False)
    with reader(warehouse) as con:
        assert con.execute("select count(*) from dim_document").fetchone() == (0,)
    loaded_inode = os.stat(work_copy(warehouse)).st_ino
    judged = validate_batch(warehouse, [i.partition_key for i in items], "batch-test")
    assert all(not isinstance(v, str) for v in judged.values())
    assert os.stat(work_copy(warehouse)).st_ino == loaded_inode == os.stat(warehouse).st_ino
    with reader(warehouse) as con:
        assert con.execute("select count(distinct document_id) from dq_run").fetchone() == (2,)


def test_a_batch_with_nothing_to_validate_is_still_published(tmp_path: Path) -> None:
    from pipelines.load.warehouse import writer

    warehouse = tmp_path / "w.duckdb"
    with writer(warehouse):
        pass
    item = _item(SEED000)
    staged = stage_all([item], tmp_path / "staging", workers=1)
    load_staged(warehouse, staged, publish=False)
    with writer(warehouse, publish_after=False) as con:  # as a load whose documents all failed
        con.execute("update dim_document set status = 'failed'")
    assert validate_batch(warehouse, [item.partition_key], "batch-test") == {
        item.partition_key: "document failed, nothing to check"
    }
    with reader(warehouse) as con:
        assert con.execute("select status from dim_document").fetchall() == [("failed",)]


def test_batch_job_under_the_multiprocess_executor(tmp_path: Path) -> None:
    """Two shards, two staging steps in two processes, then one writer; checks per partition."""
    folder = tmp_path / "in"
    folder.mkdir()
    for p in SEED_FILES:
        shutil.copy(p, folder)
    warehouse = tmp_path / "data" / "w.duckdb"
    paths = sorted(str(p) for p in folder.iterdir())
    config = batch_run_config(warehouse, paths, [], shard_size=1, workers=1)
    config["execution"] = {"config": {"multiprocess": {"max_concurrent": 2}}}
    keys = [document_id_for(source_hash(Path(p))[0]) for p in paths]
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("source_files", keys)
        result = dg.execute_job(dg.reconstructable(ingest_batch), instance=instance, run_config=config)
        assert result.success
        steps = {
            e.step_key: e.event_specific_data.metadata["pid"].value
            for e in result.all_events
            if e.event_type == dg.DagsterEventType.STEP_OUTPUT
            and (e.step_key or "").startswith("stage_shard")
        }
        assert len(steps) == 2 and len(set(steps.values())) == 2  # each shard in its own process
        evaluations = result.get_asset_check_evaluations()
        assert {e.partition for e in evaluations} == set(keys)
        assert len(evaluations) == 2 * (len(FAMILY_CHECKS) + 1)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from dim_document where status = 'ok'").fetchone() == (2,)
        assert con.execute("select count(distinct document_id) from dq_run").fetchone() == (2,)
    assert (warehouse.parent / "reports" / "latest.html").exists()
    assert sorted(p.name for p in (warehouse.parent / "staging").iterdir()) == sorted(
        source_hash(Path(p))[0] for p in paths
    )


def test_a_batch_prunes_staging_the_warehouse_no_longer_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """YUJUESUAN_STAGING_DAYS: at the end of a batch, staged results of loaded documents older than
    the retention go, and so do results no version in the warehouse has (after a day's grace) and
    half-written folders; recent ones, and the batch's own, stay."""
    import os
    import time

    monkeypatch.setenv("YUJUESUAN_STAGING_DAYS", "30")
    warehouse = tmp_path / "data" / "w.duckdb"
    staging = tmp_path / "data" / "staging"
    old_loaded, recent_loaded = _item(SEED000), _item(SEEDS / "003_5006032ceb30bda5.txt")
    load_staged(warehouse, stage_all([old_loaded, recent_loaded], staging, workers=1))
    variant = tmp_path / "never_loaded.txt"
    variant.write_text(SEED000.read_text("utf-8").replace("7,171,195.84", "7,171,195.85"), "utf-8")
    unloaded = _item(variant)
    stage_all([unloaded], staging, workers=1)
    fresh = staging / ("f" * 64)  # staged by another run a minute ago, not loaded yet
    shutil.copytree(staging / unloaded.sha256, fresh)
    crashed = staging / f".{'e' * 64}.1234abcd.tmp"
    crashed.mkdir()
    day = 86_400
    for folder, days in ((old_loaded.sha256, 40), (recent_loaded.sha256, 10), (unloaded.sha256, 2),
                         (crashed.name, 2), (fresh.name, 0.001)):  # fmt: skip
        stamp = time.time() - days * day
        os.utime(staging / folder, (stamp, stamp))

    batch = _item(SEED_FILES[0])
    config = batch_run_config(
        warehouse, [batch.path], [batch.sha256], workers=1, report=False, in_process=True
    )
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("source_files", [batch.partition_key])
        result = ingest_batch.execute_in_process(run_config=config, instance=instance)
    assert result.success
    kept = sorted(p.name for p in staging.iterdir())
    assert kept == sorted([recent_loaded.sha256, fresh.name, batch.sha256])
    with reader(warehouse) as con:  # pruning staging never touches the warehouse
        (n,) = con.execute("select count(*) from dim_document").fetchone() or (0,)
    assert n == 3


def test_pruning_only_the_batchs_own_results_reads_no_warehouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warehouse's content hashes are read when a folder outside the batch asks for them: a
    staging folder of only the batch's results opens no connection; one more folder opens one."""
    from pipelines import staging as staging_mod

    reads: list[Path] = []

    def loaded(warehouse: Path) -> set[str]:
        reads.append(warehouse)
        return set()

    monkeypatch.setattr(staging_mod, "_loaded_hashes", loaded)
    staging, warehouse = tmp_path / "staging", tmp_path / "w.duckdb"
    mine = ["a" * 64, "b" * 64]
    for name in mine:
        (staging / name).mkdir(parents=True)
    assert staging_mod.prune_staging(staging, warehouse, keep=mine, days=30) == 0
    assert reads == []
    (staging / ("c" * 64)).mkdir()  # another run's, just staged: kept, but it needs the hashes
    (staging / ("d" * 64)).mkdir()
    assert staging_mod.prune_staging(staging, warehouse, keep=mine, days=30) == 0
    assert reads == [warehouse]  # once, for both


def test_the_cli_waits_for_the_worker_server_at_its_end(tmp_path: Path) -> None:
    """The extraction workers are the forkserver's children: the CLI stops and waits for it, so their
    CPU counts among the CLI's children (what `make bench` reads) and no server outlives the run."""
    import os
    from multiprocessing import forkserver

    from pipelines.cli import _stop_worker_server

    stage_all([_item(p) for p in SEED_FILES], tmp_path / "staging", workers=2)
    pid = forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined]
    assert pid is not None  # the pool was forked from it
    _stop_worker_server()
    assert forkserver._forkserver._forkserver_pid is None  # type: ignore[attr-defined]
    with pytest.raises(ChildProcessError):  # already waited for: nothing left to reap
        os.waitpid(pid, os.WNOHANG)


def test_a_worker_collects_garbage_though_its_server_imported_without() -> None:
    """The workers' server imports the extractor with the collector off (`pipelines.quiet_imports`);
    each worker it forks runs with the collector on again, young collections less often
    (`collector.quiet`): a worker never piles up unreachable cycles for its 25 files."""
    import gc

    from pipelines import batch
    from pipelines.cli import _stop_worker_server
    from pipelines.collector import THRESHOLDS

    pool = batch._pool(1)
    try:
        assert pool.submit(gc.isenabled).result() is True
        assert pool.submit(gc.get_threshold).result() == THRESHOLDS
    finally:
        pool.shutdown()
        _stop_worker_server()


def _contents(warehouse: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, sorted, without the columns that say when (load and delivery times)."""
    out = {}
    with reader(warehouse) as con:
        for (table,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'main'"
        ).fetchall():
            kinds = con.execute(
                "select column_name, data_type from duckdb_columns() where table_name = ? "
                "order by column_index",
                [table],
            ).fetchall()
            kept = ", ".join(f'"{name}"' for name, kind in kinds if not kind.startswith("TIMESTAMP"))
            out[table] = con.execute(f"select {kept or 'count(*)'} from {table} order by all").fetchall()
    return out


BATCH_FILES = [*sorted(SEEDS.glob("*.txt")), SAMPLES / "template_bumen_juesuan.pdf"]


def test_documents_loaded_together_are_loaded_as_one_at_a_time(tmp_path: Path) -> None:
    """load_staged writes a chunk of documents in one transaction, their summaries and new codes
    once for all: the warehouse holds what loading each alone (`load_document`) gives, row for row,
    and its summaries are those `summary.refresh` sums from the stored facts. Five seeds
    (summaries, 三公, new codes) and a blank template (no facts, no department)."""
    from pipelines.load import summary
    from pipelines.load.warehouse import load_document, single_threaded, writer

    staged = stage_all([_item(p) for p in BATCH_FILES], tmp_path / "staging", workers=1)
    together, alone = tmp_path / "together.duckdb", tmp_path / "alone.duckdb"
    assert {r.outcome for r in load_staged(together, staged)} == {"loaded"}
    with writer(alone) as con, single_threaded(con):
        for s in staged:
            n = read_staged(Path(s.folder), s.source_path)
            load_document(con, n.document, n.facts, n.tables, n.extras)
    rows, expected = _contents(together), _contents(alone)
    assert rows.keys() == expected.keys()
    for table in expected:
        assert rows[table] == expected[table], table
    assert rows["agg_document_function"] and rows["agg_document_three_public"]  # there were summaries
    # the summaries made from the new facts alone are those summed again from the warehouse's facts
    with writer(together) as con:
        summary.refresh(con)
    again = _contents(together)
    for table in summary.TABLES:
        assert again[table] == rows[table], table


def test_a_document_that_cannot_be_written_fails_alone_in_its_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error in one document of a chunk rolls the chunk back; the documents are then loaded one
    at a time, so only that one is recorded as failed and the others load whole."""
    from pipelines.load.departments import link_document as link

    staged = stage_all([_item(p) for p in BATCH_FILES], tmp_path / "staging", workers=1)
    culprit = staged[1].document_id

    def breaks(con: duckdb.DuckDBPyConnection, document_id: str) -> str | None:
        (status,) = con.execute(
            "select status from dim_document where document_id = ?", [document_id]
        ).fetchone() or (None,)
        if document_id == culprit and status != "failed":
            raise RuntimeError("no department for you")
        return link(con, document_id)

    monkeypatch.setattr("pipelines.load.warehouse.link_document", breaks)
    load_staged(tmp_path / "w.duckdb", staged)
    with reader(tmp_path / "w.duckdb") as con:
        rows = dict(
            con.execute(
                "select document_id, status || ' ' || coalesce(error, '') from dim_document"
            ).fetchall()
        )
        summed = {d for (d,) in con.execute("select distinct document_id from agg_document_total").fetchall()}
    assert "no department for you" in rows.pop(culprit) and len(rows) == len(staged) - 1
    assert not any(status.startswith("failed") for status in rows.values()), rows
    assert culprit not in summed and {d for d, status in rows.items() if status.startswith("ok")} <= summed
