"""Great Expectations really judges: a planted violation is reported, a clean table passes.

GX can fail silently (every expectation "fails" or "passes" with an empty result) when it does not
see the data; these tests would then fail, since they check the exact rows GX names.
"""

from __future__ import annotations

import json
from datetime import UTC
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pipelines.validate.engine import CHECK_SCHEMA, Prepared, judge
from pipelines.validate.gx import build_data_docs, run_suite
from pipelines.validate.rules import load_rules

RULES = [r for r in load_rules() if r.id in {"H01", "R01", "X08"}]


def _checks(slacks: dict[str, list[str]]) -> pl.DataFrame:
    rows = [
        dict.fromkeys(CHECK_SCHEMA) | {"rule_id": rule_id, "severity": "error", "slack": Decimal(s)}
        for rule_id, values in slacks.items()
        for s in values
    ]
    return (
        pl.DataFrame(rows, schema=CHECK_SCHEMA)
        .with_row_index("i")
        .with_columns(pl.col("i").cast(pl.Int64).alias("check_id"))
        .drop("i")
    )


def test_clean_checks_pass() -> None:
    verdict = run_suite(_checks({"H01": ["0", "0.01"], "R01": ["5"]}), RULES, "final_account", "clean")
    assert verdict.success
    assert verdict.failed_check_ids == frozenset()
    assert verdict.expectations == len(RULES)


def test_planted_violation_is_reported_with_its_row() -> None:
    # a slack of −0.000001 (one millionth short) must still be caught: no float rounding in between
    checks = _checks({"H01": ["0", "-0.000001", "3"], "R01": ["0"], "X08": ["-100"]})
    verdict = run_suite(checks, RULES, "final_account", "planted")
    assert not verdict.success
    assert verdict.failed_check_ids == frozenset({1, 4})


def test_data_docs_site_is_built(tmp_path: Path) -> None:
    docs = tmp_path / "gx"
    verdict = run_suite(_checks({"H01": ["-1"], "R01": ["0"]}), RULES, "final_account", "doc1", docs_dir=docs)
    assert verdict.failed_check_ids == frozenset({0})
    # a second document reuses the stored suite and keeps its own result
    again = run_suite(_checks({"H01": ["0"], "R01": ["0"]}), RULES, "final_account", "doc2", docs_dir=docs)
    assert again.success
    index = build_data_docs(docs)
    assert index is not None
    site = index.read_text(encoding="utf-8")
    assert "yujuesuan_final_account" in site
    assert "doc1" in site and "doc2" in site


def test_the_verdict_is_slack_at_least_zero() -> None:
    """What the other rule tests assume to keep GX off their path: GX passes exactly the checks with
    slack ≥ 0, through the engine's `judge`, at the edges too."""
    slacks = {"H01": ["0", "-0.000001", "0.000001", "-1000000"], "R01": ["0.00", "-0.01"], "X08": ["7"]}
    checks = _checks(slacks)
    judged = judge(Prepared("doc", "final_account", RULES, checks)).results
    assert judged["passed"].to_list() == (checks["slack"] >= 0).to_list()
    assert judged["passed"].to_list() == [True, False, True, False, True, False, True]


def test_gx_in_its_own_process_judges_alike_and_leaves_at_release() -> None:
    """The CLI runs GX in a spawned process (`isolate`): the verdict is the one judged in this process,
    and `release` reports that process's peak memory and leaves no process behind."""
    import multiprocessing as mp

    from pipelines.validate import gx

    checks = _checks({"H01": ["0", "-0.000001", "3"], "R01": ["0"], "X08": ["-100"]})
    gx.isolate()
    try:
        assert gx.isolated()
        verdict = run_suite(checks, RULES, "final_account", "isolated")
    finally:
        usage = gx.release()
    assert verdict == run_suite(checks, RULES, "final_account", "here")
    assert verdict.failed_check_ids == frozenset({1, 4})
    assert not gx.isolated() and usage.peak_kib > 50_000  # GX imported there: tens of MiB at least
    assert usage.cpu_seconds > 0.5  # and its import's CPU is counted: about a second at least
    assert not mp.active_children()


