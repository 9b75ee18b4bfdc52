"""Where a PDF table is printed, the numbers printed there, and other readings of the same region.

The normaliser checks a reading against what the page prints (normalise/coverage.py): every number
inside the table's region must land in exactly one fact. When a reading fails that check, the
other engines read the same regions here (`candidate_pages`) and the normaliser keeps the reading
the checks and the table's own identities support best.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import OrderedDict
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from pipelines.extract.camelot import camelot_grid, page_chars
from pipelines.extract.pdfium_page import PdfiumPages
from pipelines.extract.plumber import (
    LinearTableFinder,
    opened,
    ruled_grids,
    table_texts,
    word_grid,
    words_within,
)
from pipelines.extract.types import BBox, PrintedNumber, RawRow, RawTable
from pipelines.vocab.text import remember_short

_BLANKS = re.compile(r"\s+")
# 1,205.00 · 2218.51 · 36 · -3.20 · (3.20): what a printed figure looks like once spaces are gone
_NUMBER = re.compile(r"^\(?-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?\)?$")
WORD_SETTINGS: dict[str, Any] = {"keep_blank_chars": False, "x_tolerance": 1.5, "y_tolerance": 2}


@remember_short
def number_text(text: str) -> str | None:
    """The token as a printed number (NFKC, no spaces), or None when it is not one."""
    t = _BLANKS.sub("", unicodedata.normalize("NFKC", text))
    return t if _NUMBER.match(t) else None


def grid_region(grids: list[tuple[BBox, list[RawRow]]], top: float, fallback: BBox) -> BBox:
    """The box of a title's ruled grids from the title down, or the text region when it has none."""
    boxes = [r.bbox for _, g in grids for r in g if r.bbox is not None and r.bbox[1] >= top - 1]
    if not boxes:
        return fallback
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def region_numbers(page: Any, region: BBox) -> list[PrintedNumber]:
    """Every number printed inside `region` of a pdfplumber page, one per word."""
    x0, top, x1, bottom = region
    box = (max(x0, 0), max(top, 0), min(x1, page.width), min(bottom, page.height))
    if box[2] <= box[0] or box[3] <= box[1]:
        return []
    out: list[PrintedNumber] = []
    for w in words_within(page, box, **WORD_SETTINGS):
        text = number_text(w["text"])
        if text is not None:
            out.append(PrintedNumber(page.page_number, (w["x0"], w["top"], w["x1"], w["bottom"]), text))
    return out


def note_region(table: RawTable, page: Any, region: BBox) -> None:
    """Record that `table` is printed in `region` of `page`, with the numbers printed there."""
    if any(p == page.page_number for p, _ in table.regions):
        return
    table.regions.append((page.page_number, region))
    table.printed.extend(region_numbers(page, region))


# --- other readings of the same regions -----------------------------------------------------------

ENGINES = ("pdfplumber-lattice", "pdfplumber-words", "pdfplumber-edges", "camelot-lattice", "camelot-stream")


class Rereading:
    """One file opened for the engines that re-read its tables one after another: pdfplumber's document
    (opened, and its list of pages built, once rather than once per engine and table), pdfium's beside
    it, and what one table's readings share (camelot's page layouts, each page's character count).
    `table_done` drops what a table's readings left; all of it is closed and dropped on exit."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.layouts: dict[int, Any] = {}
        self.chars: dict[int, int] = {}  # page number → characters in its text layer (`page_chars`)
        self._read: set[int] = set()  # pdfplumber pages read since `table_done`
        self._files = ExitStack()
        self._opened: tuple[Any, PdfiumPages] | None = None

    def __enter__(self) -> Rereading:
        return self

    def __exit__(self, *exc: object) -> None:
        self._files.close()
        self._opened = None
        self.layouts.clear()
        self.chars.clear()
        self._read.clear()

    def files(self) -> tuple[Any, PdfiumPages]:
        """pdfplumber's and pdfium's documents, opened on first use."""
        if self._opened is None:
            pdf = self._files.enter_context(opened(self.path))
            self._opened = (pdf, self._files.enter_context(PdfiumPages(self.path)))
        return self._opened

    def page(self, number: int) -> Any:
        """pdfplumber's page `number`, closed again by `table_done`."""
        self._read.add(number)
        return self.files()[0].pages[number - 1]

    def table_done(self) -> None:
        """Close the pages a table's readings parsed (`_PARSED` keeps the last few) and drop camelot's
        layouts: the next table starts from fresh pages, as from a newly opened file."""
        if self._opened is not None:
            for number in self._read:
                self._opened[0].pages[number - 1].close()
        self._read.clear()
        self.layouts.clear()


