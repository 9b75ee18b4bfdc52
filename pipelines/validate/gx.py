"""Great Expectations 1.x judges the checks; this module is the only one that imports it (~5 s).

Route: the scored checks (of one document, or of a whole batch) are one pandas batch with a column
per rule, `slack_<rule id>`, holding that rule's checks; the suite holds one
`ExpectColumnValuesToBeBetween(slack ≥ 0)` per rule on its column. GX's unexpected rows are the
failed checks. A column per rule rather than one long column with a row condition per rule: GX
filters the frame with `DataFrame.query` once per metric of every conditioned expectation, which
made the verdict cost ~2× more; its cost is now per rule and kind, nearly flat in the checks.
Going through pandas rather than GX's SQL datasource keeps GX away from the DuckDB file
(duckdb-engine fails silently without one persisted connection, and DuckDB admits one writer).
dagster-ge needs GX < 1, so Dagster calls this directly.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib.util
import logging
import multiprocessing as mp
import os
import re
import resource
import sys
import threading
import types
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from filelock import FileLock

from pipelines.errors import RuleError
from pipelines.lifetime import leave_with
from pipelines.validate.rules import Rule

if TYPE_CHECKING:  # GX's own process never imports polars (0.2 CPU-s): it is sent plain rows
    import polars as pl

log = logging.getLogger("yujuesuan.validate")
SLACK_SCALE = Decimal(1_000_000)  # slack in millionths, as an exact integer for GX

# GX in a process of its own (`isolate`): its imports are ~220 MiB and seconds of CPU
_process: ProcessPoolExecutor | None = None
# In that process only (it lives for one run, which holds the warehouse's run lock): the data context
# of each Data Docs folder and each suite's validation definition, built once rather than per batch.
_keep = False
_contexts: dict[str, Any] = {}
_definitions: dict[tuple[str, str], tuple[tuple[str, ...], Any]] = {}


def _begin(owner: int) -> None:
    """The GX process's start: its data contexts are kept between calls (`_keep`), GX's unused
    imports are deferred (`defer_unused_modules`) or made unavailable (`withhold_unused_packages`),
    both before the pool's first task imports GX, and it leaves when `owner`, the process that called
    `isolate`, is gone (killed, say) rather than wait on its queue for ever (`lifetime.leave_with`).
    """
    global _keep
    _keep = True
    withhold_unused_packages()
    defer_unused_modules()
    leave_with(owner)


# Imported by GX's package root only for expectations this project never runs, and never read there
# before one is rendered or judged: scipy.stats for the Kullback–Leibler divergence and
# Kolmogorov–Smirnov tests (a quarter of GX's import CPU), altair (with narwhals and Vega-Lite's schema
# classes: 0.2 CPU-s more, paired) for the KL divergence's charts (`alt.Chart`, in its renderers).
# Nothing of `ExpectColumnValuesToBeBetween` or its Data Docs. (A reader of every module's `__file__`,
# such as `inspect.getmodule`, loads them: the saving is lost, nothing else.)
DEFERRED_MODULES = ("scipy.stats", "altair")


class DeferredModule(types.ModuleType):
    """A module bound but not executed (`defer_unused_modules`): the first read of an attribute it lacks
    imports the real module, whole and as it would have been, and from then on this one mirrors it.

    Not `importlib.util.LazyLoader`: an `import altair` of a module already in `sys.modules` reads its
    `__spec__` (is it still initialising?), and any read executes a lazy module. This one holds its
    spec and name itself; everything else (`__path__`, `__file__`, `Chart`, ...) loads the module.
    """

    def __getattr__(self, attr: str) -> Any:
        name = self.__name__
        with _DEFERRED_LOCK:  # one thread imports it; the others find it imported
            if sys.modules.get(name) is self:
                del sys.modules[name]
            module = importlib.import_module(name)  # also sets it on its parent package, as `import` does
            self.__dict__.update(module.__dict__)
        return getattr(module, attr)


_DEFERRED_LOCK = threading.RLock()


def defer_unused_modules() -> None:
    """Bind `DEFERRED_MODULES` as `DeferredModule`s, in `sys.modules` and on their parent package (what
    `from scipy import stats` reads; unset, scipy's `__getattr__` would import it). A module already
    imported is left as it is. In GX's own process (`isolate`) only."""
    for name in DEFERRED_MODULES:
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)  # imports the parent package (scipy: numpy and ~10 ms)
        if spec is None or spec.loader is None:
            continue
        module = DeferredModule(name)
        module.__spec__ = spec
        sys.modules[name] = module
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, module)


