"""Where the warehouse, the landing folder and the reports are: no Dagster, so the CLI starts fast."""

from __future__ import annotations

import os
from pathlib import Path

from pipelines import work_dir


def default_warehouse() -> str:
    return os.environ.get("YUJUESUAN_WAREHOUSE", str(work_dir() / "data" / "warehouse.duckdb"))


def default_inbox() -> str:
    return os.environ.get("YUJUESUAN_INBOX", str(work_dir() / "data" / "inbox"))


def reports_dir_for(warehouse: Path) -> Path:
    """Quality reports and the GX Data Docs site live beside the warehouse (data/reports/)."""
    return warehouse.resolve().parent / "reports"
