"""The Dagster wiring and the CLI that runs it: one code path for schedule, sensor and command line."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
from click.testing import CliRunner

from pipelines.cli import cli
from pipelines.defs import defs, inbox_sensor, ingest_job, nightly_ingest, report_after_ingest, report_job
from pipelines.partitions import source_files
from pipelines.report.assets import quality_report
from pipelines.resources import InboxResource, WarehouseResource
from tests.conftest import SEED000, SHGZB_PDF


def test_definitions_validate_like_the_dagster_cli() -> None:
    """`dagster definitions validate` runs this: name clashes (job vs asset) fail here, not in the UI."""
    dg.Definitions.validate_loadable(defs)


def test_definitions_load() -> None:
    repo = defs.get_repository_def()
    assert repo.get_job(ingest_job.name)
    assert {a.key.to_user_string() for a in repo.asset_graph.asset_nodes} >= {
        "source_document",
        "normalised_document",
        "warehouse_document",
    }
    assert repo.get_job(report_job.name)
    assert report_after_ingest.name in {s.name for s in repo.sensor_defs}
    checks = {k.name for k in repo.asset_graph.asset_check_keys}
    assert {"accounting_identities", "accounting_conventions"} <= checks
    assert nightly_ingest.cron_schedule == "0 2 * * *"
    assert nightly_ingest.execution_timezone == "Asia/Shanghai"


def test_sensor_registers_new_files_and_schedule_requests_them(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SEED000, inbox)
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(
            instance=instance, resources={"inbox": InboxResource(path=str(inbox))}
        )
        result = inbox_sensor(context)
        (request,) = result.dynamic_partitions_requests
        instance.add_dynamic_partitions(source_files.name, list(request.partition_keys))
        again = inbox_sensor(context)
        assert again.dynamic_partitions_requests == []  # nothing new the second time
        sched = dg.build_schedule_context(
            instance=instance, resources={"inbox": InboxResource(path=str(inbox))}
        )
        runs = nightly_ingest(sched)
        assert [r.partition_key for r in runs] == list(request.partition_keys)


def test_cli_ingest_and_status(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    folder.mkdir()
    shutil.copy(SHGZB_PDF, folder)
    shutil.copy(SEED000, folder)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7 garbage")
    warehouse = tmp_path / "wh.duckdb"
    runner = CliRunner()
    result = runner.invoke(cli, ["ingest", str(folder), "--warehouse", str(warehouse)])
    assert result.exit_code == 0, result.output
    assert "failed  broken.pdf" in result.output
    assert "D01 D02 D03 D04 D05 D06 D07(empty) D08(empty) D09(empty)" in result.output
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select status, count(*) from dim_document group by 1 order by 1").fetchall() == [
            ("failed", 1),
            ("ok", 2),
        ]
        # every ingest run ends with the rule catalog's asset checks: results are in the warehouse
        quality = dict(con.execute("select source_path, status from v_document_quality").fetchall())
        assert quality[str(folder / SHGZB_PDF.name)] == "clean"
        assert quality[str(folder / SEED000.name)] == "warnings"  # 201 printed as 一般公共预算支出 (W-1)
        assert con.execute("select count(distinct rule_id) from dq_rule").fetchone()[0] >= 40
    report_line = next(ln for ln in result.output.splitlines() if ln.startswith("report: "))
    assert Path(report_line.removeprefix("report: ")).is_file()

    # the report asset (run after each ingest by report_after_ingest) rebuilds data/reports/latest.html
    with dg.instance_for_test() as instance:
        materialized = dg.materialize(
            [quality_report],
            resources={"warehouse": WarehouseResource(path=str(warehouse))},
            instance=instance,
        )
        assert materialized.success
    assert (tmp_path / "reports" / "latest.html").is_file()

    status = runner.invoke(cli, ["status", "--warehouse", str(warehouse)])
    assert status.exit_code == 0 and "sh_putuo_shgzb_2024_juesuan.pdf" in status.output
    # a second ingest of the same folder changes nothing
    runner.invoke(cli, ["ingest", str(folder), "--warehouse", str(warehouse)])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from dim_document").fetchone() == (3,)


def test_every_command_has_help() -> None:
    runner = CliRunner()
    for name in ("ingest", "status", "report"):
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and result.output.strip()
