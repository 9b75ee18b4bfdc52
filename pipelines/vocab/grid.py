"""Grid primitives every stage shares: where a table's header ends, and the column layout it names.

Extraction uses `is_data_row` / `header_row_count` to stitch and split grids; normalisation reads
the header into a `Layout` (normalise/headers.py); the catalog turns a text template into one
(catalog/layout.py). They sit here, below all three, so none has to import another sideways.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from pipelines.vocab.codes import is_code
from pipelines.vocab.numbers import looks_like_money
from pipelines.vocab.text import normalise_text

_TOTAL_LABELS = {"合计", "总计"}


class GridRow(Protocol):
    """Any printed row with one text per grid column (extract's `RawRow` is one)."""

    @property
    def cells(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Column:
    index: int
    role: str  # key | seq | value
    header: str  # header path as printed, parts joined with "/"
    measure: str | None = None
    ordinal: int | None = None  # 栏次 number printed under the column
    unit: bool = False  # a key column that names the spending unit (预算单位), not the line
    level: str | None = None  # 类 | 款 | 项 for a code split over three sub-columns


@dataclass(frozen=True)
class Panel:
    """A side-by-side block of the table (D01's 收入 | 支出, D06's three code/name/amount groups)."""

    name: str | None
    columns: tuple[Column, ...]

    @property
    def key_columns(self) -> list[Column]:
        return [c for c in self.columns if c.role == "key"]

    @property
    def value_columns(self) -> list[Column]:
        return [c for c in self.columns if c.role == "value"]


@dataclass(frozen=True)
class Layout:
    header_rows: int
    panels: tuple[Panel, ...]
    unmapped: tuple[str, ...]


def is_data_row(cells: tuple[str, ...]) -> bool:
    """A row carries data when it prints an amount, or starts with a code followed by a name."""
    texts = [normalise_text(c) for c in cells]
    if any(looks_like_money(t) for t in texts):
        return True
    non_empty = [t for t in texts if t]
    if len(non_empty) >= 2 and is_code(non_empty[0]) and not non_empty[1].isdigit():
        return True
    return bool(non_empty) and non_empty[0] in _TOTAL_LABELS and len(non_empty) <= 2 and texts[0] != ""


def header_row_count(rows: Sequence[GridRow]) -> int:
    for i, row in enumerate(rows):
        if is_data_row(row.cells):
            return i
    return len(rows)


_YEAR = re.compile(r"(\d{4})年度?")


def relative_years(grid: list[list[str]]) -> list[list[str]]:
    """Name printed years relative to the latest one in the header: 本年 for it, 上年 for earlier.

    A 2025 budget printing "2024年预算数" beside "2025年预算数" keeps both columns apart by
    meaning (上年预算数 / 本年预算数), whatever the years are.
    """
    years = [int(m.group(1)) for row in grid for cell in row for m in _YEAR.finditer(cell)]
    if not years:
        return grid
    latest = max(years)
    return [
        [_YEAR.sub(lambda m: "本年" if int(m.group(1)) == latest else "上年", cell) for cell in row]
        for row in grid
    ]
