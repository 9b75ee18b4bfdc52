"""Great Expectations 1.x judges the checks; this module is the only one that imports it (~5 s).

Route: the scored checks of one document are a pandas batch, and the suite holds one
`ExpectColumnValuesToBeBetween(slack ≥ 0)` per rule, restricted to that rule's rows. GX's
unexpected rows are the failed checks. Going through pandas rather than GX's SQL datasource keeps
GX away from the DuckDB file (duckdb-engine fails silently without one persisted connection, and
DuckDB admits one writer). dagster-ge needs GX < 1, so Dagster calls this directly.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from filelock import FileLock

from pipelines.validate.rules import Rule

SLACK_SCALE = Decimal(1_000_000)  # slack in millionths, as an exact integer for GX


@dataclass(frozen=True)
class Verdict:
    failed_check_ids: frozenset[int]
    success: bool
    expectations: int


def build_suite(gx: Any, name: str, rules: list[Rule]) -> Any:
    """One expectation per rule: every check of the rule has slack ≥ 0."""
    from great_expectations.expectations.core.expect_column_values_to_be_between import (
        ExpectColumnValuesToBeBetween,
    )
    from great_expectations.expectations.metadata_types import FailureSeverity
    from great_expectations.expectations.row_conditions import Column

    severity = {"error": FailureSeverity.CRITICAL, "warning": FailureSeverity.WARNING}
    expectations = [
        ExpectColumnValuesToBeBetween(
            column="slack_micro",
            min_value=0,
            row_condition=Column("rule_id") == rule.id,
            severity=severity[rule.severity],
            description=f"{rule.id} {rule.description_zh}",
            meta={"rule_id": rule.id, "family": rule.family, "description": rule.description},
        )
        for rule in rules
    ]
    # passed whole: add_expectation() on a suite would re-save the stored suite once per expectation
    return gx.ExpectationSuite(name=f"yujuesuan_{name}", expectations=expectations)


def _batch(checks: pl.DataFrame) -> Any:
    import pandas as pd

    slack = [int((s * SLACK_SCALE).to_integral_value(rounding="ROUND_FLOOR")) for s in checks["slack"]]
    return pd.DataFrame(
        {
            "check_id": checks["check_id"].to_list(),
            "rule_id": checks["rule_id"].to_list(),
            "slack_micro": pd.Series(slack, dtype="int64"),
        }
    )


def _context(gx: Any, docs_dir: Path | None) -> Any:
    from great_expectations.data_context.types.base import ProgressBarsConfig

    if docs_dir is None:
        context = gx.get_context(mode="ephemeral")
    else:
        docs_dir.mkdir(parents=True, exist_ok=True)
        context = gx.get_context(mode="file", project_root_dir=str(docs_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _stored_suite(context: Any, suite: Any) -> Any:
    """The suite as stored in a file context, replaced only when the rule catalog changed."""
    try:
        stored = context.suites.get(suite.name)
    except Exception:  # GX's not-found error types vary across versions
        return context.suites.add(suite)
    if [e.configuration.to_json_dict() for e in stored.expectations] == [
        e.configuration.to_json_dict() for e in suite.expectations
    ]:
        return stored
    context.suites.delete(suite.name)
    return context.suites.add(suite)


def run_suite(
    checks: pl.DataFrame, rules: list[Rule], suite_name: str, run_name: str, docs_dir: Path | None = None
) -> Verdict:
    """Validate one document's checks with GX; with `docs_dir`, also keep the result for Data Docs.

    The site itself is rendered once per report (`build_data_docs`), not once per document.
    """
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    lock = FileLock(str(docs_dir) + ".lock", timeout=600) if docs_dir else None
    if lock:
        lock.acquire()
    try:
        context = _context(gx, docs_dir)
        source = context.data_sources.add_or_update_pandas("yujuesuan_checks")
        asset = next((a for a in source.assets if a.name == suite_name), None) or source.add_dataframe_asset(
            suite_name
        )
        batch = next((b for b in asset.batch_definitions if b.name == "document"), None)
        batch = batch or asset.add_batch_definition_whole_dataframe("document")
        suite = build_suite(gx, suite_name, rules)
        suite = _stored_suite(context, suite) if docs_dir is not None else context.suites.add(suite)
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=f"yujuesuan_{suite_name}", data=batch, suite=suite)
        )
        result = definition.run(
            batch_parameters={"dataframe": _batch(checks)},
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["check_id"]},
            run_id=RunIdentifier(run_name=run_name),
        )
    finally:
        if lock:
            lock.release()
    failed: set[int] = set()
    for expectation in result.results:
        for item in expectation.result.get("unexpected_index_list") or []:
            failed.add(int(item["check_id"]))
    return Verdict(frozenset(failed), bool(result.success), len(result.results))


def build_data_docs(docs_dir: Path) -> Path | None:
    """Render the Data Docs site from the validation results kept under `docs_dir`; its index page."""
    if not (docs_dir / "gx").is_dir():
        return None
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    with FileLock(str(docs_dir) + ".lock", timeout=600):
        context = _context(gx, docs_dir)
        context.build_data_docs()
        for page in docs_dir.rglob("*.html"):
            offline(page)
        for css in docs_dir.rglob("*.css"):
            css.write_text(_REMOTE_URL.sub("none", css.read_text(encoding="utf-8")), encoding="utf-8")
    return next(iter(sorted(docs_dir.rglob("index.html"))), None)


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
