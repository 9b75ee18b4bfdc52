"""`python -m pipelines.bench --noop [N]`: a no-op rerun over a landing folder of N unchanged files.

Issue 10 asks that rerunning `yujuesuan ingest` (and the sensor's and schedule's ticks) over 10,000
files already in the warehouse takes under 10 s: known content hashes are skipped without opening
the files (sources.HashCache, guard.nothing_to_do).

Set-up, not timed: N small generated files, each a distinct file the pipeline records for its
bytes (a `.pdf` that is not a PDF: failed for its bytes, finished, never retried). The first
REAL_LOADS go through the real guarded extract → normalise → load; the others' `dim_document` rows
are copied from the first one's with their own id, path and hash in one SQL insert (the loader
takes ~0.1 s a file, 15 minutes for 10,000, and what is timed here only reads those rows).
Then, timed, each as the user or the daemon runs it:
- the CLI, first run (stat cache cold: every file hashed), then the rerun (warm: stat only);
- one inbox-sensor tick and one nightly-schedule evaluation over the same folder.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from pipelines import PROJECT_DIR

REAL_LOADS = 50


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _generate(folder: Path, n: int) -> list[Path]:
    paths = []
    for i in range(n):
        sub = folder / f"batch{i // 1000:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        path = sub / f"dept{i:05d}_2024_yusuan.pdf"
        path.write_bytes(f"not a PDF, delivery {i} of {n}\n".encode())
        paths.append(path)
    return paths


def _cli(folder: Path, warehouse: Path, home: Path) -> tuple[float, int, list[str]]:
    env = {**os.environ, "DAGSTER_HOME": str(home), "PYTHONPATH": str(PROJECT_DIR)}
    cmd = [sys.executable, "-c", "from pipelines.cli import main; main()", "ingest", str(folder)]
    start = time.perf_counter()
    done = subprocess.run(
        [*cmd, "--warehouse", str(warehouse)], env=env, capture_output=True, text=True, check=False
    )
    return time.perf_counter() - start, done.returncode, done.stdout.splitlines()


def main(n: int = 10_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder, warehouse, home = root / "inbox", root / "data" / "warehouse.duckdb", root / "dagster_home"
        home.mkdir()
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
        os.environ["DAGSTER_HOME"] = str(home)
        t0 = time.perf_counter()
        paths = _generate(folder, n)
        from pipelines.guard import ingest_file
        from pipelines.load.warehouse import writer

        with writer(warehouse) as con:
            for path in paths[:REAL_LOADS]:
                ingest_file(con, path)
            (first,) = con.execute("select document_id from dim_document limit 1").fetchone() or (None,)
            rest = [(_sha(p)[:16], str(p), _sha(p)) for p in paths[REAL_LOADS:]]
            con.execute("create temp table more (document_id varchar, source_path varchar, sha varchar)")
            con.executemany("insert into more (document_id, source_path, sha) values (?, ?, ?)", rest)
            columns = [r[0] for r in con.execute("describe dim_document").fetchall()]
            chosen = {
                "document_id": "m.document_id",
                "source_path": "m.source_path",
                "source_sha256": "m.sha",
            }
            chosen["version_key"] = "'path:' || m.source_path"
            select = ", ".join(chosen.get(c, f"d.{c}") for c in columns)
            con.execute(
                f"insert into dim_document ({', '.join(columns)}) "
                f"select {select} from dim_document d, more m "
                "where d.document_id = ?",
                [first],
            )
        print(
            f"set-up: {n:,} files generated and loaded in {time.perf_counter() - t0:.1f} s (not timed below)"
        )
        time.sleep(2.5)  # past the stat cache's racy window (a file written in the same tick as hashed)

        for label in ("CLI first run (stat cache cold: every file hashed)", "CLI rerun (no-op, stat only)"):
            seconds, code, out = _cli(folder, warehouse, home)
            print(f"{label:<56} {seconds:>6.2f} s  exit {code}  {len(out)} line(s): {out[-1] if out else ''}")

        import dagster as dg

        from pipelines.defs import inbox_sensor, nightly_ingest
        from pipelines.sources import HashCache, scan_sources
        from pipelines.wiring.partitions import SOURCE_FILES
        from pipelines.wiring.resources import InboxResource, WarehouseResource

        keys = [
            s.partition_key for s in scan_sources([folder], cache=HashCache.for_warehouse(warehouse)).files
        ]
        resources = {
            "inbox": InboxResource(path=str(folder)),
            "warehouse": WarehouseResource(path=str(warehouse)),
        }
        with dg.DagsterInstance.get() as instance:
            instance.add_dynamic_partitions(SOURCE_FILES, keys)
            start = time.perf_counter()
            result = inbox_sensor(dg.build_sensor_context(instance=instance, resources=resources))
            sensor_s = time.perf_counter() - start
            start = time.perf_counter()
            tick = datetime.now(UTC)
            context = dg.build_schedule_context(
                instance=instance, resources=resources, scheduled_execution_time=tick
            )
            requests = nightly_ingest(context)
            schedule_s = time.perf_counter() - start
        partition_requests = getattr(result, "dynamic_partitions_requests", None) or []
        registered = sum(len(r.partition_keys or []) for r in partition_requests)
        print(f"{'inbox sensor tick (all registered)':<56} {sensor_s:>6.2f} s  {registered} new partition(s)")
        runs = len(requests) if isinstance(requests, list) else int(requests is not None)
        print(f"{'nightly schedule evaluation (all finished)':<56} {schedule_s:>6.2f} s  {runs} run(s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