# Packages GX's import pulls in only for what this project never asks of it: in GX's own process
# (`_begin`) they are made unavailable, and GX (or pandas) runs as it does in an install without them,
# each being optional to it (imported in `try`, a fallback in `except ImportError`). About a sixth of
# the import's CPU, nothing of the verdict: the checks are one pandas frame of float64 columns judged
# by `ExpectColumnValuesToBeBetween`, and the Data Docs are rendered from GX's stored JSON results.
WITHHELD_PACKAGES = (
    # GX's SQL data sources and SQL execution engine (`great_expectations.compatibility.sqlalchemy`);
    # GX validates our pandas frame, never the warehouse. Installed for Dagster (its run storage).
    "sqlalchemy",
    # pandas' Arrow-backed dtypes and Parquet/Feather I/O (`pandas.compat.pyarrow`), and GX's Spark
    # and Parquet assets; the frame's columns are float64 and GX writes its results as JSON.
    "pyarrow",
    # Geometry values in GX's `convert_to_json_serializable` (`isinstance(value, Polygon)` when
    # shapely is there): every value GX serialises here is a number, a string or a list of them.
    "shapely",
    # requests' charset guess for HTTP responses (requests imports both it and charset_normalizer,
    # which remains, and prefers chardet); GX makes no HTTP request here (no cloud, no notification).
    "chardet",
    # Notes on deprecated or new arguments that GX's decorators add to its own docstrings at import
    # ("If docstring_parser is not installed, this will not modify the docstring").
    "docstring_parser",
)


def withhold_unused_packages() -> None:
    """Make `WITHHELD_PACKAGES` unavailable in this process (None in `sys.modules`: `import` raises
    ModuleNotFoundError and `importlib.util.find_spec` answers None, as for a package not installed).
    In GX's own process only, before GX is imported: Dagster, in the CLI's process, needs sqlalchemy.
    A package this process already imported is left as it is."""
    for name in WITHHELD_PACKAGES:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def _import_gx() -> int:
    """In GX's process: import GX (its first task), then its peak RSS in KiB. The cyclic garbage
    collector is paused during the import and what the import built is then frozen
    (`gc.freeze`): the ~300 000 objects of GX, pandas and numpy live as long as the process, and
    each full collection traversed them all (~0.2 CPU-s each: a few during the import, more while
    judging). The few cycles the import left behind (~2 500 objects) are frozen with them."""
    if "great_expectations" not in sys.modules:
        gc.disable()
        try:
            import great_expectations  # noqa: F401
        finally:
            gc.freeze()
            gc.enable()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _warm(docs_dir: Path | None) -> None:
    """In the GX process, after its import: the data context of `docs_dir` and its data source, ready
    before the first verdict is asked for (off the run's serial tail: load → rules → GX)."""
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    with _locked(docs_dir):
        _source(_context(gx, docs_dir))


