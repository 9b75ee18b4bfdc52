"""The Dagster wiring and the CLI that runs it: one code path for schedule, sensor and command line."""

from __future__ import annotations

import gc
import json
import re
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest
from click.testing import CliRunner

from pipelines.cli import cli
from pipelines.defs import (
    defs,
    inbox_sensor,
    ingest_job,
    nightly_ingest,
    report_after_failed_ingest,
    report_after_ingest,
    report_job,
    run_request_for,
)
from pipelines.extract.types import file_sha256
from pipelines.sources import SourceFile
from pipelines.wiring.batch_job import ingest_batch
from pipelines.wiring.partitions import BATCH_TAG, DEPARTMENT_TAG, SOURCE_FILES, YEAR_TAG
from pipelines.wiring.resources import InboxResource, WarehouseResource
from pipelines.wiring.validate import FAMILY_CHECKS
from tests.conftest import SEED000, SEEDS, SHGZB_PDF, nightly_tick


def test_definitions_validate_like_the_dagster_cli() -> None:
    """`dagster definitions validate` runs this: name clashes (job vs asset) fail here, not in the UI."""
    dg.Definitions.validate_loadable(defs)


def test_definitions_load() -> None:
    repo = defs.get_repository_def()
    assert repo.get_job(ingest_job.name) and repo.get_job(ingest_batch.name)
    assert {a.key.to_user_string() for a in repo.asset_graph.asset_nodes} >= {
        "source_document",
        "normalised_document",
        "warehouse_document",
    }
    assert repo.get_job(report_job.name)
    assert {report_after_ingest.name, report_after_failed_ingest.name} <= {s.name for s in repo.sensor_defs}
    checks = {k.name for k in repo.asset_graph.asset_check_keys}
    assert set(FAMILY_CHECKS.values()) | {"recognised_tables_have_facts"} == checks
    assert nightly_ingest.cron_schedule == "0 2 * * *"
    assert nightly_ingest.execution_timezone == "Asia/Shanghai"


def _partition_keys(result: object) -> set[str]:
    assert isinstance(result, dg.SensorResult)
    return {k for r in result.dynamic_partitions_requests or [] for k in r.partition_keys}


