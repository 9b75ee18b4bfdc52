"""Polars frames handed to DuckDB (`con.register`) as Arrow C streams."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl


class ArrowStream:
    """A polars frame as DuckDB reads any Arrow C stream (`__arrow_c_stream__`, exported by polars).

    Registered as a polars frame, DuckDB converts it with `DataFrame.to_arrow()`, which imports
    pyarrow (~0.17 CPU-s and ~30 MiB in the CLI's process, where nothing else needs it). Through
    the stream DuckDB reads the same Arrow arrays, which polars exports without pyarrow; each scan
    opens a stream of its own, so a registered frame can be read more than once.
    """

    __slots__ = ("frame",)

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        return self.frame.__arrow_c_stream__(requested_schema)