def isolate(docs_dir: Path | None = None) -> None:
    """Run GX from now on in one process of its own, started now: its import overlaps what this process
    does meanwhile (extraction), on another core and without this process's GIL, and this process
    never holds GX's memory. Spawned, not forked: this process has Dagster's and DuckDB's threads.
    (Forked from the extraction workers' server instead, whose imports it then shares, it cost the
    same CPU in paired runs, though its import alone fell by ~0.5 CPU-s: copy-on-write of the
    server's pages, most likely, took back what the imports saved.)
    `docs_dir`: where the run's verdicts will be kept; its data context is opened meanwhile too."""
    global _process
    if _process is None:
        _process = ProcessPoolExecutor(
            max_workers=1,
            mp_context=mp.get_context("spawn"),
            initializer=_begin,
            initargs=(os.getpid(),),
        )
        _process.submit(_import_gx)
        if docs_dir is not None:
            _process.submit(_warm, docs_dir)  # a failure here is met again, and reported, by run_suites


def isolated() -> bool:
    return _process is not None


class Usage(NamedTuple):
    """What GX's own process used, from its start to `release`."""

    peak_kib: int  # peak RSS
    cpu_seconds: float  # user + system CPU (`make bench` splits a run's CPU by process with it)


def _usage() -> Usage:
    """In GX's process: GX imported (its first task, if no verdict was asked for), then its usage."""
    peak = _import_gx()
    own = resource.getrusage(resource.RUSAGE_SELF)
    return Usage(peak, own.ru_utime + own.ru_stime)


def release() -> Usage:
    """Stop the GX process of `isolate` (if any); what it used (zeros without one, or if it died)."""
    global _process
    if _process is None:
        return Usage(0, 0.0)
    try:
        usage = _process.submit(_usage).result()
    except Exception:  # a process that died: the verdicts already reported it
        usage = Usage(0, 0.0)
    with contextlib.suppress(BrokenProcessPool):  # how the pool sees a process that left at once
        _process.submit(_leave).result()
    _process.shutdown()
    _process = None
    return usage


def _leave() -> None:
    """In the GX process: exit at once. A normal exit tears down GX's module graph, about 1 s spent
    for nothing: every result is written and the Data Docs are built before `release` is called.
    Multiprocessing's finalizers still run, as a normal exit runs them first: a semaphore GX's
    libraries made is unlinked, not reported leaked by the resource tracker at the CLI's exit."""
    from multiprocessing import util

    util._run_finalizers(0)  # type: ignore[attr-defined]  # the finalizers a normal exit runs
    util._run_finalizers()  # type: ignore[attr-defined]
    os._exit(0)


# The GX version whose internals `configuration_once`, `plain_metric_ids` and `jinja_bytecode_cache`
# were read in (the one constraints.txt pins): with any other, none is installed and GX runs as released.
# tests/validate/test_gx_internals.py fails when GX changes, so that they are checked again.
PATCHED_GX = "1.24.1"
# What `configuration_once` wraps: GX 1.24.1's methods that read `Expectation.configuration` once per
# key (success, domain and runtime keys: ~12 times a call, ~14 calls per expectation and run).
ONCE_PER_CALL = ("_get_runtime_kwargs", "_get_success_kwargs", "_get_domain_kwargs")
_once_installed = False
_BUILT_CONFIGURATION: list[Any] = []  # GX's own `Expectation.configuration` property, once replaced


