"""The Dagster wiring and the CLI that runs it: one code path for schedule, sensor and command line."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
from click.testing import CliRunner

from pipelines.cli import cli
from pipelines.defs import defs, inbox_sensor, ingest_job, nightly_ingest
from pipelines.partitions import source_files
from pipelines.resources import InboxResource
from tests.conftest import SEED000, SHGZB_PDF


def test_definitions_load() -> None:
    repo = defs.get_repository_def()
    assert repo.get_job(ingest_job.name)
    assert {a.key.to_user_string() for a in repo.asset_graph.asset_nodes} >= {
        "source_document",
        "normalised_document",
        "warehouse_document",
    }
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
    status = runner.invoke(cli, ["status", "--warehouse", str(warehouse)])
    assert status.exit_code == 0 and "sh_putuo_shgzb_2024_juesuan.pdf" in status.output
    # a second ingest of the same folder changes nothing
    runner.invoke(cli, ["ingest", str(folder), "--warehouse", str(warehouse)])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from dim_document").fetchone() == (3,)


def test_every_command_has_help() -> None:
    runner = CliRunner()
    for name in ("ingest", "status"):
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and result.output.strip()