def test_gx_process_leaves_no_resource_behind(tmp_path: Path) -> None:
    """A CLI run ends with GX's process leaving at once (`_leave`): the resource tracker must not
    warn of leaked semaphores on every ingest's stderr."""
    import subprocess
    import sys

    script = (
        "from pathlib import Path\n"
        "from pipelines.validate import gx\n"
        "from tests.validate.test_gx import RULES, _checks\n"
        f"gx.isolate(Path({str(tmp_path / 'gx')!r}))\n"
        "gx.run_suite(_checks({'H01': ['0', '3']}), RULES, 'final_account', 'leave')\n"
        "print(gx.release().peak_kib > 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
    assert "leaked" not in done.stderr, done.stderr


def test_gx_process_keeps_its_context_and_rebuilds_what_changed(tmp_path: Path) -> None:
    """GX's process opens the Data Docs context once (`isolate(docs_dir)`) and keeps each suite's
    validation definition between batches: a changed rule catalog, or stores changed behind its back
    (a suite deleted, as another run replacing it would), get a definition built anew, never a stale
    verdict."""
    from pipelines.validate import gx

    docs = tmp_path / "gx"
    checks = _checks({"H01": ["0", "-0.000001", "3"], "R01": ["0"], "X08": ["-100"]})
    two = [r for r in RULES if r.id != "X08"]
    gx.isolate(docs)
    try:
        first = run_suite(checks, RULES, "final_account", "r1", docs_dir=docs)
        kept = run_suite(checks, RULES, "final_account", "r2", docs_dir=docs)
        fewer = run_suite(
            checks.filter(pl.col("rule_id") != "X08"), two, "final_account", "r3", docs_dir=docs
        )
        for suite in (docs / "gx" / "expectations").glob("*.json"):
            suite.unlink()
        rebuilt = run_suite(
            checks.filter(pl.col("rule_id") != "X08"), two, "final_account", "r4", docs_dir=docs
        )
        index = build_data_docs(docs)
    finally:
        gx.release()
    assert first == kept and first.failed_check_ids == frozenset({1, 4}) and first.expectations == 3
    assert fewer == rebuilt and fewer.failed_check_ids == frozenset({1}) and fewer.expectations == 2
    assert index is not None and "r4" in index.read_text(encoding="utf-8")


def _in_gx_process(expression: str) -> object:
    """`expression` evaluated in GX's process: by the builtin `eval`, so that no module of the tests
    (which import polars) is imported there to run it."""
    from pipelines.validate import gx

    assert gx._process is not None
    return gx._process.submit(eval, expression).result()


def test_gx_process_skips_what_it_never_uses(tmp_path: Path) -> None:
    """GX's process binds scipy.stats and altair lazily (`defer_unused_modules`): importing GX, judging
    and building the Data Docs never execute them (the saving is real), GX's registry still has the
    expectations that import them, and the first use of either loads it whole, where GX reads it.
    The packages it withholds (`WITHHELD_PACKAGES`: sqlalchemy, pyarrow, ...) are never loaded there,
    yet GX judges and renders as before; this process keeps them (Dagster needs sqlalchemy). What
    GX's import built is frozen out of the cyclic collector's reach (`_import_gx`). The checks reach
    that process as plain rows: it never imports polars either."""
    import importlib.metadata
    import importlib.util

    from pipelines.validate import gx

    docs = tmp_path / "gx"
    checks = _checks({"H01": ["0", "-0.000001", "3"], "R01": ["0"], "X08": ["-100"]})
    gx.isolate(docs)
    try:
        verdict = run_suite(checks, RULES, "final_account", "deferred", docs_dir=docs)
        index = build_data_docs(docs)
        executed = "'scipy.stats._stats_py' in __import__('sys').modules"
        unused = not _in_gx_process(executed)
        charts = "'altair.vegalite' in __import__('sys').modules"  # altair's package root imports it
        no_charts = not _in_gx_process(charts)
        kl = "great_expectations.expectations.core.expect_column_kl_divergence_to_be_less_than"
        registered = _in_gx_process(
            "__import__('great_expectations.expectations.registry', fromlist=['_']).get_expectation_impl("
            "'expect_column_kl_divergence_to_be_less_than').__name__"
        )
        # what the KL divergence's renderer reads (`alt.Chart`): altair's own class, loaded then
        chart = _in_gx_process(
            f"(lambda a: (a.Chart.__name__, a.__version__, a.Chart is __import__('altair').Chart))"
            f"(__import__('{kl}', fromlist=['_']).alt)"
        )
        no_polars = not _in_gx_process("'polars' in __import__('sys').modules")
        loaded = _in_gx_process(
            "sorted({k.split('.')[0] for k, m in __import__('sys').modules.items() if m is not None})"
        )
        frozen = _in_gx_process("__import__('gc').get_freeze_count()")
        # what `from scipy import stats; stats.norm.cdf(0.0)` reads, as GX would
        at_zero = _in_gx_process("float(__import__('scipy').stats.norm.cdf(0.0))")
        used = _in_gx_process(executed)
    finally:
        gx.release()
    assert verdict.failed_check_ids == frozenset({1, 4})
    assert index is not None and "deferred" in index.read_text(encoding="utf-8")
    assert unused and used and at_zero == 0.5
    assert no_charts and registered == "ExpectColumnKLDivergenceToBeLessThan"
    assert chart == ("Chart", importlib.metadata.version("altair"), True)
    assert no_polars
    assert isinstance(loaded, list) and "great_expectations" in loaded and "pandas" in loaded
    assert not set(gx.WITHHELD_PACKAGES) & set(loaded)
    assert importlib.util.find_spec("sqlalchemy") is not None  # here, in the tests' process
    assert isinstance(frozen, int) and frozen > 100_000


def test_gx_keeps_the_failed_rows_not_their_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`RESULT_FORMAT` leaves out of GX's result what COMPLETE adds and nothing reads: the failed values
    (with their counts and sample) and the pandas query. The verdict is the one COMPLETE gives, the
    stored result keeps each expectation's failed rows and count, and its Data Docs page still shows
    each failed rule, with its description, and how many of its checks failed."""
    import re

    from pipelines.validate import gx

    checks = _checks({"H01": ["0", "-0.000001", "3", "-2"], "R01": ["0"], "X08": ["-3"]})

    def judged(folder: Path) -> tuple[Any, dict[str, Any], str]:
        verdict = run_suite(checks, RULES, "final_account", "kept", docs_dir=folder)
        (stored,) = folder.rglob("validations/*/kept/*/*.json")
        results = json.loads(stored.read_text(encoding="utf-8"))["results"]
        build_data_docs(folder)
        (page,) = (folder / "gx" / gx.SITE).rglob("validations/*/kept/*/*.html")
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")))
        return verdict, {r["expectation_config"]["kwargs"]["column"]: r["result"] for r in results}, text

    verdict, kept, page = judged(tmp_path / "ours")
    with monkeypatch.context() as m:
        m.setattr(gx, "RESULT_FORMAT", {"result_format": "COMPLETE"})
        complete, full, _ = judged(tmp_path / "complete")
    assert verdict == complete and verdict.failed_check_ids == frozenset({1, 3, 5})
    dropped = {"unexpected_list", "partial_unexpected_list", "partial_unexpected_counts"}
    dropped.add("unexpected_index_query")
    assert dropped <= set(full["slack_H01"]) and not dropped & set(kept["slack_H01"])
    assert {k: v for k, v in full["slack_H01"].items() if k not in dropped} == kept["slack_H01"]
    assert kept["slack_H01"]["unexpected_index_list"] == [1, 3] and kept["slack_H01"]["unexpected_count"] == 2
    for rule, failed in (("H01", 2), ("X08", 1)):
        described = next(r.description_zh for r in RULES if r.id == rule)
        assert f"{rule} {described} {failed} unexpected values found" in page


def test_a_document_id_that_reads_as_a_date_is_only_a_name(tmp_path: Path) -> None:
    """The run name is a document id. GX reads a run name as its time when given none: an id of
    sixteen decimal digits overflowed (a real CI failure), and `20230101` would date the stored result
    three years back."""
    from datetime import datetime

    docs = tmp_path / "gx"
    for run_name in ("4459294949034445", "20230101"):
        verdict = run_suite(_checks({"H01": ["0"], "R01": ["0"]}), RULES, "final_account", run_name, docs)
        assert verdict.success
    stored = sorted(p.relative_to(docs) for p in docs.rglob("*.json") if "20230101" in p.parts)
    assert stored, "GX kept no result for the run"
    # validations/<suite>/<run name>/<run time>/<batch>.json: the time is today's, not the name's date
    run_time = stored[0].parts[stored[0].parts.index("20230101") + 1]
    assert run_time.startswith(str(datetime.now(UTC).year)), run_time


def test_a_deferred_module_runs_once_at_first_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`defer_unused_modules` on a package of the test's own, whose modules log their executions:
    `import` of it (which reads its `__spec__`) and `from package import submodule` (which reads the
    parent's attribute, as GX's `from scipy import stats` does) execute nothing; the first read of
    anything else executes the module once, whole, even from several threads at once; then it reads
    as the module itself, also where it was bound before."""
    import importlib
    import sys
    import threading

    from pipelines.validate import gx

    package, log = tmp_path / "deferred_pkg", tmp_path / "executed.log"
    package.mkdir()
    executed = f"with open({str(log)!r}, 'a') as f: f.write(__name__ + '\\n')\n"
    (package / "__init__.py").write_text(executed + "VALUE = 1\n", encoding="utf-8")
    (package / "sub.py").write_text(executed + "import time\ntime.sleep(0.05)\nVALUE = 2\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(gx, "DEFERRED_MODULES", ("deferred_pkg.sub", "deferred_pkg"))
    for name in ("deferred_pkg", "deferred_pkg.sub"):
        monkeypatch.delitem(sys.modules, name, raising=False)

    def runs() -> list[str]:
        return log.read_text(encoding="utf-8").split()

    gx.defer_unused_modules()
    sub = sys.modules["deferred_pkg.sub"]
    assert isinstance(sub, gx.DeferredModule)
    assert runs() == ["deferred_pkg"]  # the parent, imported to find the submodule; then left as it is
    bound: dict[str, Any] = {}
    exec("import deferred_pkg.sub\nfrom deferred_pkg import sub", bound)  # as a module's own imports
    assert bound["sub"] is sub and bound["deferred_pkg"].sub is sub and runs() == ["deferred_pkg"]
    read: list[int] = []
    threads = [threading.Thread(target=lambda: read.append(sub.VALUE)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert read == [2, 2, 2, 2]
    assert runs() == ["deferred_pkg", "deferred_pkg.sub"]  # executed once
    real = importlib.import_module("deferred_pkg.sub")
    assert real is not sub and not isinstance(real, gx.DeferredModule)
    assert bound["deferred_pkg"].sub is real and sub.VALUE == 2 and sub.__file__ == real.__file__