def configuration_once() -> None:
    """Make `Expectation.configuration` be built once per call of `ONCE_PER_CALL` (GX `PATCHED_GX` only).

    GX's `configuration` is a property that rebuilds an `ExpectationConfiguration` from the
    expectation's pydantic model at every read (`.dict()`, a regex on the class name, a validated
    object): its metric graph reads it ~170 times per expectation, ~45% of the verdict's CPU. Within one
    of those calls the expectation is not changed, so every read there builds the same configuration:
    the first is kept for the rest of the call (keyed by the object, which the call keeps alive) and
    dropped when it returns. What GX computes is unchanged; only the repeated rebuilding goes.
    """
    global _once_installed
    import great_expectations
    from great_expectations.expectations.expectation import Expectation

    if _once_installed or great_expectations.__version__ != PATCHED_GX:
        return
    _BUILT_CONFIGURATION[:] = [Expectation.__dict__["configuration"]]
    kept: dict[int, Any] = {}

    def configuration(self: Any) -> Any:
        config = kept.get(id(self))
        return config if config is not None else _BUILT_CONFIGURATION[0].fget(self)

    def once(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            if id(self) in kept:  # a nested call on the same expectation: its configuration is kept
                return method(self, *args, **kwargs)
            kept[id(self)] = _BUILT_CONFIGURATION[0].fget(self)
            try:
                return method(self, *args, **kwargs)
            finally:
                kept.pop(id(self), None)

        return call

    Expectation.configuration = property(configuration, doc=_BUILT_CONFIGURATION[0].__doc__)  # type: ignore[method-assign,assignment]
    for name in ONCE_PER_CALL:
        setattr(Expectation, name, once(getattr(Expectation, name)))
    _once_installed = True


_ids_installed = False
_GX_JSON: list[Callable[[Any], Any]] = []  # GX's own `convert_to_json_serializable`, once replaced


def plain_metric_ids() -> None:
    """Give GX's metric ids a converter that passes plain JSON values through (GX `PATCHED_GX` only).

    Every metric GX plans has an id: `IDDict.to_id` hashes the JSON of its kwargs, after
    `convert_to_json_serializable` (~28 000 calls of it a verdict, each value recursing through a dozen
    `isinstance` and numpy dtype tests; a `None` falls through all of them): a fifth of the verdict's
    CPU. `_plain_json` returns what GX's returns for the values of an exact built-in type (None, str,
    int, bool, float, and dicts, lists and tuples of them) and hands anything else to GX's, so the ids
    are GX's own. Only `IDDict.to_id`'s reference is replaced; the stored results go through GX's.
    """
    global _ids_installed
    import great_expectations
    from great_expectations.core import id_dict

    if _ids_installed or great_expectations.__version__ != PATCHED_GX:
        return
    _GX_JSON[:] = [id_dict.convert_to_json_serializable]  # type: ignore[attr-defined]
    id_dict.convert_to_json_serializable = _plain_json  # type: ignore[attr-defined]
    _ids_installed = True


def _plain_json(data: Any) -> Any:
    """GX's `convert_to_json_serializable(data)`, without its type tests for plain JSON values."""
    kind = type(data)
    if data is None or kind is str or kind is int or kind is bool:
        return data
    if kind is float:
        return None if data != data else data  # NaN is None, as GX has it
    if kind is dict:
        return {str(key): _plain_json(value) for key, value in data.items()}
    if kind is list or kind is tuple:
        return [_plain_json(value) for value in data]
    return _GX_JSON[0](data)


@dataclass(frozen=True)
class Verdict:
    failed_check_ids: frozenset[int]
    success: bool
    expectations: int


def build_suite(gx: Any, name: str, rules: list[Rule]) -> Any:
    """One expectation per rule: every check of the rule (its column) has slack ≥ 0."""
    from great_expectations.expectations.core.expect_column_values_to_be_between import (
        ExpectColumnValuesToBeBetween,
    )
    from great_expectations.expectations.metadata_types import FailureSeverity

    severity = {"error": FailureSeverity.CRITICAL, "warning": FailureSeverity.WARNING}
    expectations = [
        ExpectColumnValuesToBeBetween(
            column=slack_column(rule.id),
            min_value=0,
            severity=severity[rule.severity],
            description=f"{rule.id} {rule.description_zh}",
            meta={"rule_id": rule.id, "family": rule.family, "description": rule.description},
        )
        for rule in rules
    ]
    # passed whole: add_expectation() on a suite would re-save the stored suite once per expectation
    return gx.ExpectationSuite(name=f"yujuesuan_{name}", expectations=expectations)


def slack_column(rule_id: str) -> str:
    return f"slack_{rule_id}"


# The checks as GX's process receives them: (check id, rule id, slack) rows
CheckRows = list[tuple[int, str, Decimal]]


def _batch(checks: CheckRows, rules: list[Rule]) -> tuple[Any, dict[str, list[int]]]:
    """The wide frame GX validates and, per rule, the check id of each of its column's rows.

    Slack in millionths, floored to an integer (−0.000001 is −1, never rounded to 0), stored as a
    float so that a rule with fewer checks than the longest is padded with nulls, which GX's column
    map expectations skip; a float of an integer keeps its sign, which is all the test reads.
    """
    import pandas as pd

    ids_of: dict[str, list[int]] = {r.id: [] for r in rules}
    slack_of: dict[str, list[float]] = {r.id: [] for r in rules}
    for check_id, rule_id, slack in checks:
        if rule_id not in ids_of:
            raise RuleError(f"check {check_id} of rule {rule_id}, which is not in the suite")
        ids_of[rule_id].append(int(check_id))
        slack_of[rule_id].append(float((slack * SLACK_SCALE).to_integral_value(rounding="ROUND_FLOOR")))
    rows = max((len(v) for v in slack_of.values()), default=0)
    frame = pd.DataFrame(
        {
            slack_column(rule_id): pd.Series(values + [float("nan")] * (rows - len(values)), dtype="float64")
            for rule_id, values in slack_of.items()
        },
        index=pd.RangeIndex(rows),
    )
    return frame, ids_of


def _locked(docs_dir: Path | None) -> contextlib.AbstractContextManager[Any]:
    """The Data Docs folder's lock: GX's file stores admit one writer (Dagster runs in parallel)."""
    return FileLock(str(docs_dir) + ".lock", timeout=600) if docs_dir else contextlib.nullcontext()


def _context(gx: Any, docs_dir: Path | None) -> Any:
    """GX's data context over `docs_dir` (an ephemeral one without); in GX's own process, one per
    folder for the process's life (opening a file context reads and validates its whole config)."""
    key = str(docs_dir)
    if _keep and key in _contexts:
        return _contexts[key]
    context = _new_context(gx, docs_dir)
    if _keep:
        _contexts[key] = context
    return context


def _new_context(gx: Any, docs_dir: Path | None) -> Any:
    from great_expectations.data_context.types.base import ProgressBarsConfig

    if docs_dir is None:
        context = gx.get_context(mode="ephemeral")
    else:
        docs_dir.mkdir(parents=True, exist_ok=True)
        context = gx.get_context(mode="file", project_root_dir=str(docs_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _stored_suite(context: Any, suite: Any) -> Any:
    """The suite as stored in a file context, replaced only when the rule catalog changed. The ids GX
    gave the stored expectations are not compared (the suite built from the catalog has none): compared,
    every process replaced the suite, its validation definition and its Data Docs page."""
    try:
        stored = context.suites.get(suite.name)
    except Exception:  # GX's not-found error types vary across versions
        return context.suites.add(suite)
    if [_without_id(e) for e in stored.expectations] == [_without_id(e) for e in suite.expectations]:
        return stored
    context.suites.delete(suite.name)
    return context.suites.add(suite)


def _without_id(expectation: Any) -> dict[str, Any]:
    config: dict[str, Any] = expectation.configuration.to_json_dict()
    config.pop("id", None)
    return config


def run_suite(
    checks: pl.DataFrame, rules: list[Rule], suite_name: str, run_name: str, docs_dir: Path | None = None
) -> Verdict:
    """Validate the checks (one document's or a batch's) with GX; with `docs_dir`, also keep the result
    for Data Docs.

    The site itself is rendered once per report (`build_data_docs`), not once per document.
    After `isolate()`, GX runs in its own process.
    """
    (verdict,) = run_suites([(checks, rules, suite_name)], run_name, docs_dir)
    return verdict


def run_suites(
    jobs: list[tuple[pl.DataFrame, list[Rule], str]], run_name: str, docs_dir: Path | None = None
) -> list[Verdict]:
    """`run_suite` for several suites (a batch's document kinds): each `(checks, rules, suite_name)` is
    validated by its own suite, all in one call to GX's process, one data context and one lock."""
    plain = [(c.select("check_id", "rule_id", "slack").rows(), rules, name) for c, rules, name in jobs]
    if _process is not None:
        verdicts: list[Verdict] = _process.submit(_judge, plain, run_name, docs_dir).result()
        return verdicts
    return _judge(plain, run_name, docs_dir)


def _judge(
    jobs: list[tuple[CheckRows, list[Rule], str]], run_name: str, docs_dir: Path | None
) -> list[Verdict]:
    """`run_suites` where GX runs (its own process after `isolate`)."""
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    configuration_once()
    plain_metric_ids()
    with _locked(docs_dir):
        return [_validate(gx, checks, rules, name, run_name, docs_dir) for checks, rules, name in jobs]


SOURCE = "yujuesuan_checks"  # GX's pandas data source: one dataframe asset per suite


def _source(context: Any) -> Any:
    """The data source, as stored (its assets and batch definitions keep their ids between runs, so the
    stored validation definitions stay valid), or added."""
    try:
        return context.data_sources.get(SOURCE)
    except Exception:  # not there yet (GX's not-found error types vary across versions)
        return context.data_sources.add_or_update_pandas(SOURCE)


def _definition(gx: Any, context: Any, rules: list[Rule], suite_name: str) -> Any:
    """The suite's validation definition: the stored one when it validates this suite (as the rule
    catalog builds it) on this batch, else added anew. Not `add_or_update`: that re-saves the suite,
    matching every expectation against every stored one (pydantic comparisons, quadratic in the rules:
    seconds per run)."""
    source = _source(context)
    asset = next((a for a in source.assets if a.name == suite_name), None) or source.add_dataframe_asset(
        suite_name
    )
    batch = next((b for b in asset.batch_definitions if b.name == "document"), None)
    batch = batch or asset.add_batch_definition_whole_dataframe("document")
    suite = _stored_suite(context, build_suite(gx, suite_name, rules))
    factory = context.validation_definitions
    try:
        stored = factory.get(suite.name)
    except Exception:  # not stored yet, or its suite was replaced (it cannot be loaded then)
        stored = None
    if stored is not None and stored.suite.id == suite.id and stored.batch_definition.id == batch.id:
        return stored
    with contextlib.suppress(Exception):  # nothing to delete, or a definition that cannot be loaded
        factory.delete(suite.name)
    return factory.add(gx.ValidationDefinition(name=suite.name, data=batch, suite=suite))


def _fingerprint(rules: list[Rule]) -> tuple[str, ...]:
    """What `build_suite` makes of the rules: a kept definition serves while this is unchanged."""
    return tuple(f"{r.id}\0{r.family}\0{r.severity}\0{r.description}\0{r.description_zh}" for r in rules)


# What GX reports of each expectation: COMPLETE, for `unexpected_index_list` (every failed row: the
# verdict), less two things nobody reads. The failed values (`unexpected_list`, with their counts and a
# sample: slacks in millionths, one per failed check, which our report shows with each check's cell) and
# the pandas "query" (`df.filter(items=[<the same rows>])`, of a frame no reviewer has). Data Docs still
# show each failed rule and how many checks failed (of how many); the stored result is ~15% smaller,
# and judging, storing and rendering it cost ~0.2 CPU-s less a run (data/samples).
RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "exclude_unexpected_values": True,
    "return_unexpected_index_query": False,
}


def _validate(
    gx: Any, checks: CheckRows, rules: list[Rule], suite_name: str, run_name: str, docs_dir: Path | None
) -> Verdict:
    from great_expectations.core.run_identifier import RunIdentifier

    key, mark = (str(docs_dir), suite_name), _fingerprint(rules)
    kept = _definitions.get(key)
    frame, ids_of = _batch(checks, rules)

    def run(definition: Any) -> Any:
        return definition.run(
            batch_parameters={"dataframe": frame},
            result_format=dict(RESULT_FORMAT),  # GX adds its defaults to the dict it is given
            # the time given, or GX parses the run name (a document id) as a date: an id of decimal
            # digits overflows, and one like 20230101 dates the stored result wrongly
            run_id=RunIdentifier(run_name=run_name, run_time=datetime.now(UTC)),
        )

    if kept is not None and kept[0] == mark:
        try:
            result = run(kept[1])
        except Exception:  # GX found the kept definition stale (its stores were changed meanwhile)
            log.debug("kept GX definition of %s is stale: rebuilt", suite_name, exc_info=True)
            _contexts.pop(str(docs_dir), None)
            kept = None
    if kept is None or kept[0] != mark:
        definition = _definition(gx, _context(gx, docs_dir), rules, suite_name)
        if _keep:
            _definitions[key] = (mark, definition)
        result = run(definition)
    failed: set[int] = set()
    for expectation in result.results:
        column = expectation.expectation_config.kwargs["column"]
        rule_id = column.removeprefix("slack_")
        for row in expectation.result.get("unexpected_index_list") or []:
            failed.add(ids_of[rule_id][int(row)])
    return Verdict(frozenset(failed), bool(result.success), len(result.results))


def build_data_docs(docs_dir: Path) -> Path | None:
    """Render the Data Docs site from the validation results kept under `docs_dir`; its index page.

    Only the pages not rendered yet (`_unrendered`) and the index: a page of a stored result never
    changes, and re-rendering every kept result made each batch's cost grow with the warehouse.
    """
    if not (docs_dir / "gx").is_dir():
        return None
    if _process is not None:
        index: Path | None = _process.submit(build_data_docs, docs_dir).result()
        return index
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    with FileLock(str(docs_dir) + ".lock", timeout=600):
        context = _context(gx, docs_dir)
        site = docs_dir / "gx" / SITE
        jinja_bytecode_cache(docs_dir / "gx" / "uncommitted" / "jinja_bytecode")
        if (site / "index.html").is_file():
            identifiers, pages = _unrendered(context, site)
            context.build_data_docs(resource_identifiers=identifiers)
        else:  # a site not built yet (or removed): every page
            context.build_data_docs()
            pages = list(site.rglob("*.html"))
        for page in [*pages, site / "index.html"]:
            if page.is_file():
                offline(page)
        for css in docs_dir.rglob("*.css"):  # the site's are copied again by every build
            css.write_text(_REMOTE_URL.sub("none", css.read_text(encoding="utf-8")), encoding="utf-8")
    return next(iter(sorted(docs_dir.rglob("index.html"))), None)


# The Data Docs site of a file context, as GX's default configuration names and lays it out: a page per
# stored key, at the key's parts joined by "/" (`HtmlSiteStore`).
SITE = "uncommitted/data_docs/local_site"


def _unrendered(context: Any, site: Path) -> tuple[list[Any], list[Path]]:
    """The stored resources whose page is not rendered yet, and those pages: each validation result
    without its page, each suite without its page or changed since (the suite file newer than it)."""
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    identifiers: list[Any] = []
    pages: list[Path] = []
    for key in context.validation_results_store.list_keys():
        page = site / "validations" / ("/".join(str(p) for p in key.to_tuple()) + ".html")
        if not page.is_file():
            identifiers.append(key)
            pages.append(page)
    suites = Path(context.root_directory) / "expectations"
    current: list[tuple[Any, Path]] = []
    for stored in suites.rglob("*.json"):
        name = ".".join(stored.relative_to(suites).with_suffix("").parts)
        page = site / "expectations" / (stored.relative_to(suites).with_suffix(".html"))
        if not page.is_file() or page.stat().st_mtime_ns < stored.stat().st_mtime_ns:
            identifiers.append(ExpectationSuiteIdentifier(name=name))
            pages.append(page)
        else:
            current.append((ExpectationSuiteIdentifier(name=name), page))
    if not identifiers and current:  # none would be read by GX as "every page": the suites' few again
        identifiers, pages = [i for i, _ in current], [p for _, p in current]
    return identifiers, pages


_jinja_installed = False
_jinja_cache: list[Any] = []  # the bytecode cache of the site being built (one at a time: its lock)


def jinja_bytecode_cache(directory: Path) -> None:
    """Give GX's Jinja environments a bytecode cache in `directory` (GX `PATCHED_GX` only).

    GX's Data Docs make a new Jinja environment for every view they render with, each compiling the
    same ~25 templates of GX's package again (54 compilations a build, a third of its CPU). Jinja's
    own `FileSystemBytecodeCache` keeps each template's compiled code, keyed by its name and source
    checksum (and Python's version), so a template is compiled once and the pages are rendered as
    before. In the site's `uncommitted` folder, which GX's own files and ours alone write to.
    """
    global _jinja_installed
    import great_expectations
    from jinja2 import FileSystemBytecodeCache

    if great_expectations.__version__ != PATCHED_GX:
        return
    directory.mkdir(parents=True, exist_ok=True)
    _jinja_cache[:] = [FileSystemBytecodeCache(str(directory))]
    if _jinja_installed:
        return
    from great_expectations.render.view import view
    from jinja2 import Environment

    class CachedEnvironment(Environment):
        """Jinja's environment as GX's views make it, with the site's bytecode cache."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if _jinja_cache:
                self.bytecode_cache = _jinja_cache[0]

    view.Environment = CachedEnvironment  # type: ignore[attr-defined]
    _jinja_installed = True


def build_data_docs_soon(docs_dir: Path) -> Callable[[], Path | None]:
    """`build_data_docs` started now; call the result for its index page. After `isolate()` the site is
    rendered in GX's process while the caller goes on (the HTML report); otherwise here, at once."""
    if _process is not None and (docs_dir / "gx").is_dir():
        return _process.submit(build_data_docs, docs_dir).result
    index = build_data_docs(docs_dir)
    return lambda: index


# GX's Data Docs pull Bootstrap, jQuery, Vega and Font Awesome from public CDNs: offline they are
# unstyled, and every page view tells third parties that a reviewer opened them. The tags that
# load from the internet are removed and a small local stylesheet keeps the tables readable.
_REMOTE_TAG = re.compile(
    r"<script\b[^>]*\bsrc=[\"']?(?:https?:)?//[^>]*>\s*</script>|<link\b[^>]*\bhref=[\"']?(?:https?:)?//[^>]*>",
    re.IGNORECASE,
)
_REMOTE_IMG = re.compile(r"(<img\b[^>]*\bsrc=)([\"'])(?:https?:)?//[^\"']*\2", re.IGNORECASE)
_REMOTE_URL = re.compile(r"url\(\s*[\"']?(?:https?:)?//[^)]*\)", re.IGNORECASE)
_OFFLINE_CSS = (
    "<style>/* yujuesuan: offline Data Docs */ body{font-family:sans-serif;margin:1rem;color:#222}"
    "table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:2px 6px;"
    "vertical-align:top}.hide,.d-none{display:none}a{color:#0645ad}</style>"
)


def offline(page: Path) -> None:
    """Strip every tag of a Data Docs page that would load something from the internet."""
    text = page.read_text(encoding="utf-8")
    cleaned = _REMOTE_URL.sub("none", _REMOTE_IMG.sub(r"\1\2\2", _REMOTE_TAG.sub("", text)))
    if "yujuesuan: offline" not in cleaned:
        cleaned = cleaned.replace("</head>", _OFFLINE_CSS + "</head>", 1)
    if cleaned != text:
        page.write_text(cleaned, encoding="utf-8")
