"""Where the warehouse, the landing folder and the reports are: light (no Dagster), for the CLI's
start-up path; the Dagster resources (resources.py) use the same defaults."""

from __future__ import annotations

import os
from pathlib import Path

from pipelines import PROJECT_DIR


def default_warehouse() -> str:
    return os.environ.get("YUJUESUAN_WAREHOUSE", str(PROJECT_DIR / "data" / "warehouse.duckdb"))


def default_inbox() -> str:
    return os.environ.get("YUJUESUAN_INBOX", str(PROJECT_DIR / "data" / "inbox"))


def reports_dir_for(warehouse: Path) -> Path:
    """Quality reports and the GX Data Docs site live beside the warehouse (data/reports/)."""
    return warehouse.resolve().parent / "reports"
