"""Shared fixtures: the bundled real documents and a scratch warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.extract.document import extract_document
from pipelines.load.warehouse import load_document
from pipelines.normalise.document import normalise_document

PROJECT = Path(__file__).resolve().parent.parent
SAMPLES = PROJECT / "data" / "samples"
SHGZB_PDF = SAMPLES / "sh_putuo_shgzb_2024_juesuan.pdf"
TEMPLATE_PDF = SAMPLES / "template_bumen_juesuan.pdf"
SEED000 = SAMPLES / "seed000_tongnan_zfb_2024_juesuan.txt"
SEEDS = PROJECT / "tests" / "fixtures" / "seeds"  # the five seed text exports, 000 … 004


def pytest_configure(config: pytest.Config) -> None:
    """PDFs the tests draw with reportlab come out byte-identical run after run (no creation time, no
    random file id): a document id is their hash, so a failure that depends on it reproduces on every
    machine (0.11.0's CI failed on one rendered document's id in about 1,800, see test_gx.py)."""
    from reportlab import rl_config

    rl_config.invariant = 1


def ingest(con: duckdb.DuckDBPyConnection, source: Path) -> str:
    """Extract, normalise and load one file the way the Dagster assets do; its document id."""
    n = normalise_document(extract_document(source))
    return load_document(con, n.document, n.facts, n.tables, n.extras).document_id


def nightly_tick(instance: Any, resources: dict[str, Any]) -> tuple[list[str], list[Any]]:
    """One `inbox_sensor` tick, its partitions registered, then the `nightly_ingest` tick of 2 September
    2025 02:00 Shanghai time: (the partition keys the sensor asked for, the schedule's run requests)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import dagster as dg

    from pipelines.defs import inbox_sensor, nightly_ingest
    from pipelines.wiring.partitions import SOURCE_FILES

    result = inbox_sensor(dg.build_sensor_context(instance=instance, resources=resources))
    assert isinstance(result, dg.SensorResult)
    keys = [k for r in result.dynamic_partitions_requests or [] for k in r.partition_keys]
    instance.add_dynamic_partitions(SOURCE_FILES, keys)
    tick = datetime(2025, 9, 2, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    requests = nightly_ingest(
        dg.build_schedule_context(instance=instance, resources=resources, scheduled_execution_time=tick)
    )
    assert isinstance(requests, list)
    return keys, requests


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


@pytest.fixture(autouse=True)
def _dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own Dagster instance so partitions and runs never leak between tests."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(home))


# The fast tier (`make test-fast`, under 30 s): table-of-cases tests of the parsers, the catalog, the
# tolerance and the rule contracts, none of which opens a PDF page, a Dagster instance or a
# subprocess. Every other module is marked `slow`, so a new module is in the full suite only until
# it is listed here on purpose.
FAST_TIER = frozenset(
    {
        "tests.catalog.test_catalog_data",
        "tests.extract.test_titles",
        "tests.extract.test_metadata",
        "tests.extract.test_performance",
        "tests.normalise.test_keys",
        "tests.normalise.test_narrative",
        "tests.validate.test_tolerance",
        "tests.test_scorecard",
        "tests.test_docs_honest",
        "tests.test_errors",
        "tests.test_lifetime",
        "tests.test_budget",
        "tests.load.test_schema_parity",
        "tests.normalise.test_parsers",
        "tests.normalise.test_align",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        module = getattr(item, "module", None)  # a pytest.Function's module; other items have none
        if module is None or module.__name__ not in FAST_TIER:
            item.add_marker(pytest.mark.slow)
