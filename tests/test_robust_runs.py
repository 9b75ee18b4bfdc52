"""Runs that meet each other, versions with clear semantics, storage, retention, offline Data Docs."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.guard import StorageFull, check_free_space, ingest_file, is_storage_full, run_lock, triage
from pipelines.load.warehouse import writer
from pipelines.sources import find_source_files
from tests.conftest import PROJECT, SEED000

SEED_TEXT = SEED000.read_text(encoding="utf-8")


def _variant(path: Path, cents: str, text: str = SEED_TEXT) -> Path:
    path.write_text(text.replace("7,171,195.84", f"7,171,195.{cents}"), encoding="utf-8")
    return path


def _ingest(warehouse: Path, *paths: Path) -> list[str]:
    """What the CLI does per run: triage, then the guarded pipeline for what is new."""
    todo, notes = triage(warehouse, find_source_files(list(paths)))
    if not todo:
        return notes
    with writer(warehouse) as con:
        for s in todo:
            ingest_file(con, s.path, s.partition_key)
    return notes


def _current(warehouse: Path) -> dict[str, bool]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return dict(con.execute("select source_path, is_current from dim_document").fetchall())


def test_unchanged_bytes_are_recognised_before_extraction(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    _ingest(warehouse, SEED000)
    mtime = warehouse.stat().st_mtime_ns
    notes = _ingest(warehouse, SEED000)
    assert notes == [f"already loaded: {SEED000} ({find_source_files([SEED000])[0].partition_key})"]
    assert warehouse.stat().st_mtime_ns == mtime  # nothing written


def test_the_versions_known_are_read_once_for_the_noop_check_and_the_triage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI reads what the warehouse has of the files once (`known_versions`) and hands it to
    `nothing_to_do` and `triage`: their answers are the ones they give reading it themselves."""
    from pipelines import guard

    warehouse = tmp_path / "w.duckdb"
    _ingest(warehouse, SEED000)
    sources = find_source_files([SEED000, _variant(tmp_path / "new.txt", "85")])
    alone = guard.nothing_to_do(warehouse, sources), triage(warehouse, sources)
    known = guard.known_versions(warehouse, sources)
    reads: list[list[str]] = []

    def counted(w: Path, keys: list[str]) -> dict[str, tuple[bool, str, str | None, bool]]:
        reads.append(keys)
        return {}

    monkeypatch.setattr(guard, "_known", counted)
    given = guard.nothing_to_do(warehouse, sources, known), triage(warehouse, sources, known=known)
    assert given == alone
    assert [s.path.name for s in alone[1][0]] == ["new.txt"]  # SEED000 is loaded: only the new bytes run
    assert reads == [[]]  # only deliver_again's (no revert here: no keys, no connection)


def test_a_revert_makes_the_reverted_bytes_current_again(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    v1 = _variant(tmp_path / "v1.txt", "84")
    v2 = _variant(tmp_path / "v2.txt", "85")
    _ingest(warehouse, v1)
    _ingest(warehouse, v2)
    assert _current(warehouse) == {str(v1): False, str(v2): True}
    notes = _ingest(warehouse, v1)
    assert any(n.startswith("delivered again") for n in notes)
    assert _current(warehouse) == {str(v1): True, str(v2): False}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        delivered = con.execute("select outcome from doc_delivery order by delivered_at").fetchall()
    outcomes = [r[0] for r in delivered]
    assert outcomes == ["loaded", "loaded", "current_again"]


def test_without_a_region_nothing_is_superseded(tmp_path: Path) -> None:
    """Two 人民政府办公室 final accounts whose titles name no region: both current, with a warning."""
    bare = SEED_TEXT.replace("重庆市潼南区", "")
    a = _variant(tmp_path / "a.txt", "84", bare)
    b = _variant(tmp_path / "b.txt", "85", bare)
    warehouse = tmp_path / "w.duckdb"
    _ingest(warehouse, a)
    _ingest(warehouse, b)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select source_path, is_current, province, city, county, department, warnings from dim_document"
        ).fetchall()
    assert all(r[1] for r in rows), rows
    assert all(r[2] is None and r[3] is None and r[4] is None for r in rows)
    warning_b = next(r[6] for r in rows if r[0] == str(b))
    first_id = find_source_files([a])[0].partition_key
    assert "ambiguous_version" in warning_b and first_id in warning_b