def candidate_pages(
    path: Path,
    table: RawTable,
    engine: str,
    edges: list[float] | None = None,
    rereading: Rereading | None = None,
) -> list[list[RawRow]]:
    """The table's regions read by `engine`, one list of rows per page (no stitching here).

    `pdfplumber-edges` splits the columns at edges read from the page's header (`header_edges`),
    or at the caller's `edges` where the header gives none.
    An engine that finds nothing on a page returns no rows for it. `rereading`: the file as the
    other engines, and the document's other tables, have it open (one is opened for this call alone
    without it).
    """
    if rereading is None:
        with Rereading(path) as alone:
            return candidate_pages(path, table, engine, edges, alone)
    pages: list[list[RawRow]] = []
    bands = None
    fast = rereading.files()[1]
    for number, region in table.regions:
        page = rereading.page(number)
        _PARSED.restore(path, page)
        if not engine.startswith("camelot"):
            fast.parsed(page)
        if engine.startswith("camelot"):
            ruled = engine.endswith("lattice")
            if number not in rereading.chars:
                rereading.chars[number] = page_chars(path, number)
            rows = camelot_grid(
                path,
                number,
                ruled=ruled,
                region=region,
                page_height=page.height,
                layouts=rereading.layouts,
                chars=rereading.chars[number],
            )
        elif engine == "pdfplumber-lattice":
            rows = [r for bbox, g in ruled_grids(page) if _inside(bbox, region) for r in g]
        elif engine == "pdfplumber-words":
            rows, found = word_grid(page, region, bands)
            bands = bands or found
        elif engine == "pdfplumber-edges":
            page_edges = header_edges(page, region) or edges
            rows = _edge_rows(page, region, page_edges) if page_edges else []
        else:
            rows = []
        _PARSED.keep(path, page)
        pages.append(rows)
    return pages


class _ParsedPages:
    """The parsed objects of the pages most recently re-read, so the engines that re-read one table's
    regions one after another parse each page once (parsing is most of pdfplumber's cost). Keyed by
    the file's identity on disk; a few pages only, since a page's objects can take megabytes."""

    def __init__(self, size: int = 6) -> None:
        self.size = size
        self.pages: OrderedDict[tuple[str, int, int, int], dict[str, Any]] = OrderedDict()

    @staticmethod
    def _key(path: Path, page: Any) -> tuple[str, int, int, int]:
        stat = path.stat()
        return (str(path.resolve()), stat.st_size, stat.st_mtime_ns, int(page.page_number))

    def restore(self, path: Path, page: Any) -> None:
        objects = self.pages.get(self._key(path, page))
        if objects is not None:
            page._objects = objects
            self.pages.move_to_end(self._key(path, page))

    def keep(self, path: Path, page: Any) -> None:
        if "_objects" not in vars(page):
            return  # the engine never parsed the page (camelot reads the file itself)
        self.pages[self._key(path, page)] = page._objects
        self.pages.move_to_end(self._key(path, page))
        while len(self.pages) > self.size:
            self.pages.popitem(last=False)


_PARSED = _ParsedPages()


def _inside(bbox: BBox, region: BBox) -> bool:
    """A grid belongs to the region when most of its height lies inside it."""
    overlap = min(bbox[3], region[3]) - max(bbox[1], region[1])
    return overlap > 0.5 * (bbox[3] - bbox[1])


def header_edges(page: Any, region: BBox) -> list[float]:
    """Column edges from the header printed above the region's first figure, checked by the body.

    Each header word names a column, except a group header, which spans two or more narrower
    header words (本年支出 over 合计 | 基本支出 | 项目支出) and is dropped; an edge lies midway
    between neighbouring header columns. An edge that would cut a word of the body is dropped, and
    every gutter the body's words leave open (no word crosses it) is an edge too.
    """
    x0, top, x1, bottom = region
    box = (max(x0, 0), max(top, 0), min(x1, page.width), min(bottom, page.height))
    words = words_within(page, box, **WORD_SETTINGS)
    figures = [w for w in words if number_text(w["text"]) and ("." in w["text"] or "," in w["text"])]
    if not figures:
        return []
    first = min(w["top"] for w in figures)
    head = [w for w in words if w["bottom"] <= first + 1 and not number_text(w["text"])]
    body = [w for w in words if w["top"] >= first - 1]
    spans = [(w["x0"], w["x1"]) for w in head]
    leaves = [
        (a, b)
        for a, b in spans
        if sum(1 for c, d in spans if (c, d) != (a, b) and a - 1 <= c and d <= b + 1) < 2
    ]
    edges = {(left[1] + right[0]) / 2 for left, right in itertools.pairwise(_merged(leaves))}
    edges = {e for e in edges if not any(w["x0"] < e < w["x1"] for w in body)}
    edges |= {
        (left[1] + right[0]) / 2
        for left, right in itertools.pairwise(_merged([(w["x0"], w["x1"]) for w in body]))
    }
    return sorted({box[0], box[2], *edges}) if edges else []


def _merged(spans: list[tuple[float, float]]) -> list[list[float]]:
    out: list[list[float]] = []
    for a, b in sorted(spans):
        if out and a < out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def _edge_rows(page: Any, region: BBox, edges: list[float]) -> list[RawRow]:
    """Rows split at explicit column edges (from the header) and at text lines (pdfplumber)."""
    settings = {
        "vertical_strategy": "explicit",
        "explicit_vertical_lines": sorted(edges),
        "horizontal_strategy": "text",
        "text_x_tolerance": 1.5,
        "snap_tolerance": 2,
    }
    x0, top, x1, bottom = region
    crop = page.crop((max(x0, 0), max(top, 0), min(x1, page.width), min(bottom, page.height)))
    rows: list[RawRow] = []
    for table in LinearTableFinder(crop, settings).tables:  # `crop.find_tables`, the same tables
        table_rows = table.rows
        for row, texts in zip(table_rows, table_texts(table, table_rows), strict=True):
            rows.append(RawRow(tuple(t or "" for t in texts), page=page.page_number, bbox=row.bbox))
    return rows
