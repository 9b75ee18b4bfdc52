"""Dagster resources: where the warehouse and the landing folder are."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from pipelines.paths import default_inbox, default_warehouse, reports_dir_for

__all__ = ["InboxResource", "WarehouseResource", "default_inbox", "default_warehouse", "reports_dir_for"]


class WarehouseResource(dg.ConfigurableResource["WarehouseResource"]):
    """The DuckDB file that every load step writes to (one writer at a time)."""

    path: str = default_warehouse()

    @property
    def file(self) -> Path:
        return Path(self.path)

    @property
    def reports_dir(self) -> Path:
        return reports_dir_for(self.file)


class InboxResource(dg.ConfigurableResource["InboxResource"]):
    """The landing folder the sensor watches and the nightly schedule ingests."""

    path: str = default_inbox()
