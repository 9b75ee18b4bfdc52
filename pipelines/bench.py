"""`make bench`: the whole `yujuesuan ingest` of a folder, beside the raw-text floor and naive pdfplumber.

For each folder (data/samples, and PDFs rendered in every style of tests/render.py):

- floor: pypdfium2's raw text of every page, one process pinned to one core;
- naive: pdfplumber `extract_tables()` on every page, one process pinned to one core;
- ingest: the real command line, `yujuesuan ingest FOLDER --workers N` on a fresh warehouse and
  DAGSTER_HOME, start-up included (interpreter, imports, Dagster, extraction, load, rules, the GX
  verdict, the report), with 1 worker pinned to one core and with N workers on N cores;
- ingest, nightly: the same with the fewest workers, on a warehouse and DAGSTER_HOME that exist
  already (made beforehand, not timed), as the schedule and a user's second ingest find them;
- ingest of one page: the fixed cost of a run (start-up, Dagster, GX's process, the report), and
  beside each run its pages per CPU-second beyond that cost: what a large folder approaches.

It prints pages/s (wall), pages per CPU-second (all processes of the run: the per-core figure that
a busy shared machine disturbs least), the ratio to the floor, the per-phase seconds (wall, and the
main process's CPU; the steps' from the run's Dagster event log), the run's CPU by process (the CLI's,
GX's, the files' staging in the workers, the rest: where a one-page run's fixed cost sits) and peak
RSS of the main process and of the largest extraction worker.
`--stages` adds the older in-process measurements (extract → normalise → load; the rule suite per
document). Figures are for one run: compare the ratios side by side, not numbers across runs.
`--large` adds a nightly-sized folder (`large_folder`: samples, rendered and real PDFs, ~850 pages),
where the fixed cost of a run is spread over many pages as a night's landing folder spreads it.
`--staging FOLDER…` times staging alone (`staging.stage_file` of every file, in this process, into a
temporary staging folder): CPU seconds per file and pages per CPU-second per folder, what a change to
extraction or normalisation moves; `--staging --profile FOLDER` shows it under pyinstrument.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _pipeline(files: list[str], queue: Any) -> None:
    """extract → normalise → load, the same functions the Dagster assets call."""
    _pin_one_core()
    from pipelines.extract.document import extract_document
    from pipelines.load.warehouse import load_document, writer
    from pipelines.normalise.document import normalise_document

    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Path(tmp) / "bench.duckdb"
        with writer(warehouse):
            pass  # schema creation is one-off start-up, like imports
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        pages = facts = 0
        with writer(warehouse) as con:
            for f in files:
                n = normalise_document(extract_document(Path(f)))
                pages += n.document.page_count
                facts += load_document(con, n.document, n.facts, n.tables, n.extras).facts
        elapsed = time.perf_counter() - start
    queue.put(
        {
            "seconds": elapsed,
            "pages": pages,
            "facts": facts,
            "rss0": rss0,
            "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        }
    )


def _validation(files: list[str], queue: Any) -> None:
    """The full rule suite per document: SQL checks (DuckDB) and the GX verdict with Data Docs."""
    _pin_one_core()
    from pipelines.extract.document import extract_document
    from pipelines.load.warehouse import load_document, writer
    from pipelines.normalise.document import normalise_document
    from pipelines.validate.engine import judge, prepare
    from pipelines.validate.rules import load_rules

    start = time.perf_counter()
    import great_expectations  # noqa: F401  (the one-off import is reported, not counted per document)

    gx_import = time.perf_counter() - start
    rules = load_rules()
    per_document = []
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Path(tmp) / "bench.duckdb"
        with writer(warehouse) as con:
            ids = []
            for f in files:
                n = normalise_document(extract_document(Path(f)))
                load_document(con, n.document, n.facts, n.tables, n.extras)
                ids.append((Path(f).name, n.document.document_id))
            for name, doc_id in ids:
                t0 = time.perf_counter()
                prepared = prepare(con, doc_id, rules)
                t1 = time.perf_counter()
                evaluation = judge(prepared, docs_dir=Path(tmp) / "gx")
                t2 = time.perf_counter()
                per_document.append((name, len(prepared.rules), prepared.checks.height, t1 - t0, t2 - t1,
                                     int((~evaluation.results["passed"]).sum())))  # fmt: skip
    queue.put({"gx_import": gx_import, "rules": len(rules), "documents": per_document})


def _baseline(files: list[str], queue: Any) -> None:
    """Naive: pdfplumber `extract_tables()` on every page of every PDF, nothing else."""
    _pin_one_core()
    import pdfplumber

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu0 = _cpu()
    start = time.perf_counter()
    pages = tables = 0
    for f in files:
        if not f.lower().endswith(".pdf"):
            continue
        with pdfplumber.open(f) as pdf:
            for page in pdf.pages:
                tables += len(page.extract_tables())
                pages += 1
    elapsed = time.perf_counter() - start
    queue.put(
        {
            "seconds": elapsed,
            "cpu": _cpu() - cpu0,
            "pages": pages,
            "tables": tables,
            "rss0": rss0,
            "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        }
    )


def _measure(target: Any, files: list[str]) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(files, queue))
    proc.start()
    result: dict[str, Any] = queue.get()
    proc.join()
    return result


def _heavy_case(case: tuple[str, int], queue: Any) -> None:
    """One generated hostile input: generated first, then extract → normalise → load, timed."""
    _pin_one_core()
    from pipelines import heavy
    from pipelines.guard import ingest_file
    from pipelines.load.warehouse import writer

    kind, size = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{kind}.{'xlsx' if kind == 'cells' else 'pdf'}"
        make: Callable[[], Path] = {
            "rectangles": lambda: heavy.rectangles_pdf(path, size),
            "pages": lambda: heavy.table_pages_pdf(path, size),
            "big_page": lambda: heavy.big_page_pdf(path, float(size)),
            "cells": lambda: heavy.cells_xlsx(path, size),
        }[kind]
        make()
        warehouse = Path(tmp) / "bench.duckdb"
        with writer(warehouse):
            pass
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        with writer(warehouse) as con:
            result = ingest_file(con, path)
            row = con.execute(
                "select status, error from dim_document where document_id = ?", [result.document_id]
            ).fetchone()
            status, error = row if row else ("?", None)
        elapsed = time.perf_counter() - start
        crop = None
        if kind == "big_page":  # the report's picture of the table on a 14,400 pt page
            from pipelines.report.crops import PageRenderer, RowBand

            t0 = time.perf_counter()
            with PageRenderer() as renderer:
                png = renderer.crop(path, 1, RowBand(table_top=100.0 * size / 842, row_top=None))
            crop = (time.perf_counter() - t0, len(png))
    queue.put({"seconds": elapsed, "rss0": rss0, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               "status": status, "error": (error or "")[:60], "facts": result.facts,
               "crop": crop})  # fmt: skip


def _crop_case(case: tuple[str, int], queue: Any) -> None:
    """The report's pictures of a table on a page `size` points tall (alone: extraction not counted).

    Ten findings down the page, each a picture of the table's region down to its row, as the
    report draws them (the title at the top, the rows below it)."""
    _pin_one_core()
    from pipelines import heavy
    from pipelines.report.crops import PageRenderer, RowBand

    _, size = case
    with tempfile.TemporaryDirectory() as tmp:
        path = heavy.big_page_pdf(Path(tmp) / "big.pdf", float(size))
        unit = size / 842  # the page is an A4 drawing scaled up
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        sizes = []
        with PageRenderer() as renderer:
            for i in range(10):
                row = (80.0 + 20 * (i % 5)) * unit
                band = RowBand(table_top=80.0 * unit, row_top=row, row_bottom=row + 20 * unit)
                sizes.append(len(renderer.crop(path, 1, band)))
        elapsed = time.perf_counter() - start
    queue.put({"seconds": elapsed, "rss0": rss0, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               "status": "ok", "error": f"10 pictures, {sum(sizes) // 1024} KiB", "facts": 0,
               "crop": None})  # fmt: skip


HEAVY = [
    ("rectangles", 2500),
    ("rectangles", 20000),
    ("big_page", 14400),
    ("crop", 14400),
    ("pages", 200),
    ("pages", 1000),
    ("cells", 10_000_000),
]


def heavy_main(kinds: list[str]) -> None:  # e.g. --heavy pages:200 runs one case
    """`make bench-heavy`: time and peak RSS of each generated hostile input, one process each."""
    print(f"{'case':<24} {'seconds':>8} {'peak RSS MiB':>13} {'Δ RSS MiB':>10}  status")
    for case in HEAVY:
        if kinds and case[0] not in kinds and f"{case[0]}:{case[1]}" not in kinds:
            continue
        r = _measure(_crop_case if case[0] == "crop" else _heavy_case, case)  # type: ignore[arg-type]
        crop = f"; report crop {r['crop'][0]:.2f} s, {r['crop'][1] // 1024} KiB" if r["crop"] else ""
        print(
            f"{case[0] + ' ' + format(case[1], ','):<24} {r['seconds']:>8.2f} {r['rss'] / 1024:>13.0f}"
            f" {(r['rss'] - r['rss0']) / 1024:>10.0f}  {r['status']} {r['error']} ({r['facts']} facts){crop}",
            flush=True,
        )


def _floor(files: list[str], queue: Any) -> None:
    """The physical floor: pypdfium2's raw text of every page of every PDF."""
    _pin_one_core()
    import pypdfium2 as pdfium

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu0 = _cpu()
    start = time.perf_counter()
    pages = chars = 0
    for f in files:
        pdf = pdfium.PdfDocument(f)
        try:
            for i in range(len(pdf)):
                page = pdf[i]
                text = page.get_textpage()
                chars += len(text.get_text_range())
                text.close()
                page.close()
                pages += 1
        finally:
            pdf.close()
    elapsed = time.perf_counter() - start
    queue.put({"seconds": elapsed, "cpu": _cpu() - cpu0, "pages": pages, "chars": chars, "rss0": rss0,
               "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss})  # fmt: skip


# The nightly case: the warehouse and DAGSTER_HOME exist already (an earlier ingest made them, or an
# init step): the schema, the vocabulary, the reference codes and Dagster's storages are in place.
_PREPARE = """
import sys
from pathlib import Path
from pipelines.cli import _dagster_home
from pipelines.load.warehouse import writer
warehouse = Path(sys.argv[1])
with writer(warehouse):
    pass
_dagster_home(warehouse)
import dagster as dg
dg.DagsterInstance.get().dispose()
"""


def _ingest_cli(folder: Path, workers: int, existing: bool = False) -> dict[str, Any]:
    """`yujuesuan ingest FOLDER --workers N` as a user runs it, on a fresh warehouse (or, `existing`,
    on a warehouse and DAGSTER_HOME made beforehand, not timed); its timings."""
    import json
    import subprocess

    with tempfile.TemporaryDirectory() as tmp:
        timings = Path(tmp) / "timings.json"
        env = {
            **os.environ,
            "DAGSTER_HOME": str(Path(tmp) / "dagster_home"),
            "YUJUESUAN_TIMINGS": str(timings),
        }
        if existing:
            subprocess.run([sys.executable, "-c", _PREPARE, str(Path(tmp) / "w.duckdb")], env=env, check=True)
        cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        cmd = [sys.executable, "-m", "pipelines.cli", "ingest", str(folder), "--warehouse",
               str(Path(tmp) / "w.duckdb"), "--workers", str(workers)]  # fmt: skip
        if cores and len(cores) >= workers:
            cmd = ["taskset", "-c", ",".join(map(str, cores[:workers])), *cmd]
        launched = time.time()
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert proc.stdout is not None
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        t = json.loads(timings.read_text(encoding="utf-8")) if timings.exists() else {}
        import duckdb

        with duckdb.connect(str(Path(tmp) / "w.duckdb"), read_only=True) as con:
            row = con.execute(
                "select coalesce(sum(page_count) filter (where file_format = 'pdf'), 0), count(*), "
                "coalesce(sum(facts_loaded), 0) from dim_document"
            ).fetchone()
    pages, documents, facts = row if row else (0, 0, 0)
    phases: dict[str, tuple[float, float | None]] = {}  # phase → (wall s, main process CPU s or None)
    if t:
        cpu = t.get("cpu", {})

        def between(name: str, first: str, last: str) -> None:
            spent = cpu[last] - cpu[first] if first in cpu and last in cpu else None
            phases[name] = (t[last] - t[first], spent)

        phases["start-up (interpreter, CLI imports)"] = (t["imported"] - launched, cpu.get("imported"))
        between("scan + triage", "imported", "triaged")
        if "dagster_ready" in t:
            between("Dagster instance + definitions", "triaged", "dagster_ready")
            phases.update({f"step {k}": (v, None) for k, v in t.get("steps", {}).items()})
            between("batches (the Dagster runs)", "dagster_ready", "batches_done")
        between("report (latest + run's own)", "report_start", "report_done")
        between("summary, GX release", "report_done", "done")
        phases["until exit"] = (launched + elapsed - t["done"], None)
    return {
        "seconds": elapsed,
        "cpu": usage.ru_utime + usage.ru_stime,
        "pages": int(pages),
        "documents": documents,
        "facts": int(facts),
        "exit": os.waitstatus_to_exitcode(status),
        "rss": t.get("rss_kib", usage.ru_maxrss),
        "worker_rss": t.get("worker_rss_kib", 0),
        "worker_rss_file": t.get("worker_rss_file"),  # the file whose staging raised the worker peak
        "worker_rss_added": t.get("worker_rss_added_kib", 0),
        "gx_rss": t.get("gx_rss_kib", 0),  # GX's own process (pipelines/validate/gx.py isolate)
        "phases": phases,
        "split": _cpu_split(usage.ru_utime + usage.ru_stime, t),
        "tail": out[-600:],
    }


def _cpu_split(total: float, t: dict[str, Any]) -> dict[str, float]:
    """A run's CPU seconds by process: the CLI's own (until its last mark), GX's process, the files'
    staging (in the extraction workers), and the rest (the interpreters' start and the extraction
    server's imports, the workers' start and exit, the CLI's exit, Dagster's log watchers)."""
    if not t:
        return {}
    other = t.get("other_cpu", {})
    split = {
        "CLI process": float(t.get("cpu", {}).get("done", 0.0)),
        "GX process": float(other.get("gx", 0.0)),
        "staging the files": float(other.get("staging", 0.0)),
    }
    split["the rest"] = max(0.0, total - sum(split.values()))
    return split


def _split_line(r: dict[str, Any]) -> str:
    return ", ".join(f"{name} {seconds:.2f}" for name, seconds in r["split"].items())


def _raised_by(r: dict[str, Any]) -> str:
    """Which file's staging raised the worker peak, and by how much (the rest was there before it)."""
    if not r.get("worker_rss_file"):
        return ""
    return f" ({r['worker_rss_file']} raised it by {r['worker_rss_added'] / 1024:.0f})"


def rendered_folder(out: Path) -> Path:
    """Budget tables rendered in every style of tests/render.py (needs the dev extras: reportlab)."""
    from tests.render import STYLES, render_style

    out.mkdir(parents=True, exist_ok=True)
    for style in STYLES:
        if not (out / f"{style.name}.pdf").exists():
            render_style(style, out / f"{style.name}.pdf")
    return out


def large_folder(out: Path, real: Path = Path("tests/fixtures/real")) -> Path:
    """A nightly-sized folder (~40 files, ~870 PDF pages): data/samples, the rendered PDFs and the real
    budgets and final accounts of the test fixtures (SOURCES.tsv kind not `other`: not the blank
    template, nor the scanned self-assessment that only OCR reads). Linked, not copied."""
    import csv

    out.mkdir(parents=True, exist_ok=True)
    with (real / "SOURCES.tsv").open(encoding="utf-8", newline="") as f:
        kept = [real / row["local_file"] for row in csv.DictReader(f, delimiter="\t")
                if row["kind"] != "other" and row["local_file"].endswith(".pdf")]  # fmt: skip
    rendered = rendered_folder(Path(tempfile.gettempdir()) / "yujuesuan-rendered")
    sources = [*sorted(Path("data/samples").iterdir()), *sorted(rendered.glob("*.pdf")), *kept]
    for source in sources:
        link = out / source.name
        if source.is_file() and not link.exists():
            link.symlink_to(source.resolve())
    return out


def _one_page_ingest(pdfs: list[str]) -> dict[str, Any] | None:
    """The fixed cost of an ingest: the first page of the folder's first PDF, alone, 1 worker on a fresh
    warehouse. What a run costs beyond it is the per-page rate a large nightly folder approaches."""
    if not pdfs:
        return None
    import pypdfium2 as pdfium

    with tempfile.TemporaryDirectory() as tmp:
        one = pdfium.PdfDocument.new()
        source = pdfium.PdfDocument(pdfs[0])
        try:
            one.import_pages(source, [0])
            (Path(tmp) / "one").mkdir()
            one.save(str(Path(tmp) / "one" / "one_page.pdf"))
        finally:
            source.close()
            one.close()
        return _ingest_cli(Path(tmp) / "one", 1)


def bench_folder(folder: Path, workers: list[int]) -> None:
    """Floor, naive and the whole ingest with each worker count, over one folder."""
    files = sorted(str(p) for p in folder.iterdir() if p.is_file())
    pdfs = [f for f in files if f.lower().endswith(".pdf")]
    print(f"\n== {folder}: {len(files)} files ({len(pdfs)} PDF)", flush=True)
    floor = _measure(_floor, pdfs)
    base = _measure(_baseline, pdfs)
    floor_rate = floor["pages"] / floor["seconds"]
    floor_cpu_rate = floor["pages"] / floor["cpu"]
    print(
        f"{'run':<34} {'pages':>6} {'wall s':>7} {'pages/s':>8} {'p/CPU-s':>8} {'÷floor':>7} {'RSS MiB':>8}"
    )
    for name, r in (("floor: pypdfium2 raw text, 1 core", floor), ("naive pdfplumber tables, 1 core", base)):
        rate = r["pages"] / r["seconds"]
        ratio = rate / floor_rate
        per_cpu = r["pages"] / r["cpu"]
        print(f"{name:<34} {r['pages']:>6} {r['seconds']:>7.2f} {rate:>8.1f} {per_cpu:>8.1f} {ratio:>7.1%}"
              f" {r['rss'] / 1024:>8.0f}", flush=True)  # fmt: skip
    runs = {}
    # fresh: a new warehouse and DAGSTER_HOME; nightly: both made beforehand (schema, Dagster storages)
    for n, existing in [(n, False) for n in workers] + [(min(workers), True)]:
        r = _ingest_cli(folder, n, existing=existing)
        if not existing:
            runs[n] = r
        rate = r["pages"] / r["seconds"]
        per_cpu = r["pages"] / r["cpu"] if r["cpu"] else float("nan")
        name = f"ingest --workers {n} ({n} core{'s' if n > 1 else ''})" + (", nightly" if existing else "")
        ratio = rate / floor_rate
        print(f"{name:<34} {r['pages']:>6} {r['seconds']:>7.2f} {rate:>8.1f} {per_cpu:>8.1f} {ratio:>7.1%}"
              f" {r['rss'] / 1024:>8.0f}  worker peak {r['worker_rss'] / 1024:.0f} MiB{_raised_by(r)},"
              f" GX process {r['gx_rss'] / 1024:.0f} MiB, exit {r['exit']},"
              f" {r['documents']} documents, {r['facts']} facts", flush=True)  # fmt: skip
        if existing:
            print("    (nightly: the warehouse and DAGSTER_HOME existed before the run)")
        if r["split"]:
            print(f"    CPU s by process: {_split_line(r)}")
        print(f"    {'phase':<44} {'wall s':>7} {'CPU s (main process)':>21}")
        for phase, (seconds, spent) in r["phases"].items():
            print(f"    {phase:<44} {seconds:>7.2f} {'' if spent is None else format(spent, '.2f'):>21}")
    one = _one_page_ingest(pdfs)
    if one is not None:
        print(f"{'ingest of one page (fixed cost)':<34} {one['pages']:>6} {one['seconds']:>7.2f}"
              f"   CPU {one['cpu']:.2f} s, exit {one['exit']}", flush=True)  # fmt: skip
        if one["split"]:
            print(f"    CPU s by process: {_split_line(one)}")
    for n, r in runs.items():
        per_cpu = r["pages"] / r["cpu"] if r["cpu"] else float("nan")
        line = f"ingest --workers {n}: {per_cpu / floor_cpu_rate:.1%} of the floor per CPU-second"
        if one is not None and r["cpu"] > one["cpu"] and r["pages"] > one["pages"]:
            marginal = (r["pages"] - one["pages"]) / (r["cpu"] - one["cpu"])
            line += f"; beyond the fixed cost {marginal:.1f} pages/CPU-s ({marginal / floor_cpu_rate:.1%})"
        print(line)
    if len(runs) > 1:
        one, most = runs[min(runs)], runs[max(runs)]
        print(
            f"wall time {min(runs)} → {max(runs)} workers: ÷{one['seconds'] / most['seconds']:.2f}",
            flush=True,
        )


def main(argv: list[str]) -> None:
    if argv[:1] == ["--queries"]:  # analyst queries on a warehouse multiplied to 10 million facts
        from pipelines.querybench import main as queries_main

        queries_main(argv[1:])
        return
    if argv[:1] == ["--noop"]:  # a no-op rerun over N unchanged files (default 10,000)
        from pipelines.bench_noop import main as noop_main

        noop_main(int(argv[1]) if len(argv) > 1 else 10_000)
        return
    if argv[:1] == ["--heavy"]:
        heavy_main(argv[1:])  # optionally only some kinds: rectangles big_page pages cells
        return
    if argv[:1] == ["--staging"]:  # --staging [--profile] FOLDER…: staging alone, in this process
        profile = "--profile" in argv
        for folder in [Path(a) for a in argv[1:] if not a.startswith("--")] or [Path("data/samples")]:
            staging_main(folder, profile)
        return
    workers = [1, 2]
    if "--workers" in argv:  # e.g. --workers 1,2,4
        i = argv.index("--workers")
        workers = [int(w) for w in argv[i + 1].split(",")]
        del argv[i : i + 2]
    if argv[:1] == ["--profile"]:  # --profile FOLDER: the whole ingest, 1 worker, under pyinstrument
        profile_main(Path(argv[1] if len(argv) > 1 else "data/samples"))
        return
    stages = "--stages" in argv
    folders = [Path(a) for a in argv if not a.startswith("--")]
    if "--large" in argv:  # the nightly-sized folder: where the fixed cost of a run is amortised
        folders.append(large_folder(Path(tempfile.gettempdir()) / "yujuesuan-large"))
    if not folders:
        folders = [Path("data/samples"), rendered_folder(Path(tempfile.gettempdir()) / "yujuesuan-rendered")]
    print("whole ingest (the CLI, start-up included) beside the raw-text floor and naive pdfplumber")
    for folder in folders:
        bench_folder(folder, workers)
    if stages:
        stages_main(folders[0])


def profile_main(folder: Path) -> None:
    """`yujuesuan ingest FOLDER --workers 1` in this process under pyinstrument (a dev dependency),
    the extraction in this process too (not in a worker process, as the CLI runs it), so the profile
    covers the whole ingest."""
    from pyinstrument import Profiler

    from pipelines.cli import cli
    from pipelines.wiring.batch_job import STAGE_IN_PROCESS

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DAGSTER_HOME"] = str(Path(tmp) / "dagster_home")
        os.environ[STAGE_IN_PROCESS] = "1"
        args = ["ingest", str(folder), "--warehouse", str(Path(tmp) / "w.duckdb"), "--workers", "1"]
        profiler = Profiler()
        profiler.start()
        try:
            cli.main(args, standalone_mode=False)
        except SystemExit:
            pass
        finally:
            profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def staging_main(folder: Path, profile: bool = False) -> None:
    """CPU seconds of `staging.stage_file` (extract + normalise + the Parquet files) of each file of
    the folder, in this process, after the imports: the per-page cost of staging, without the
    start-up, Dagster, load, rules and report of `yujuesuan ingest`. The first file also pays what
    a worker pays once (the catalog read, camelot's import when a table is read again)."""
    import pipelines.extract.document
    import pipelines.normalise.document  # noqa: F401  (the stages' modules: imported, not timed)
    from pipelines.extract.types import document_id_for, file_sha256
    from pipelines.staging import _pipeline_version, stage_file

    _pipeline_version()  # a digest of the code, once a process

    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    hashed = [(p, file_sha256(p)) for p in files]
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    total_cpu, total_pages = 0.0, 0
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for path, sha in hashed:
            cpu0 = time.process_time()
            staged = stage_file(str(path), sha, document_id_for(sha), tmp)
            cpu = time.process_time() - cpu0
            total_cpu, total_pages = total_cpu + cpu, total_pages + staged.pages
            lines.append(f"  {cpu:7.3f} CPU-s {staged.pages:5d} pages  {staged.status:<8} {path.name}")
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    print("\n".join(lines))
    rate = total_pages / total_cpu if total_cpu else float("nan")
    print(
        f"staging {folder}: {len(files)} files, {total_pages} pages, {total_cpu:.2f} CPU-s, "
        f"{rate:.1f} pages/CPU-s"
    )


def stages_main(folder: Path) -> None:
    """The in-process stage measurements: extract → normalise → load, and the rule suite per document."""
    files = sorted(str(p) for p in folder.iterdir() if p.suffix.lower() in {".pdf", ".txt", ".md"})
    pdfs = [f for f in files if f.lower().endswith(".pdf")]
    print(f"benchmark over {folder}: {len(files)} files ({len(pdfs)} PDF), one core each, imports excluded\n")
    pipe_pdf = _measure(_pipeline, pdfs)
    pipe_all = _measure(_pipeline, files)
    base = _measure(_baseline, pdfs)
    rows = [
        ("pipeline (PDFs)", pipe_pdf, f"{pipe_pdf['facts']} facts"),
        ("pipeline (all files)", pipe_all, f"{pipe_all['facts']} facts"),
        ("baseline pdfplumber extract_tables", base, f"{base['tables']} raw tables"),
    ]
    print(
        f"{'run':<36} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'peak RSS MiB':>13} {'Δ RSS MiB':>10}"
        "  output"
    )
    for name, r, out in rows:
        rate = r["pages"] / r["seconds"] if r["seconds"] else float("nan")
        print(
            f"{name:<36} {r['pages']:>6} {r['seconds']:>8.2f} {rate:>8.1f} {r['rss'] / 1024:>13.0f}"
            f" {(r['rss'] - r['rss0']) / 1024:>10.0f}  {out}"
        )
    speedup = (pipe_pdf["pages"] / pipe_pdf["seconds"]) / (base["pages"] / base["seconds"])
    print(f"\npipeline vs baseline on the same PDFs: {speedup:.2f}× pages/s (target ≥ 15 pages/s, goal 25)")

    val = _measure(_validation, files)
    print(f"\nrule suite: {val['rules']} rules; GX import {val['gx_import']:.1f} s (once per process)")
    print(
        f"{'document':<44} {'rules':>5} {'checks':>7} {'SQL s':>6} {'GX s':>6} {'total s':>7} {'failed':>6}"
    )
    total = 0.0
    for name, n_rules, checks, sql_s, gx_s, failed in val["documents"]:
        total += sql_s + gx_s
        print(
            f"{name:<44} {n_rules:>5} {checks:>7} {sql_s:>6.2f} {gx_s:>6.2f} {sql_s + gx_s:>7.2f} {failed:>6}"
        )
    mean = total / max(len(val["documents"]), 1)
    print(f"mean per document: {mean:.2f} s (GX verdict, results kept for Data Docs)")


if __name__ == "__main__":
    main(sys.argv[1:])