def test_a_second_run_waits_for_the_first_and_says_so(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    said: list[str] = []
    order: list[str] = []

    def second() -> None:
        with run_lock(warehouse, notify=said.append):
            order.append("second")

    with run_lock(warehouse):
        t = threading.Thread(target=second)
        t.start()
        time.sleep(0.5)
        order.append("first done")
    t.join(10)
    assert order == ["first done", "second"]
    assert said and "another ingest is running" in said[0]


def test_two_cli_ingests_at_the_same_moment_both_complete(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    files = [_variant(tmp_path / "one.txt", "84"), _variant(tmp_path / "two.txt", "86")]
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    cmd = [sys.executable, "-c", "from pipelines.cli import main; main()", "ingest"]
    procs = [
        subprocess.Popen(
            [*cmd, str(f), "--warehouse", str(warehouse)],
            env=env,
            cwd=PROJECT,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for f in files
    ]
    outs = [p.communicate(timeout=900) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert any("another ingest is running" in err for _, err in outs)
    assert len(_current(warehouse)) == 2


def test_sensor_registers_readable_files_past_an_unreadable_one(tmp_path: Path) -> None:
    from pipelines.defs import inbox_sensor
    from pipelines.wiring.resources import InboxResource, WarehouseResource

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "good.txt").write_text(SEED_TEXT, encoding="utf-8")
    os.symlink("/proc/self/mem", inbox / "locked.pdf")  # opens, every read fails
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(
            instance=instance,
            resources={
                "inbox": InboxResource(path=str(inbox)),
                "warehouse": WarehouseResource(path=str(tmp_path / "w.duckdb")),
            },
        )
        result = inbox_sensor(context)
    assert isinstance(result, dg.SensorResult)
    (request,) = result.dynamic_partitions_requests or []
    assert list(request.partition_keys) == [find_source_files([inbox / "good.txt"])[0].partition_key]


def test_huge_page_pictures_render_only_their_band_at_a_capped_size(tmp_path: Path) -> None:
    """A 14,400 pt page: each picture renders its band of the page only, at most MAX_WIDTH_PX wide and
    MAX_CROP_PIXELS in all, and the table's title and rows are in it."""
    import io

    from PIL import Image

    from pipelines.heavy import big_page_pdf
    from pipelines.report import crops
    from pipelines.report.crops import MAX_CROP_PIXELS, MAX_WIDTH_PX, PageRenderer, RowBand
    from tests.report.test_report import _highlighted_rows

    side = 14400.0
    unit = side / 842  # the generated page is an A4 drawing scaled up
    path = big_page_pdf(tmp_path / "big.pdf", side)
    drawn: list[tuple[int, int]] = []
    real = crops._Page.render_rows

    def spy(page: crops._Page, y0: int, y1: int) -> Image.Image:
        image = real(page, y0, y1)
        drawn.append(image.size)
        return image

    crops._Page.render_rows = spy  # type: ignore[method-assign,assignment]
    try:
        with PageRenderer() as renderer:
            band = RowBand(table_top=80 * unit, row_top=120 * unit, row_bottom=140 * unit)
            png = renderer.crop(path, 1, band)
            assert renderer.opened == 1 and renderer.renders == 1
    finally:
        crops._Page.render_rows = real  # type: ignore[method-assign]
    ((width, height),) = drawn
    scale = MAX_WIDTH_PX / side
    assert width <= MAX_WIDTH_PX and width * height <= MAX_CROP_PIXELS
    # the band from above the table (its title searched up to HEADER_ALLOWANCE_PT) to below the row
    assert height < (140 - 80 + 2 * crops.HEADER_ALLOWANCE_PT + 2 * crops.MARGIN_PT) * unit * scale + 2
    picture = Image.open(io.BytesIO(png)).convert("RGB")
    assert picture.height <= height and picture.width <= width
    highlighted = _highlighted_rows(picture)
    assert highlighted and abs(len(highlighted) - 20 * unit * scale) <= 3


def test_storage_full_is_a_message(tmp_path: Path) -> None:
    with pytest.raises(StorageFull, match=r"storage is full: .* MiB free"):
        check_free_space(tmp_path, needed=1 << 62)
    assert is_storage_full(duckdb.IOException('Could not write file "w.duckdb": No space left on device'))
    assert is_storage_full(OSError(28, "No space left on device"))
    assert not is_storage_full(ValueError("x"))


def test_retention_prunes_old_reports_and_gx_results(tmp_path: Path) -> None:
    from pipelines.retention import prune_reports

    reports = tmp_path / "reports"
    result = reports / "gx" / "gx" / "uncommitted" / "validations" / "suite" / "run" / "r.json"
    result.parent.mkdir(parents=True)
    old_report, new_report, latest = (
        reports / "quality-1.html",
        reports / "quality-2.html",
        reports / "latest.html",
    )
    for f in (result, old_report, new_report, latest):
        f.write_text("x", encoding="utf-8")
    long_ago = time.time() - 40 * 86400
    for f in (result, old_report, latest):
        os.utime(f, (long_ago, long_ago))
    assert prune_reports(reports, days=30) == 2
    assert not result.exists() and not old_report.exists()
    assert new_report.exists() and latest.exists()


def test_data_docs_pages_load_nothing_from_the_internet(tmp_path: Path) -> None:
    from pipelines.validate.gx import offline

    page = tmp_path / "index.html"
    page.write_text(
        '<html><head><link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/b.css"/>'
        '<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>'
        '<link href="static/styles/local.css" rel="stylesheet"></head>'
        '<body><img src="https://s3.example/logo.png"/><a href="https://docs.example">docs</a></body></html>',
        encoding="utf-8",
    )
    offline(page)
    text = page.read_text(encoding="utf-8")
    assert "bootstrapcdn" not in text and "jquery" not in text and "s3.example" not in text
    assert "static/styles/local.css" in text and "<style>" in text


def _run_partition(instance: dg.DagsterInstance, warehouse: Path, path: Path, key: str) -> None:
    """Launch the ingest job for one registered partition the way the schedule's request does."""
    from pipelines.defs import defs, ingest_job, run_request_for
    from pipelines.sources import SourceFile

    request = run_request_for(SourceFile(path, "0" * 64), "test-batch")
    result = defs.resolve_job_def(ingest_job.name).execute_in_process(
        instance=instance,
        partition_key=key,
        tags=request.tags,
        run_config={"resources": {"warehouse": {"config": {"path": str(warehouse)}}}},
    )
    assert result.success


def test_a_revert_in_the_landing_folder_is_delivered_by_the_sensor(tmp_path: Path) -> None:
    """v1 → v2 → v1 again under the same name: the sensor records the delivery and v1 is current,
    without a new partition or run; a copy of v2 kept with an older time never takes it back."""
    from pipelines.defs import inbox_sensor
    from pipelines.wiring.partitions import SOURCE_FILES
    from pipelines.wiring.resources import InboxResource, WarehouseResource

    inbox, warehouse = tmp_path / "inbox", tmp_path / "data" / "w.duckdb"
    inbox.mkdir()
    resources = {"inbox": InboxResource(path=str(inbox)), "warehouse": WarehouseResource(path=str(warehouse))}
    doc = inbox / "tongnan_2024_juesuan.txt"
    keys = {}
    with dg.instance_for_test() as instance:
        for cents in ("84", "85"):  # deliver v1, load it through the assets; then v2
            _variant(doc, cents)
            result = inbox_sensor(dg.build_sensor_context(instance=instance, resources=resources))
            assert isinstance(result, dg.SensorResult)
            (request,) = result.dynamic_partitions_requests or []
            (keys[cents],) = request.partition_keys
            instance.add_dynamic_partitions(SOURCE_FILES, [keys[cents]])
            _run_partition(instance, warehouse, doc, keys[cents])
        assert _current(warehouse) == {str(doc): True}  # one path, two versions
        with duckdb.connect(str(warehouse), read_only=True) as con:
            current = dict(con.execute("select document_id, is_current from dim_document").fetchall())
        assert current == {keys["84"]: False, keys["85"]: True}

        time.sleep(0.01)
        _variant(doc, "84")  # the revert: v1's bytes again
        result = inbox_sensor(dg.build_sensor_context(instance=instance, resources=resources))
        assert not result.dynamic_partitions_requests  # a known partition: nothing to register or run
        archive = inbox / "archive" / "old_copy_of_v2.txt"
        archive.parent.mkdir()
        _variant(archive, "85")
        os.utime(archive, (time.time() - 86400, time.time() - 86400))  # kept from yesterday
        inbox_sensor(dg.build_sensor_context(instance=instance, resources=resources))
        inbox_sensor(dg.build_sensor_context(instance=instance, resources=resources))

    with duckdb.connect(str(warehouse), read_only=True) as con:
        current = dict(con.execute("select document_id, is_current from dim_document").fetchall())
        delivered = con.execute(
            "select document_id, outcome from doc_delivery order by delivered_at"
        ).fetchall()
        runs = con.execute("select count(*) from dq_run").fetchone()
    assert current == {keys["84"]: True, keys["85"]: False}
    assert delivered == [(keys["84"], "loaded"), (keys["85"], "loaded"), (keys["84"], "current_again")]
    assert runs == (2,)  # made current without extracting or validating again


def test_report_job_prunes_old_reports_and_gx_results(tmp_path: Path) -> None:
    """The nightly path (the refresh_quality_report job) applies the retention, as the CLI does."""
    from pipelines.defs import defs, report_job

    warehouse = tmp_path / "data" / "w.duckdb"
    with writer(warehouse) as con:
        ingest_file(con, SEED000)
    reports = tmp_path / "data" / "reports"
    old_run = reports / "run-20000101T000000.html"
    old_result = reports / "gx" / "gx" / "uncommitted" / "validations" / "suite" / "run" / "r.json"
    old_result.parent.mkdir(parents=True)
    for f in (old_run, old_result):
        f.write_text("x", encoding="utf-8")
        os.utime(f, (time.time() - 40 * 86400, time.time() - 40 * 86400))
    with dg.instance_for_test() as instance:
        result = defs.resolve_job_def(report_job.name).execute_in_process(
            instance=instance, run_config={"resources": {"warehouse": {"config": {"path": str(warehouse)}}}}
        )
    assert result.success
    (materialization,) = result.asset_materializations_for_node("quality_report")
    assert materialization.metadata["pruned_files"].value == 2
    assert not old_run.exists() and not old_result.exists()
    assert (reports / "latest.html").exists() and list(reports.glob("quality-*.html"))


def test_unchanged_files_are_not_opened_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stat cache beside the warehouse: a second scan hashes only the file whose stat changed."""
    import pipelines.sources as sources
    from pipelines.extract.types import file_sha256
    from pipelines.sources import HashCache, scan_sources

    monkeypatch.setattr(HashCache, "RACY_NS", 0)  # the files were written just now
    folder = tmp_path / "inbox"
    folder.mkdir()
    files = [_variant(folder / f"f{i}.txt", f"{i:02d}") for i in range(5)]
    hashed: list[Path] = []
    real = sources.file_sha256

    def spy(p: Path) -> str:
        hashed.append(p)
        return real(p)

    monkeypatch.setattr(sources, "file_sha256", spy)
    warehouse = tmp_path / "w.duckdb"

    first = scan_sources([folder], cache=HashCache.for_warehouse(warehouse)).files
    assert sorted(hashed) == files
    assert [s.sha256 for s in first] == [file_sha256(f) for f in files]  # the extractor's hash
    hashed.clear()
    again = scan_sources([folder], cache=HashCache.for_warehouse(warehouse)).files  # a new process
    assert hashed == [] and again == first
    time.sleep(0.01)
    _variant(files[2], "99")  # same size, new bytes, new mtime
    files[4].unlink()
    third = scan_sources([folder], cache=HashCache.for_warehouse(warehouse))
    assert hashed == [files[2]]
    assert third.files[2].sha256 != first[2].sha256 and len(third.files) == 4
    cache = HashCache.for_warehouse(warehouse)
    assert set(cache.entries) == {str(f) for f in files[:4]}


def test_a_noop_rerun_is_one_line_and_opens_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`yujuesuan ingest` on a folder it has loaded: one summary line, exit 0, no file opened, the
    warehouse untouched; a changed file makes it a real run again."""
    from click.testing import CliRunner

    import pipelines.sources as sources
    from pipelines.cli import cli
    from pipelines.sources import HashCache

    monkeypatch.setattr(HashCache, "RACY_NS", 0)
    folder = tmp_path / "inbox"
    folder.mkdir()
    one = _variant(folder / "one.txt", "84")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7 garbage")  # failed for its bytes: not retried
    warehouse = tmp_path / "w.duckdb"
    runner = CliRunner()
    first = runner.invoke(cli, ["ingest", str(folder), "--warehouse", str(warehouse)])
    assert first.exit_code == 1, first.output
    stamp = warehouse.stat().st_mtime_ns
    hashed: list[Path] = []
    real = sources.file_sha256

    def spy(p: Path) -> str:
        hashed.append(p)
        return real(p)

    monkeypatch.setattr(sources, "file_sha256", spy)

    again = runner.invoke(cli, ["ingest", str(folder), "--warehouse", str(warehouse)])
    assert again.exit_code == 0, again.output
    assert again.output.splitlines() == [
        f"2 file(s) already loaded (2 version(s), 1 of them failed before): nothing to do, "
        f"nothing written to {warehouse}"
    ]
    assert hashed == [] and warehouse.stat().st_mtime_ns == stamp

    time.sleep(0.01)
    _variant(one, "85")
    changed = runner.invoke(cli, ["ingest", str(folder), "--warehouse", str(warehouse)])
    assert set(hashed) == {one} and "1 loaded, 1 already loaded" in changed.output  # the scan: only it


def _two_versions_and_a_copy(folder: Path) -> tuple[Path, Path, Path]:
    """A corrected re-publication listed before the original it corrects, and a copy of it under a
    third name. The corrected file was written a day after the original."""
    import shutil

    folder.mkdir()
    newer = _variant(folder / "a_corrected.txt", "85")
    copy = folder / "b_same_as_corrected.txt"
    shutil.copy(newer, copy)
    older = _variant(folder / "z_original.txt", "84")
    day_ago = time.time() - 86400
    os.utime(older, (day_ago, day_ago))
    return newer, older, copy


def _deliveries(warehouse: Path) -> set[tuple[str, str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select source_path, outcome from doc_delivery").fetchall()
    return {(Path(r[0]).name, r[1]) for r in rows}


def test_two_versions_in_one_folder_the_newer_file_is_current(tmp_path: Path) -> None:
    """`yujuesuan ingest FOLDER` with two versions of one document and a copy: whatever the names,
    the newer file is current, the older one is loaded and kept superseded, the copy is recorded."""
    from click.testing import CliRunner

    from pipelines.cli import cli

    newer, older, _ = _two_versions_and_a_copy(tmp_path / "landing")
    warehouse = tmp_path / "w.duckdb"
    result = CliRunner().invoke(cli, ["ingest", str(newer.parent), "--warehouse", str(warehouse)])
    assert result.exit_code == 0, result.output
    assert _current(warehouse) == {str(newer): True, str(older): False}
    assert "z_original.txt" in result.output and "superseded by a_corrected.txt" in result.output
    assert _deliveries(warehouse) == {
        ("a_corrected.txt", "loaded"),
        ("z_original.txt", "loaded"),
        ("b_same_as_corrected.txt", "same_bytes"),
    }
    # again: the original kept beside its correction is not a revert, the copy is recorded once
    again = CliRunner().invoke(cli, ["ingest", str(newer.parent), "--warehouse", str(warehouse)])
    assert again.exit_code == 0 and "delivered again" not in again.output, again.output
    assert _current(warehouse) == {str(newer): True, str(older): False}
    assert len(_deliveries(warehouse)) == 3
    # named on the command line, the original is delivered now: a deliberate revert
    revert = CliRunner().invoke(cli, ["ingest", str(older), "--warehouse", str(warehouse)])
    assert revert.exit_code == 0 and "delivered again" in revert.output, revert.output
    assert _current(warehouse) == {str(newer): False, str(older): True}


def test_two_versions_in_the_landing_folder_follow_the_cli_rule(tmp_path: Path) -> None:
    """The sensor and the nightly batch apply the CLI's rule: the newer file is current, the copy is
    read once (from its first name) and recorded once its version is loaded."""
    from pipelines.defs import defs, inbox_sensor
    from pipelines.wiring.resources import InboxResource, WarehouseResource
    from tests.conftest import nightly_tick

    inbox = tmp_path / "inbox"
    newer, older, _ = _two_versions_and_a_copy(inbox)
    warehouse = tmp_path / "data" / "w.duckdb"
    resources = {"inbox": InboxResource(path=str(inbox)), "warehouse": WarehouseResource(path=str(warehouse))}
    with dg.instance_for_test() as instance:
        _, requests = nightly_tick(instance, resources)
        (run,) = requests
        paths = run.run_config["ops"]["plan_shards"]["config"]["paths"]
        assert paths == [str(older.resolve()), str(newer.resolve())]  # delivery order; the copy read once
        job = defs.resolve_job_def("ingest_batch")
        assert job.execute_in_process(run_config=run.run_config, instance=instance, tags=run.tags).success
        inbox_sensor(dg.build_sensor_context(instance=instance, resources=resources))
    assert _current(warehouse) == {str(newer.resolve()): True, str(older.resolve()): False}
    assert ("b_same_as_corrected.txt", "same_bytes") in _deliveries(warehouse)


def _state_and_parent(pid: int | str) -> tuple[str, int] | None:
    """A process's state letter and parent, from /proc (None: gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
    return state, int(ppid)


def _living(pids: set[int]) -> set[int]:
    """Those of `pids` still running (a zombie awaiting its reaper is not)."""
    return {pid for pid in pids if (seen := _state_and_parent(pid)) is not None and seen[0] != "Z"}


def _descendants(pid: int) -> set[int]:
    """The living processes under `pid`."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (seen := _state_and_parent(entry.name)) is not None and seen[0] != "Z":
            children.setdefault(seen[1], []).append(int(entry.name))
    found: set[int] = set()
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.add(child)
            pending.append(child)
    return found


def _serving(pids: set[int]) -> bool:
    """Among `pids`, a multiprocessing forkserver with a child."""
    for pid in pids:
        try:
            if b"forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes() and _descendants(pid):
                return True
        except OSError:
            continue
    return False


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="reads the process tree from /proc")
def test_a_killed_ingest_leaves_no_process_behind(tmp_path: Path) -> None:
    """An ingest killed outright (SIGKILL: no `finally` of the CLI runs) leaves no process of its own
    running: GX's process, the extraction workers and their server go when it does."""
    folder = tmp_path / "landing"
    folder.mkdir()
    for name in ("sh_putuo_sww_2025_bumen_yusuan.pdf", "sh_putuo_zfb_2025_bumen_yusuan.pdf"):
        (folder / name).symlink_to(PROJECT / "data" / "samples" / name)
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "DAGSTER_HOME": str(tmp_path / "dagster_home")}
    cli = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "ingest", str(folder),
         "--warehouse", str(tmp_path / "w.duckdb"), "--workers", "1"],
        env=env, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        # killed while the extraction workers' server has children: GX's process, an extraction worker
        while (
            not _serving(tree := _descendants(cli.pid)) and cli.poll() is None and time.monotonic() < deadline
        ):
            time.sleep(0.05)
        assert cli.poll() is None, "the ingest ended before it could be killed mid-run"
    finally:
        cli.kill()
        cli.wait()
    deadline = time.monotonic() + 30
    while _living(tree) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _living(tree), [Path(f"/proc/{p}/cmdline").read_bytes()[:120] for p in _living(tree)]