def test_sensor_registers_new_and_changed_files_only(tmp_path: Path) -> None:
    """A landing folder with an unchanged, a changed and a new file, and a stray file it ignores."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    unchanged, changed = inbox / "a_2024_juesuan.txt", inbox / "b_2024_juesuan.txt"
    shutil.copy(SEEDS / "001_8a99ebaca312e0ad.txt", unchanged)
    shutil.copy(SEEDS / "002_6e511b73bd73a431.txt", changed)
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    resources = {"inbox": InboxResource(path=str(inbox)), "warehouse": WarehouseResource(path=str(warehouse))}
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, resources=resources)
        first = inbox_sensor(context)
        assert _partition_keys(first) == {_key(unchanged), _key(changed)}
        instance.add_dynamic_partitions(SOURCE_FILES, sorted(_partition_keys(first)))
        assert not _partition_keys(inbox_sensor(context))  # nothing new the second time

        old_changed = _key(changed)
        shutil.copy(SEEDS / "003_5006032ceb30bda5.txt", changed)  # same name, new bytes
        new = inbox / "sub" / "c_2025_yusuan.txt"
        new.parent.mkdir()
        shutil.copy(SEEDS / "004_c2b4d63b8c9ccf28.txt", new)
        (inbox / "scan.jpg").write_bytes(b"\xff\xd8\xff")
        (inbox / ".hidden.pdf").write_bytes(b"%PDF")
        second = inbox_sensor(context)
        assert _partition_keys(second) == {_key(changed), _key(new)}
        assert old_changed not in _partition_keys(second) and _key(changed) != old_changed


def _key(path: Path) -> str:
    return SourceFile(path, file_sha256(path)).partition_key


def test_schedule_sensor_run_report_end_to_end(tmp_path: Path) -> None:
    """Sensor registers → schedule requests a batch → the run loads and checks the partition →
    the run-status sensor requests one report for the batch → latest.html and the run's report."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SEED000, inbox)
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    resources = {"inbox": InboxResource(path=str(inbox)), "warehouse": WarehouseResource(path=str(warehouse))}
    with dg.instance_for_test() as instance:
        keys, requests = nightly_tick(instance, resources)
        (key,) = keys
        (request,) = requests
        assert request.job_name in (None, ingest_batch.name) and nightly_ingest.job_name == ingest_batch.name
        assert request.tags[BATCH_TAG] == "nightly-20250902T0200+0800"
        assert request.run_config["ops"]["plan_shards"]["config"]["paths"] == [str(inbox / SEED000.name)]

        # the nightly batch: one run, its checks reported per partition, its own report written
        batch_run = defs.resolve_job_def(ingest_batch.name).execute_in_process(
            instance=instance, tags=request.tags, run_config=request.run_config
        )
        assert batch_run.success
        evaluations = batch_run.get_asset_check_evaluations()
        assert {e.check_name for e in evaluations} == set(FAMILY_CHECKS.values()) | {
            "recognised_tables_have_facts"
        }
        assert {e.partition for e in evaluations} == {key}  # each check belongs to its partition
        # seed 000 breaks conventions (warnings) and no accounting identity: yellow, never red
        failed = [e for e in evaluations if not e.passed]
        assert failed and all(e.severity == dg.AssetCheckSeverity.WARN for e in failed)
        materialized = {
            (m.asset_key.to_user_string(), m.partition)
            for e in batch_run.get_asset_materialization_events()
            for m in [e.materialization]
        }
        assert ("warehouse_document", key) in materialized and ("quality_report", None) in materialized
        tick = datetime(2025, 9, 2, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
        sched = dg.build_schedule_context(
            instance=instance, resources=resources, scheduled_execution_time=tick
        )
        assert nightly_ingest(sched) == []  # loaded and validated: the next night has nothing to do

        # one partition from the UI: the per-document job, then one report run for its batch
        run_config = {"resources": {"warehouse": {"config": {"path": str(warehouse)}}}}
        tags = {**run_request_for(SourceFile(inbox / SEED000.name, file_sha256(SEED000)), "ui-1").tags}
        job = defs.resolve_job_def(ingest_job.name)
        result = job.execute_in_process(
            instance=instance, partition_key=key, tags=tags, run_config=run_config
        )
        assert result.success
        evaluations = result.get_asset_check_evaluations()
        assert {e.partition for e in evaluations} == {key}
        assert len({e.check_name for e in evaluations}) == len(FAMILY_CHECKS) + 1
        run = instance.get_run_by_id(result.run_id)
        assert run is not None
        assert run.tags[DEPARTMENT_TAG] == "重庆市潼南区人民政府办公室" and run.tags[YEAR_TAG] == "2024"
        (materialization,) = result.asset_materializations_for_node("warehouse_document")
        assert materialization.metadata["file"].value == SEED000.name
        assert materialization.partition == key

        # the run-status sensor requests one report for the batch, keyed by the batch
        success = next(
            e
            for e in instance.all_logs(result.run_id)
            if e.is_dagster_event and e.dagster_event.event_type == dg.DagsterEventType.RUN_SUCCESS
        ).dagster_event
        assert success is not None
        sensor_context = dg.build_run_status_sensor_context(
            sensor_name=report_after_ingest.name, dagster_instance=instance, dagster_run=run,
            dagster_event=success,
        )  # fmt: skip
        report_request = report_after_ingest(sensor_context)
        assert isinstance(report_request, dg.RunRequest)
        assert report_request.run_key == "report:ui-1"
        report_run = defs.resolve_job_def(report_job.name).execute_in_process(
            instance=instance, tags=report_request.tags, run_config=run_config
        )
        assert report_run.success

    with duckdb.connect(str(warehouse), read_only=True) as con:  # the document landed, validated
        assert con.execute("select status, is_current from dim_document").fetchall() == [("ok", True)]
        assert con.execute("select status from v_document_quality").fetchall() == [("warnings",)]
    reports = tmp_path / "data" / "reports"
    latest = (reports / "latest.html").read_text("utf-8")  # the index, linking the document's page
    assert f'href="documents/{key}.html"' in latest
    assert f'id="doc-{key}"' in (reports / "documents" / f"{key}.html").read_text("utf-8")
    owns = [p.read_text("utf-8") for p in reports.glob("run-*.html")]  # the batch's, the UI run's
    assert len(owns) == 2 and all("This run" in html and SEED000.name in html for html in owns)
    assert any("<b>added</b>" in html for html in owns)


def test_cli_ingest_exit_codes_progress_and_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YUJUESUAN_TIMINGS", str(tmp_path / "timings.json"))  # as `make bench` asks
    folder = tmp_path / "landing"
    folder.mkdir()
    shutil.copy(SEED000, folder)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7 garbage")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    warehouse = tmp_path / "wh.duckdb"
    runner = CliRunner()
    result = runner.invoke(cli, ["ingest", str(folder), "--warehouse", str(warehouse)])
    assert result.exit_code == 1, result.output  # one file failed
    out = result.output
    assert f"skipped (not a supported format): {folder / 'photo.jpg'}" in out
    assert re.search(r"\[1/2\] broken\.pdf  -  \d+\.\d s  failed: corrupt", out), out
    assert re.search(rf"\[2/2\] {re.escape(SEED000.name)}  -  \d+\.\d s  loaded\n", out), out
    assert "failed   broken.pdf" in out and "D01 D02 D03 D04 D05 D06 D07 D08 D09" in out
    assert out.rstrip().endswith("2 file(s): 1 loaded, 0 already loaded, 1 failed; 1 skipped")
    # the bench's figures: each phase's CPU mark, and each step's seconds read from the event log
    timings = json.loads((tmp_path / "timings.json").read_text("utf-8"))
    assert set(timings["steps"]) == {op.name for op in ingest_batch.graph.node_defs}
    assert all(seconds >= 0 for seconds in timings["steps"].values())
    assert {"dagster_ready", "batches_done", "done"} <= set(timings["cpu"])
    # and the CPU of the run's other processes: GX's own (its import at least), the files' staging
    assert timings["other_cpu"]["gx"] > 0.5 and timings["other_cpu"]["staging"] > 0

    # the CLI's run wrote through its kept-open event log (wiring/instance.py); the webserver and the
    # daemon read the same files with Dagster's default storage: every partition's history is there
    seed_key, broken_key = _key(folder / SEED000.name), _key(folder / "broken.pdf")
    with dg.DagsterInstance.get() as instance:
        assert type(instance.event_log_storage).__name__ == "SqliteEventLogStorage"
        for asset in ("source_document", "normalised_document", "warehouse_document"):
            assert instance.get_materialized_partitions(dg.AssetKey(asset)) == {seed_key, broken_key}
        for name in [*FAMILY_CHECKS.values(), "recognised_tables_have_facts"]:
            key = dg.AssetCheckKey(dg.AssetKey("warehouse_document"), name)
            history = instance.event_log_storage.get_asset_check_execution_history(key, limit=10)
            assert {r.partition for r in history} == {seed_key, broken_key}, name

    # by hand, one clean PDF: latest.html still covers every current document, the run's report only it
    result = runner.invoke(cli, ["ingest", str(SHGZB_PDF), "--warehouse", str(warehouse)])
    assert result.exit_code == 0, result.output
    assert re.search(r"\[1/1\] sh_putuo_shgzb_2024_juesuan\.pdf  24 p\.  \d+\.\d s  loaded", result.output)
    latest = (tmp_path / "reports" / "latest.html").read_text("utf-8")
    seed_id, pdf_id = (_key(p) for p in (SEED000, SHGZB_PDF))
    assert all(f'href="documents/{i}.html"' in latest for i in (seed_id, pdf_id)) and "broken.pdf" in latest
    assert all((tmp_path / "reports" / "documents" / f"{i}.html").is_file() for i in (seed_id, pdf_id))
    own = Path(re.search(r"this run: (\S+)", result.output).group(1)).read_text("utf-8")
    assert f"doc-{pdf_id}" in own and f"doc-{seed_id}" not in own

    with duckdb.connect(str(warehouse), read_only=True) as con:
        quality = dict(con.execute("select document_id, status from v_document_quality").fetchall())
        assert quality == {seed_id: "warnings", pdf_id: "clean", _key(folder / "broken.pdf"): "failed"}

    # again: nothing to do, every file named, the explicit .jpg tried (and failed: exit 1)
    again = runner.invoke(
        cli, ["ingest", str(folder / "photo.jpg"), str(SEED000), "--warehouse", str(warehouse)]
    )
    assert again.exit_code == 1, again.output
    assert f"{SEED000.name}  -  0.0 s  already loaded" in again.output
    assert "photo.jpg  -" in again.output and "failed: unsupported_format" in again.output
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from dim_document").fetchone() == (4,)
        assert con.execute("select count(*) from dq_run").fetchone() == (2,)  # validated once each

    status = runner.invoke(cli, ["status", "--warehouse", str(warehouse)])
    assert status.exit_code == 0 and "sh_putuo_shgzb_2024_juesuan.pdf" in status.output


def test_cli_usage_errors_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", str(tmp_path / "missing.pdf")]).exit_code == 2
    (tmp_path / "only.csv").write_text("a,b\n", encoding="utf-8")
    empty = runner.invoke(cli, ["ingest", str(tmp_path), "--warehouse", str(tmp_path / "w.duckdb")])
    assert empty.exit_code == 2 and "skipped (not a supported format)" in empty.output
    assert gc.isenabled()  # off during the ingest's start-up, on again after a usage error
    assert runner.invoke(cli, ["status", "--warehouse", str(tmp_path / "none.duckdb")]).exit_code == 2
    assert runner.invoke(cli, ["ingest", "--bogus"]).exit_code == 2
    version = runner.invoke(cli, ["--version"])
    assert version.exit_code == 0 and version.output.startswith("yujuesuan, version ")


def test_every_command_has_help() -> None:
    runner = CliRunner()
    for name in ("ingest", "status", "report"):
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and result.output.strip()
