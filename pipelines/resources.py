"""Dagster resources: where the warehouse and the landing folder are."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from pipelines import work_dir


def default_warehouse() -> str:
    return os.environ.get("YUJUESUAN_WAREHOUSE", str(work_dir() / "data" / "warehouse.duckdb"))


def default_inbox() -> str:
    return os.environ.get("YUJUESUAN_INBOX", str(work_dir() / "data" / "inbox"))


def reports_dir_for(warehouse: Path) -> Path:
    """Quality reports and the GX Data Docs site live beside the warehouse (data/reports/)."""
    return warehouse.resolve().parent / "reports"


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB file that every load step writes to (one writer at a time)."""

    path: str = default_warehouse()

    @property
    def file(self) -> Path:
        return Path(self.path)

    @property
    def reports_dir(self) -> Path:
        return reports_dir_for(self.file)


class InboxResource(dg.ConfigurableResource):
    """The landing folder the sensor watches and the nightly schedule ingests."""

    path: str = default_inbox()
